"""Every fault added for Addendum A and for the path-dependent gaps of issue 15 is caught by a scenario
that cites the rule it breaks, in the era the rule lives in, and the faithful reference passes the same
selection. Targeted runs: each fault against only the scenarios that should catch it (`-k`), the
faithful run of each era against all of them (aigw-conformance selftest runs the full matrix)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from aigw_conformance.selftest import compile_matrix
from aigw_conformance.selftest.runner import RunSpec, run_one
from aigw_reference.faults import FAULT_ERAS, FAULTS, era_of

NEWEST = {
    "csrf-not-enforced": "HDR-CSRF-COOKIE-REFUSED",
    "route-404-generic": "PATH-ROUTE-NOT-SUPPORTED",
    "governance-delegated-bypass": "CM-GOVERNANCE-NO-RESERVED-VALUE",
    "plain-http-forwarded": "PROXY-PLAIN-HTTP-407",
    "legacy-prefix-accepts-expired": "VAL-EXPIRED and not WRONG",
    "x-api-key-ignores-status": "VAL-USER-SUSPENDED",
    "anthropic-accepts-revoked": "VAL-REVOKED-DELETE",
    "id-case-insensitive": "TOK-NEAR-MISS and bearer",
    "secret-trailing-char-ignored": "TOK-NEAR-MISS and bearer",
}
MODEL_AUTHZ = {
    "model-check-skipped": "MA-CONFIG-BINDS",
    "model-denial-after-credentials": "MA-DENIAL-BEFORE-CREDENTIALS",
    "model-denial-reveals-cause": "MA-NEW-USER-DENIED",
    "model-check-ignores-model": "MA-CONFIG-BINDS",
    "model-scope-ignored": "MA-SCOPE-DENIES",
    "grant-new-users": "MA-NEW-USER-NO-GRANT",
    "malformed-model-context-allowed": "MA-MALFORMED",
    "evaluation-error-as-denial": "MA-EVALUATION or MA-MALFORMED",
    "store-error-is-unknown-key": "MA-STORE-FAILURE",
    "invalid-json-400": "BRIDGE-INTERCEPTOR",
    "disabled-provider-404": "BRIDGE-DISABLED",
    "no-body-cap": "BRIDGE-BODY-CAP-413",
    "no-credential-403": "BRIDGE-NO-CREDENTIAL-500",
    "websocket-forwarded": "BRIDGE-WEBSOCKET",
    "copilot-passthrough-fixed-list": "PATH-COPILOT-PASSTHROUGH-ALL",
    "copilot-centralized-accepted": "PATH-COPILOT-CENTRALIZED-FAILS",
    "pool-before-byok": "CM-CREDENTIAL-ORDER",
    "proxy-static-hosts": "PROXY-RELOAD-ENABLED",
    "proxy-stale-tunnel-routed": "PROXY-STALE-TUNNEL",
}


SUITES = Path(__file__).resolve().parents[3] / "suites"
SCENARIO_ID = re.compile(r"[A-Z][A-Z0-9]+(?:-[A-Z0-9]+)+")


def _suites_for(k: str) -> tuple[str, ...]:
    """`--suites FILE` when the scenario ids a selection names are all in one suite file: the same
    scenarios selected, without collecting the other files (a run is a few seconds, there are 30)."""
    ids = SCENARIO_ID.findall(k)
    files = [f for f in sorted(SUITES.glob("*.yaml"))
             if any(re.search(rf"\bid: \S*{re.escape(i)}", f.read_text()) for i in ids)]
    return ("--suites", str(files[0])) if len(files) == 1 else ()


def _run(tmp_path, era: str, selections: dict[str, str], jobs: int = 2):
    union = " or ".join(f"({k})" for k in dict.fromkeys(selections.values()))
    items = [("faithful", (), union)] + [(f, (f,), k) for f, k in selections.items()]

    def go(item):
        name, faults, k = item
        spec = RunSpec(out_dir=tmp_path, timeout=300, extra=(*_suites_for(k), "-k", k))
        return name, run_one(spec, name, faults, None if era == "newest" else era)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = dict(pool.map(go, items))
    faithful = runs.pop("faithful")
    if era == "newest":
        return compile_matrix(faithful, runs, FAULTS, fault_eras=FAULT_ERAS), faithful, runs
    return compile_matrix(None, runs, FAULTS, faithful_eras={era: faithful}, fault_eras=FAULT_ERAS), faithful, runs


def test_every_new_fault_has_a_selection_and_an_era():
    new = set(NEWEST) | set(MODEL_AUTHZ)
    assert new <= FAULTS.keys()
    assert all(era_of(f) == "model-authz" for f in MODEL_AUTHZ) and all(era_of(f) == "newest" for f in NEWEST)
    assert set(FAULT_ERAS) == set(MODEL_AUTHZ)


@pytest.mark.parametrize("era, selections", [("newest", NEWEST), ("model-authz", MODEL_AUTHZ)])
def test_each_fault_is_caught_by_a_scenario_citing_its_rule(tmp_path, era, selections):
    m, faithful, runs = _run(tmp_path, era, selections)
    base = m["faithful"] if era == "newest" else m["faithful_eras"][era]
    assert base["ok"] and base["passed"] >= len(selections), (base, faithful.log_tail)
    bad = [(r["fault"], r["status"], r["failed_scenarios"][:3], runs[r["fault"]].log_tail)
           for r in m["faults"] if r["status"] != "caught" or not r["citing_scenarios"]]
    assert not bad, bad
    assert {r["fault"] for r in m["faults"]} == set(selections)


def test_a_path_dependent_fault_slips_past_the_single_path_it_used_to_be_checked_on(tmp_path):
    """Issue 15, section 2: the old VAL-EXPIRED sent one prefix, one header, one provider."""
    single = {"legacy-prefix-accepts-expired": "VAL-EXPIRED and canonical-bearer-openai"}
    m, _, _ = _run(tmp_path, "newest", single, jobs=1)
    assert m["faithful"]["ok"] and m["faults"][0]["status"] == "missed"
