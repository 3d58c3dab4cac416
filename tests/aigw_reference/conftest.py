"""The `reference` fixture: one real reference gateway process (via launch.py) for the whole session."""

from __future__ import annotations

import pytest

from aigw_conformance.targets.reference_process import start_reference


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    with start_reference(tmp_path_factory.mktemp("reference")) as ref:
        yield ref


@pytest.fixture(scope="session")
def ref_state(reference) -> dict:
    return reference.state


@pytest.fixture(scope="session")
def api(ref_state):
    from .ref_helpers import Api
    with Api(ref_state) as a:
        yield a


@pytest.fixture(scope="session")
def minted_pair(api):
    tok = api.mint()
    return tok, tok.split("-")[0]
