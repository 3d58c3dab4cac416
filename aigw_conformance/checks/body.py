"""`expect.body`: exact text, JSON subset, contains / not_contains substrings."""

from __future__ import annotations

import json
from typing import Any

from aigw_conformance.errors import MismatchDetail
from aigw_conformance.observation import Observation

from ._util import CheckContext, plain, show

_MISSING = object()


def subset_problem(want: Any, got: Any, path: str = "$", ctx: CheckContext | None = None) -> str | None:
    """First place where `want` is not a subset of `got` (dicts: subset of keys; rest: equality)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path} is {type(got).__name__}, not an object"
        for key, sub in want.items():
            if key not in got:
                return f"{path}.{key} is missing"
            problem = subset_problem(sub, got[key], f"{path}.{key}", ctx)
            if problem:
                return problem
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return f"{path} is {show(got, ctx)}"
        for i, (w, g) in enumerate(zip(want, got)):
            problem = subset_problem(w, g, f"{path}[{i}]", ctx)
            if problem:
                return problem
        return None
    return None if want == got else f"{path} is {show(got, ctx)}"


def check_text(text: str, expected, label: str = "body", ctx: CheckContext | None = None) -> list[MismatchDetail]:
    exp = plain(expected) or {}
    out: list[MismatchDetail] = []
    if "exact" in exp:
        allowed = exp["exact"] if isinstance(exp["exact"], list) else [exp["exact"]]
        if text not in allowed:
            want = " or ".join(show(a, ctx) for a in allowed)
            out.append(MismatchDetail(label, want, show(text, ctx)))
    if "json" in exp:
        try:
            got = json.loads(text)
        except ValueError:
            out.append(MismatchDetail(f"{label} JSON", f"JSON containing {show(exp['json'], ctx)}", f"not JSON: {show(text, ctx)}"))
        else:
            problem = subset_problem(exp["json"], got, ctx=ctx)
            if problem:
                out.append(MismatchDetail(f"{label} JSON", f"JSON containing {show(exp['json'], ctx)}", problem))
    for needle in exp.get("contains", []) or []:
        if str(needle) not in text:
            out.append(MismatchDetail(label, f"to contain {show(str(needle), ctx)}", show(text, ctx)))
    for needle in exp.get("not_contains", []) or []:
        if needle != "" and str(needle) in text:
            out.append(MismatchDetail(label, f"not to contain {show(str(needle), ctx)}", "it does"))
    return out


def check(obs: Observation, expected, ctx: CheckContext | None = None) -> list[MismatchDetail]:
    if obs.response is None:
        return [MismatchDetail("body", "an HTTP response", "none (tunnel not opened)")]
    return check_text(obs.response.body.decode("utf-8", "replace"), expected, ctx=ctx)
