"""One request to the target, and only the gateway's own answer comes back.

    exchange(run, wire, endpoint) -> Exchange(observation, notes)   or raises TransportError

Around the runner's `send`: the circuit breaker (a dead endpoint is not dialled again), the capture
tap's own failures (a 502 the tap made up is a TransportError, never an Observation), one retry on a
fresh connection when a kept-alive one was closed before any response byte (recorded in `notes`,
which go into the scenario's evidence), the mint path (a token the answer carries is registered
before anything records it) and what the canary saw. Nothing else is ever retried.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from aigw_conformance.errors import CircuitOpen, TargetError, TransportError
from aigw_conformance.observation import Observation, WireRequest

from .leaks import DENIAL_STATUSES
from .transport_errors import authority
from aigw_conformance.capture.tap_errors import TapFailure, is_tap_answer

if TYPE_CHECKING:
    from aigw_conformance.run.record import Run

TAP_FAILURE_WAIT = 0.5   # a raw TCP tap may record its upstream failure just after closing on us


class Transport(Protocol):
    def send(self, request: WireRequest, *, fresh: bool = False) -> Observation: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Exchange:
    observation: Observation
    notes: tuple[str, ...] = ()


def exchange(run: "Run", wire: WireRequest, endpoint: str, *, upstream: bool = True) -> Exchange:
    """`upstream=False`: the step needs what the provider saw only if the gateway denied the request
    (the leak check); for any other answer the canary is not asked."""
    reason = run.breaker.open_reason(endpoint)
    if reason is not None:
        raise CircuitOpen(reason, endpoint=endpoint)
    transport = run.transports.get(wire.via)
    if transport is None:
        raise TargetError(f"the target has no {wire.via} runner (no proxy_url?)", target=run.target.name)
    notes: list[str] = []
    try:
        try:
            obs = _attempt(run, transport, wire, endpoint, fresh=False)
        except TransportError as exc:
            if not exc.stale:
                raise
            notes.append(f"retried once on a fresh connection: {exc.cause}")
            obs = _attempt(run, transport, wire, endpoint, fresh=True)
    except TransportError as exc:
        run.breaker.failed(endpoint, exc.cause)
        raise
    run.breaker.answered(endpoint)
    if obs.response is not None:
        run.mint_path.answered(wire.method, _path(wire.url), obs.response.status, obs.response.body,
                               lambda: _credential(wire))
    if run.canary is not None and (upstream or status_of(obs) in DENIAL_STATUSES):
        obs = dataclasses.replace(obs, upstream=run.canary.records(wire.tracking_id))
    return Exchange(obs, tuple(notes))


def status_of(obs: Observation) -> int | None:
    return obs.response.status if obs.response is not None else (obs.handshake.status if obs.handshake else None)


def _attempt(run: "Run", transport: Transport, wire: WireRequest, endpoint: str, *, fresh: bool) -> Observation:
    capture = run.capture
    if wire.via == "proxy" and capture is not None:
        capture.expect_connection(wire.test_id)   # raw TCP: no header can carry the test id
    try:
        obs = transport.send(wire, fresh=fresh)
    except TransportError as exc:
        raise _as_target(exc, run, endpoint) from exc.__cause__
    if capture is not None:
        failure = _tap_failure(capture, wire, obs)
        if failure is not None:
            where = _target_authority(run, endpoint)
            tap = run.capture.proxy_url if endpoint == "proxy" else run.endpoints.get(endpoint)
            url = wire.url.replace(authority(tap), where) if tap else wire.url
            raise TransportError(f"the capture tap could not get an answer from {where}: {_plain(failure.cause, where)}",
                                 url=url, endpoint=endpoint, stale=failure.closed_early, target=run.target.name)
    return obs


def _tap_failure(capture, wire: WireRequest, obs: Observation):
    if wire.via == "direct":
        failure = capture.failure(tracking_id=wire.tracking_id)
        if failure is None and obs.response is not None and is_tap_answer(obs.response.headers):
            failure = TapFailure(f"{obs.response.status} {obs.response.reason} written by the tap itself",
                                 before_response=True)
        return failure
    if obs.local_port is None:
        return None
    closed_unanswered = obs.handshake is not None and obs.handshake.status is None
    deadline = time.monotonic() + (TAP_FAILURE_WAIT if closed_unanswered else 0)
    while True:
        ended = capture.connection_ended(obs.local_port)
        failure = capture.failure(client_port=obs.local_port)
        if failure is not None or ended or time.monotonic() >= deadline:
            return failure
        time.sleep(0.005)


def _plain(cause: str, where: str) -> str:
    """mitmproxy's words for the usual failures, in the harness's own."""
    low = cause.lower()
    if "errno 111" in low or "connection refused" in low or "connect call failed" in low:
        return f"connection refused by {where}"
    if "timed out" in low or "timeout" in low:
        return f"no answer from {where} in time"
    return cause


def _target_authority(run: "Run", endpoint: str) -> str:
    """Where the tap was trying to go: the target's own address, not the tap's."""
    url = run.target.proxy_url if endpoint == "proxy" else run.target.endpoint_url(endpoint)
    return authority(url) if url else endpoint


def _as_target(exc: TransportError, run: "Run", endpoint: str) -> TransportError:
    """The same failure, naming the target and not the capture tap the request went through."""
    cause, url = exc.cause, exc.url
    tap = None
    if run.capture is not None:
        tap = run.capture.proxy_url if endpoint == "proxy" else run.endpoints.get(endpoint)
    if tap:
        real = _target_authority(run, endpoint)
        cause = cause.replace(authority(tap), f"{real} (through the capture tap)")
        url = (url or "").replace(authority(tap), real) or None
    return TransportError(cause, url=url, endpoint=exc.endpoint or endpoint, stale=exc.stale, target=run.target.name)


def _path(url: str) -> str:
    from urllib.parse import urlsplit
    return urlsplit(url).path


def _credential(wire: WireRequest) -> str | None:
    for name, value in wire.headers:
        low = name.lower()
        if low == "coder-session-token":
            return value
        if low == "authorization" and value.lower().startswith("bearer "):
            return value[7:].strip()
    return None


__all__ = ["Transport", "Exchange", "exchange", "status_of", "DENIAL_STATUSES"]
