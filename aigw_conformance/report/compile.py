"""Pure compilation of scenario results into a ConformanceReport (aigw-conformance/v1).

Modelled on the Gateway API ConformanceReport: per profile and level a result of success (all
passed), partial (something was skipped or not supported) or failure (something failed or
errored). Only MUST scenarios of the required profiles decide the overall verdict; SHOULD
results are reported and never gate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable

from .expected_failures import match

API_VERSION = "aigw-conformance/v1"
OUTCOMES = ("passed", "failed", "error", "skipped", "not-supported")

ConformanceReport = dict[str, Any]


@dataclass(frozen=True)
class ScenarioResult:
    id: str
    outcome: str                  # one of OUTCOMES
    suite: str = ""
    profile: str = ""
    level: str = "MUST"
    requirements: tuple[str, ...] = ()
    title: str = ""
    reason: str = ""
    duration: float = 0.0
    evidence: tuple[str, ...] = field(default_factory=tuple)
    error_kind: str = ""          # error only: transport | not-attempted | stale-input | config | target | harness


def _stats(results: list[ScenarioResult]) -> dict[str, int]:
    count = {o: sum(1 for r in results if r.outcome == o) for o in OUTCOMES}
    return {"passed": count["passed"], "failed": count["failed"], "errored": count["error"],
            "skipped": count["skipped"], "notSupported": count["not-supported"]}


def level_summary(results: list[ScenarioResult], expected: list) -> dict[str, Any]:
    """success / partial / failure for one profile and level; expected failures do not count."""
    counted = [r for r in results if not (r.outcome in ("failed", "error") and match(r.id, expected))]
    stats = _stats(results)
    if any(r.outcome in ("failed", "error") for r in counted) or any(
            r.outcome == "passed" and match(r.id, expected) for r in results):
        result = "failure"
    elif any(r.outcome in ("skipped", "not-supported") for r in results):
        result = "partial"
    else:
        result = "success"
    return {
        "result": result,
        "statistics": stats,
        "failedTests": sorted(r.id for r in results if r.outcome in ("failed", "error")),
        "skippedTests": [{"id": r.id, "outcome": r.outcome, "reason": r.reason}
                         for r in sorted(results, key=lambda r: r.id)
                         if r.outcome in ("skipped", "not-supported")],
    }


def _requirements(results: list[ScenarioResult]) -> dict[str, Any]:
    by_req: dict[str, list[ScenarioResult]] = {}
    for r in results:
        for req in r.requirements:
            by_req.setdefault(req, []).append(r)
    out = {}
    for req, rs in sorted(by_req.items()):
        outs = {r.outcome for r in rs}
        if outs & {"failed"}:
            verdict = "failed"
        elif "error" in outs:
            verdict = "error"
        elif outs == {"passed"}:
            verdict = "passed"
        elif "passed" in outs:
            verdict = "partial"
        else:
            verdict = "not-tested"
        out[req] = {"verdict": verdict, "scenarios": sorted(r.id for r in rs)}
    return out


def verdict(results: Iterable[ScenarioResult], required: set[str] | None, expected: list, *,
            interrupted: bool = False) -> dict[str, str]:
    """pass | fail | inconclusive, from the MUST scenarios of the required profiles only. A run that
    was interrupted is never a pass: the scenarios it did not reach are unknown."""
    gating = [r for r in results if r.level == "MUST" and (required is None or r.profile in required)]
    failed = [r.id for r in gating if r.outcome == "failed" and not match(r.id, expected)]
    errored = [r.id for r in gating if r.outcome == "error" and not match(r.id, expected)]
    stale = [r.id for r in gating if r.outcome == "passed" and match(r.id, expected)]
    if failed:
        return {"result": "fail", "reason": f"{len(failed)} required MUST scenario(s) failed: {', '.join(sorted(failed)[:10])}"}
    if stale:
        return {"result": "fail", "reason": "listed as expected failures but passed (update the list): "
                + ", ".join(sorted(stale)[:10])}
    if interrupted:
        return {"result": "inconclusive", "reason": f"interrupted (Ctrl-C or SIGTERM) after {len(list(results))} "
                "scenario(s): the rest did not run"}
    if errored:
        stale_input = {r.id for r in gating if r.error_kind == "stale-input"} & set(errored)
        why = ["the target unreachable or garbage, or a positive control that did not hold; each one's reason "
               "says which"] if len(stale_input) < len(errored) else []
        if stale_input:   # the input, not the target: said first, with what to do
            how_many = len(stale_input) if why else "all"
            why.insert(0, f"{how_many} of them on a valid token from the target's token source that Coder's "
                       "own API refuses too: it expired or was revoked outside the run, renew it")
        return {"result": "inconclusive", "reason": f"{len(errored)} required MUST scenario(s) errored "
                f"(no verdict from them: {'; '.join(why)}): {', '.join(sorted(errored)[:10])}"}
    if not any(r.outcome == "passed" for r in gating):
        return {"result": "inconclusive", "reason": "no required MUST scenario ran" + (
            f" ({len(gating)} selected, each skipped or not supported by the target: see each one's reason)"
            if gating else "")}
    passed = sum(1 for r in gating if r.outcome == "passed")
    return {"result": "pass", "reason": f"all {passed} required MUST scenario(s) that ran passed"}


def gated(result: ScenarioResult, catalogue, claimed: set[str]) -> ScenarioResult:
    """A profile the catalogue marks `gating: false` (fuzz, live clients, load) reports its scenarios
    as SHOULD, so they never decide the verdict, unless the target opts in by claiming the profile."""
    if result.level != "MUST" or catalogue is None or result.profile in claimed:
        return result
    return result if catalogue.is_gating(result.profile) else replace(result, level="SHOULD")


def compile_report(results: list[ScenarioResult], catalogue=None, target: dict | None = None, *,
                   required_profiles: Iterable[str] | None = None, claimed_profiles: Iterable[str] = (),
                   expected_failures: list | None = None, era: str = "", harness_version: str = "",
                   scenario_digest: str = "", date: str = "", interrupted: bool = False) -> ConformanceReport:
    """Results → the report dict. Pure: no clock, no files (date and digest are passed in)."""
    expected = [e if isinstance(e, dict) else {"id": e.id, "reason": e.reason} for e in (expected_failures or [])]
    required = set(required_profiles) if required_profiles else None
    claimed = set(claimed_profiles)
    results = [gated(r, catalogue, claimed) for r in results]
    profiles = []
    for name in sorted({r.profile for r in results}):
        rs = [r for r in results if r.profile == name]
        profiles.append({
            "name": name,
            "claimed": name in claimed,
            "required": required is None or name in required,
            "must": level_summary([r for r in rs if r.level == "MUST"], expected),
            "should": level_summary([r for r in rs if r.level != "MUST"], expected),
        })
    exp_out = []
    for e in expected:
        hits = [r for r in results if match(r.id, [e])]
        status = ("not-run" if not hits else
                  "unexpected-pass" if all(r.outcome == "passed" for r in hits) else "failed-as-expected")
        exp_out.append({"id": e["id"], "reason": e["reason"], "status": status})
    return {
        "apiVersion": API_VERSION,
        "kind": "ConformanceReport",
        "date": date,
        "harnessVersion": harness_version,
        "scenarioSetDigest": scenario_digest,
        "target": target or {},
        "era": era,
        "requiredProfiles": sorted(required) if required else None,
        "profiles": profiles,
        "requirements": _requirements(results),
        "scenarios": [{**_scenario_fields(r), "requirements": list(r.requirements), "evidence": list(r.evidence),
                       "expectedFailure": match(r.id, expected) is not None}
                      for r in sorted(results, key=lambda r: r.id)],
        "expectedFailures": exp_out,
        "transport": transport_summary(results),
        "verdict": verdict(results, required, expected, interrupted=interrupted),
        "interrupted": interrupted,
    }


def _scenario_fields(r: ScenarioResult) -> dict[str, Any]:
    fields = asdict(r)
    fields["errorKind"] = fields.pop("error_kind")
    return fields


def transport_summary(results: list[ScenarioResult]) -> dict[str, Any]:
    """How many scenarios got no answer from the target, how many were not attempted, and why."""
    got_none = [r for r in results if r.error_kind == "transport"]
    skipped = [r for r in results if r.error_kind == "not-attempted"]
    first = min(got_none, key=lambda r: r.id).reason if got_none else ""
    return {"noAnswer": len(got_none), "notAttempted": len(skipped), "firstCause": first}


def summary_lines(report: ConformanceReport) -> list[str]:
    """A short human summary (terminal and summary.md)."""
    lines = [f"Verdict: {report['verdict']['result'].upper()} - {report['verdict']['reason']}"]
    for leak in report.get("lateLeaks") or []:
        lines.append(f"Late leak: {leak.get('scenario') or '-'} {leak.get('step', '')} "
                     f"{leak.get('problem') or 'a denied request reached the provider after its answer'}")
    stale = [s for s in report["scenarios"] if s.get("errorKind") == "stale-input"]
    if stale:   # one cause for all of them: its words once, not only in each scenario's reason
        first = min(stale, key=lambda s: s["id"])["reason"].removeprefix("stale input: ")
        lines.append(f"Stale input: {len(stale)} scenario(s) not judged: {first}")
    tr = report.get("transport") or {}
    if tr.get("noAnswer") or tr.get("notAttempted"):
        lines.append(f"Target unreachable: {tr['noAnswer']} scenario(s) got no answer, {tr['notAttempted']} more "
                     f"not attempted; first cause: {tr['firstCause']}")
    for p in report["profiles"]:
        for level in ("must", "should"):
            s = p[level]["statistics"]
            if sum(s.values()) == 0:
                continue
            lines.append(f"  {p['name']:<18} {level.upper():<6} {p[level]['result']:<8} "
                         f"passed {s['passed']}, failed {s['failed']}, errored {s['errored']}, "
                         f"skipped {s['skipped']}, not supported {s['notSupported']}")
    return lines
