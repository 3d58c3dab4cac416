"""AUTH-HTTP-005 and AUTH-BYOK-001..006: what the canary upstream received."""

from __future__ import annotations

from .ref_helpers import ANTHROPIC_MSG, GOV, OPENAI_CHAT, chat_body, hdr, msg_body, tracking

MODELS = "/api/v2/ai-gateway/openai/v1/models"


def one(api, trk):
    recs = api.upstream(trk)
    assert len(recs) == 1, recs
    return recs[0]


def test_centralized_openai_gets_pool_key_only(api, ref_state):
    tok, trk = api.mint(), tracking()
    r = api.send(OPENAI_CHAT, {"Authorization": f"Bearer {tok}", "X-Api-Key": "sk-user",
                               "X-Coder-AI-Governance-Request-Id": "rid"}, json=chat_body(trk))
    assert r.status_code == 200
    rec = one(api, trk)
    assert hdr(rec, "authorization") == [f"Bearer {ref_state['central_keys']['openai']}"]
    assert hdr(rec, "x-api-key") == [] and hdr(rec, "x-coder-ai-governance-request-id") == []
    assert tok not in str(rec)


def test_centralized_anthropic_via_x_api_key(api, ref_state):
    tok, trk = api.mint(), tracking()
    assert api.send(ANTHROPIC_MSG, {"X-Api-Key": tok}, json=msg_body(trk)).status_code == 200
    rec = one(api, trk)
    assert hdr(rec, "x-api-key") == [ref_state["central_keys"]["anthropic"]]
    assert hdr(rec, "authorization") == [] and tok not in str(rec)


def test_byok_anthropic_x_api_key_wins(api):
    tok, trk = api.mint(), tracking()
    r = api.send(ANTHROPIC_MSG, {GOV: tok, "X-Api-Key": "user-api-key",
                                 "Authorization": "Bearer user-access-token"}, json=msg_body(trk))
    assert r.status_code == 200
    rec = one(api, trk)
    assert hdr(rec, "x-api-key") == ["user-api-key"] and hdr(rec, "authorization") == []
    assert tok not in str(rec)


def test_byok_anthropic_bearer(api):
    tok, trk = api.mint(), tracking()
    assert api.send(ANTHROPIC_MSG, {GOV: tok, "Authorization": "Bearer oauth-tok"}, json=msg_body(trk)).status_code == 200
    rec = one(api, trk)
    assert hdr(rec, "authorization") == ["Bearer oauth-tok"] and hdr(rec, "x-api-key") == []


def test_byok_openai_bearer_and_x_api_key_ignored(api, ref_state):
    tok, trk = api.mint(), tracking()
    assert api.send(OPENAI_CHAT, {GOV: tok, "Authorization": "Bearer user-token"}, json=chat_body(trk)).status_code == 200
    assert hdr(one(api, trk), "authorization") == ["Bearer user-token"]
    trk = tracking()
    assert api.send(OPENAI_CHAT, {GOV: tok, "X-Api-Key": "sk-user"}, json=chat_body(trk)).status_code == 200
    rec = one(api, trk)
    assert hdr(rec, "authorization") == [f"Bearer {ref_state['central_keys']['openai']}"]
    assert hdr(rec, "x-api-key") == []


def test_byok_without_user_credential_falls_back(api, ref_state):
    tok, trk = api.mint(), tracking()
    assert api.send(ANTHROPIC_MSG, {GOV: tok}, json=msg_body(trk)).status_code == 200
    assert hdr(one(api, trk), "x-api-key") == [ref_state["central_keys"]["anthropic"]]


def test_provider_key_without_governance_is_403_and_never_forwarded(api):
    trk = tracking()
    r = api.send(OPENAI_CHAT, {"Authorization": "Bearer sk-proj-user-key"}, json=chat_body(trk))
    assert (r.status_code, r.text) == (403, "unauthorized\n")
    assert api.upstream(trk) == []


def test_sensitive_headers_stripped_on_passthrough(api):
    tok, trk = api.mint(), tracking()
    r = api.send(MODELS, {GOV: tok, "Authorization": "Bearer user", "Cookie": "a=b", "Coder-Session-Token": tok,
                          "X-Coder-Anything": "x", "X-AI-Bridge-Actor-ID": "spoof", "Forwarded": "for=1.2.3.4",
                          "X-Forwarded-For": "1.2.3.4", "X-Aigw-Tracking-Id": trk}, method="GET")
    assert r.status_code == 200
    rec = one(api, trk)
    names = {k.lower() for k, _ in rec["headers"]}
    assert not {"cookie", "coder-session-token", "x-coder-anything", "x-ai-bridge-actor-id", "forwarded",
                "x-coder-ai-governance-token"} & names
    assert hdr(rec, "x-forwarded-for") == ["127.0.0.1"]
    assert tok not in str(rec)


def test_denied_request_never_reaches_upstream(api):
    trk = tracking()
    assert api.send(OPENAI_CHAT, {}, json=chat_body(trk)).status_code == 400
    assert api.upstream(trk) == []
