"""The frozen record a started run is: everything a scenario may use, resolved once at start-up.

Nothing below reads a mutable context: items, the runner and the reports get this record (or
parts of it) as arguments. The parts it holds (broker, capture, transports) keep their own
internal state behind their methods; the record itself never changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from aigw_common.netguard import NetworkPolicy
from aigw_common.redaction import Redactor
from aigw_conformance.requirements import Catalogue
from aigw_conformance.runner.breaker import Breaker
from aigw_conformance.runner.canary import CanaryReader
from aigw_conformance.runner.controls import Controls
from aigw_conformance.runner.leaks import LeakWatch
from aigw_conformance.runner.transport import Transport
from aigw_conformance.scenario.routes import RouteTable
from aigw_conformance.targets.model import Target
from aigw_conformance.tokens.broker import TokenBroker
from aigw_conformance.tokens.malformed import MalformedCatalogue
from aigw_conformance.tokens.mint_path import MintPath
from aigw_conformance.tokens.pool import TokenPool

from .options import RunOptions


@dataclass(frozen=True)
class Inputs:
    """The data files a run reads before anything starts (collection needs them)."""

    catalogue: Catalogue
    routes: RouteTable
    malformed: MalformedCatalogue


@dataclass(frozen=True)
class Run:
    options: RunOptions
    inputs: Inputs
    target: Target
    redactor: Redactor
    policy: NetworkPolicy
    brokers: Mapping[str, TokenBroker]        # deployment ("default" or an endpoint) → its broker
    mint_path: MintPath
    transports: Mapping[str, Transport]       # "direct", and "proxy" when the target has one
    endpoints: Mapping[str, str]              # endpoint name → URL the harness sends to (tap or target)
    canary: CanaryReader | None
    capture: Any | None                       # aigw_conformance.capture.Capture, when capture is on
    breaker: Breaker
    leaks: LeakWatch
    token_pool: TokenPool
    timeout: float
    operator_token: str | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()
    controls: Controls = field(default_factory=Controls)   # answers for derived tokens' bases

    @property
    def run_dir(self) -> Path:
        return self.options.run_dir

    def broker_for(self, endpoint: str = "default") -> TokenBroker:
        return self.brokers.get(endpoint, self.brokers["default"])

    def template_view(self) -> dict[str, Any]:
        return self.target.template_view()

    def shown_url(self, url: str) -> str:
        """`url` as the report shows it: a request the harness sent to one of the capture's taps is
        shown with the gateway's address the tap forwarded it to. The tap is the harness's own
        machinery; a reader comparing the evidence with the gateway's logs looks for the gateway's."""
        for name, sent_to in self.endpoints.items():
            gateway = self.target.base_url if name == "default" else self.target.endpoints.get(name)
            if gateway and sent_to != gateway and (url == sent_to or url.startswith(sent_to.rstrip("/") + "/")):
                return gateway.rstrip("/") + url[len(sent_to.rstrip("/")):]
        return url


__all__ = ["Run", "Inputs"]
