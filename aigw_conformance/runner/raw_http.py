"""HTTP/1.1 written byte for byte, for requests that httpx (h11) refuses to send.

Header values with leading or trailing whitespace, or only whitespace, are exactly what the
header-trimming rules (AUTH-HTTP-001) are about, and h11 rejects them as "illegal". This sender
writes the request itself and reads the answer with the stdlib parser, bounded in time and size.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from urllib.parse import urlsplit

from aigw_conformance.errors import TransportError
from aigw_common.netguard import LOOPBACK_ONLY, NetworkPolicy
from aigw_conformance.observation import HttpResponse, WireRequest

from .transport_errors import authority, describe_os_error

MAX_BODY = 8 * 1024 * 1024


def request_bytes(req: WireRequest, host_header: str, target: str, extra: list[tuple[str, str]]) -> bytes:
    lines = [f"{req.method} {target} HTTP/1.1", f"Host: {host_header}"]
    lines += [f"{k}: {v}" for k, v in [*req.headers, *extra]]
    if req.body or req.method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(req.body)}")
    lines.append("Connection: close")
    # UTF-8, not latin-1: unicode look-alike tokens must reach the gateway as a client would send them
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + req.body


def send_raw(req: WireRequest, *, timeout: float, policy: NetworkPolicy = LOOPBACK_ONLY,
             verify: bool = True, extra: list[tuple[str, str]] = ()) -> HttpResponse:
    parts = urlsplit(req.url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    policy.check(host, port)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    start = time.monotonic()
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
        if parts.scheme == "https":
            ctx = ssl.create_default_context() if verify else ssl._create_unverified_context()  # noqa: S323
            sock = ctx.wrap_socket(sock, server_hostname=host)
        with sock:
            sock.sendall(request_bytes(req, parts.netloc, target, list(extra)))
            resp = http.client.HTTPResponse(sock, method=req.method)
            resp.begin()
            body = resp.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                raise TransportError(f"the response body is larger than {MAX_BODY} bytes", url=req.url)
            headers = tuple((k, v) for k, v in resp.getheaders())
            return HttpResponse(status=resp.status, reason=resp.reason, headers=headers, body=body,
                                http_version="HTTP/1.1" if resp.version == 11 else "HTTP/1.0",
                                elapsed=time.monotonic() - start)
    except OSError as exc:
        raise TransportError(describe_os_error(exc, authority(req.url), timeout), url=req.url) from exc
    except http.client.HTTPException as exc:
        raise TransportError(f"{authority(req.url)} answered something that is not HTTP ({type(exc).__name__})",
                             url=req.url) from exc
