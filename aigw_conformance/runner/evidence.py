"""A request and its answer as text for the report (allure attachments), redacted by the run."""

from __future__ import annotations

from typing import Callable

from aigw_conformance.observation import Observation

MAX_SHOWN_BODY = 65536


def show_exchange(obs: Observation, redact: Callable[[str], str],
                  shown_url: Callable[[str], str] = str) -> tuple[str, str]:
    """(request text, response text), both through `redact`; the request's URL through `shown_url`
    (Run.shown_url: the gateway's address, not the capture tap's)."""
    req = obs.request
    lines = [f"{req.method} {shown_url(req.url)} (via {req.via})"]
    if req.proxy_authorization is not None:
        lines.append(f"Proxy-Authorization: {req.proxy_authorization}")
    lines += [f"{k}: {v}" for k, v in req.headers]
    # bounded like the response below: a 32 MiB body-limit probe must not be redacted whole
    more = f"\n… ({len(req.body) - MAX_SHOWN_BODY} more bytes)" if len(req.body) > MAX_SHOWN_BODY else ""
    request_text = "\n".join(lines) + "\n\n" + req.body[:MAX_SHOWN_BODY].decode("utf-8", "replace") + more
    parts = []
    if obs.handshake is not None:
        parts.append("CONNECT answer:\n" + obs.handshake.raw_response.decode("latin-1"))
    if obs.response is not None:
        r = obs.response
        parts.append(f"{r.http_version} {r.status} {r.reason}\n" + "\n".join(f"{k}: {v}" for k, v in r.headers)
                     + "\n\n" + r.body[:MAX_SHOWN_BODY].decode("utf-8", "replace"))
    if obs.upstream is not None:
        parts.append(f"canary: {len(obs.upstream)} upstream request(s)" +
                     "".join(f"\n  {u.method} {u.path}" for u in obs.upstream))
    return redact(request_text), redact("\n\n".join(parts))


__all__ = ["show_exchange"]
