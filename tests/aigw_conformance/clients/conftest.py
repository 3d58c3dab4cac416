import pytest

from aigw_conformance.clients import sealing_problem


@pytest.fixture
def sealed():
    """Tests of the sealed runner need Linux namespaces; where they cannot be made the harness reports
    the live-clients profile as not-supported (tested in test_unavailable.py), so these are skipped."""
    problem = sealing_problem()
    if problem is not None:
        pytest.skip(problem)
