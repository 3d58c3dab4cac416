"""coderd's root CSRF middleware (Addendum A AUTH-HTTP-011): `httpmw.CSRF` over justinas/nosurf.

Every route of the embedded gateway passes through it, the AI Gateway data plane included, so an
unsafe request that carries the `coder_session_token` cookie and none of the exemptions is refused
with 400 before the licence gate and before aibridged. What nosurf does on the way (SHOULD in the
addendum, reproduced here because a real embedded deployment does it): `Vary: Cookie` on every
response, and a fresh `csrf_token` cookie when the request has no valid one.

Source: coderd/httpmw/csrf.go (id 57408870129): exact-path exemptions, ExemptFunc, failure texts;
nosurf handler.go@0974fee and its masked-token check (64 bytes: one-time pad, then the token).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from http.cookies import CookieError, SimpleCookie

from .goerrors import text_error

SESSION_COOKIE = "coder_session_token"
SESSION_HEADER = "coder-session-token"
CSRF_COOKIE = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT_PATHS = frozenset({"/api/v2/csp/reports", "/api/v2/users/first"})
TOKEN_LEN = 32
MISMATCH = ('CSRF error encountered. Authentication via "coder_session_token" cookie and "Coder-Session-Token" '
            "header detected, but the values do not match. To resolve this issue ensure the values used in both "
            "match, or only use one of the authentication methods. You can also try clearing your cookies if this "
            "error persists.")
GENERIC = ("Something is wrong with your CSRF token. Please refresh the page. If this error persists, try "
           "clearing your cookies.")


def cookies_of(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Go's r.Cookie(name): the first cookie of that name across all Cookie headers."""
    out: dict[str, str] = {}
    for k, v in headers:
        if k.lower() != b"cookie":
            continue
        for part in v.decode("latin-1").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name and name not in out:
                out[name] = value.strip('"')
    return out


def _header(headers, name: str) -> str:
    want = name.encode("latin-1")
    return next((v.decode("latin-1") for k, v in headers if k.lower() == want), "")


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return b""


def verify_token(real: bytes, sent_b64: str) -> bool:
    """nosurf VerifyToken: the sent token is masked (pad + token XOR pad, 64 bytes)."""
    sent = _b64(sent_b64)
    if len(real) != TOKEN_LEN or len(sent) != 2 * TOKEN_LEN:
        return False
    pad, masked = sent[:TOKEN_LEN], sent[TOKEN_LEN:]
    return hmac.compare_digest(real, bytes(a ^ b for a, b in zip(masked, pad)))


def exempt(method: str, path: str, query: str, headers, real: bytes) -> bool:
    """nosurf's safe methods plus coder's ExemptPath / ExemptFunc, in their order."""
    if method in SAFE_METHODS or path in EXEMPT_PATHS:
        return True
    if not path.startswith("/api") and not path.startswith("/oauth2/authorize"):
        return True
    cookies = cookies_of(headers)
    if SESSION_COOKIE not in cookies:
        return True
    sess = cookies[SESSION_COOKIE]
    if _header(headers, SESSION_HEADER) == sess:
        return True
    from urllib.parse import parse_qs
    if (parse_qs(query).get(SESSION_COOKIE) or [""])[0] == sess:
        return True
    if _header(headers, "coder-provisioner-daemon-psk") or _header(headers, "coder-provisioner-daemon-key"):
        return True
    if _header(headers, "authorization").lower().startswith("bearer "):
        return True
    sent = _header(headers, "x-csrf-token")
    return bool(sent) and verify_token(real, sent)


class Csrf:
    def __init__(self, app, faults: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.enforce = "csrf-not-enforced" not in faults

    async def __call__(self, scope, receive, send) -> None:
        headers = scope["headers"]
        real = _b64(cookies_of(headers).get(CSRF_COOKIE, ""))
        extra = [(b"vary", b"Cookie")]
        if len(real) != TOKEN_LEN:     # missing or tampered: nosurf regenerates it
            real = secrets.token_bytes(TOKEN_LEN)
            value = base64.b64encode(real).decode()
            extra.append((b"set-cookie", f"{CSRF_COOKIE}={value}; Path=/; Max-Age=31536000; HttpOnly; "
                                         f"SameSite=Lax".encode()))

        async def send_with(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        query = scope.get("query_string", b"").decode("latin-1")
        if self.enforce and not exempt(scope["method"], scope["path"], query, headers, real):
            sess, hdr = cookies_of(headers).get(SESSION_COOKIE), _header(headers, SESSION_HEADER)
            msg = MISMATCH if hdr and hdr != sess else GENERIC
            await text_error(400, msg)(scope, receive, send_with)
            return
        await self.app(scope, receive, send_with)


__all__ = ["Csrf", "exempt", "verify_token", "cookies_of", "MISMATCH", "GENERIC", "CSRF_COOKIE"]
