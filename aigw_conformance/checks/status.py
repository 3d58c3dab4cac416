"""`expect.status`: an exact status code or a set of allowed codes."""

from __future__ import annotations

from aigw_conformance.errors import MismatchDetail
from aigw_conformance.observation import Observation


def allowed(expected) -> list[int]:
    values = expected if isinstance(expected, (list, tuple, set, frozenset)) else [expected]
    return [int(v) for v in values]


def check(obs: Observation, expected, ctx=None) -> list[MismatchDetail]:
    want = allowed(expected)
    shown = str(want[0]) if len(want) == 1 else f"one of {want}"
    if obs.response is None:
        hs = obs.handshake.status if obs.handshake else None
        return [MismatchDetail("status", shown, f"no HTTP response (tunnel not opened, CONNECT status {hs})")]
    if obs.response.status in want:
        return []
    return [MismatchDetail("status", shown, f"{obs.response.status} {obs.response.reason}".strip())]
