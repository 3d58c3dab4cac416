"""The embedded reference spawned before pytest starts is the one the run uses, or is ended."""

from __future__ import annotations

from contextlib import ExitStack

from aigw_common.redaction import Redactor
from aigw_conformance.targets import reference
from aigw_conformance.targets.kind import StartContext
from aigw_conformance.targets.model import Target


def declared() -> Target:
    return Target(name="reference", kind="reference", base_url="")


def test_the_target_start_takes_over_the_early_process(tmp_path):
    reference.spawn_early("newest")
    early = reference._early[0]
    with ExitStack() as stack:
        started = reference.start(declared(), StartContext(redactor=Redactor(), run_dir=tmp_path, stack=stack,
                                                           era=None, faults=()))
        assert started.target.base_url.startswith("http://127.0.0.1:")
        assert reference._early == [] and early.pending.proc.poll() is None   # that process serves the run
    assert early.pending.proc.poll() is not None      # and stops with it
    assert not early.work.exists()


def test_an_early_process_for_other_options_is_ended_and_not_used(tmp_path):
    reference.spawn_early("newest")
    early = reference._early[0]
    with ExitStack() as stack:
        reference.start(declared(), StartContext(redactor=Redactor(), run_dir=tmp_path, stack=stack,
                                                 era="model-authz", faults=()))
        assert early.pending.proc.poll() is not None     # ended, not the run's reference
        assert not early.work.exists()


def test_discard_ends_an_early_process_nobody_took():
    reference.spawn_early("newest")
    early = reference._early[0]
    reference.discard_early()
    assert early.pending.proc.poll() is not None
    assert not early.work.exists() and reference._early == []
