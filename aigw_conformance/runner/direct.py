"""The direct runner: one HTTP request to the gateway with httpx, through the loopback guard.

httpx exceptions are translated into TargetError here and nowhere else. Headers go out exactly as
the scenario lists them (order, duplicates); httpx adds Host and Content-Length only.
"""

from __future__ import annotations

import time
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

from aigw_conformance import netguard
from aigw_conformance.errors import TargetError
from aigw_conformance.netguard import LOOPBACK_ONLY, NetworkPolicy
from aigw_conformance.observation import HttpResponse, Observation, WireRequest

MAX_BODY = 8 * 1024 * 1024


class DirectRunner:
    def __init__(self, policy: NetworkPolicy = LOOPBACK_ONLY, *, timeout: float = 10.0,
                 verify: bool | str = True, target: str | None = None) -> None:
        self.timeout = timeout
        self.target = target
        self.policy = policy
        self.verify = verify
        # No cookie jar: a gateway's Set-Cookie (coderd's csrf_token, AUTH-HTTP-011) must not ride along on
        # later requests, or the harness would send headers the scenario never wrote.
        self._client = netguard.client(policy, verify=verify, follow_redirects=False, trust_env=False,
                                       cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])))

    def send(self, request: WireRequest) -> Observation:
        timeout = min(self.timeout, request.timeout or self.timeout)
        headers = list(request.headers)
        if request.test_id:
            headers.append(("X-Aigw-Test-Id", request.test_id))   # the capture tap strips it
        start = time.monotonic()
        if not all(_sendable(k) and _sendable(v) for k, v in headers):
            return self._raw(request, timeout)
        try:
            req = self._client.build_request(request.method, request.url, headers=headers,
                                             content=request.body or None, timeout=timeout)
            resp = self._client.send(req, stream=True)
            try:
                body = _read_bounded(resp, start + timeout)
            finally:
                resp.close()
        except httpx.LocalProtocolError:
            # h11 will not send what the scenario is testing (e.g. padded header values): go raw.
            return self._raw(request, timeout)
        except httpx.HTTPError as exc:
            raise TargetError(f"{type(exc).__name__}: {exc or 'no detail'}", target=self.target,
                              url=request.url) from exc
        return Observation(request, HttpResponse(
            status=resp.status_code,
            reason=resp.reason_phrase,
            headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.headers.raw),
            body=body,
            http_version=resp.http_version,
            elapsed=time.monotonic() - start,
        ))

    def _raw(self, request: WireRequest, timeout: float) -> Observation:
        from .raw_http import send_raw
        extra = [("X-Aigw-Test-Id", request.test_id)] if request.test_id else []
        return Observation(request, send_raw(request, timeout=timeout, policy=self.policy,
                                             verify=self.verify, extra=extra))

    def close(self) -> None:
        self._client.close()


def _sendable(text: str) -> bool:
    # httpx encodes header values as ASCII; anything else goes through the raw sender
    return text.isascii()


def _read_bounded(resp: httpx.Response, deadline: float) -> bytes:
    # A streaming answer that never ends must not hang the run: stop at the deadline or size cap.
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY:
            raise TargetError(f"response body larger than {MAX_BODY} bytes", url=str(resp.request.url))
        if time.monotonic() > deadline:
            raise TargetError("response body not finished within the timeout", url=str(resp.request.url))
    return b"".join(chunks)
