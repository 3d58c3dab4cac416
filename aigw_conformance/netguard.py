"""Dialers that refuse to leave loopback.

Provider hosts (api.openai.com, …) are only ever intercepted, never dialled, and nothing this project
runs may open a connection outside loopback unless a target explicitly names that host in
targets.yaml (``network.allow_hosts``), e.g. a staging gateway. Names are never resolved here: only a
loopback IP literal, ``localhost`` or an explicitly allowed name passes, so a bug cannot turn into a
DNS lookup or a connection to the internet.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import httpx

#: Hosts that the protocol intercepts. Dialling one is always a bug, even when "allowed".
PROVIDER_HOSTS = frozenset({
    "api.openai.com",
    "api.anthropic.com",
    "api.individual.githubcopilot.com",
    "api.business.githubcopilot.com",
    "api.enterprise.githubcopilot.com",
    "chatgpt.com",
})


class BlockedDestination(httpx.ConnectError):
    """Raised instead of dialling a host outside the network policy."""


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class NetworkPolicy:
    allow_hosts: frozenset[str] = field(default_factory=frozenset)

    def permits(self, host: str) -> bool:
        h = host.strip("[]").lower().rstrip(".")
        if h in PROVIDER_HOSTS:
            return False
        return is_loopback(h) or h in self.allow_hosts

    def check(self, host: str, port: int | None = None) -> None:
        if not self.permits(host):
            raise BlockedDestination(
                f"refusing to connect to {host}:{port}: only loopback and hosts listed in the target's "
                "network.allow_hosts may be dialled (provider hosts never)"
            )


LOOPBACK_ONLY = NetworkPolicy()


def _dial_host(request: httpx.Request, proxy: str | None) -> tuple[str, int | None]:
    if proxy:
        url = httpx.URL(proxy)
        return url.host, url.port
    return request.url.host, request.url.port


class GuardedTransport(httpx.BaseTransport):
    """Wraps an httpx transport; checks where the connection would go before any socket opens."""

    def __init__(self, policy: NetworkPolicy = LOOPBACK_ONLY, *, proxy: str | None = None, **kwargs) -> None:
        self._policy = policy
        self._proxy = proxy
        self._inner = httpx.HTTPTransport(proxy=proxy, **kwargs)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._policy.check(*_dial_host(request, self._proxy))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class AsyncGuardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, policy: NetworkPolicy = LOOPBACK_ONLY, *, proxy: str | None = None, **kwargs) -> None:
        self._policy = policy
        self._proxy = proxy
        self._inner = httpx.AsyncHTTPTransport(proxy=proxy, **kwargs)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._policy.check(*_dial_host(request, self._proxy))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def client(policy: NetworkPolicy = LOOPBACK_ONLY, *, proxy: str | None = None, verify=True,
           **kwargs) -> httpx.Client:
    """An httpx.Client whose every connection is checked against the policy."""
    return httpx.Client(transport=GuardedTransport(policy, proxy=proxy, verify=verify), **kwargs)


def async_client(policy: NetworkPolicy = LOOPBACK_ONLY, *, proxy: str | None = None, verify=True,
                 **kwargs) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=AsyncGuardedTransport(policy, proxy=proxy, verify=verify), **kwargs)
