"""Positive controls (runner/controls.py), end to end: `aigw-conformance run` (a subprocess) against
the loopback fake gateway, which accepts exactly one token (fakes.GOOD) and refuses every other.

A scenario whose token is derived from the valid one (a wrong secret, a near miss) and expects it
refused passes only when the gateway accepted the valid one first; configured with a "valid" token the
gateway refuses (an expired static token), the same scenario had passed with nothing shown, and is now
an error naming the control's answer."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from aigw_conformance import exitcodes

from ..fakes import GOOD, FakeGateway

SUITE = textwrap.dedent("""\
    suite: derived
    profile: core
    scenarios:
      - id: DERIVED-WRONG-SECRET
        requirement: [AUTH-TOKEN-003]
        title: a wrong secret of the valid token is refused
        requires: [provider:openai]
        tokens: {token: wrong-secret}
        steps:
          - request:
              route: openai.models
              headers: {Authorization: "Bearer {{ token }}"}
            expect: {status: [401, 403]}
      - id: DERIVED-NEAR-MISS
        requirement: [AUTH-TOKEN-002]
        title: the valid token with its last secret character replaced is refused
        requires: [provider:openai]
        tokens: {token: "near-miss:secret-replace-last"}
        steps:
          - request:
              route: openai.models
              headers: {Authorization: "Bearer {{ token }}"}
            expect: {status: [401, 403]}
    """)


def run(tmp_path: Path, url: str, valid: str) -> tuple[subprocess.CompletedProcess, dict]:
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "derived.yaml").write_text(SUITE)
    (tmp_path / "targets.yaml").write_text(textwrap.dedent(f"""\
        targets:
          fake:
            kind: external
            base_url: {url}
            providers: [openai]
            tokens: {{source: static, values: {{valid: "{valid}"}}}}
            timeouts: {{connect: 2, read: 5, total: 10}}
        """))
    cmd = [sys.executable, "-m", "aigw_conformance", "run", "--suites", str(tmp_path / "suites"),
           "--targets-file", str(tmp_path / "targets.yaml"), "--target", "fake",
           "--report-dir", str(tmp_path / "reports"), "--run-id", "c1"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    report = json.loads((tmp_path / "reports" / "c1" / "conformance.json").read_text())
    return proc, {s["id"]: s for s in report["scenarios"]}


def test_a_refused_derived_token_passes_when_its_valid_token_is_accepted(tmp_path):
    with FakeGateway() as gw:
        proc, scenarios = run(tmp_path, gw.url, GOOD)
    assert proc.returncode == exitcodes.OK, proc.stdout + proc.stderr
    for sid in ("DERIVED-WRONG-SECRET", "DERIVED-NEAR-MISS"):
        assert scenarios[sid]["outcome"] == "passed", scenarios[sid]
    # the control is the scenario's evidence: its request, and the gateway's 200
    controls = [e for s in scenarios.values() for e in s["evidence"] if e.startswith("control:")]
    assert len(controls) == 2 and all(": 200 (tracking id" in e for e in controls), controls
    assert GOOD.split("-")[1] not in (tmp_path / "reports" / "c1" / "conformance.json").read_text()


def test_with_a_valid_token_the_gateway_refuses_they_are_errors_not_passes(tmp_path):
    refused = "expiredid1-0123456789abcdefghijkl"   # the shape of a Coder token; the fake accepts only GOOD
    with FakeGateway() as gw:
        proc, scenarios = run(tmp_path, gw.url, refused)
    assert proc.returncode == exitcodes.TARGET_UNREACHABLE, proc.stdout + proc.stderr   # no verdict
    for sid in ("DERIVED-WRONG-SECRET", "DERIVED-NEAR-MISS"):
        s = scenarios[sid]
        assert s["outcome"] == "error", s
        assert "control:" in s["reason"] and ": 401 (tracking id" in s["reason"], s["reason"]
        assert "did not accept the valid token" in s["reason"] and "static token may have expired" in s["reason"]
    # the one control request was made once for the run's one static valid token
    assert "earlier in the run" in scenarios["DERIVED-NEAR-MISS"]["reason"] + scenarios["DERIVED-WRONG-SECRET"]["reason"]
    assert refused.split("-")[1] not in proc.stdout + proc.stderr
