"""Fuzz profile: token mutation (hypothesis) and schemathesis runs over the auth surface."""

from __future__ import annotations

from aigw_conformance.fuzz.context import FuzzContext


def run_fuzz_step(step, ctx: FuzzContext):
    """Run one ``fuzz:`` step; returns MismatchDetails (empty = pass)."""
    from aigw_conformance.fuzz.dispatch import run_fuzz_step as _run

    return _run(step, ctx)


__all__ = ["FuzzContext", "run_fuzz_step"]
