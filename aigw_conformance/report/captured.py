"""What pytest captured while a scenario ran (its log records, stdout and stderr), redacted before
any report shows or stores it: allure attaches it to the scenario, the terminal prints it under a
failure.

The harness's own evidence goes through the run's redactor when it is attached; this is the other
way text reaches a report. Since pytest 9.1 the log capture also listens on loggers that do not
propagate, among them mitmproxy's (the taps' log), which quotes header lines it could not parse:
a fuzzed header with a live token in it reached the allure "log" attachment whole (found by the
ground-truth scan of tests/e2e/test_shared_reference.py, pytest 9.2).
"""

from __future__ import annotations

from typing import Callable

import pytest


class RedactCaptured:
    def __init__(self, redact: Callable[[str], str]) -> None:
        self.redact = redact

    # innermost of the wrappers: allure's, which attaches the sections, sees them redacted
    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        report.sections = [(title, self.redact(text)) for title, text in report.sections]
        return report


__all__ = ["RedactCaptured"]
