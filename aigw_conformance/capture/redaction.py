"""Redacted copies of flows. The live flow is never touched, so forwarding is unchanged.

Everything that can hold a secret is passed through the run's redactor: URL (path and query),
header names and values, bodies (raw bytes, and the decoded form when the body is content-encoded,
because a by-value scan of gzip bytes finds nothing but a HAR export decodes them), the reason
phrase, TCP message contents, errors, comments and metadata.
"""

from __future__ import annotations

from typing import Protocol

from mitmproxy import flow as mflow
from mitmproxy import http, tcp


class RedactorLike(Protocol):
    def redact(self, text: str) -> str: ...
    def redact_bytes(self, data: bytes) -> bytes: ...


def _headers(headers: http.Headers, r: RedactorLike) -> http.Headers:
    return http.Headers([(r.redact_bytes(k), r.redact_bytes(v)) for k, v in headers.fields])


def _body(message: http.Message, r: RedactorLike) -> None:
    raw = message.raw_content
    if not raw:
        return
    encoding = message.headers.get("content-encoding", "").strip().lower()
    if encoding and encoding != "identity":
        decoded = message.get_content(strict=False)
        if decoded is not None and decoded != raw:
            cleaned = r.redact_bytes(decoded)
            if cleaned != decoded:
                # Re-encode with the same encoding so the recorded message stays consistent.
                message.headers = message.headers.copy()
                message.set_content(cleaned)
            return
    message.raw_content = r.redact_bytes(raw)


def _message(message: http.Message, r: RedactorLike) -> None:
    _body(message, r)  # first: set_content may rewrite content-length, then headers are redacted
    message.headers = _headers(message.headers, r)
    if message.trailers:
        message.trailers = _headers(message.trailers, r)


def _metadata(value, r: RedactorLike):
    if isinstance(value, str):
        return r.redact(value)
    if isinstance(value, dict):
        return {k: _metadata(v, r) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_metadata(v, r) for v in value)
    return value


def snapshot(f: mflow.Flow) -> mflow.Flow:
    """A detached copy that keeps the flow id (``Flow.copy()`` makes a new one, and evidence names
    flows by the id they had on the wire)."""
    c = type(f).from_state(f.get_state())
    c.live = False
    return c


def redacted_copy(f: mflow.Flow, r: RedactorLike) -> mflow.Flow:
    return redact_in_place(snapshot(f), r)


def redact_in_place(c: mflow.Flow, r: RedactorLike) -> mflow.Flow:
    """Redact a detached copy itself (the collector's finished copies at stop: no second copy)."""
    c.comment = r.redact(c.comment)
    c.metadata = _metadata(dict(c.metadata), r)
    if c.error:
        c.error.msg = r.redact(c.error.msg)
    if isinstance(c, http.HTTPFlow):
        req = c.request
        req.path = r.redact(req.path)
        req.host = r.redact(req.host)
        req.authority = r.redact(req.authority)
        _message(req, r)
        if c.response is not None:
            _message(c.response, r)
            c.response.reason = r.redact(c.response.reason)
    elif isinstance(c, tcp.TCPFlow):
        for m in c.messages:
            m.content = r.redact_bytes(m.content)
    return c
