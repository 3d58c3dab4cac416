"""`expect.upstream`: what the canary (the simulated provider) received for this step."""

from __future__ import annotations

from aigw_conformance.errors import MismatchDetail
from aigw_conformance.observation import Observation, UpstreamRecord

from ._util import CheckContext, plain, show
from .headers import check_headers


def _leaks(rec: UpstreamRecord, needle: str) -> str | None:
    for name, value in rec.headers:
        if needle in value:
            return f"header {name}"
    if needle in rec.body.decode("utf-8", "replace"):
        return "body"
    return None


def check(obs: Observation, expected, ctx: CheckContext | None = None) -> list[MismatchDetail]:
    exp = plain(expected) or {}
    if obs.upstream is None:
        return [MismatchDetail("upstream", "canary records", "none: the target's upstream is not observable")]
    records = obs.upstream
    reached = exp.get("reached")
    if reached is False:
        if records:
            return [MismatchDetail("upstream reached", "the provider not to receive the request",
                                   f"{len(records)} request(s) reached it ({records[0].method} {records[0].path})")]
        return []
    if not records:
        if reached or any(k in exp for k in ("path", "headers", "not_contains")):
            return [MismatchDetail("upstream reached", "the request to reach the provider", "no request reached it")]
        return []
    rec = records[-1]
    out: list[MismatchDetail] = []
    if exp.get("path") is not None and rec.path != exp["path"]:
        out.append(MismatchDetail("upstream path", show(exp["path"], ctx), show(rec.path, ctx)))
    if exp.get("headers"):
        out += check_headers(rec.headers, exp["headers"], label="upstream header", ctx=ctx)
    for needle in exp.get("not_contains", []) or []:
        needle = str(needle)
        if not needle:
            continue
        for r in records:
            where = _leaks(r, needle)
            if where:
                out.append(MismatchDetail(f"upstream {where}", f"not to contain {show(needle, ctx)}", "it does"))
                break
    return out
