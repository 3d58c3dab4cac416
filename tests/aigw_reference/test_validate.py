"""AUTH-VALIDATE-001..004 and AUTH-LIFECYCLE-001..006 through the real REST API and data plane."""

from __future__ import annotations

import time

import pytest

from .ref_helpers import OPENAI_CHAT, chat_body, tracking

H = 3600 * 10**9


def status(api, tok, base=None):
    return api.send(OPENAI_CHAT, {"Authorization": f"Bearer {tok}"}, json=chat_body(tracking()), base=base).status_code


def key_id(tok):
    return tok.split("-")[0]


def test_wrong_secret_and_unknown_id_are_403(api):
    tok = api.mint()
    assert status(api, tok) == 200
    kid, sec = tok.split("-")
    assert status(api, kid + "-" + ("A" if sec[0] != "A" else "B") + sec[1:]) == 403
    assert status(api, ("Z" if kid[0] != "Z" else "Y") + kid[1:] + "-" + sec) == 403


def test_suspended_dormant_system_deleted_users_are_403(api, ref_state):
    name = api.new_user()
    tok = api.mint(name)
    assert status(api, tok) == 200
    assert api.rest("PUT", f"/api/v2/users/{name}/status/suspend").status_code == 200
    r = api.send(OPENAI_CHAT, {"Authorization": f"Bearer {tok}"}, json=chat_body(tracking()))
    assert (r.status_code, r.text) == (403, "unauthorized\n")
    assert api.rest("PUT", f"/api/v2/users/{name}/status/activate").status_code == 200
    assert status(api, tok) == 200
    assert api.rest("DELETE", f"/api/v2/users/{name}").status_code == 200
    assert status(api, tok) == 403
    assert status(api, ref_state["static_tokens"]["user-dormant"]) == 403
    assert status(api, ref_state["static_tokens"]["user-system"]) == 403


def test_scoped_token_works_and_last_used_untouched(api):
    tok = api.mint(scopes=["workspace:read"])
    kid = key_id(tok)
    before = api.rest("GET", f"/api/v2/users/member/keys/{kid}").json()
    assert status(api, tok) == 200 and status(api, tok) == 200
    after = api.rest("GET", f"/api/v2/users/member/keys/{kid}").json()
    assert after["last_used"] == before["last_used"] == "0001-01-01T00:00:00Z"
    assert after["expires_at"] == before["expires_at"]
    assert after["scopes"] == ["workspace:read"]


def test_delete_revokes_immediately(api):
    tok = api.mint()
    assert status(api, tok) == 200
    assert api.rest("DELETE", f"/api/v2/users/member/keys/{key_id(tok)}").status_code == 204
    assert status(api, tok) == 403
    assert api.rest("DELETE", f"/api/v2/users/member/keys/{key_id(tok)}").status_code == 404
    assert api.rest("GET", f"/api/v2/users/member/keys/{key_id(tok)}").status_code == 404


def test_expire_revokes_immediately_and_keeps_row(api):
    tok = api.mint()
    assert status(api, tok) == 200
    assert api.rest("PUT", f"/api/v2/users/member/keys/{key_id(tok)}/expire").status_code == 204
    assert status(api, tok) == 403
    assert api.rest("GET", f"/api/v2/users/member/keys/{key_id(tok)}").status_code == 200


def test_short_lifetime_expires(api):
    tok = api.mint(lifetime=300 * 10**6)
    assert status(api, tok) == 200
    time.sleep(0.4)
    assert status(api, tok) == 403


def test_create_defaults_and_listing(api):
    tok = api.mint(token_name="listed-" + tracking()[-8:])
    k = api.rest("GET", f"/api/v2/users/member/keys/{key_id(tok)}").json()
    assert k["login_type"] == "token" and k["scopes"] == ["coder:all"] and k["lifetime_seconds"] == 168 * 3600
    listed = api.rest("GET", "/api/v2/users/member/keys/tokens").json()
    assert any(x["id"] == key_id(tok) and x["username"] == "member" for x in listed)
    by_name = api.rest("GET", f"/api/v2/users/member/keys/tokens/{k['token_name']}")
    assert by_name.status_code == 200 and by_name.json()["id"] == key_id(tok)


def test_duplicate_name_409(api):
    api.mint(token_name="dup-name")
    r = api.rest("POST", "/api/v2/users/member/keys/tokens", json={"token_name": "dup-name"})
    assert r.status_code == 409
    assert r.json() == {"message": 'A token with name "dup-name" already exists.',
                        "validations": [{"field": "name",
                                         "detail": "This value is already in use and should be unique."}]}


@pytest.mark.parametrize("user,lifetime,code,detail", [
    ("member", -1, 400, "lifetime must be positive number greater than 0"),
    ("member", 876601 * H, 400, "lifetime must be less than 876600h0m0s"),
    ("member", 720 * H, 201, None),
    ("me", 169 * H, 400, "lifetime must be less than 168h0m0s"),   # the operator is an Owner
    ("me", 168 * H, 201, None),
])
def test_lifetime_limits(api, user, lifetime, code, detail):
    r = api.rest("POST", f"/api/v2/users/{user}/keys/tokens", json={"lifetime": lifetime})
    assert r.status_code == code, r.text
    if detail:
        assert r.json() == {"message": "Failed to validate create API key request.", "detail": detail}


def test_tokenconfig(api):
    assert api.rest("GET", "/api/v2/users/me/keys/tokens/tokenconfig").json() == {"max_token_lifetime": 168 * H}
    assert api.rest("GET", "/api/v2/users/member/keys/tokens/tokenconfig").json() == {"max_token_lifetime": 876600 * H}


def test_bad_scope_and_system_user(api):
    r = api.rest("POST", "/api/v2/users/member/keys/tokens", json={"scopes": ["no such scope!"]})
    assert r.status_code == 400 and r.json()["detail"] == 'invalid or unsupported API key scope: "no such scope!"'
    assert api.rest("POST", "/api/v2/users/user-system/keys/tokens", json={}).status_code == 403


def test_patch_resets_expiry_and_rejects_both_scope_fields(api):
    name = "patch-" + tracking()[-8:]
    tok = api.mint(token_name=name, lifetime=H)
    r = api.rest("PATCH", f"/api/v2/users/member/keys/tokens/{name}", json={"lifetime": 48 * H})
    assert r.status_code == 200 and r.json()["lifetime_seconds"] == 48 * 3600
    assert api.rest("PATCH", f"/api/v2/users/member/keys/tokens/{name}",
                    json={"scope": "all", "scopes": ["all"]}).status_code == 400
    assert status(api, tok) == 200


def test_rest_api_needs_a_session(api):
    assert api.c.get("/api/v2/users/me").status_code == 401
    assert api.rest("GET", "/api/v2/users/me", token="x" * 10 + "-" + "y" * 22).status_code == 401
    member_tok = api.mint()
    # a member cannot act on another user
    assert api.rest("POST", "/api/v2/users/admin/keys/tokens", token=member_tok, json={}).status_code == 404
    assert api.rest("POST", "/api/v2/users", token=member_tok, json={"username": "zz"}).status_code == 403


def test_session_key_endpoint(api):
    r = api.rest("POST", "/api/v2/users/member/keys")
    assert r.status_code == 201
    k = api.rest("GET", f"/api/v2/users/member/keys/{key_id(r.json()['key'])}").json()
    assert k["login_type"] == "password"


@pytest.mark.parametrize("body", [b"[]", b'{"token_name": [1, 2]}', b'{"lifetime": "1h"}', b'{"lifetime": 1e400}',
                                  b'{"scopes": "all"}', b"\xff\xfe", b'{"lifetime": true}'])
def test_bad_rest_bodies_are_400(api, body):
    r = api.rest("POST", "/api/v2/users/member/keys/tokens", content=body)
    assert r.status_code == 400 and r.headers["content-type"] == "application/json", r.text


def test_unknown_rest_route_is_json_404(api):
    r = api.rest("GET", "/api/v2/nothing-here")
    assert r.status_code == 404 and r.json() == {"message": "Route not found."}


def test_user_listing_and_broker_style_create(api):
    name = "aigw-x1-" + tracking()[-6:]
    r = api.rest("POST", "/api/v2/users", json={"username": name, "email": f"{name}@aigw-conformance.invalid",
                                                 "name": "", "password": "pw-Aa1!", "login_type": "password",
                                                 "organization_ids": []})
    assert r.status_code == 201 and r.json()["username"] == name
    listed = api.rest("GET", "/api/v2/users", params={"q": "aigw-x1-", "limit": "1000"}).json()
    assert name in [u["username"] for u in listed["users"]]
    uid = r.json()["id"]
    tok = api.mint(uid, lifetime=720 * H)           # an Owner mints for another user, by id
    assert status(api, tok) == 200
    assert api.rest("GET", f"/api/v2/users/{uid}").json()["id"] == uid
