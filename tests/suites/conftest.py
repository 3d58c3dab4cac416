"""Shared fixtures for the suite and fixture-file checks: everything is loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from aigw_conformance.requirements import load_catalogue
from aigw_conformance.scenario.expand import expand
from aigw_conformance.scenario.loader import check_suites, suite_paths

ROOT = Path(__file__).resolve().parents[2]
SUITES = ROOT / "suites"
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(FIXTURES / "requirements.yaml")


@pytest.fixture(scope="session")
def loaded(catalogue):
    """(suites, errors) for every file under suites/."""
    return check_suites(suite_paths([SUITES]), catalogue)


@pytest.fixture(scope="session")
def cases(loaded, catalogue):
    suites, _ = loaded
    return [case for suite in suites for case in expand(suite, catalogue)]
