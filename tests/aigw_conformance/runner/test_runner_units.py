"""Wire building from typed requests, the denial-leak rule, saved values, run's exit-code mapping."""

from __future__ import annotations

import json

import pytest

from aigw_conformance import exitcodes
from aigw_conformance.commands.run import exit_code, pytest_args
from aigw_conformance.errors import ScenarioError, TargetError
from aigw_conformance.observation import HttpResponse, Observation, UpstreamRecord, WireRequest
from aigw_conformance.runner.canary import provider_path
from aigw_conformance.runner.steps import denial_leak, saved_values
from aigw_conformance.runner.wire import build_wire
from aigw_conformance.scenario.model import Request, SaveSpec
from aigw_conformance.scenario.routes import load_routes
from aigw_conformance.targets.model import Target

ROUTES = load_routes()


def T() -> Target:  # noqa: N802 - reads like the class it stands for
    return Target(name="t", kind="external", base_url="http://gw", providers={"openai": "oai", "anthropic": "anthropic"})


def build_request(req: dict, *, target, base_url, tracking_id, test_id, timeout):
    return build_wire(Request.model_validate(req), routes=ROUTES, target=target, base_url=base_url,
                      tracking_id=tracking_id, test_id=test_id, timeout=timeout)


BUILD = [
    ({"route": "openai.chat"}, "POST", "http://gw/api/v2/ai-gateway/oai/v1/chat/completions"),
    ({"route": "anthropic.models", "prefix": "legacy"}, "GET",
     "http://gw/api/v2/aibridge/anthropic/v1/models?aigw_tracking_id=aigw-trk-1"),
    ({"path": "/openai/v1/x", "method": "put", "body": "none"}, "PUT",
     "http://gw/api/v2/ai-gateway/openai/v1/x?aigw_tracking_id=aigw-trk-1"),
    ({"raw_path": "/api/v2/users/me", "body": "none", "query": {"a": "b"}}, "GET",
     "http://gw/api/v2/users/me?a=b&aigw_tracking_id=aigw-trk-1"),
    ({"via": "proxy", "route": "openai.models"}, "GET",
     "https://api.openai.com/v1/models?aigw_tracking_id=aigw-trk-1"),
    ({"via": "proxy", "route": "anthropic.messages", "connect_host": "API.anthropic.com:443"}, "POST",
     "https://API.anthropic.com/v1/messages"),
]


@pytest.mark.parametrize("req,method,url", BUILD)
def test_build_request(req, method, url):
    w = build_request(req, target=T(), base_url="http://gw", tracking_id="aigw-trk-1", test_id="t", timeout=3)
    assert (w.method, w.url) == (method, url)
    assert ("X-Aigw-Tracking-Id", "aigw-trk-1") in w.headers
    if w.body:
        assert "aigw-trk-1" in w.body.decode()      # the canary can find it in the body too


def test_build_request_keeps_header_order_and_duplicates():
    w = build_request({"route": "openai.models", "headers": [["X-Api-Key", "a"], ["Authorization", "b"],
                                                            ["X-Api-Key", "c"]]},
                      target=T(), base_url="http://gw", tracking_id="aigw-trk-1", test_id="t", timeout=3)
    assert [h for h in w.headers if h[0] != "X-Aigw-Tracking-Id"] == [("X-Api-Key", "a"), ("Authorization", "b"),
                                                                     ("X-Api-Key", "c")]


def test_build_request_raw_and_json_bodies():
    raw = build_request({"route": "openai.chat", "body": {"raw": "{bad"}}, target=T(), base_url="http://gw",
                        tracking_id="aigw-trk-1", test_id="t", timeout=3)
    assert raw.body == b"{bad"
    js = build_request({"route": "openai.chat", "body": {"json": {"a": 1}}}, target=T(), base_url="http://gw",
                       tracking_id="aigw-trk-1", test_id="t", timeout=3)
    assert json.loads(js.body) == {"a": 1} and ("Content-Type", "application/json") in js.headers


def test_build_request_unknown_route():
    # the loader refuses unknown aliases; a rendered alias that is unknown still fails cleanly
    with pytest.raises(ScenarioError):
        build_request({"route": "nope.x"}, target=T(), base_url="http://gw", tracking_id="x", test_id="t", timeout=3)


def test_every_alias_of_the_route_file_builds():
    """One table validates and builds: every alias the suites may name becomes a request."""
    for alias in ROUTES.aliases():
        w = build_request({"route": alias}, target=T(), base_url="http://gw", tracking_id="aigw-trk-1",
                          test_id="t", timeout=3)
        assert w.url.startswith("http://gw/api/v2/ai-gateway/") and w.method in ("GET", "POST")


REQ = WireRequest("POST", "http://gw/x", ())
UP = (UpstreamRecord("POST", "/v1/chat/completions", "", ()),)


@pytest.mark.parametrize("status,upstream,reached,leaks", [
    (401, UP, None, True),
    (403, UP, None, True),
    (429, UP, None, True),
    (401, (), None, False),
    (200, UP, None, False),
    (401, None, None, False),                      # no canary: nothing to say
    (400, UP, True, False),
])
def test_denial_leak(status, upstream, reached, leaks):
    obs = Observation(REQ, HttpResponse(status, "", (), b""), None, upstream)
    d = denial_leak(obs, reached)
    assert (d is not None) == leaks
    if d:
        assert "never to reach the provider" in d.expected and "reached it" in d.observed


def test_saved_values():
    obs = Observation(REQ, HttpResponse(200, "OK", (("X-Id", "7"),), b'{"a": {"b": [1, {"c": "v"}]}}'))
    spec = {"v": SaveSpec.model_validate({"json": "a.b.1.c"}), "h": SaveSpec.model_validate({"header": "X-Id"})}
    assert saved_values(obs, spec) == {"v": "v", "h": "7"}
    with pytest.raises(TargetError):
        saved_values(obs, {"v": SaveSpec.model_validate({"json": "a.zz"})})


def test_provider_path():
    assert provider_path("/openai/v1/models") == "/v1/models"
    assert provider_path("/anthropic/v1/messages") == "/v1/messages"
    assert provider_path("/other") == "/other"


def _rep(tmp_path, verdict, outcomes=("passed",), level="MUST"):
    """`outcomes`: an outcome, or outcome:errorKind for an error ("error:stale-input")."""
    p = tmp_path / "conformance.json"
    p.write_text(json.dumps({"verdict": {"result": verdict}, "requiredProfiles": ["core"], "scenarios": [
        {"outcome": o.partition(":")[0], "errorKind": o.partition(":")[2], "level": level, "profile": "core"}
        for o in outcomes]}))
    return p


@pytest.mark.parametrize("pytest_rc,verdict,outcomes,code", [
    (0, "pass", ("passed",), exitcodes.OK),
    (1, "pass", ("passed", "failed"), exitcodes.OK),          # only a SHOULD failed
    (1, "fail", ("failed",), exitcodes.NONCONFORMANT),
    (1, "inconclusive", ("error",), exitcodes.TARGET_UNREACHABLE),
    (1, "inconclusive", ("error:transport", "error:stale-input"), exitcodes.TARGET_UNREACHABLE),
    # every error on a valid token that Coder's own API refuses too: renew the token source (the input)
    (1, "inconclusive", ("passed", "error:stale-input", "error:stale-input"), exitcodes.INVALID_INPUT),
    # the targets file, found wrong only when the run started (the proxy's CA endpoint refused the fetch)
    (1, "inconclusive", ("error:config", "error:stale-input"), exitcodes.INVALID_INPUT),
    (2, "pass", (), exitcodes.INVALID_INPUT),                  # collection error
    (4, "pass", (), exitcodes.INVALID_INPUT),                  # usage error
    (3, "pass", (), exitcodes.INTERNAL_ERROR),
    # MUST scenarios selected and none could run (a token source without a valid token): the input
    (0, "inconclusive", ("not-supported", "skipped"), exitcodes.INVALID_INPUT),
])
def test_run_exit_codes(tmp_path, pytest_rc, verdict, outcomes, code):
    assert exit_code(pytest_rc, _rep(tmp_path, verdict, outcomes)) == code


def test_a_run_of_only_non_gating_scenarios_is_reported_not_refused(tmp_path):
    """The opt-in live-clients profile alone: its scenarios are SHOULD unless the target claims it."""
    assert exit_code(0, _rep(tmp_path, "inconclusive", ("passed", "passed"), level="SHOULD")) == exitcodes.OK


def test_run_passes_pytest_options_through():
    import argparse
    ns = argparse.Namespace(target="t", targets_file=None, profile=["core"], report_dir="reports", run_id=None,
                            capture="off", enforce=True, expected_failures=None, era=None, suites="suites",
                            passthrough=["-k", "BEARER", "-n", "2"])
    args = pytest_args(ns, "r9")
    assert args[0] == "suites" and args[-4:] == ["-k", "BEARER", "-n", "2"]
    assert "--junitxml=reports/r9/junit.xml" in args and "--alluredir=reports/r9/allure-results" in args
    assert "--aigw-enforce" in args and args[args.index("--aigw-profile") + 1] == "core"
