"""`expect.headers`: present / absent / equal / match / not_match (full-match Python regex), case-insensitive
names."""

from __future__ import annotations

import re

from aigw_conformance.errors import MismatchDetail
from aigw_conformance.observation import Headers, Observation, header_values

from ._util import CheckContext, plain, show


def check_headers(headers: Headers, expected, label: str = "header",
                  ctx: CheckContext | None = None) -> list[MismatchDetail]:
    exp = plain(expected) or {}
    out: list[MismatchDetail] = []
    for name in exp.get("present", []) or []:
        if not header_values(headers, name):
            out.append(MismatchDetail(f"{label} {name}", "present", "absent"))
    for name in exp.get("absent", []) or []:
        vals = header_values(headers, name)
        if vals:
            out.append(MismatchDetail(f"{label} {name}", "absent", f"present ({show(vals[0], ctx)})"))
    for name, want in (exp.get("equal") or {}).items():
        vals = header_values(headers, name)
        if not vals:
            out.append(MismatchDetail(f"{label} {name}", show(str(want), ctx), "absent"))
        elif str(want) not in vals:
            out.append(MismatchDetail(f"{label} {name}", show(str(want), ctx), show(vals[0], ctx)))
    for name, pattern in (exp.get("match") or {}).items():
        vals = header_values(headers, name)
        if not vals:
            out.append(MismatchDetail(f"{label} {name}", f"matching /{pattern}/", "absent"))
        elif not any(re.fullmatch(str(pattern), v) for v in vals):
            out.append(MismatchDetail(f"{label} {name}", f"matching /{pattern}/", show(vals[0], ctx)))
    for name, pattern in (exp.get("not_match") or {}).items():
        bad = [v for v in header_values(headers, name) if re.fullmatch(str(pattern), v)]
        if bad:
            out.append(MismatchDetail(f"{label} {name}", f"no value matching /{pattern}/", show(bad[0], ctx)))
    return out


def check(obs: Observation, expected, ctx: CheckContext | None = None) -> list[MismatchDetail]:
    if obs.response is None:
        return [MismatchDetail("headers", "an HTTP response", "none (tunnel not opened)")]
    return check_headers(obs.response.headers, expected, ctx=ctx)
