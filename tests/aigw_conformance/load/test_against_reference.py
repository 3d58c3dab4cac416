"""Real load runs against the embedded reference: Locust master + two local workers as subprocesses,
real HTTP over loopback, real SQLite. The faithful reference passes all four workloads; the named
faults fail exactly the workload that protects their rule."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aigw_conformance import exitcodes
from aigw_conformance.report import html

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "aigw_conformance/report/schema/conformance-v1.json").read_text())
TOKEN_SHAPE = re.compile(r"(?<![0-9A-Za-z-])[0-9A-Za-z]{10}-[0-9A-Za-z]{22}(?![0-9A-Za-z-])")
DURATION = "2"          # the flood needs enough valid requests before and during it


def load(tmp: Path, run_id: str, *args: str, duration: str = DURATION) -> tuple[int, str, dict]:
    private = tmp / f"tmp-{run_id}"          # the run's own TMPDIR: its private folders land here
    private.mkdir()
    env = {**os.environ, "TMPDIR": str(private),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "aigw_conformance", "load", "--workers", "2", "--duration", duration,
                           "--report-dir", str(tmp), "--run-id", run_id, *args],
                          capture_output=True, text=True, timeout=240, cwd=ROOT, env=env)
    left = [p.name for p in private.iterdir() if p.name.startswith("aigw-load-")]
    assert not left, f"private folders (plan files with tokens) left behind: {left}"
    report = json.loads((tmp / run_id / "conformance.json").read_text())
    return proc.returncode, proc.stdout + proc.stderr, report


def workload(report: dict, wid: str) -> dict:
    return next(w for w in report["load"]["workloads"] if w["id"] == wid)


def test_faithful_reference_passes_every_workload_with_reports(tmp_path):
    """One run (so xdist never repeats it): verdicts, figures, Locust's artefacts, schema, no secret, and
    the HTML report's latency charts when Allure Report 3 is installed (CI installs it with `npm ci`)."""
    rc, out, report = load(tmp_path, "faithful")
    assert rc == exitcodes.OK, out
    outcomes = {w["id"]: w["outcome"] for w in report["load"]["workloads"]}
    assert outcomes == {"LOAD-MIXED": "passed", "LOAD-REVOCATION": "passed", "LOAD-FLOOD": "passed",
                        "LOAD-RATE-LIMIT": "passed"}, out
    for w in report["load"]["workloads"]:
        f = w["figures"]
        assert f["requests"] > 10 and f["rate_reached"] > 0 and f["workers"] == 2
        assert all({"p50", "p95", "p99"} <= set(v) for v in f["latency_ms"].values())
    rev = workload(report, "LOAD-REVOCATION")["figures"]
    assert rev["admitted_after_revocation"] == 0 and {t["how"] for t in rev["tokens"].values()} == {"delete", "expire"}
    assert all(t["admitted_before"] > 0 and t["requests_after"] > 0 for t in rev["tokens"].values())
    assert workload(report, "LOAD-RATE-LIMIT")["figures"]["statuses"].get("429", 0) > 0
    # the workloads are SHOULD-level scenarios of their own profile: reported, not gating
    assert {(s["profile"], s["level"]) for s in report["scenarios"]} == {("load", "SHOULD")}
    assert "Load verdict: PASS" in out and "LOAD-REVOCATION" in out

    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(report, SCHEMA)
    run = tmp_path / "faithful"
    for wid in outcomes:
        folder = run / "load" / wid
        for name in ("locust.html", "locust_stats.csv", "locust_stats_history.csv", "requests.jsonl", "latency.svg"):
            assert (folder / name).is_file(), f"{wid}: {name} missing"
        assert "<svg" in (folder / "latency.svg").read_text()
    assert len(list((run / "allure-results").glob("*-result.json"))) == 4
    for f in run.rglob("*"):
        if f.is_file() and f.suffix in (".json", ".jsonl", ".csv", ".html", ".log", ".md", ".svg"):
            assert not TOKEN_SHAPE.search(f.read_text(errors="replace")), f"a token-shaped value in {f}"

    if html.find_allure() is not None:
        rep = html.generate(run)
        assert rep.results == 4 and rep.index.is_file()
        names = set()
        for f in (run / "html" / "data" / "test-results").glob("*.json"):
            names |= {a.get("link", {}).get("name") for a in json.loads(f.read_text()).get("attachments", [])
                      if isinstance(a, dict)}
        assert {"latency chart", "Locust report", "Locust stats (CSV)"} <= names


def test_cache_fault_fails_the_revocation_workload_naming_auth_validate_004(tmp_path):
    rc, out, report = load(tmp_path, "cache", "--workload", "LOAD-REVOCATION", "--fault", "cache-authorizations",
                           "--gate", duration="1.5")
    w = workload(report, "LOAD-REVOCATION")
    assert w["outcome"] == "failed" and w["level"] == "MUST", out
    assert "AUTH-VALIDATE-004" in w["reason"] and w["figures"]["admitted_after_revocation"] > 0
    assert w["figures"]["window_s"] > 0
    assert report["requirements"]["AUTH-VALIDATE-004"]["verdict"] == "failed"
    assert rc == exitcodes.NONCONFORMANT, out          # --gate: the load profile is required


def test_concurrency_fault_fails_the_mixed_workload(tmp_path):
    rc, out, report = load(tmp_path, "c500", "--workload", "LOAD-MIXED", "--fault", "500-under-concurrency",
                           duration="1.5")
    w = workload(report, "LOAD-MIXED")
    assert w["outcome"] == "failed" and " x 500 for " in w["reason"], out
    assert w["figures"]["server_errors"] > 0 and w["level"] == "SHOULD"
    assert rc == exitcodes.OK, out                     # SHOULD-level: reported, not gating
    assert "Load verdict: FAIL" in out and "not gating" in out


def test_locust_is_never_imported_into_the_harness_process():
    code = ("import sys, aigw_conformance.cli, aigw_conformance.commands.load, aigw_conformance.load.run, "
            "aigw_conformance.load.orchestrate, aigw_conformance.load.report; "
            "bad = [m for m in ('locust', 'gevent') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    # nor into this pytest process, although Locust registers a pytest plugin (it imports Locust lazily)
    assert "gevent" not in sys.modules and "locust" not in sys.modules
