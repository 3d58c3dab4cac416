"""Each check kind: a passing and a failing table."""

from __future__ import annotations

import pytest

from aigw_common.redaction import Redactor
from aigw_conformance.checks import CHECKS, CheckContext, run_checks
from aigw_conformance.scenario.expectations import Expect
from aigw_conformance.observation import Handshake, HttpResponse, Observation, UpstreamRecord, WireRequest

REQ = WireRequest("POST", "http://127.0.0.1:1/x", ())


def obs(status=401, headers=(("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "3")),
        body=b"unauthorized\n", upstream=None, handshake=None, response=True):
    resp = HttpResponse(status, "Unauthorized", tuple(headers), body) if response else None
    return Observation(REQ, resp, handshake, upstream)


UP = (UpstreamRecord("POST", "/v1/chat/completions", "", (("Authorization", "Bearer sk-central-x"),), b'{"m":1}'),)

PASSING = [
    ("status", obs(), 401),
    ("status", obs(), [400, 401]),
    ("headers", obs(), {"present": ["content-type"], "absent": ["Set-Cookie"]}),
    ("headers", obs(), {"equal": {"Content-Type": "text/plain; charset=utf-8"}, "match": {"Retry-After": "[0-9]+"}}),
    ("body", obs(), {"exact": "unauthorized\n"}),
    ("body", obs(body=b'{"message": "no", "detail": {"a": 1, "b": 2}}'), {"json": {"detail": {"a": 1}}}),
    ("body", obs(), {"contains": ["unauth"], "not_contains": ["secret"]}),
    ("upstream", obs(upstream=()), {"reached": False}),
    ("upstream", obs(upstream=UP), {"reached": True, "path": "/v1/chat/completions",
                                    "headers": {"absent": ["X-Coder-AI-Governance-Token"]},
                                    "not_contains": ["tok-secret"]}),
    ("handshake", obs(response=False, handshake=Handshake(b"", b"", 407, "Proxy Authentication Required",
                                                          (("Proxy-Authenticate", 'Basic realm="x"'),), b"", True)),
     {"status": 407, "reason": "Proxy Authentication Required", "closed": True,
      "headers": {"equal": {"Proxy-Authenticate": 'Basic realm="x"'}}}),
    ("handshake", obs(response=False, handshake=Handshake(b"", b"", None, closed=True)), {"status": None}),
]

FAILING = [
    ("status", obs(), 200, "status", "200", "401 Unauthorized"),
    ("status", obs(), [200, 204], "status", "one of [200, 204]", "401"),
    ("status", obs(response=False), 200, "status", "200", "no HTTP response"),
    ("headers", obs(), {"present": ["WWW-Authenticate"]}, "header WWW-Authenticate", "present", "absent"),
    ("headers", obs(), {"absent": ["Retry-After"]}, "header Retry-After", "absent", "present"),
    ("headers", obs(), {"equal": {"Content-Type": "application/json"}}, "header Content-Type",
     "application/json", "text/plain"),
    ("headers", obs(), {"match": {"Retry-After": "[a-z]+"}}, "header Retry-After", "[a-z]+", "3"),
    ("body", obs(), {"exact": "forbidden\n"}, "body", "forbidden", "unauthorized"),
    ("body", obs(), {"json": {"message": "x"}}, "body JSON", "message", "not JSON"),
    ("body", obs(body=b'{"message": "y"}'), {"json": {"message": "x"}}, "body JSON", "x", "$.message"),
    ("body", obs(), {"contains": ["BYOK"]}, "body", "BYOK", "unauthorized"),
    ("body", obs(), {"not_contains": ["unauth"]}, "body", "not to contain", "it does"),
    ("upstream", obs(upstream=UP), {"reached": False}, "upstream reached", "not to receive", "1 request"),
    ("upstream", obs(upstream=()), {"reached": True}, "upstream reached", "reach the provider", "no request"),
    ("upstream", obs(upstream=None), {"reached": False}, "upstream", "canary", "not observable"),
    ("upstream", obs(upstream=UP), {"not_contains": ["sk-central"]}, "upstream header Authorization",
     "not to contain", "it does"),
    ("upstream", obs(upstream=UP), {"path": "/v1/models"}, "upstream path", "/v1/models", "/v1/chat/completions"),
    ("handshake", obs(response=False, handshake=Handshake(b"", b"", 200, "OK")), {"status": 407},
     "handshake status", "407", "200"),
    ("handshake", obs(response=False, handshake=Handshake(b"", b"", 407, "Nope", closed=False)),
     {"reason": "Proxy Authentication Required", "closed": True}, "handshake reason", "Proxy", "Nope"),
    ("handshake", obs(), {"status": 407}, "handshake", "CONNECT", "none"),
]


@pytest.mark.parametrize("kind,observation,expected", PASSING)
def test_passing(kind, observation, expected):
    assert CHECKS[kind](observation, expected, None) == []


@pytest.mark.parametrize("kind,observation,expected,check,exp_text,obs_text", FAILING)
def test_failing(kind, observation, expected, check, exp_text, obs_text):
    details = CHECKS[kind](observation, expected, None)
    assert details, "the check must fail"
    d = details[0]
    assert d.check == check
    assert exp_text in d.expected
    assert obs_text in d.observed


def test_run_checks_labels_steps_and_collects_all():
    details = run_checks(obs(), Expect.model_validate({"status": 200, "body": {"exact": "x"}}), step="step 1 request")
    assert [d.check for d in details] == ["status", "body"]
    assert all(d.step == "step 1 request" for d in details)
    assert "[step 1 request] status: expected 200, observed 401" in details[0].line()


def test_observed_values_are_redacted():
    secret = "tokid12345-s3cr3tv4lu3xyzw"
    redactor = Redactor()
    redactor.add_token(secret)
    details = CHECKS["body"](obs(body=f"echo {secret}".encode()), {"exact": "x"}, CheckContext(redactor.redact))
    assert "s3cr3tv4lu3xyzw" not in details[0].observed
    assert "tokid12345" in details[0].observed
