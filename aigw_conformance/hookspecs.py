"""Hooks the aigw plugin offers to other plugins (registered with `pytest_addhooks`)."""

from __future__ import annotations

import pytest

hookspec = pytest.hookimpl  # placeholder so the module reads like pytest's own hookspec modules


def pytest_aigw_report_compiled(report: dict, run_dir) -> None:
    """Called on the controller after conformance.json is compiled, before it is written.

    `report` is the ConformanceReport dict (aigw-conformance/v1); plugins may add evidence
    pointers but must not change verdicts.
    """
