"""Check kinds: one module per `expect:` key, each a pure `check(observation, expected, ctx)`.

A new kind is a new module plus one entry in CHECKS (and its field on `scenario.expectations.Expect`).
Order matters only for the message: status first, because it is what a reader looks at first.
`ctx` is a `CheckContext`: checks show observed values through its redactor before they cut them
short, so a secret can never survive half-shown.
"""

from __future__ import annotations

from typing import Callable

from aigw_conformance.errors import MismatchDetail
from aigw_conformance.observation import Observation
from aigw_conformance.scenario.expectations import Expect

from . import body, handshake, headers, status, upstream
from ._util import CheckContext

Check = Callable[[Observation, object, CheckContext], list[MismatchDetail]]

CHECKS: dict[str, Check] = {
    "handshake": handshake.check,
    "status": status.check,
    "headers": headers.check,
    "body": body.check,
    "upstream": upstream.check,
}


def run_checks(obs: Observation, expect: Expect, ctx: CheckContext | None = None,
               step: str | None = None) -> list[MismatchDetail]:
    """Run every check whose key the scenario set in `expect`; details carry the step label."""
    ctx = ctx or CheckContext()
    out: list[MismatchDetail] = []
    for kind, fn in CHECKS.items():
        if kind not in expect.model_fields_set:
            continue
        value = getattr(expect, kind)
        if value is None and kind != "handshake":
            continue
        for d in fn(obs, value, ctx):
            d.step = d.step or step
            out.append(d)
    return out


__all__ = ["CHECKS", "CheckContext", "run_checks"]
