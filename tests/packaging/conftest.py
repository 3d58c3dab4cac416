"""Wall times of the packaging tests, printed in the terminal summary (figures for the notes)."""

from __future__ import annotations

import json

import pytest

_TIMINGS = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def timings(request) -> dict:
    return request.config.stash.setdefault(_TIMINGS, {})


def pytest_terminal_summary(terminalreporter, config) -> None:
    figures = config.stash.get(_TIMINGS, None)
    if figures:
        terminalreporter.write_line(f"packaging timings (s, sizes KiB): {json.dumps(figures)}")
