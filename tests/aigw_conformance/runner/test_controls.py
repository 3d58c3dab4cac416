"""Positive controls (runner/controls.py), end to end: `aigw-conformance run` (a subprocess) against
the loopback fake gateway, which accepts exactly one token (fakes.GOOD) and refuses every other.

A scenario whose token is derived from the valid one (a wrong secret, a near miss) and expects it
refused passes only when the gateway accepted the valid one first; configured with a "valid" token the
gateway refuses (an expired static token), the same scenario had passed with nothing shown, and is now
an error naming the control's answer. The same for a scenario that expects only denials (no token, a
valid token in a header that is no credential): the run's valid token is its control."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from aigw_conformance import exitcodes

from ..fakes import API_ONLY, GOOD, FakeGateway, FakeProxy

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


DENIALS = textwrap.dedent("""\
    suite: denials
    profile: core
    scenarios:
      - id: DENY-NO-TOKEN
        requirement: [AUTH-HTTP-004]
        title: no token is refused
        requires: [provider:openai]
        tokens: {token: none}
        steps:
          - request: {route: openai.models}
            expect: {status: [401, 403]}
      - id: DENY-SESSION-HEADER
        requirement: [AUTH-HTTP-002]
        title: the valid token in Coder-Session-Token is refused
        requires: [provider:openai]
        tokens: {token: valid}
        steps:
          - request:
              route: openai.models
              headers: {Coder-Session-Token: "{{ token }}"}
            expect: {status: [401, 403]}
      - id: ACCEPT-THEN-DENY
        requirement: [AUTH-HTTP-001]
        title: accepted in Authorization, refused without it (its own control)
        requires: [provider:openai]
        tokens: {token: valid}
        steps:
          - request:
              route: openai.models
              headers: {Authorization: "Bearer {{ token }}"}
            expect: {status: 200}
          - request: {route: openai.models}
            expect: {status: [401, 403]}
    """)


PROXY_407 = textwrap.dedent("""\
    suite: proxy-denials
    profile: proxy
    scenarios:
      - id: PROXY-NO-CREDENTIALS-407
        requirement: [AUTH-PROXY-005]
        title: a CONNECT to a provider host without Proxy-Authorization gets 407
        requires: [proxy, provider:openai]
        steps:
          - request: {via: proxy, route: openai.models, method: CONNECT}
            expect: {handshake: {status: 407}}
    """)


def run(tmp_path: Path, url: str, valid: str | None, suite: str = SUITE,
        extra: str = "", proxy_url: str = "") -> tuple[subprocess.CompletedProcess, dict]:
    (tmp_path / "suites").mkdir(parents=True)
    (tmp_path / "suites" / "under-test.yaml").write_text(suite)
    values = ", ".join(v for v in (f'valid: "{valid}"' if valid else "", extra) if v)
    (tmp_path / "targets.yaml").write_text(textwrap.dedent(f"""\
        targets:
          fake:
            kind: external
            base_url: {url}
            providers: [openai]{f"{chr(10)}            proxy_url: {proxy_url}" if proxy_url else ""}
            tokens: {{source: static, values: {{{values}}}}}
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
    assert proc.returncode == exitcodes.INVALID_INPUT, proc.stdout + proc.stderr   # no verdict: renew the token
    for sid in ("DERIVED-WRONG-SECRET", "DERIVED-NEAR-MISS"):
        s = scenarios[sid]
        assert (s["outcome"], s["errorKind"]) == ("error", "stale-input"), s   # Coder's API refuses it too
        assert s["reason"].startswith("stale input: the valid token expiredid1… from the target's token source "
                                      "is refused by the gateway"), s["reason"]
        assert ": 401 (tracking id" in s["reason"] and "the gateway broke no rule here" in s["reason"], s["reason"]
        assert any(e.startswith("control: the valid token that 'token'") for e in s["evidence"]), s["evidence"]
    # the one control request was made once for the run's one static valid token
    evidence = scenarios["DERIVED-NEAR-MISS"]["evidence"] + scenarios["DERIVED-WRONG-SECRET"]["evidence"]
    assert sum("earlier in the run" in e for e in evidence) == 1, evidence
    assert refused.split("-")[1] not in proc.stdout + proc.stderr


def test_denial_only_scenarios_pass_beside_the_run_valid_token_accepted(tmp_path):
    with FakeGateway() as gw:
        proc, scenarios = run(tmp_path, gw.url, GOOD, DENIALS)
    assert proc.returncode == exitcodes.OK, proc.stdout + proc.stderr
    assert {s["outcome"] for s in scenarios.values()} == {"passed"}, scenarios
    controls = {sid: [e for e in s["evidence"] if e.startswith("control:")] for sid, s in scenarios.items()}
    for sid in ("DENY-NO-TOKEN", "DENY-SESSION-HEADER"):
        assert len(controls[sid]) == 1 and "the run's valid token" in controls[sid][0], controls
        assert ": 200 (tracking id" in controls[sid][0], controls
    assert controls["ACCEPT-THEN-DENY"] == []        # its first step is its control
    assert sum("earlier in the run" in c[0] for c in controls.values() if c) == 1   # one request for the run


def test_a_stale_supplied_token_is_an_error_of_the_input_not_a_gateway_failure(tmp_path):
    """The gateway and Coder's own API both refuse the static valid token: it expired outside the run.
    No scenario may blame the gateway for it: the one expecting an acceptance, which failed, is asked
    about after its failure and is an error too."""
    refused = "expiredid1-0123456789abcdefghijkl"
    with FakeGateway() as gw:
        url = gw.url.rstrip("/")
        proc, scenarios = run(tmp_path, gw.url, refused, DENIALS)
    assert proc.returncode == exitcodes.INVALID_INPUT, proc.stdout + proc.stderr   # no verdict: renew the token
    for sid in ("DENY-NO-TOKEN", "DENY-SESSION-HEADER", "ACCEPT-THEN-DENY"):
        s = scenarios[sid]
        assert (s["outcome"], s["errorKind"]) == ("error", "stale-input"), s
        assert ": 401 (tracking id" in s["reason"], s["reason"]
        assert "Coder's own API on the same token: GET /api/v2/users/me/keys/expiredid1: 401 'API key expired.'" \
            in s["reason"], s["reason"]
        assert "renew it in the target's token source (the gateway broke no rule here)" in s["reason"], s["reason"]
    # one cause, in the same words for each scenario; the token's role in each is in its evidence
    assert len({s["reason"] for s in scenarios.values()}) == 1, scenarios
    # the request as the gateway got it: its address, not the capture tap's the harness sent it to
    assert f"refused by the gateway (GET {url}/api/v2/ai-gateway/openai/v1/models: 401" \
        in scenarios["DENY-NO-TOKEN"]["reason"], (url, scenarios["DENY-NO-TOKEN"]["reason"])
    shown = [p.read_text() for p in (tmp_path / "reports" / "c1" / "allure-results").glob("*-attachment.txt")]
    firsts = {text.splitlines()[0] for text in shown if text.startswith("GET ")}
    assert firsts and all(line.startswith(f"GET {url}/") for line in firsts), firsts
    assert any("the run's valid token" in e for e in scenarios["DENY-NO-TOKEN"]["evidence"])
    assert any("the supplied valid token 'token'" in e for e in scenarios["ACCEPT-THEN-DENY"]["evidence"])
    # and the run says it once, with what to do
    assert "Stale input: 3 scenario(s) not judged: the valid token expiredid1…" in proc.stdout, proc.stdout
    report = json.loads((tmp_path / "reports" / "c1" / "conformance.json").read_text())
    assert "all of them on a valid token from the target's token source that Coder's own API refuses too" \
        in report["verdict"]["reason"] and "unreachable" not in report["verdict"]["reason"], report["verdict"]
    assert refused.split("-")[1] not in proc.stdout + proc.stderr


def test_a_valid_token_only_the_gateway_refuses_fails_auth_http_001_and_voids_the_denials(tmp_path):
    """Coder's own API accepts the token, the gateway does not: the gateway's fault (AUTH-HTTP-001); the
    denials beside it show nothing and are errors that say so."""
    with FakeGateway() as gw:
        proc, scenarios = run(tmp_path, gw.url, API_ONLY, DENIALS)
    assert proc.returncode == exitcodes.NONCONFORMANT, proc.stdout + proc.stderr
    accept = scenarios["ACCEPT-THEN-DENY"]
    assert accept["outcome"] == "failed" and "ACCEPT-THEN-DENY violates AUTH-HTTP-001" in accept["reason"], accept
    for sid in ("DENY-NO-TOKEN", "DENY-SESSION-HEADER"):
        s = scenarios[sid]
        assert s["outcome"] == "error", s
        assert "a gateway refusing every token would pass it" in s["reason"], s["reason"]
        assert "Coder's own API accepts it: the gateway refuses a valid token (AUTH-HTTP-001" in s["reason"], s
    assert API_ONLY.split("-")[1] not in proc.stdout + proc.stderr


def test_denial_only_scenarios_are_not_supported_without_a_valid_token(tmp_path):
    with FakeGateway() as gw:
        proc, scenarios = run(tmp_path, gw.url, None, DENIALS, extra='expired: "expiredid2-0123456789abcdefghijkl"')
    s = scenarios["DENY-NO-TOKEN"]
    assert s["outcome"] == "not-supported" and "expects only denials" in s["reason"], s
    assert "static token source has no 'valid' token" in s["reason"], s


def test_a_proxy_407_shows_something_only_beside_a_handshake_the_proxy_accepts(tmp_path):
    """The faithful fake proxy opens the tunnel for the valid token: the 407 scenario passes, the
    handshake control in its evidence. A proxy refusing every handshake (the gateway's direct API
    still accepting the token) had passed it: now it is an error naming the proxy's answer."""
    with FakeGateway() as gw, FakeProxy() as px:
        proc, scenarios = run(tmp_path / "faithful", gw.url, GOOD, PROXY_407, proxy_url=px.url)
    s = scenarios["PROXY-NO-CREDENTIALS-407"]
    assert proc.returncode == exitcodes.OK and s["outcome"] == "passed", proc.stdout + proc.stderr
    assert any(e.startswith("control: the proxy's handshake") and "CONNECT api.openai.com: 200" in e
               for e in s["evidence"]), s["evidence"]
    with FakeGateway() as gw, FakeProxy(refuse_all=True) as px:
        proc, scenarios = run(tmp_path / "refuse-all", gw.url, GOOD, PROXY_407, proxy_url=px.url)
    s = scenarios["PROXY-NO-CREDENTIALS-407"]
    assert s["outcome"] == "error", s
    assert "CONNECT api.openai.com: 407" in s["reason"] and "a proxy refusing every handshake" in s["reason"], s
    assert proc.returncode == exitcodes.TARGET_UNREACHABLE, proc.stdout + proc.stderr
    assert GOOD.split("-")[1] not in proc.stdout + proc.stderr
