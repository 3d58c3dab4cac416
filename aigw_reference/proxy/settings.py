"""Settings of the reference AI Gateway Proxy (PROTOCOL.md AUTH-PROXY-001..009).

Frozen so that one value can be shared by the reference config and every proxy addon
without anyone mutating it behind the others' backs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

# AUTH-PROXY-003 default provider hosts (already lower-case: matching is exact).
DEFAULT_DOMAINS: Mapping[str, str] = MappingProxyType(
    {
        "api.anthropic.com": "anthropic",
        "api.openai.com": "openai",
        "api.individual.githubcopilot.com": "copilot",
        "api.business.githubcopilot.com": "copilot-business",
        "api.enterprise.githubcopilot.com": "copilot-enterprise",
        "chatgpt.com": "chatgpt",
    }
)

# Fault names this package understands (registered in aigw_reference/faults.py by its owner).
PROXY_FAULTS: frozenset[str] = frozenset(
    {
        "407-without-proxy-authenticate",
        "proxy-accepts-bearer",
        "proxy-username-as-token",
        "proxy-auth-for-tunnels",
        "proxy-validates-nothing-inject-always",
        "proxy-static-hosts",
        "proxy-stale-tunnel-routed",
        "plain-http-forwarded",
    }
)

ERAS = ("newest", "older", "model-authz")


@dataclass(frozen=True)
class ProxySettings:
    enabled: bool = True
    listen_host: str = "127.0.0.1"
    port: int = 0
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    allowed_ports: tuple[str, ...] = ("80", "443")
    domains: Mapping[str, str] = field(default_factory=lambda: DEFAULT_DOMAINS)
    # The reference runs everything on loopback, so loopback tunnels must be allowed.
    allowed_private_cidrs: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    # This version's target prefix (AUTH-PROXY-007 step 1); newer docs use /api/v2/ai-gateway.
    target_path: str = "/api/v2/aibridge"
    era: str = "newest"
    faults: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # AUTH-PROXY-001: TLS needs both files; one alone is a startup error.
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("proxy TLS needs both tls_cert_file and tls_key_file, or neither")
        if self.era not in ERAS:
            raise ValueError(f"proxy era must be one of {ERAS}, got {self.era!r}")
        # Lower-cased at startup, as the real proxy does (AUTH-PROXY-003).
        object.__setattr__(
            self, "domains", MappingProxyType({k.lower(): v for k, v in self.domains.items()})
        )
        object.__setattr__(self, "allowed_ports", tuple(str(p) for p in self.allowed_ports))
        # The reference may hand over its whole fault set; only the proxy's own names matter here
        # (faults.py validates names against the catalogue).
        object.__setattr__(self, "faults", frozenset(self.faults) & PROXY_FAULTS)

    @property
    def tls(self) -> bool:
        return self.tls_cert_file is not None
