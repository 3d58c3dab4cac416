"""The whole default suite against an external target, on every CI run (issue 12 sections 3 and 4).

The target is two `reference serve` processes described only by a targets file (external_target.py):
the main deployment with `--keep-alive 1`, its proxy (its CA fetched from the gateway), canary, rate-limited
listener and `coder-api` token source, and a separate byok-disabled deployment with its own database
and its own operator token. Every code path an external target takes runs: the targets loader with
${VAR}s, per-endpoint token sources, two brokers, the proxy runner with the CA from `proxy_ca: endpoint`
(fetched with the operator's session), the canary of a
gateway the harness did not start, a server that closes idle connections after 1 s.

The run uses two xdist workers (`-n 2`): each worker has its own broker and its own capture folder
(capture-gw0/, capture-gw1/); the serial path is the wheel test's full default run.

Afterwards, through each deployment's REST API as its operator: no token and no user the run
created is left (none named with the run's prefix, and the counts are what they were before). The
secret scan has its ground truth from the gateways, not from the harness: every key either deployment
issued (the operator's, the static ones, every token minted by the brokers, by scenarios' own POSTs
and by the fuzz engines) is looked for in every file of the run and in the terminal output, in every
form secret_scan.py knows; every 201 answer of the token API in the captures shows its key redacted;
the central provider keys appear nowhere. An earlier scan looked only for secrets the harness itself
had registered, and so could not see minted keys the capture recorded before the redactor knew them,
nor the fuzz engine's mutated tokens (one character away from a live secret).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aigw_conformance import exitcodes
from aigw_conformance.tokens.naming import run_prefix

from .external import inventory
from .external_target import start
from .runs import run
from .secret_scan import issued_keys, scan, token_answers

# What an external target cannot have, and why: each not-supported scenario must be explained here.
NOT_SUPPORTED = {
    # the proxy's CONNECT port gate admits 80, 443 and the ports it was started with; the harness's
    # echo server gets its port when the run starts, after the deployment: declare tunnel-echo only
    # for a proxy that admits it
    "tunnel-echo": {"PROXY-TUNNEL-UNTOUCHED", "PROXY-PLAIN-HTTP-407-REACHABLE-HOST"},
    # [model-authz] administration features: the target is a newest-era build
    "model-admin": None, "ai-provider-admin": None,
    # the reference's own switch to make a lookup fail like a database error; no deployment has it
    "store-failures": None,
}
LACKS = re.compile(r"^not-supported: target lacks (.+)$")


@pytest.mark.slow
def test_default_suite_against_an_external_target(tmp_path: Path) -> None:
    dep = start(tmp_path / "deployments", issued_keys=True)
    try:
        before = {"main": inventory(dep.main), "nobyok": inventory(dep.nobyok)}
        res = run(tmp_path, "--target", "ext", "--targets-file", str(dep.targets), "-n", "2",
                  env=dep.env, run_id="external", timeout=500)
        after = {"main": inventory(dep.main), "nobyok": inventory(dep.nobyok)}
    finally:
        dep.stop()

    outcomes = res.outcomes()
    bad = {k: v for k, v in outcomes.items() if v in ("failed", "error")}
    assert res.rc == exitcodes.OK and not bad, f"exit {res.rc}: {bad}\n{res.out[-3000:]}"
    assert sum(v == "passed" for v in outcomes.values()) >= 350, res.out[-1500:]
    for sid in ("CM-BYOK-DISABLED", "CM-BYOK-DISABLED-CENTRALIZED-WORKS", "PATH-RATE-LIMIT-429",
                "PROXY-CA-CERT-ENDPOINT[ai-gateway]"):
        assert outcomes.get(sid) == "passed", (sid, outcomes.get(sid))

    unexplained = []
    for s in res.report["scenarios"]:
        if s["outcome"] == "skipped":
            assert "era" in s["reason"], s            # only scenarios of the other eras
        if s["outcome"] != "not-supported":
            continue
        m = LACKS.match(s["reason"])
        lacks = [f.strip() for f in m.group(1).split(",")] if m else [s["reason"]]
        for feature in lacks:
            allowed = NOT_SUPPORTED.get(feature, set())
            if allowed is not None and s["id"].split("[")[0] not in allowed:
                unexplained.append(f"{s['id']}: {s['reason']}")
    assert unexplained == []
    assert outcomes.get("PROXY-TUNNEL-UNTOUCHED") == "not-supported"   # was an error (no tunnel_echo)

    # the byok-disabled scenarios minted on the second deployment, with its own operator token
    assert len(issued_keys(dep.nobyok.issued_keys)) > 3, "only the second deployment's seed keys were issued"

    prefix = run_prefix("external")
    assert {k: v.named(prefix) for k, v in after.items()} == {"main": [], "nobyok": []}
    assert after == before, "the operator's tokens and the users are what they were before the run"

    files = [p for p in res.run_dir.rglob("*") if p.is_file()]
    assert {p.parent.name for p in files if p.name == "traffic.mitm"} >= {"capture-gw0", "capture-gw1"}
    assert any(p.name.endswith(".har") for p in files)
    keys = issued_keys(dep.main.issued_keys) + issued_keys(dep.nobyok.issued_keys)
    assert len(keys) >= 100, f"only {len(keys)} keys issued: is the issued-keys file written?"
    leaks = scan(res.run_dir, keys, extra={"terminal": res.out})
    assert [str(x) for x in leaks] == [], f"{len(leaks)} leak(s) of {len(keys)} issued keys"
    seen, clear = token_answers(res.run_dir)
    assert seen >= 10, "the captures hold the token API's 201 answers"   # the scan had something to scan
    assert clear == [], clear[:10]
    # provider keys are secrets too (not issued keys: the scan above cannot know them)
    central = [k for k in dep.central_keys if k]
    assert central and [(p.name, k[:12]) for p in files for k in central if k.encode() in p.read_bytes()] == []
    assert any(b"<redacted:" in p.read_bytes() for p in files if p.suffix in (".json", ".har", ".jsonl"))

    # -n 2 spreads the long scenarios over the workers (aigw_conformance/schedule.py)
    fuzz_workers = {}
    for f in (res.run_dir / "allure-results").glob("*-result.json"):
        result = json.loads(f.read_text())
        if result["name"].startswith("FUZZ-"):
            fuzz_workers[result["name"].split(":")[0]] = next(
                label["value"] for label in result["labels"] if label["name"] == "thread")
    assert len(fuzz_workers) == 3 and len(set(fuzz_workers.values())) == 2, fuzz_workers

    report = json.loads((res.run_dir / "conformance.json").read_text())
    executed = [s for s in report["scenarios"] if s["outcome"] in ("passed", "failed")]
    # every executed scenario points at its flows, the fuzz engines' (tagged by test id) included
    assert [s["id"] for s in executed if not any(e.startswith("flow:") for e in s.get("evidence", []))] == []
    assert res.out.count("Traceback") == 0
