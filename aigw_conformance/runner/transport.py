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

from .transport_errors import authority

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


def exchange(run: "Run", wire: WireRequest, endpoint: str) -> Exchange:
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
    if run.canary is not None:
        obs = dataclasses.replace(obs, upstream=run.canary.records(wire.tracking_id))
    return Exchange(obs, tuple(notes))


def _attempt(run: "Run", transport: Transport, wire: WireRequest, endpoint: str, *, fresh: bool) -> Observation:
    capture = run.capture
    if wire.via == "proxy" and capture is not None:
        capture.expect_connection(wire.test_id)   # raw TCP: no header can carry the test id
    try:
        obs = transport.send(wire, fresh=fresh)
    except TransportError as exc:
        raise _with_endpoint(exc, endpoint)
    if capture is not None:
        failure = _tap_failure(capture, wire, obs)
        if failure is not None:
            where = _target_authority(run, endpoint)
            raise TransportError(f"the capture tap could not get an answer from {where}: {failure.cause}",
                                 url=wire.url, endpoint=endpoint, stale=failure.closed_early)
    return obs


def _tap_failure(capture, wire: WireRequest, obs: Observation):
    if wire.via == "direct":
        return capture.failure(tracking_id=wire.tracking_id)
    if obs.local_port is None:
        return None
    closed_unanswered = obs.handshake is not None and obs.handshake.status is None
    deadline = time.monotonic() + (TAP_FAILURE_WAIT if closed_unanswered else 0)
    while True:
        failure = capture.failure(client_port=obs.local_port)
        if failure is not None or time.monotonic() >= deadline:
            return failure
        time.sleep(0.02)


def _target_authority(run: "Run", endpoint: str) -> str:
    """Where the tap was trying to go: the target's own address, not the tap's."""
    url = run.target.proxy_url if endpoint == "proxy" else run.target.endpoint_url(endpoint)
    return authority(url) if url else endpoint


def _with_endpoint(exc: TransportError, endpoint: str) -> TransportError:
    exc.endpoint = exc.endpoint or endpoint
    return exc


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


__all__ = ["Transport", "Exchange", "exchange"]
