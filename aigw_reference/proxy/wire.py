"""Exact bytes of the proxy's own answers, and the Proxy-Authorization parser (AUTH-PROXY-004/005).

Responses are built as mitmproxy `Response` objects with explicit, ordered headers so that what
leaves the socket is byte for byte what goproxy writes (Go's Response.Write puts Content-Length
first, then the other headers sorted by name). Nothing here touches mitmproxy's options or flows.
"""

from __future__ import annotations

import base64
import binascii
import time

from mitmproxy import http

REALM_HEADER = 'Basic realm="Coder AI Bridge Proxy"'
STATUS_TEXT_407 = "Proxy Authentication Required"        # Go http.StatusText(407), 29 bytes
PLAIN_407_BODY = "Proxy authentication required"         # goproxy.NewResponse body (AUTH-PROXY-006)
NON_PROXY_BODY = "This is a proxy server. Does not respond to non-proxy requests.\n"


def _response(status: int, reason: str, headers: list[tuple[str, str]], body: str) -> http.Response:
    now = time.time()
    return http.Response(
        b"HTTP/1.1",
        status,
        reason.encode(),
        http.Headers([(k.encode(), v.encode()) for k, v in headers]),
        body.encode(),
        None,
        now,
        now,
    )


def connect_407(*, with_challenge: bool = True) -> http.Response:
    """AUTH-PROXY-005; `with_challenge=False` is the fault 407-without-proxy-authenticate."""
    headers = [("Content-Length", str(len(STATUS_TEXT_407)))]
    if with_challenge:
        headers.append(("Proxy-Authenticate", REALM_HEADER))
    headers.append(("Proxy-Connection", "close"))
    return _response(407, STATUS_TEXT_407, headers, STATUS_TEXT_407)


def plain_407() -> http.Response:
    """AUTH-PROXY-006: a plain-HTTP proxy request is never forwarded."""
    return _response(
        407,
        STATUS_TEXT_407,
        [
            ("Content-Length", str(len(PLAIN_407_BODY))),
            ("Content-Type", "text/plain"),
            ("Proxy-Authenticate", REALM_HEADER),
        ],
        PLAIN_407_BODY,
    )


def non_proxy_500() -> http.Response:
    """goproxy's NonproxyHandler, for origin-form requests to the proxy itself."""
    return _response(
        500,
        "Internal Server Error",
        [("Content-Length", str(len(NON_PROXY_BODY))), ("Content-Type", "text/plain; charset=utf-8")],
        NON_PROXY_BODY,
    )


def tunnel_error(status: int) -> http.Response:
    """AUTH-PROXY-003: 403 Forbidden for a blocked tunnel, 502 Bad Gateway for other dial failures."""
    reason = {403: "Forbidden", 502: "Bad Gateway"}[status]
    return _response(
        status,
        reason,
        [("Content-Length", str(len(reason))), ("Content-Type", "text/plain")],
        reason,
    )


def parse_proxy_authorization(value: str | None, *, accept_bearer: bool = False,
                              username_is_token: bool = False) -> str | None:
    """The Coder token in a Proxy-Authorization value, or None for "no token" (AUTH-PROXY-004).

    The two keyword flags exist only to implement named faults of the reference.
    """
    if value is None:
        return None
    fields = value.split()          # strings.Fields: any run of whitespace
    if len(fields) != 2:
        return None
    scheme, cred = fields
    if accept_bearer and scheme.lower() == "bearer":
        return cred or None
    if scheme.lower() != "basic":
        return None
    try:
        # base64.StdEncoding: padded, standard alphabet; anything else is invalid.
        decoded = base64.b64decode(cred, validate=True).decode("utf-8", "surrogateescape")
    except (binascii.Error, ValueError):
        return None
    if len(cred) % 4:
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    token = user if username_is_token else password
    return token or None
