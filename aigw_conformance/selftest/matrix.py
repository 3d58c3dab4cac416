"""Pure compilation of self-test runs into a detection matrix (no processes; reads only the catalogue).

A fault counts as *caught* when at least one scenario that passed against the faithful reference
fails against the faulty one: comparing with the faithful run keeps a scenario that is
broken for everyone from looking like a detector. It is caught *by citing* when one of those
scenarios cites the requirement the fault breaks; caught only by unrelated scenarios is a weakness.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Mapping

MATRIX_VERSION = "aigw-selftest/v1"
BAD = ("failed", "error")


def profile_of(requirement: str) -> str:
    """The requirement's profile as the catalogue states it ("?" for an id it does not list)."""
    found = _catalogue().get(requirement)
    return found.profile if found else "?"


@functools.lru_cache(maxsize=1)
def _catalogue():
    from aigw_conformance.requirements import load_catalogue
    return load_catalogue()


@dataclass(frozen=True)
class RunOutcome:
    """One subprocess run: its conformance.json (None when it was never written) and how it ended."""
    report: Mapping[str, Any] | None
    returncode: int | None = None
    seconds: float = 0.0
    problem: str = ""                      # timeout / crash text; empty when the run finished
    log_tail: tuple[str, ...] = field(default_factory=tuple)


def _scenarios(report: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return list((report or {}).get("scenarios") or [])


def outcomes(report: Mapping[str, Any] | None) -> dict[str, str]:
    """scenario id → outcome; the verdict-relevant view of a run (used by the flakiness bench too)."""
    return {s["id"]: s["outcome"] for s in _scenarios(report)}


def _faithful(run: RunOutcome | None) -> dict[str, Any]:
    scen = _scenarios(run.report if run else None)
    problem = (run.problem if run else "not run") or ("" if run and run.report else "no conformance.json written")
    failed = sorted(s["id"] for s in scen if s["outcome"] in BAD)
    skipped = [{"id": s["id"], "outcome": s["outcome"], "reason": s.get("reason", "")}
               for s in sorted(scen, key=lambda s: s["id"]) if s["outcome"] in ("skipped", "not-supported")]
    return {
        "ok": not problem and not failed and bool(scen),
        "problem": problem,
        "scenarios": len(scen),
        "passed": sum(1 for s in scen if s["outcome"] == "passed"),
        "failed": failed,
        "skipped": skipped,
        "returncode": run.returncode if run else None,
        "seconds": round(run.seconds, 2) if run else 0.0,
    }


def _fault(name: str, requirement: str, description: str, run: RunOutcome | None,
           baseline: dict[str, str] | None, unstable: frozenset[str], era: str = "") -> dict[str, Any]:
    scen = _scenarios(run.report if run else None)
    problem = (run.problem if run else "not run") or ("" if run and run.report else "no conformance.json written")
    # Without a faithful baseline every failure counts; with one, only regressions against it do.
    # Only a *failed* check is detection: an error means the harness could not get an answer (a fault that
    # stops the target from starting would otherwise look "caught" by everything).
    # Scenarios the flakiness bench saw change outcome between faithful runs prove nothing either way.
    regressed = [s for s in scen if s["outcome"] in BAD and s["id"] not in unstable
                 and (baseline is None or baseline.get(s["id"]) == "passed")]
    detecting = [s for s in regressed if s["outcome"] == "failed"]
    citing = [s for s in detecting if requirement in (s.get("requirements") or [])]
    caught = bool(detecting)
    status = "missed" if problem or not caught else ("caught" if citing else "weak")
    return {
        "fault": name,
        "era": era,
        "requirement": requirement,
        "profile": profile_of(requirement),
        "description": description,
        "status": status,
        "caught": caught and not problem,
        "caught_by_citing": bool(citing) and not problem,
        "failed_scenarios": sorted(s["id"] for s in detecting),
        "citing_scenarios": sorted(s["id"] for s in citing),
        "errored_scenarios": sorted(s["id"] for s in regressed if s["outcome"] == "error"),
        "detecting_profiles": sorted({s.get("profile", "") for s in detecting} - {""}),
        "problem": problem,
        "returncode": run.returncode if run else None,
        "seconds": round(run.seconds, 2) if run else 0.0,
    }


def coverage(faithful_runs: Mapping[str, RunOutcome | None], requirements=()) -> dict[str, dict[str, Any]]:
    """Per requirement: how many independent paths check it in the faithful runs (each era's run counts
    its own cases), i.e. passed cases and the distinct scenarios they come from. A requirement with one
    path is thin: one prefix, header or provider the gateway may treat differently is unchecked."""
    out: dict[str, dict[str, Any]] = {r: {"scenarios": 0, "cases": 0, "eras": []} for r in requirements}
    seen: dict[str, tuple[set, set, set]] = {}
    for era, run in faithful_runs.items():
        for s in _scenarios(run.report if run else None):
            if s.get("outcome") != "passed":
                continue
            for req in s.get("requirements") or []:
                scen, cases, eras = seen.setdefault(req, (set(), set(), set()))
                scen.add(str(s["id"]).split("[", 1)[0])
                cases.add((era, s["id"]))
                eras.add(era)
    for req, (scen, cases, eras) in seen.items():
        out[req] = {"scenarios": len(scen), "cases": len(cases), "eras": sorted(eras)}
    return dict(sorted(out.items()))


def compile_matrix(faithful: RunOutcome | None, faults: Mapping[str, RunOutcome | None],
                   catalogue: Mapping[str, tuple[str, str]], *, wall_seconds: float = 0.0,
                   stamp: str = "", selection: tuple[str, ...] = (),
                   unstable: frozenset[str] = frozenset(),
                   faithful_eras: Mapping[str, RunOutcome | None] | None = None,
                   fault_eras: Mapping[str, str] | None = None, requirements=()) -> dict[str, Any]:
    """The detection matrix as a JSON-ready dict; `faults` maps fault name → its run (None = not run).
    `unstable`: scenario ids known to change outcome on the faithful reference; never counted as detection.
    `faithful_eras`: the faithful run of each further era (model-authz, older); a fault whose era
    (`fault_eras`) has one is compared with that baseline, not with `faithful` (the newest)."""
    fault_eras = fault_eras or {}
    extra = dict(faithful_eras or {})
    baselines = {era: outcomes(r.report) if r and r.report else None for era, r in extra.items()}
    base = outcomes(faithful.report) if faithful and faithful.report else None
    rows = [_fault(n, *catalogue.get(n, ("?", "not in the fault catalogue")), faults[n],
                   baselines[fault_eras[n]] if fault_eras.get(n) in baselines else base,
                   frozenset(unstable), fault_eras.get(n, ""))
            for n in sorted(faults)]
    count = {k: sum(1 for r in rows if r["status"] == k) for k in ("caught", "weak", "missed")}
    fa = _faithful(faithful)
    fa_eras = {era: _faithful(r) for era, r in sorted(extra.items())}
    fa_ok = fa["ok"] and all(f["ok"] for f in fa_eras.values())
    result = {
        "apiVersion": MATRIX_VERSION,
        "stamp": stamp,
        "selection": list(selection),
        "unstable_scenarios": sorted(unstable),
        "faithful": fa,
        "faults": rows,
        "totals": {"faults": len(rows), **count, "faithful_ok": fa_ok,
                   "by_profile": {p: sum(1 for r in rows if r["profile"] == p)
                                  for p in sorted({r["profile"] for r in rows})},
                   "wall_seconds": round(wall_seconds, 2)},
        "ok": fa_ok and count["missed"] == 0,
    }
    if extra:
        result["faithful_eras"] = fa_eras
    result["coverage"] = coverage({"newest": faithful, **extra}, requirements)
    return result


def exit_code(matrix: Mapping[str, Any]) -> int:
    """1 when a fault was missed or the faithful reference failed; weak detections do not fail the run."""
    return 0 if matrix["ok"] else 1
