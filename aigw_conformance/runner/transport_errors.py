"""Transport failures in plain words: "connection refused by 127.0.0.1:9", not a stack of wrappers.

Also decides the one retryable case: a kept-alive connection that the server closed before a byte
of the response arrived (httpx: "Server disconnected without sending a response").
"""

from __future__ import annotations

import errno
import socket
import ssl
from urllib.parse import urlsplit

import httpx


def host_port(host: str, port: int) -> str:
    """host:port as a URL or a CONNECT names it (an IPv6 literal in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def authority(url: str) -> str:
    parts = urlsplit(url)
    return host_port(parts.hostname or "?", parts.port or (443 if parts.scheme == "https" else 80))


def _root(exc: BaseException) -> BaseException:
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return seen


def describe_os_error(exc: BaseException, where: str, timeout: float) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"no answer from {where} within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) == errno.ECONNREFUSED:
        return f"connection refused by {where}"
    if isinstance(exc, ConnectionResetError):
        return f"{where} reset the connection"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed: {exc.reason or exc}"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve {where}"
    return f"{where}: {exc.strerror or exc}" if isinstance(exc, OSError) else f"{where}: {exc}"


def describe_httpx_error(exc: httpx.HTTPError, url: str, timeout: float) -> tuple[str, bool]:
    """(cause, stale) for an httpx failure of one request."""
    where = authority(url)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection to {where} within {timeout:g} s", False
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer from {where} within {timeout:g} s", False
    if isinstance(exc, httpx.ConnectError):
        root = _root(exc)
        if isinstance(root, (OSError, ssl.SSLError)):
            return describe_os_error(root, where, timeout), False
        text = str(exc)
        if "refused" in text.lower():
            return f"connection refused by {where}", False
        return f"cannot connect to {where}: {text or type(exc).__name__}", False
    if isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc)
        if "without sending a response" in text or "peer closed connection" in text.lower():
            return f"{where} closed the connection without answering", True
        return f"{where} answered something that is not HTTP ({text})", False
    if isinstance(exc, httpx.ReadError):
        root = _root(exc)
        stale = isinstance(root, (ConnectionResetError, BrokenPipeError))
        return (describe_os_error(root, where, timeout) if isinstance(root, OSError) else f"{where}: {exc}"), stale
    return f"{where}: {type(exc).__name__}: {exc or 'no detail'}", False


__all__ = ["authority", "describe_httpx_error", "describe_os_error"]
