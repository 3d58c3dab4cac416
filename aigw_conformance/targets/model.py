"""What the harness knows about a gateway: frozen values, built once from targets.yaml or a started
reference, never changed afterwards.

A `Target` says where the gateway is (base URL, extra endpoints, proxy), what it offers (features,
providers, credential modes, era) and where tokens come from (`TokenSourceSpec`, one per
deployment: an endpoint that is a separate deployment with its own database declares its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from aigw_common.netguard import NetworkPolicy

PREFIXES = {"canonical": "/api/v2/ai-gateway", "legacy": "/api/v2/aibridge"}


@dataclass(frozen=True)
class TokenSourceSpec:
    """How to obtain tokens for one deployment. `kind` names an entry of `tokens.sources.SOURCES`."""

    kind: str
    operator_token: str | None = field(default=None, repr=False)
    operator_token_env: str | None = None
    user: str = "me"                                                    # whose tokens are minted
    static: Mapping[str, str] = field(default_factory=dict, repr=False)  # kind → token value
    missing: Mapping[str, str] = field(default_factory=dict)            # kind → why unavailable


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0
    total: float = 60.0

    @property
    def request(self) -> float:
        """The bound on one request: the read timeout, never more than the total."""
        return float(min(self.read, self.total))


@dataclass(frozen=True)
class Target:
    name: str
    kind: str                                  # an entry of targets.kinds.KINDS
    base_url: str = ""
    prefixes: Mapping[str, str] = field(default_factory=lambda: dict(PREFIXES))
    era: str = "newest"
    profiles: tuple[str, ...] = ()             # profiles the target claims (opt-in to gating)
    providers: Mapping[str, str] = field(default_factory=lambda: {"openai": "openai", "anthropic": "anthropic"})
    credential_modes: tuple[str, ...] = ("centralized", "byok")
    endpoints: Mapping[str, str] = field(default_factory=dict)
    endpoint_tokens: Mapping[str, TokenSourceSpec] = field(default_factory=dict)  # own deployments
    proxy_url: str | None = None
    proxy_ca: str | None = None                # PEM file path, "endpoint", or PEM text (reference)
    canary_url: str | None = None
    central_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    features: frozenset[str] = frozenset()
    token_source: TokenSourceSpec | None = None
    allow_hosts: frozenset[str] = frozenset()
    timeouts: Timeouts = field(default_factory=Timeouts)
    description: str = ""
    file: str = ""
    line: int = 0
    extra_view: Mapping[str, Any] = field(default_factory=dict)   # harness-provided template values

    @property
    def provider_names(self) -> Mapping[str, str]:
        """Canonical provider → the name the target serves it under (for route resolution)."""
        return self.providers

    def has(self, feature: str) -> bool:
        return feature in self.features

    def missing(self, required: list[str] | tuple[str, ...]) -> list[str]:
        return [f for f in required if f not in self.features]

    def endpoint_url(self, name: str = "default") -> str | None:
        return self.base_url if name == "default" else self.endpoints.get(name)

    def token_source_for(self, endpoint: str = "default") -> TokenSourceSpec | None:
        """An endpoint that is its own deployment has its own tokens; otherwise it shares the target's."""
        return self.endpoint_tokens.get(endpoint, self.token_source)

    def network_policy(self) -> NetworkPolicy:
        return NetworkPolicy(allow_hosts=self.allow_hosts)

    def template_view(self) -> dict[str, Any]:
        """What scenarios may read as {{ target.… }} (features.TEMPLATE_FEATURES says what each needs)."""
        view = {"name": self.name, "base_url": self.base_url, "era": self.era, "proxy_url": self.proxy_url,
                "canary_url": self.canary_url, "central_keys": dict(self.central_keys),
                "endpoints": dict(self.endpoints), "providers": dict(self.providers)}
        return {**view, **self.extra_view}

    def describe(self) -> dict[str, Any]:
        """The target as it goes into the report: names and URLs, never a secret."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "base_url": self.base_url or None,
                               "era": self.era, "features": sorted(self.features)}
        if self.profiles:
            out["claimedProfiles"] = sorted(self.profiles)
        return out


__all__ = ["Target", "TokenSourceSpec", "Timeouts", "PREFIXES"]
