"""Pure parts of the model-authz reference: RBAC decision, coded errors, sub-variants, the reload
proxy's host set, Go quoting. The HTTP behaviour is in test_model_authz.py."""

from __future__ import annotations

import dataclasses

import pytest

from aigw_reference.authorize import AUTHENTICATION, EVALUATION, MALFORMED, POLICY, Authorized, AuthError, Authorizer
from aigw_reference.catalog import Catalog
from aigw_reference.config import ConfigError, ReferenceConfig, load_config
from aigw_reference.gostrings import go_quote
from aigw_reference.modelauthz import ModelAuthorizer
from aigw_reference.proxy.reload import ProviderRouter, build_hosts
from aigw_reference.rbac import MODEL_CONFIG, UNRESTRICTED, Resource, Subject, authorize
from aigw_reference.store import Store

ALL = ({"type": "*", "id": "*"},)


def test_rbac_needs_role_scope_and_allow_list_together():
    cfg = Resource(MODEL_CONFIG, "c1", "org1")
    member = Subject((), ("org1",), ("coder:all",), ALL)
    assert authorize(member, "use", cfg) and not authorize(member, "use", Resource(UNRESTRICTED))
    assert not authorize(dataclasses.replace(member, org_ids=()), "use", cfg)             # not in the org
    assert not authorize(dataclasses.replace(member, scopes=("chat_model_config:read",)), "use", cfg)
    assert not authorize(dataclasses.replace(member, allow_list=({"type": MODEL_CONFIG, "id": "c2"},)), "use", cfg)
    assert authorize(dataclasses.replace(member, allow_list=({"type": MODEL_CONFIG, "id": "c1"},)), "use", cfg)
    owner = Subject(("owner",), (), ("ai_gateway_unrestricted:*",), ALL)
    assert authorize(owner, "use", Resource(UNRESTRICTED)) and not authorize(owner, "use", cfg)


@pytest.fixture
def world(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    cat = Catalog(store)
    cat.create_provider(name="openai", type="openai", base_url="https://api.openai.com/v1")
    user = store.create_user("u1")
    cat.add_member(cat.default_org(), user.id)
    return store, cat, user


def _authz(store, cat, era="model-authz", decision="rbac"):
    cfg = ReferenceConfig(era=era, decision=decision)
    return Authorizer(store, cfg, ModelAuthorizer(cat, decision=decision) if era == "model-authz" else None)


def test_codes_of_every_exit(world):
    store, cat, user = world
    tok, key = store.create_key(user.id, lifetime_ns=3600 * 10**9, token_name="t")
    a = _authz(store, cat)
    assert isinstance(a.is_authorized(tok), Authorized)                           # key-only call: no model check
    assert a.is_authorized(tok, "openai", "gpt-4o") is AuthError.POLICY_DENIED    # no grant, no config
    assert AuthError.POLICY_DENIED.code == POLICY
    assert a.is_authorized(tok, "openai", "").code == MALFORMED
    assert a.is_authorized(tok, None, "gpt-4o").code == MALFORMED
    assert a.is_authorized("x" * 10 + "-" + "y" * 22).code == AUTHENTICATION
    cat.create_config(org_id=cat.default_org(), provider_id=cat.provider("openai").id, model="gpt-4o")
    assert isinstance(a.is_authorized(tok, "openai", "gpt-4o"), Authorized)
    store.inject_failure("model_configs", user.id)
    assert a.is_authorized(tok, "openai", "gpt-4o").code == EVALUATION
    store.clear_failure("model_configs", user.id)
    store.inject_failure("api_key", key.id)
    assert a.is_authorized(tok).code == EVALUATION                                 # AUTH-VALIDATE-007
    assert _authz(store, cat, era="newest").is_authorized(tok) is AuthError.UNKNOWN_KEY   # any error, older eras
    store.clear_failure("api_key", key.id)


def test_injected_failures_heal_by_themselves(world):
    store, _, user = world
    store.inject_failure("user", user.id, ttl_s=-1)
    store.check_failure("user", user.id)            # expired: no raise
    assert store.gateway_user(user.id).id == user.id


def test_early_decision_variant_allows_every_model(world):
    store, cat, user = world
    tok, _ = store.create_key(user.id, lifetime_ns=3600 * 10**9, token_name="t")
    assert isinstance(_authz(store, cat, decision="early").is_authorized(tok, "openai", "any-model"), Authorized)


def test_sub_variants_in_config_and_state(tmp_path):
    cfg = ReferenceConfig(era="model-authz", error_body="budget")
    assert cfg.key_error_body == "internal server error checking user AI budget"
    assert cfg.sub_variant == {"error_body": "budget", "decision": "rbac"}
    assert ReferenceConfig().sub_variant is None
    f = tmp_path / "c.yaml"
    f.write_text("era: model-authz\ndecision: early\nerror_body: nope\n")
    with pytest.raises(ConfigError) as info:
        load_config(f)
    assert info.value.line == 3 and info.value.field == "error_body"


def test_reload_hosts_from_enabled_providers():
    rows = [("a", "https://Alpha.Example/v1", True), ("b", "https://beta.example", False),
            ("c", "", True), ("d", "not a url", True), ("e", "https://alpha.example/other", True),
            ("f", "http://[::1]:8080/x", True)]
    hosts = build_hosts(rows, ("443", "80"))
    assert hosts == {"alpha.example:443": "a", "alpha.example:80": "a", "[::1]:443": "f", "[::1]:80": "f"}
    r = ProviderRouter(("443",))
    assert r.lookup("alpha.example:443") is None                # starts empty
    assert r.reload(lambda: rows) and r.lookup("ALPHA.EXAMPLE:443") == "a"
    assert not r.reload(lambda: 1 / 0) and r.lookup("alpha.example:443") == "a"   # failed reload keeps the set


@pytest.mark.parametrize("text, quoted", [("/openai/v1", '"/openai/v1"'), ('/a"b\\c', '"/a\\"b\\\\c"'),
                                          ("/x\ny", '"/x\\ny"'), ("/\x01", '"/\\x01"'), ("/é", '"/é"')])
def test_go_quote(text, quoted):
    assert go_quote(text) == quoted
