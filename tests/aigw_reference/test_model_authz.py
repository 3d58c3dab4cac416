"""The reference in the model-authz era (Addendum A), over real loopback HTTP against a real process:
model authorization, coded errors, the bridge error table, credential order, the admin REST calls
and the reload proxy (through the harness's own proxy runner)."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from aigw_conformance.observation import WireRequest
from aigw_conformance.runner.proxy import ProxyRunner
from aigw_conformance.targets.reference_process import start_reference
from .ref_helpers import GOV, OPENAI_CHAT, Api, chat_body, hdr, tracking

TEXT = "text/plain; charset=utf-8"
CAP = 32 * 1024 * 1024


@pytest.fixture(scope="module")
def ma(tmp_path_factory):
    with start_reference(tmp_path_factory.mktemp("model-authz"), era="model-authz") as ref, Api(ref.state) as api:
        yield api


def text(r, status: int, body: str) -> None:
    assert (r.status_code, r.headers["content-type"], r.text) == (status, TEXT, body + "\n"), r.text


def fresh_user(api: Api, roles: list[str] | None = None) -> tuple[str, str]:
    """A user made through the API (no grant in this era) and a coder:all token of it."""
    name = api.new_user()
    if roles is not None:
        assert api.rest("PUT", f"/api/v2/users/{name}/roles", json={"roles": roles}).status_code == 200
    return name, api.mint(name)


def config(api: Api, model: str, provider: str = "openai", **extra) -> str:
    r = api.rest("POST", "/api/experimental/chats/model-configs", json={"provider": provider, "model": model, **extra})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def chat(api: Api, tok: str, model: str = "gpt-4o", path: str = OPENAI_CHAT, header: str = "Authorization", **kw):
    value = f"Bearer {tok}" if header == "Authorization" else tok
    body = {"model": model, "messages": [{"role": "user", "content": tracking()}], **kw}
    return api.send(path, {header: value}, json=body)


def test_state_reports_era_and_sub_variant(ma):
    assert ma.state["era"] == "model-authz"
    assert ma.state["sub_variant"] == {"error_body": "plain", "decision": "rbac"}


def test_new_user_denied_until_granted_and_passthrough_unaffected(ma):
    name, tok = fresh_user(ma)
    text(chat(ma, tok), 403, "unauthorized")
    assert ma.send("/api/v2/ai-gateway/openai/v1/models", {"Authorization": f"Bearer {tok}"}, method="GET").status_code == 200
    assert ma.rest("PUT", f"/api/v2/users/{name}/roles", json={"roles": ["ai-gateway-unrestricted"]}).status_code == 200
    assert chat(ma, tok).status_code == 200


def test_seeded_users_are_grandfathered_and_operator_owner_allowed(ma):
    assert chat(ma, ma.mint("member")).status_code == 200        # existed before the "upgrade"
    assert chat(ma, ma.op).status_code == 200


def test_config_binds_provider_instance_and_model(ma):
    _, tok = fresh_user(ma, roles=[])
    model = "m-" + uuid.uuid4().hex[:8]
    cid = config(ma, model)
    assert chat(ma, tok, model).status_code == 200
    text(chat(ma, tok, "other-" + model), 403, "unauthorized")
    r = ma.send("/api/v2/ai-gateway/anthropic/v1/messages", {"Authorization": f"Bearer {tok}"},
                json={"model": model, "max_tokens": 1, "messages": []})
    text(r, 403, "unauthorized")
    assert ma.rest("DELETE", f"/api/experimental/chats/model-configs/{cid}").status_code == 204
    text(chat(ma, tok, model), 403, "unauthorized")


# Addendum A AUTH-MODEL-005, one row each: (site roles, scope, allow-list kind, allowed)
SCOPE_TABLE = [
    ([], "chat_model_config:read", "*", False),
    (["owner"], "chat_model_config:read", "*", False),
    (["ai-gateway-unrestricted"], "chat_model_config:read", "*", False),
    (["ai-gateway-unrestricted"], "ai_gateway_unrestricted:use", "*", True),
    (["owner"], "ai_gateway_unrestricted:use", "*", True),
    ([], "ai_gateway_unrestricted:use", "*", False),
    ([], "chat_model_config:use", "*", True),
    (["owner"], "chat_model_config:use", "*", True),
    ([], "coder:all", "other", False),
    (["owner"], "coder:all", "other", False),
    ([], "chat_model_config:use", "match", True),
    (["owner"], "chat_model_config:use", "match", True),
    ([], "coder:all", "*", True),
]


@pytest.mark.parametrize("roles, scope, allow, allowed", SCOPE_TABLE)
def test_scope_and_allow_list_table(ma, roles, scope, allow, allowed):
    name, _ = fresh_user(ma, roles=roles)
    model = "m-" + uuid.uuid4().hex[:8]
    cid = config(ma, model)
    allow_list = {"*": [], "other": [{"type": "chat_model_config", "id": str(uuid.uuid4())}],
                  "match": [{"type": "chat_model_config", "id": cid}]}[allow]
    tok = ma.mint(name, scopes=[scope], allow_list=allow_list)
    r = chat(ma, tok, model)
    assert r.status_code == (200 if allowed else 403), r.text


def test_site_member_outside_the_configs_organization_is_denied(ma):
    name, tok = fresh_user(ma, roles=[])
    model = "m-" + uuid.uuid4().hex[:8]
    config(ma, model)
    assert chat(ma, tok, model).status_code == 200
    assert ma.rest("DELETE", f"/api/v2/organizations/default/members/{name}").status_code == 204
    text(chat(ma, tok, model), 403, "unauthorized")


def test_new_scope_names_only_in_model_authz(ma, reference):
    assert ma.rest("POST", "/api/v2/users/member/keys/tokens", json={"scopes": ["chat_model_config:use"]}).status_code == 201
    with Api(reference.state) as newest:
        r = newest.rest("POST", "/api/v2/users/member/keys/tokens", json={"scopes": ["chat_model_config:use"]})
    assert r.status_code == 400 and "invalid or unsupported API key scope" in r.text


def test_coded_errors(ma):
    # 1004: empty model -> 500 internal server error (even for the owner)
    text(chat(ma, ma.op, ""), 500, "internal server error")
    # 1003 in the model decision: configs cannot be read
    name, tok = fresh_user(ma, roles=[])
    assert ma.rest("PUT", f"/api/v2/aigw-reference/store-failures/model_configs/{name}").status_code == 204
    text(chat(ma, tok), 500, "internal server error")
    assert ma.rest("DELETE", f"/api/v2/aigw-reference/store-failures/model_configs/{name}").status_code == 204
    text(chat(ma, tok), 403, "unauthorized")
    # 1003 in the key lookup (AUTH-VALIDATE-007): 500 with the key-check body of this sub-variant
    kid = tok.split("-")[0]
    assert ma.rest("PUT", f"/api/v2/aigw-reference/store-failures/api_key/{kid}").status_code == 204
    text(chat(ma, tok), 500, "internal server error")
    assert ma.rest("DELETE", f"/api/v2/aigw-reference/store-failures/api_key/{kid}").status_code == 204
    # 1001 stays 403
    text(chat(ma, ma.mint(lifetime=1)), 403, "unauthorized")


def test_store_failure_is_unknown_key_in_newest(api):
    tok = api.mint()
    kid = tok.split("-")[0]
    assert api.rest("PUT", f"/api/v2/aigw-reference/store-failures/api_key/{kid}").status_code == 204
    text(chat(api, tok), 403, "unauthorized")
    assert api.rest("DELETE", f"/api/v2/aigw-reference/store-failures/api_key/{kid}").status_code == 204
    assert chat(api, tok).status_code == 200


def provider(api: Api, **body) -> str:
    name = "p" + uuid.uuid4().hex[:10]
    r = api.rest("POST", "/api/v2/ai/providers", json={"type": "openai", "name": name, "enabled": True,
                                                       "base_url": f"https://{name}.invalid/v1", **body})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == name and "api_key" not in json.dumps(r.json()["api_keys"])
    return name


def test_bridge_error_table(ma):
    disabled = provider(ma, enabled=False)
    for method, sub in (("GET", "/anything"), ("POST", "/v1/chat/completions"), ("DELETE", "/")):
        r = ma.send(f"/api/v2/ai-gateway/{disabled}{sub}", {"Authorization": f"Bearer {ma.op}"}, method=method)
        text(r, 503, f'provider_disabled: AI provider "{disabled}" is disabled')
    text(ma.send(f"/api/v2/ai-gateway/{disabled}/x", {}, method="GET"), 400, "no authentication key provided")
    text(ma.send("/api/v2/ai-gateway/openai/v1/completions", {"Authorization": f"Bearer {ma.op}"}, method="GET"),
         404, "route not supported: GET /openai/v1/completions")
    r = ma.send(OPENAI_CHAT, {"Authorization": f"Bearer {ma.op}", "Connection": "Upgrade", "Upgrade": "websocket",
                              "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="},
                method="GET")
    text(r, 501, "WebSocket transport is not supported, use HTTP")
    r = ma.send(OPENAI_CHAT, {"Authorization": f"Bearer {ma.op}", "Content-Type": "application/json"},
                content=b"not json")
    text(r, 500, 'failed to create "/openai/v1/chat/completions" interceptor')


def test_body_cap_exact(ma):
    head = {"Authorization": f"Bearer {ma.op}", "Content-Type": "application/json"}
    from aigw_conformance.scenario.padding import pad_json
    over = pad_json({"model": "gpt-4o", "messages": []}, CAP + 1)
    r = ma.send(OPENAI_CHAT, head, content=over)
    text(r, 413, "Request body too large. The maximum allowed request body size is 32MiB.")
    assert r.headers.get("connection") == "close"
    assert ma.send(OPENAI_CHAT, head, content=pad_json({"model": "gpt-4o", "messages": []}, CAP)).status_code == 200


def test_no_credential_and_credential_order(ma):
    nokey = provider(ma)
    path = f"/api/v2/ai-gateway/{nokey}/v1/chat/completions"
    msg = "failed to resolve credential: no credential: request is not BYOK and the provider has no centralized keys"
    text(chat(ma, ma.op, path=path), 500, msg)
    text(ma.send(path, {GOV: ma.op}, json=chat_body(tracking())), 500, msg)
    # BYOK with the user's Bearer needs no pool: the provider's traffic goes to the canary
    trk = tracking()
    r = ma.send(path, {GOV: ma.op, "Authorization": "Bearer sk-user"}, json=chat_body(trk))
    assert r.status_code == 200, r.text
    assert hdr(ma.upstream(trk)[0], "authorization") == ["Bearer sk-user"]
    # a denied user gets 403 before the missing credential is noticed (AUTH-MODEL-002)
    _, tok = fresh_user(ma, roles=[])
    text(chat(ma, tok, path=path), 403, "unauthorized")
    # Copilot in centralized mode
    r = ma.send("/api/v2/ai-gateway/copilot/chat/completions", {"Authorization": f"Bearer {ma.op}"},
                json={"model": "gpt-4o", "messages": []})
    text(r, 500, "failed to resolve credential: missing Copilot authorization: Authorization header not found or invalid")
    # Copilot passes every other path through (model-authz), with the user's GitHub token
    trk = tracking()
    r = ma.send("/api/v2/ai-gateway/copilot/user", {GOV: ma.op, "Authorization": "Bearer ghu_x"}, method="GET",
                params={"aigw_tracking_id": trk})
    assert r.status_code == 200 and hdr(ma.upstream(trk)[0], "authorization") == ["Bearer ghu_x"]


def test_governance_delegated_is_just_a_bad_token(api, ref_state):
    text(api.send(OPENAI_CHAT, {GOV: "delegated", "X-Coder-AI-Gateway-Delegated-Key-ID": api.mint().split("-")[0]},
                  json=chat_body(tracking())), 403, "unauthorized")
    r = api.send(OPENAI_CHAT, {GOV: "delegated"}, json=chat_body(tracking()),
                 base=ref_state["endpoints"]["byok-disabled"])
    assert r.status_code == 403 and r.json()["message"] == "Bring Your Own Key (BYOK) mode is not enabled."


def _proxy(ma):
    return ProxyRunner(ma.state["proxy_url"], ma.state["ca_cert_pem"], timeout=10)


def _through(runner, host: str, tok: str | None, *, tunnel=None, test_id="t"):
    auth = None if tok is None else "Basic " + base64.b64encode(f"coder:{tok}".encode()).decode()
    return runner.send(WireRequest("POST", f"https://{host}/v1/chat/completions",
                                   (("Content-Type", "application/json"),), json.dumps(chat_body(tracking())).encode(),
                                   via="proxy", proxy_authorization=auth, timeout=10, tunnel=tunnel, test_id=test_id))


def test_reload_proxy_hosts_follow_enabled_providers(ma):
    runner = _proxy(ma)
    try:
        # seeded provider hosts, lower-cased before matching
        assert _through(runner, "API.ANTHROPIC.COM:443", None).handshake.status == 407
        name = provider(ma)
        host = f"{name}.invalid:443"
        assert _through(runner, host, None).handshake.status == 407
        obs = _through(runner, host, ma.op, tunnel="a")
        assert obs.handshake.status == 200 and obs.response.status == 400      # aibridged answered
        assert ma.rest("PATCH", f"/api/v2/ai/providers/{name}", json={"enabled": False}).status_code == 200
        stale = _through(runner, host, ma.op, tunnel="a")                     # same tunnel (AUTH-PROXY-011)
        assert stale.handshake.status == 200 and stale.response.status == 502
        fresh = _through(runner, host, None)
        assert fresh.handshake.status != 407
        assert ma.rest("DELETE", f"/api/v2/ai/providers/{name}").status_code == 204
    finally:
        runner.close()
