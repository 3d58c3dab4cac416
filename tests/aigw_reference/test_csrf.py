"""coderd's CSRF middleware as the reference plays it (Addendum A AUTH-HTTP-011): the exemptions of
coderd/httpmw/csrf.go, nosurf's masked token, and the answers over real HTTP."""

from __future__ import annotations

import base64
import os

import pytest

from aigw_reference.csrf import GENERIC, MISMATCH, exempt, verify_token
from .ref_helpers import ANTHROPIC_MSG, OPENAI_CHAT, chat_body, msg_body, tracking

C = (b"cookie", b"coder_session_token=sess")


@pytest.mark.parametrize("method, path, headers, query, free", [
    ("GET", OPENAI_CHAT, [C], "", True),                                  # safe method
    ("POST", OPENAI_CHAT, [], "", True),                                  # no session cookie
    ("POST", "/healthz", [C], "", True),                                  # not under /api
    ("POST", "/api/v2/users/first", [C], "", True),                       # exact-path exemption
    ("POST", OPENAI_CHAT, [C, (b"coder-session-token", b"sess")], "", True),
    ("POST", OPENAI_CHAT, [C], "coder_session_token=sess", True),
    ("POST", OPENAI_CHAT, [C, (b"authorization", b"bearer x")], "", True),
    ("POST", OPENAI_CHAT, [C, (b"coder-provisioner-daemon-psk", b"p")], "", True),
    ("POST", OPENAI_CHAT, [C, (b"x-api-key", b"tok")], "", False),
    ("PUT", OPENAI_CHAT, [C, (b"authorization", b"Basic x")], "", False),
    ("DELETE", OPENAI_CHAT, [C, (b"coder-session-token", b"other")], "", False),
])
def test_exemptions(method, path, headers, query, free):
    assert exempt(method, path, query, headers, b"\0" * 32) is free


def test_masked_token_verifies_and_a_wrong_one_does_not():
    real, pad = os.urandom(32), os.urandom(32)
    masked = base64.b64encode(pad + bytes(a ^ b for a, b in zip(real, pad))).decode()
    assert verify_token(real, masked)
    assert not verify_token(real, base64.b64encode(real).decode())        # unmasked is refused
    assert not verify_token(os.urandom(32), masked)
    assert exempt("POST", OPENAI_CHAT, "", [C, (b"x-csrf-token", masked.encode())], real)


def test_refusals_over_http(api):
    tok = api.mint()
    r = api.send(ANTHROPIC_MSG, {"X-Api-Key": tok, "Cookie": "coder_session_token=anything"}, json=msg_body(tracking()))
    assert (r.status_code, r.text) == (400, GENERIC + "\n")
    r = api.send(OPENAI_CHAT, {"Cookie": "coder_session_token=a", "Coder-Session-Token": tok}, json=chat_body(tracking()))
    assert (r.status_code, r.text) == (400, MISMATCH + "\n")
    r = api.send(ANTHROPIC_MSG, {"Authorization": f"Bearer {tok}", "Cookie": "coder_session_token=anything"},
                 json=msg_body(tracking()))
    assert r.status_code == 200
    # nosurf: Vary on every answer, a csrf_token cookie when the request has none
    assert "Cookie" in r.headers.get("vary", "") and r.headers["set-cookie"].startswith("csrf_token=")
