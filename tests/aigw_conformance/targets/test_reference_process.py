"""Smoke: the engine against the real embedded reference (separate process, real canary)."""

from __future__ import annotations

import json
import textwrap

import pytest

pytest_plugins = ["pytester"]

SUITE = textwrap.dedent("""\
    suite: smoke
    profile: core
    scenarios:
      - id: SMOKE-NO-KEY
        requirement: [AUTH-HTTP-001]
        title: no key at all is refused and never reaches the provider
        requires: [provider:openai, canary]
        steps:
          - request: {route: openai.chat}
            expect:
              status: 400
              headers: {equal: {Content-Type: "text/plain; charset=utf-8"}}
              body: {exact: "no authentication key provided\\n"}
              upstream: {reached: false}
      - id: SMOKE-LIFECYCLE
        requirement: [AUTH-VALIDATE-004]
        title: mint, use, revoke, use again; the provider never sees the Coder token
        requires: [provider:openai, canary, token-api]
        tokens: {token: valid}
        steps:
          - request:
              route: openai.chat
              headers: {Authorization: "Bearer {{ token }}"}
            expect:
              status: 200
              upstream: {reached: true, path: /v1/chat/completions, not_contains: ["{{ token.secret }}"]}
            save: {answer: {json: choices.0.message.content}}
          - action: revoke
            token: token
          - request:
              route: openai.chat
              headers: {Authorization: "Bearer {{ token }}", X-Echo: "{{ saved.answer }}"}
            expect: {status: 403, body: {exact: "unauthorized\\n"}, upstream: {reached: false}}
      - id: SMOKE-WRONG-EXPECTATION
        requirement: [AUTH-HTTP-002]
        title: a wrong expectation against the reference fails with expected and observed
        requires: [provider:openai]
        steps:
          - request: {route: openai.models, prefix: legacy, headers: {Coder-Session-Token: "abc"}}
            expect: {status: 200}
    """)


@pytest.mark.timeout(90)
def test_reference_smoke(pytester):
    pytester.makeconftest('pytest_plugins = ["aigw_conformance.pytest_plugin"]\n')
    (pytester.path / "suites").mkdir()
    (pytester.path / "suites" / "smoke.yaml").write_text(SUITE)
    (pytester.path / "targets.yaml").write_text("targets:\n  reference: {kind: reference}\n")
    result = pytester.runpytest("suites", "-p", "no:cacheprovider", "--aigw-targets-file", "targets.yaml",
                                "--aigw-capture", "off", "--aigw-report-dir", "reports", "--aigw-run-id", "s1")
    text = result.stdout.str()
    rep = json.loads((pytester.path / "reports" / "s1" / "conformance.json").read_text())
    got = {s["id"]: s["outcome"] for s in rep["scenarios"]}
    assert got == {"SMOKE-NO-KEY": "passed", "SMOKE-LIFECYCLE": "passed", "SMOKE-WRONG-EXPECTATION": "failed"}, text
    assert "SMOKE-WRONG-EXPECTATION violates AUTH-HTTP-002" in text
    assert "expected 200, observed 400" in text
    assert rep["target"]["kind"] == "reference" and "canary" in rep["target"]["features"]
    assert rep["verdict"]["result"] == "fail"
