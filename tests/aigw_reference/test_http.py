"""AUTH-TOKEN, AUTH-HTTP-001..006 and AUTH-PATH over real loopback HTTP."""

from __future__ import annotations

import re

import pytest

from .ref_helpers import ANTHROPIC_MSG, GOV, OPENAI_CHAT, TOKEN_RE, chat_body, msg_body, tracking

TEXT = "text/plain; charset=utf-8"


def assert_text(r, status: int, msg: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == TEXT
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.content == (msg + "\n").encode()


def test_token_shape(api):
    assert re.match(TOKEN_RE, api.mint())


@pytest.mark.parametrize("value", ["Bearer foo", "Bearer aaaaaaaaaa-bbbbbbbbbbbbbbbbbbbbbb-c",
                                   "Bearer !!!!!!!!!!-!!!!!!!!!!!!!!!!!!!!!!", "Bearer sk-proj-abcdef",
                                   "Bearer " + "A" * 43])
def test_bad_tokens_are_403_unauthorized(api, value):
    assert_text(api.send(OPENAI_CHAT, {"Authorization": value}, json=chat_body(tracking())), 403, "unauthorized")


@pytest.mark.parametrize("scheme", ["Bearer {t}", "bearer {t}", "BEARER {t}", "Bearer  {t}", "Bearer\t{t}"])
def test_authorization_forms_accepted(api, scheme):
    tok = api.mint()
    r = api.send(OPENAI_CHAT, {"Authorization": scheme.format(t=tok)}, json=chat_body(tracking()))
    assert r.status_code == 200, r.text


def test_three_fields_falls_through_to_x_api_key(api):
    tok = api.mint()
    r = api.send(OPENAI_CHAT, {"Authorization": f"Bearer {tok} extra", "X-Api-Key": tok}, json=chat_body(tracking()))
    assert r.status_code == 200
    r = api.send(OPENAI_CHAT, {"Authorization": f"Bearer {tok} extra"}, json=chat_body(tracking()))
    assert_text(r, 400, "no authentication key provided")


def test_basic_without_api_key_is_400(api):
    assert_text(api.send(OPENAI_CHAT, {"Authorization": "Basic Y29kZXI6eA=="}), 400, "no authentication key provided")


def test_x_api_key_accepted(api):
    r = api.send(ANTHROPIC_MSG, {"X-Api-Key": api.mint()}, json=msg_body(tracking()))
    assert r.status_code == 200


def test_governance_has_precedence_and_no_fallback(api):
    tok = api.mint()
    r = api.send(OPENAI_CHAT, {GOV: tok, "Authorization": "Bearer garbage"}, json=chat_body(tracking()))
    assert r.status_code == 200
    r = api.send(OPENAI_CHAT, {GOV: "x" * 10 + "-" + "y" * 22, "Authorization": f"Bearer {tok}"},
                 json=chat_body(tracking()))
    assert_text(r, 403, "unauthorized")


def test_first_value_of_duplicate_header_counts(api):
    tok = api.mint()
    r = api.send(OPENAI_CHAT, [("Authorization", f"Bearer {tok}"), ("Authorization", "Bearer bad")],
                 json=chat_body(tracking()))
    assert r.status_code == 200
    r = api.send(OPENAI_CHAT, [("Authorization", "Bearer bad"), ("Authorization", f"Bearer {tok}")],
                 json=chat_body(tracking()))
    assert r.status_code == 403


def test_unaccepted_credentials_are_400(api):
    tok = api.mint()
    for kw in ({"headers": {"Coder-Session-Token": tok}},
               {"params": {"coder_session_token": tok}}, {"params": {"access_token": tok}},
               {"headers": {"Proxy-Authorization": f"Bearer {tok}"}}):
        r = api.c.post(api.base + OPENAI_CHAT, json=chat_body(tracking()), **kw)
        assert_text(r, 400, "no authentication key provided")
    # the session cookie: on a safe method aibridged says "no key"; on an unsafe one coderd's CSRF
    # middleware refuses first (Addendum A AUTH-HTTP-002 as edited, AUTH-HTTP-011)
    cookie = {"Cookie": f"coder_session_token={tok}"}
    assert_text(api.c.get(api.base + "/api/v2/ai-gateway/openai/v1/models", headers=cookie), 400,
                "no authentication key provided")
    from aigw_reference.csrf import GENERIC
    assert_text(api.c.post(api.base + OPENAI_CHAT, json=chat_body(tracking()), headers=cookie), 400, GENERIC)


@pytest.mark.parametrize("method,path", [("HEAD", "/api/v2/ai-gateway/anthropic"),
                                         ("POST", "/api/v2/ai-gateway/nosuchprovider/x"),
                                         ("GET", "/api/v2/aibridge/openai/v1/models")])
def test_no_token_before_routing(api, method, path):
    r = api.send(path, method=method)
    assert r.status_code == 400
    if method != "HEAD":
        assert r.text == "no authentication key provided\n"


def test_unknown_provider_with_token_is_404(api):
    r = api.send("/api/v2/ai-gateway/nosuchprovider/x", {"Authorization": f"Bearer {api.mint()}"})
    assert r.status_code == 404


@pytest.mark.parametrize("prefix", ["/api/v2/ai-gateway", "/api/v2/aibridge"])
@pytest.mark.parametrize("path,method", [("/openai/v1/chat/completions", "POST"), ("/openai/v1/responses", "POST"),
                                         ("/openai/v1/models", "GET"), ("/anthropic/v1/messages", "POST"),
                                         ("/anthropic/v1/messages/count_tokens", "POST"),
                                         ("/anthropic/v1/models", "GET")])
def test_both_prefixes_route_every_provider_path(api, prefix, path, method):
    trk = tracking()
    kw = {"json": {"model": "m", "messages": [], "input": trk}} if method == "POST" else {}
    r = api.send(prefix + path, {"Authorization": f"Bearer {api.mint()}", "X-Aigw-Tracking-Id": trk},
                 method=method, params={"aigw_tracking_id": trk}, **kw)
    assert r.status_code == 200, r.text
    recs = api.upstream(trk)
    assert len(recs) == 1 and recs[0]["path"].endswith(path.split("/", 2)[2].removeprefix("v1") if
                                                         path.startswith("/openai") else path.split("/", 2)[2])


def test_legacy_completions_not_passed_through(api):
    r = api.send("/api/v2/ai-gateway/openai/v1/completions", {"Authorization": f"Bearer {api.mint()}"}, json={})
    assert r.status_code == 404


def test_streaming_sse_passes_through(api):
    trk = tracking()
    with api.c.stream("POST", api.base + ANTHROPIC_MSG, headers={"Authorization": f"Bearer {api.mint()}"},
                      json=msg_body(trk, stream=True)) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    assert "event: message_start" in text and "message_stop" in text


def test_byok_guard_runs_before_validation(api, ref_state):
    base = ref_state["endpoints"]["byok-disabled"]
    r = api.send(OPENAI_CHAT, {GOV: "not-a-token"}, base=base, json=chat_body(tracking()))
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"message": "Bring Your Own Key (BYOK) mode is not enabled.",
                        "detail": "Contact your administrator to enable it with --ai-gateway-allow-byok."}
    ok = api.send(OPENAI_CHAT, {"Authorization": f"Bearer {api.mint()}"}, base=base, json=chat_body(tracking()))
    assert ok.status_code == 200


def test_rate_limit_429_with_retry_after(api, ref_state):
    base, tok = ref_state["endpoints"]["rate-limited"], api.mint()
    codes = []
    for _ in range(6):
        r = api.send("/api/v2/ai-gateway/openai/v1/models", {"Authorization": f"Bearer {tok}"}, method="GET", base=base)
        codes.append(r.status_code)
        if r.status_code == 429:
            assert r.headers["retry-after"] == "1"
            assert r.json() == {"message": "You've been rate limited. Please try again later."}
    assert 429 in codes and codes[0] == 200


def test_ca_endpoint_needs_session_and_serves_pem(api, ref_state):
    for prefix in ("/api/v2/ai-gateway", "/api/v2/aibridge"):
        assert api.c.get(prefix + "/proxy/ca-cert.pem").status_code == 401
        r = api.rest("GET", prefix + "/proxy/ca-cert.pem")
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/x-pem-file"
        assert r.headers["content-disposition"] == "attachment; filename=ca-cert.pem"
        if ref_state["ca_cert_pem"]:
            assert r.text == ref_state["ca_cert_pem"] and "PRIVATE KEY" not in r.text
