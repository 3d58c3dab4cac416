"""The garbage-collector policy (the plugin's use of it: test_pytest_plugin)."""

from __future__ import annotations

import gc

import pytest

from aigw_conformance.heap import no_automatic_collection


def test_automatic_collection_resumes_as_it_was():
    assert gc.isenabled()
    with pytest.raises(ValueError), no_automatic_collection():
        assert not gc.isenabled()
        raise ValueError("inside")
    assert gc.isenabled()
    gc.disable()
    try:
        with no_automatic_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()   # left off: it was off before
    finally:
        gc.enable()
