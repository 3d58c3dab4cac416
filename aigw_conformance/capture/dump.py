"""A human-readable, redacted dump of a test's flows, for an allure attachment or a failure message."""

from __future__ import annotations

import json

from mitmproxy import flow as mflow
from mitmproxy import http, tcp
from mitmproxy.addons.savehar import SaveHar

from .handshakes import Transcript
from .redaction import RedactorLike, redacted_copy
from .tagging import META_ENDPOINT

MAX_BODY_SHOWN = 4096


def _body(message: http.Message) -> str:
    raw = message.get_content(strict=False) or b""
    text = raw[:MAX_BODY_SHOWN].decode("utf-8", "replace")
    more = f"\n… ({len(raw) - MAX_BODY_SHOWN} more bytes)" if len(raw) > MAX_BODY_SHOWN else ""
    return text + more


def _headers(headers: http.Headers) -> str:
    return "".join(f"{k.decode('latin-1')}: {v.decode('latin-1')}\n" for k, v in headers.fields)


def http_text(f: http.HTTPFlow) -> str:
    req = f.request
    out = [f"== flow {f.id} (endpoint {f.metadata.get(META_ENDPOINT, '?')})\n",
           f"{req.method} {req.path} {req.http_version}\n", _headers(req.headers)]
    if req.raw_content:
        out += ["\n", _body(req), "\n"]
    if f.response is not None:
        resp = f.response
        out += [f"-- {resp.http_version} {resp.status_code} {resp.reason}\n", _headers(resp.headers)]
        if resp.raw_content:
            out += ["\n", _body(resp), "\n"]
    if f.error:
        out.append(f"-- error: {f.error.msg}\n")
    return "".join(out)


def tcp_text(f: tcp.TCPFlow, t: Transcript | None, r: RedactorLike) -> str:
    out = [f"== tcp connection {f.id} ({len(f.messages)} messages)\n"]
    if t is not None:
        out.append("-> " + r.redact_bytes(bytes(t.request)).decode("latin-1"))
        out.append("<- " + r.redact_bytes(bytes(t.response)).decode("latin-1"))
        out.append(f"\n-- tunnel used after handshake: {t.tunnel_started}\n")
    if f.error:
        out.append(f"-- error: {f.error.msg}\n")
    return "".join(out)


def flows_text(flows: list[mflow.Flow], transcripts: dict[str, Transcript], r: RedactorLike) -> str:
    parts = []
    for f in flows:
        c = redacted_copy(f, r)
        if isinstance(c, http.HTTPFlow):
            parts.append(http_text(c))
        elif isinstance(c, tcp.TCPFlow):
            parts.append(tcp_text(c, transcripts.get(f.id), r))
    # The copies are redacted; one more pass catches anything the structure walk cannot reach.
    return r.redact("\n".join(parts))


def har_text(flows: list[mflow.Flow], r: RedactorLike) -> str:
    """A HAR document of the HTTP flows (TCP flows have no HAR form), redacted, for an attachment."""
    clean = [redacted_copy(f, r) for f in flows if isinstance(f, http.HTTPFlow)]
    return r.redact(json.dumps(SaveHar().make_har(clean), indent=1))
