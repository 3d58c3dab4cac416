"""Pure parts with valid/invalid tables: split, extraction, IsAuthorized order (real SQLite), config, CLI."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from aigw_conformance.errors import ConfigError, TargetError
from aigw_reference import faults, tokens
from aigw_reference.authorize import Authorized, Authorizer, AuthError
from aigw_reference.canary import tracking_id
from aigw_reference.config import ReferenceConfig, load_config
from aigw_reference.extract import extract_auth_token
from aigw_reference.godur import go_duration
from aigw_conformance.targets.reference_process import start_reference
from aigw_reference.store import Store, now


@pytest.mark.parametrize("tok,ok", [("a" * 10 + "-" + "b" * 22, True), ("!" * 10 + "-" + "!" * 22, True),
                                    ("foo", False), ("a" * 10 + "-" + "b" * 22 + "-c", False),
                                    ("a" * 9 + "-" + "b" * 22, False), ("a" * 10 + "-" + "b" * 21, False),
                                    (" " + "a" * 9 + "-" + "b" * 22, True), ("A" * 43, False)])
def test_split(tok, ok):
    assert (tokens.split(tok) is not None) == ok


def test_generate_shape_and_hash():
    tok, kid, sec = tokens.generate()
    assert tok == f"{kid}-{sec}" and len(tok) == 33 and set(kid + sec) <= set(tokens.ALPHABET)
    assert tokens.validate_hash(tokens.hash_secret(sec), sec) and not tokens.validate_hash(tokens.hash_secret(sec), sec + "x")


def H(*pairs):
    return [(k.lower().encode(), v.encode("latin-1")) for k, v in pairs]


@pytest.mark.parametrize("headers,want", [
    (H(("X-Coder-AI-Governance-Token", " g "), ("Authorization", "Bearer b"), ("X-Api-Key", "k")), "g"),
    (H(("X-Coder-AI-Governance-Token", "  "), ("Authorization", "Bearer b")), "b"),
    (H(("Authorization", "bEaReR b")), "b"),
    (H(("Authorization", "Bearer b extra"), ("X-Api-Key", "k")), "k"),
    (H(("Authorization", "Basic abc")), ""),
    (H(("Coder-Session-Token", "s")), ""),
    (H(("X-Coder-Token", "t")), ""),
    (H(("Authorization", "Bearer first"), ("Authorization", "Bearer second")), "first"),
])
def test_extract(headers, want):
    assert extract_auth_token(headers) == want


def test_extract_older_reads_x_coder_token_first():
    assert extract_auth_token(H(("X-Coder-Token", "t"), ("Authorization", "Bearer b")), era="older") == "t"


@pytest.fixture()
def store(tmp_path):
    return Store(tmp_path / "db.sqlite")


def mint(store, user, lifetime_ns=10**12):
    tok, key = store.create_key(user.id, lifetime_ns=lifetime_ns, token_name=tokens.random_string(8))
    return tok, key


def test_authorize_order(store):
    cfg = ReferenceConfig()
    u = store.create_user("u1")
    tok, key = mint(store, u)
    auth = Authorizer(store, cfg)
    assert isinstance(auth.is_authorized(tok), Authorized)
    kid, sec = tok.split("-")
    assert auth.is_authorized(kid + "-" + "Q" * 22) is AuthError.INVALID_KEY
    assert auth.is_authorized("Q" * 10 + "-" + sec) is AuthError.UNKNOWN_KEY
    store.update_key(key.id, expires_at=now() - timedelta(seconds=1))
    # expiry is checked before the secret
    assert auth.is_authorized(kid + "-" + "Q" * 22) is AuthError.EXPIRED
    assert Authorizer(store, dataclasses.replace(cfg, faults=frozenset({"accept-expired"}))).is_authorized(tok).username == "u1"


@pytest.mark.parametrize("cols,err", [({"deleted": 1}, AuthError.DELETED_USER),
                                      ({"status": "suspended"}, AuthError.INACTIVE_USER),
                                      ({"status": "dormant"}, AuthError.INACTIVE_USER),
                                      ({"is_system": 1}, AuthError.SYSTEM_USER)])
def test_authorize_user_checks(store, cols, err):
    u = store.create_user("u-" + tokens.random_string(5))
    tok, _ = mint(store, u)
    store.set_user(u.id, **cols)
    assert Authorizer(store, ReferenceConfig()).is_authorized(tok) is err
    older = Authorizer(store, ReferenceConfig(era="older")).is_authorized(tok)
    assert isinstance(older, Authorized) if err is AuthError.INACTIVE_USER else older is err


def test_db_never_holds_the_secret(store, tmp_path):
    u = store.create_user("u2")
    tok, _ = mint(store, u)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert tok.split("-")[1].encode() not in raw


def test_go_duration():
    assert go_duration(168 * 3600 * 10**9) == "168h0m0s" and go_duration(876600 * 3600 * 10**9) == "876600h0m0s"


def test_tracking_id_sources():
    t = "aigw-trk-" + "a" * 32
    assert tracking_id([("X-Aigw-Tracking-Id", t)], {}, "") == t
    assert tracking_id([], {"aigw_tracking_id": t}, "") == t
    assert tracking_id([], {}, '{"x": "' + t + '"}') == t
    assert tracking_id([], {}, "nothing") is None


def test_config_errors_are_located(tmp_path):
    p = tmp_path / "ref.yaml"
    p.write_text("era: newest\nallow_byok: maybe\n")
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert "line 2" in str(e.value) and "allow_byok" in str(e.value)
    p.write_text("nonsense_key: 1\n")
    with pytest.raises(ConfigError, match="unknown reference config key"):
        load_config(p)
    p.write_text("era: older\nrate_limit: 5\n")
    assert load_config(p) == ReferenceConfig(era="older", rate_limit=5)


def test_fault_registry():
    for name in ["accept-expired", "accept-revoked", "id-only", "prefix-compare",
                 "accept-session-token-header", "api-key-before-authorization", "governance-fallback",
                 "bearer-case-sensitive", "status-401", "leak-token-upstream", "forward-user-key-centralized",
                 "ignore-byok-guard", "admit-suspended", "500-on-long-token", "cache-authorizations"]:
        assert faults.FAULTS[name][0].startswith("AUTH-")
    with pytest.raises(ConfigError, match="unknown fault"):
        faults.validate(["no-such-fault"])


def test_launch_failure_is_a_target_error(tmp_path):
    with pytest.raises(TargetError, match="did not start"):
        start_reference(tmp_path, faults=["no-such-fault"], proxy=False, timeout=15)


def test_cli_serve_prints_id_not_secret(tmp_path):
    state = tmp_path / "s.json"
    proc = subprocess.Popen([sys.executable, "-m", "aigw_conformance", "reference", "serve", "--no-proxy",
                             "--state-file", str(state)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not state.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        import json
        tok = json.loads(state.read_text())["operator"]["token"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert tok.split("-")[0].encode() in out and tok.split("-")[1].encode() not in out
    assert b"Traceback" not in out and proc.returncode == 0
    assert oct(os.stat(state).st_mode)[-3:] == "600"


def test_cli_flags_build_the_config(tmp_path):
    import argparse

    from aigw_reference.cli import add_serve_arguments, build_config
    p = argparse.ArgumentParser()
    add_serve_arguments(p)
    cfg = build_config(p.parse_args(["--fault", "status-401", "--era", "older", "--proxy-allow-port", "9999",
                                     "--no-proxy"]))
    assert cfg.faults == {"status-401"} and cfg.era == "older" and cfg.proxy_allowed_ports == ("80", "443", "9999")
    y = tmp_path / "r.yaml"
    y.write_text("faults: [id-only]\nproxy_allowed_ports: [8443]\n")
    cfg = build_config(p.parse_args(["--config", str(y), "--fault", "status-401"]))
    assert cfg.faults == {"id-only", "status-401"} and cfg.proxy_allowed_ports == ("8443",)


def test_rate_limit_counts_any_one_second_span(monkeypatch):
    """A burst straddling a whole second is still limited (fixed windows let it through), and
    requests a second apart are not: the 429 must not depend on the wall-clock phase."""
    import asyncio

    from aigw_reference.dataplane import limits

    async def ok(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    limiter = limits.RateLimit(ok, ReferenceConfig(rate_limit=2))

    async def status_at(t, token="aaaaaaaaaa-bbbbbbbbbbbbbbbbbbbbbb"):
        # the limiter's own clock only: asyncio's loop keeps the real one
        monkeypatch.setattr(limits, "monotonic", lambda: t)
        sent = []

        async def send(msg):
            sent.append(msg)

        scope = {"type": "http", "headers": [(b"authorization", f"Bearer {token}".encode())],
                 "client": ("127.0.0.1", 1), "method": "GET", "path": "/"}
        await limiter(scope, None, send)
        return sent[0]["status"]

    async def scenario():
        burst = [await status_at(t) for t in (10.9, 11.05, 11.1)]
        later = await status_at(12.2)
        other = await status_at(11.1, token="cccccccccc-dddddddddddddddddddddd")
        return burst, later, other

    assert asyncio.run(scenario()) == ([200, 200, 429], 200, 200)
