"""How a rendered request reaches the target: one seam, `send(WireRequest) -> Observation`.

`direct.DirectRunner` (httpx over netguard), `proxy.ProxyRunner` (raw CONNECT + TLS), and
`canary.CanaryReader` (what the simulated provider received). Transport failures are TargetError.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aigw_conformance.observation import Observation, WireRequest


@runtime_checkable
class Runner(Protocol):
    def send(self, request: WireRequest) -> Observation: ...


__all__ = ["Runner"]
