"""The release gate: reads conformance.json and decides, for the required profiles, pass or fail.

Fails exactly when a MUST scenario of a required profile failed or errored and is not listed as an
expected failure, when a listed expected failure passed (the list must be kept honest), or when
nothing was shown: a required profile (``--profile``) with no MUST scenario that passed, or, with
none named, a report in which no MUST scenario passed. A report of skips and not-supported
scenarios (a target that cannot serve them, a selection that left none) proves nothing, and a
release must not ship on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from aigw_conformance.errors import ConfigError

from .expected_failures import match


@dataclass(frozen=True)
class GateResult:
    ok: bool
    lines: list[str]


def load_report(path: str | Path) -> dict:
    p = Path(path)
    if p.is_dir():
        p = p / "conformance.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the report: {exc.strerror}", file=str(p)) from None
    except ValueError as exc:
        raise ConfigError(f"not valid JSON ({exc})", file=str(p)) from None
    if not isinstance(data, dict) or data.get("apiVersion") != "aigw-conformance/v1":
        raise ConfigError("not an aigw-conformance/v1 ConformanceReport", file=str(p), field="apiVersion")
    if not isinstance(data.get("scenarios"), list):
        raise ConfigError("the report has no scenarios list", file=str(p), field="scenarios")
    return data


def gating_scenarios(scenarios: list[dict], required: set[str]) -> list[dict]:
    """The MUST scenarios of the required profiles (every profile when none is)."""
    return [s for s in scenarios if s.get("level") == "MUST" and (not required or s.get("profile") in required)]


def nothing_shown(gating: list[dict], required: set[str]) -> list[str]:
    """One line per required profile none of whose MUST scenarios passed (with none required: one line
    when no MUST scenario passed at all)."""
    passed = {s.get("profile") for s in gating if s["outcome"] == "passed"}
    if not required:
        return [] if passed else [f"NOTHING SHOWN: no MUST scenario passed in this report ({len(gating)} in it): "
                                  "it proves nothing; select scenarios and a target that can serve them"]
    out = []
    for prof in sorted(required - passed):
        n = sum(1 for s in gating if s.get("profile") == prof)
        out.append(f"NOTHING SHOWN: required profile {prof!r} has "
                   + (f"{n} MUST scenario(s) in this report and none passed" if n else "no MUST scenario in this report")
                   + ": the report proves nothing of it")
    return out


def evaluate(report: dict, required_profiles: list[str], expected_failures: list | None = None) -> GateResult:
    expected = [e if isinstance(e, dict) else {"id": e.id, "reason": e.reason} for e in (expected_failures or [])]
    if not expected:
        expected = [e for e in report.get("expectedFailures", []) if isinstance(e, dict)]
    required = set(required_profiles)
    gating = gating_scenarios(report["scenarios"], required)
    lines: list[str] = []
    bad = False
    for s in gating:
        listed = match(s["id"], expected)
        if s["outcome"] in ("failed", "error"):
            if listed:
                lines.append(f"expected {s['outcome']}: {s['id']} ({listed['reason']})")
            else:
                bad = True
                lines.append(f"{s['outcome'].upper()}: {s['id']} [{', '.join(s.get('requirements', []))}] "
                             f"{s.get('reason', '')}".rstrip())
        elif s["outcome"] == "passed" and listed:
            bad = True
            lines.append(f"UNEXPECTED PASS: {s['id']} is listed as an expected failure ({listed['reason']}); "
                         "remove it from the list")
    if report.get("interrupted"):
        bad = True
        lines.append("INTERRUPTED: the run was stopped before every scenario ran; its verdict is unknown")
    empty = nothing_shown(gating, required)
    bad = bad or bool(empty)
    lines += empty
    counts = {o: sum(1 for s in gating if s["outcome"] == o)
              for o in ("passed", "failed", "error", "skipped", "not-supported")}
    scope = ", ".join(sorted(required)) if required else "all profiles"
    lines.append(f"gate ({scope}): {'FAIL' if bad else 'PASS'} - MUST scenarios: "
                 + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return GateResult(ok=not bad, lines=lines)
