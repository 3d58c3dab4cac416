"""The direct runner: one HTTP request to the gateway with httpx, through the loopback guard.

httpx exceptions become TransportError here and nowhere else, in plain words. Headers go out exactly
as the scenario lists them (order, duplicates); httpx adds Host and Content-Length only. A request
on a reused connection that the server closed before answering is marked `stale`: the caller may
send it again with `fresh=True`, on a connection of its own.
"""

from __future__ import annotations

import time

import httpx

from aigw_common import netguard
from aigw_common.netguard import LOOPBACK_ONLY, NetworkPolicy
from aigw_conformance.errors import TransportError
from aigw_conformance.observation import HttpResponse, Observation, WireRequest

from .transport_errors import describe_httpx_error

MAX_BODY = 8 * 1024 * 1024
TEST_ID_HEADER = "X-Aigw-Test-Id"   # the capture tap strips it before the gateway sees the request


class DirectRunner:
    def __init__(self, policy: NetworkPolicy = LOOPBACK_ONLY, *, timeout: float = 10.0,
                 verify: bool | str = True, target: str | None = None, tag: bool = True) -> None:
        self.timeout = timeout
        # the test-id header is for a capture tap, which strips it; with none in front it would reach the gateway
        self.tag = tag
        self.target = target
        self.policy = policy
        self.verify = verify
        # No cookie jar: a gateway's Set-Cookie (coderd's csrf_token, AUTH-HTTP-011) must not ride along on
        # later requests, or the harness would send headers the scenario never wrote.
        self._client = netguard.client(policy, verify=verify, follow_redirects=False, trust_env=False,
                                       keep_cookies=False)

    def send(self, request: WireRequest, *, fresh: bool = False) -> Observation:
        timeout = min(self.timeout, request.timeout or self.timeout)
        headers = list(request.headers)
        if request.test_id and self.tag:
            headers.append((TEST_ID_HEADER, request.test_id))
        if not all(_sendable(k) and _sendable(v) for k, v in headers):
            return self._raw(request, timeout)
        if fresh:
            # A connection of its own, closed after the answer: the retry must not meet the same fate.
            with netguard.client(self.policy, verify=self.verify, follow_redirects=False, trust_env=False,
                                 keep_cookies=False, limits=netguard.limits(max_keepalive_connections=0)) as one_shot:
                return self._send(one_shot, request, headers, timeout)
        return self._send(self._client, request, headers, timeout)

    def _send(self, client: httpx.Client, request: WireRequest, headers: list, timeout: float) -> Observation:
        start = time.monotonic()
        try:
            req = client.build_request(request.method, request.url, headers=headers,
                                       content=request.body or None, timeout=timeout)
            resp = client.send(req, stream=True)
            try:
                body = _read_bounded(resp, start + timeout)
            finally:
                resp.close()
        except httpx.LocalProtocolError:
            # h11 will not send what the scenario is testing (e.g. padded header values): go raw.
            return self._raw(request, timeout)
        except httpx.HTTPError as exc:
            cause, stale = describe_httpx_error(exc, request.url, timeout)
            raise TransportError(cause, url=request.url, stale=stale, target=self.target) from exc
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
        extra = [(TEST_ID_HEADER, request.test_id)] if request.test_id and self.tag else []
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
            raise TransportError(f"the response body is larger than {MAX_BODY} bytes", url=str(resp.request.url))
        if time.monotonic() > deadline:
            raise TransportError("the response body did not finish within the timeout", url=str(resp.request.url))
    return b"".join(chunks)
