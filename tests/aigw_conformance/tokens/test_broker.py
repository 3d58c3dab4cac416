"""Token brokers against the real embedded reference (its own process, real HTTP, real SQLite)."""

from __future__ import annotations

import re

import httpx
import pytest

from aigw_common import netguard
from aigw_common.redaction import Redactor
from aigw_conformance.errors import TargetError
from aigw_conformance.targets.reference import target_from_state
from aigw_conformance.tokens.coderapi import CoderApiBroker
from aigw_conformance.tokens.static import StaticBroker

REDACTOR = Redactor()   # the one this module's brokers register with


def broker_for(target, run_id: str, http, *, malformed) -> CoderApiBroker:
    return CoderApiBroker(target.base_url, target.token_source.operator_token, run_id, http, redactor=REDACTOR,
                          static=target.token_source.static, malformed=malformed, target_name=target.name)

TOKEN_RE = re.compile(r"^[0-9A-Za-z]{10}-[0-9A-Za-z]{22}$")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    from aigw_conformance.targets.reference_process import start_reference
    ref = start_reference(tmp_path_factory.mktemp("ref"), proxy=False)
    try:
        yield ref
    finally:
        ref.stop()


@pytest.fixture(scope="module")
def target(reference):
    return target_from_state(reference.state)


@pytest.fixture
def http():
    with netguard.client(timeout=10.0) as c:
        yield c


def gateway_status(http, target, token) -> int:
    url = target.base_url + "/api/v2/ai-gateway/openai/v1/models"
    headers = {"Authorization": f"Bearer {token}"} if str(token) else {}
    return http.get(url, headers=headers).status_code


def operator(reference) -> dict:
    return {"Coder-Session-Token": reference.state["operator"]["token"]}


def leftover_tokens(http, reference, target, prefix: str) -> list[str]:
    keys = http.get(target.base_url + "/api/v2/users/me/keys/tokens", headers=operator(reference),
                    params={"include_all": "true", "include_expired": "true"}).json()
    return [k["token_name"] for k in keys if k["token_name"].startswith(prefix)]


def user_exists(http, reference, target, username: str) -> bool:
    r = http.get(f"{target.base_url}/api/v2/users/{username}", headers=operator(reference))
    return r.status_code == 200


EXPECTED = [("valid", 200), ("scoped", 200), ("expired", 403), ("expired-wrong-secret", 403),
            ("wrong-secret", 403), ("unknown-id", 403), ("revoked-delete", 403), ("revoked-expire", 403),
            ("user-suspended", 403), ("user-deleted", 403), ("user-dormant", 403), ("user-system", 403),
            ("malformed:short", 403), ("none", 400)]


def test_every_kind_behaves_at_the_gateway_and_cleanup_leaves_nothing(reference, target, http, malformed):
    broker = broker_for(target, "t-kinds", http, malformed=malformed)
    made = {}
    for kind, status in EXPECTED:
        assert broker.supports(kind) is True, kind
        tok = broker.get(kind, label=f"k-{kind}")
        made[kind] = tok
        assert gateway_status(http, target, tok) == status, kind
    valid = made["valid"]
    assert TOKEN_RE.match(valid.value)                               # AUTH-TOKEN-001 shape
    assert valid.secret not in REDACTOR.redact(f"seen {valid.value}")  # registered before use
    assert made["wrong-secret"].id == made["wrong-secret"].value[:10]
    assert leftover_tokens(http, reference, target, broker.prefix)
    second = broker.get("valid", user="second", label="other user")
    assert gateway_status(http, target, second) == 200 and user_exists(http, reference, target, second.user)

    assert broker.cleanup() == []
    assert leftover_tokens(http, reference, target, broker.prefix) == []
    assert not user_exists(http, reference, target, second.user)
    assert gateway_status(http, target, valid) == 403               # minted tokens are really gone
    assert broker.cleanup() == []                                   # idempotent


def test_revoke_takes_effect_on_the_next_request(target, http, malformed):
    broker = broker_for(target, "t-revoke", http, malformed=malformed)
    try:
        for how in ("delete", "expire"):
            tok = broker.mint(f"revoke-{how}")
            assert gateway_status(http, target, tok) == 200
            broker.revoke(tok, how)
            assert gateway_status(http, target, tok) == 403
        foreign = StaticBroker({"valid": "NotMine123-abcdefghijklmnopqrstuv"}, redactor=REDACTOR).get("valid", label="x")
        with pytest.raises(TargetError, match="not minted by this run"):
            broker.revoke(foreign)
    finally:
        assert broker.cleanup() == []


class _LoseFirstCreate(httpx.BaseTransport):
    """Sends the create for real, then loses the answer: the token exists but the broker never
    learns its id, so cleanup has to find it by the name recorded before the call."""

    def __init__(self) -> None:
        self.inner = netguard.GuardedTransport()
        self.lost = False

    def handle_request(self, request):
        resp = self.inner.handle_request(request)
        if not self.lost and request.method == "POST" and request.url.path.endswith("/keys/tokens"):
            self.lost = True
            resp.read()
            resp.close()
            raise httpx.ReadTimeout("lost on purpose", request=request)
        return resp


def test_cleanup_finds_a_token_whose_create_answer_was_lost(reference, target, http, malformed):
    client = httpx.Client(transport=_LoseFirstCreate(), timeout=10.0)
    broker = CoderApiBroker(target.base_url, reference.state["operator"]["token"], "t-lost", client,
                            malformed=malformed, redactor=REDACTOR)
    with pytest.raises(TargetError, match="no answer from"):
        broker.get("valid", label="lost")
    assert len(leftover_tokens(http, reference, target, broker.prefix)) == 1
    assert broker.cleanup() == []
    assert leftover_tokens(http, reference, target, broker.prefix) == []


def test_cleanup_leftovers_removes_tokens_of_a_killed_run(reference, target, http, malformed):
    killed = broker_for(target, "t-killed", http, malformed=malformed)
    killed.get("valid", label="a")
    killed.get("expired", label="b")
    janitor = broker_for(target, "t-janitor", http, malformed=malformed)
    removed = janitor.cleanup_leftovers(killed.prefix)
    assert sorted(r.split()[0] for r in removed) == ["token", "token"]
    assert leftover_tokens(http, reference, target, killed.prefix) == []
    with pytest.raises(ValueError):
        janitor.cleanup_leftovers("")  # never everything


def test_rest_failure_is_a_target_error_without_the_secret(target, http, malformed):
    bad = "BadOper123-abcdefghijklmnopqrstuv"
    broker = CoderApiBroker(target.base_url, bad, "t-bad", http, malformed=malformed, redactor=REDACTOR)
    with pytest.raises(TargetError) as info:
        broker.get("valid", label="x")
    assert "401" in str(info.value)
    assert "abcdefghijklmnopqrstuv" not in REDACTOR.redact(str(info.value))


def test_unreachable_api_is_a_target_error(malformed):
    with netguard.client(timeout=2.0) as c:
        broker = CoderApiBroker("http://127.0.0.1:9", "Unreach123-abcdefghijklmnopqrstuv", "t-u", c,
                                malformed=malformed, redactor=REDACTOR)
        with pytest.raises(TargetError, match="connection refused by 127.0.0.1:9"):
            broker.get("valid", label="x")
        assert broker.cleanup() != []  # the recorded token could not be removed: it is reported


def test_static_broker(malformed):
    b = StaticBroker.from_env({"valid": "V", "expired": "E", "valid@second": "V2"},
                              {"V": "StaticVal1-abcdefghijklmnopqrstuv", "V2": "StaticVal2-abcdefghijklmnopqrstuv"},
                              malformed=malformed, redactor=REDACTOR)
    assert b.get("valid", label="x").value == "StaticVal1-abcdefghijklmnopqrstuv"
    assert b.get("valid", user="second", label="x").value.startswith("StaticVal2-")
    ws = b.get("wrong-secret", label="x")
    assert ws.id == "StaticVal1" and ws.secret != "abcdefghijklmnopqrstuv" and len(ws.secret) == 22
    assert b.supports("expired") == "static token source has no 'expired' token (environment variable E is not set)"
    assert b.supports("expired-wrong-secret") != True  # noqa: E712 (needs an expired token)
    assert b.supports("unknown-id") is True and b.supports("malformed:empty") is True
    assert "no malformed token" in b.supports("malformed:zzz")
    assert b.get("malformed:long", label="x").value == "a" * 50
    assert b.get("none", label="x").value == ""
    with pytest.raises(TargetError, match="cannot revoke"):
        b.revoke(b.get("valid", label="x"))
    with pytest.raises(TargetError, match="environment variable E is not set"):
        b.get("expired", label="x")
    assert "abcdefghijklmnopqrstuv" not in REDACTOR.redact("StaticVal1-abcdefghijklmnopqrstuv")
    assert b.cleanup() == []
