"""The pytest yardstick of bench/direct_checks.py: the same N checks as N plain pytest tests.

Run by direct_checks.py as `python -m pytest bench/floor_checks.py -p floor_exit …` with
AIGW_BENCH_BASE, AIGW_BENCH_TOKEN and AIGW_BENCH_N set. Each test sends one check's request with
bench/bare_loop.py's own function (one client for the session, as the harness has one for the run)
and asserts its 200: what any pytest-based harness pays for one test item per check, with no
scenario file, model, evidence or verdict of its own. Run once without reports and once with the two
report files every check of the harness must produce (allure-pytest's result, JUnit's testcase).
"""

from __future__ import annotations

import os

import pytest

from bare_loop import check, client

BASE, TOKEN = os.environ.get("AIGW_BENCH_BASE", ""), os.environ.get("AIGW_BENCH_TOKEN", "")
N = int(os.environ.get("AIGW_BENCH_N", "0"))


@pytest.fixture(scope="session")
def http():
    with client() as c:
        yield c


def _test(http):
    assert check(http, BASE, TOKEN)


# N functions rather than one parametrized: a parameter is a fixture of its own, and allure-pytest
# writes a container file for each fixture a test finishes with, a file no scenario of the harness has.
for _i in range(N):
    globals()[f"test_check_{_i:05d}"] = _test
