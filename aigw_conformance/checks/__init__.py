"""Check kinds: one module per `expect:` key, each a pure `check(observation, expected, ctx)`.

A new kind is a new module plus one entry in CHECKS. Order matters only for the message: status
first, because it is what a reader looks at first.
"""

from __future__ import annotations

from typing import Callable

from aigw_conformance.errors import MismatchDetail
from aigw_conformance.observation import Observation

from . import body, handshake, headers, status, upstream

Check = Callable[[Observation, object, object], list[MismatchDetail]]

CHECKS: dict[str, Check] = {
    "handshake": handshake.check,
    "status": status.check,
    "headers": headers.check,
    "body": body.check,
    "upstream": upstream.check,
}


def run_checks(obs: Observation, expect: dict, ctx=None, step: str | None = None) -> list[MismatchDetail]:
    """Run every check whose key is set in `expect` (a plain dict); details carry the step label."""
    out: list[MismatchDetail] = []
    for kind, fn in CHECKS.items():
        if kind not in expect:
            continue
        if expect[kind] is None and kind != "handshake":
            continue
        for d in fn(obs, expect[kind], ctx):
            d.step = d.step or step
            out.append(d)
    return out


__all__ = ["CHECKS", "run_checks"]
