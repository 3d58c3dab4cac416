"""`expect.handshake`: the proxy's answer to CONNECT (status or null, reason, headers, body, closed)."""

from __future__ import annotations

from aigw_conformance.errors import MismatchDetail
from aigw_conformance.observation import Observation

from ._util import CheckContext, plain, show
from .body import check_text
from .headers import check_headers


def check(obs: Observation, expected, ctx: CheckContext | None = None) -> list[MismatchDetail]:
    if hasattr(expected, "model_dump"):
        expected = expected.model_dump(exclude_unset=True)
    exp = expected or {}
    hs = obs.handshake
    if hs is None:
        return [MismatchDetail("handshake", "a CONNECT exchange", "none (request was not sent through a proxy)")]
    out: list[MismatchDetail] = []
    # `status: null` is meaningful (closed without an answer), so test key presence, not value.
    if "status" in exp and exp["status"] != hs.status:
        out.append(MismatchDetail("handshake status", str(exp["status"]),
                                  str(hs.status) if hs.status is not None else "no response"))
    if exp.get("reason") is not None and exp["reason"] != hs.reason:
        out.append(MismatchDetail("handshake reason", show(exp["reason"], ctx), show(hs.reason, ctx)))
    if exp.get("headers"):
        out += check_headers(hs.headers, exp["headers"], label="handshake header", ctx=ctx)
    if exp.get("body"):
        out += check_text(hs.body.decode("utf-8", "replace"), exp["body"], label="handshake body", ctx=ctx)
    if exp.get("closed") is not None and bool(exp["closed"]) != hs.closed:
        out.append(MismatchDetail("handshake closed", str(bool(exp["closed"])).lower(), str(hs.closed).lower()))
    return out
