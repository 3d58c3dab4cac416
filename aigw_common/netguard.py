"""Dialers that refuse to leave loopback.

Provider hosts (api.openai.com, …) are only ever intercepted, never dialled, and nothing this project
runs may open a connection outside loopback unless a target explicitly names that host in
targets.yaml (``network.allow_hosts``), e.g. a staging gateway. Names are never resolved here: only a
loopback IP literal, ``localhost`` or an explicitly allowed name passes, so a bug cannot turn into a
DNS lookup or a connection to the internet.
"""

from __future__ import annotations

import functools
import ipaddress
import ssl
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


class _SchemeSplit:
    """Two inner transports: plain-HTTP requests never use TLS, so theirs gets an empty TLS context;
    the one for https (or an https proxy) is built on first use with the real verification. httpx
    builds a verifying context for every transport otherwise, loading the whole CA bundle (about
    50 ms each, several per run, all for loopback HTTP)."""

    def __init__(self, factory, proxy: str | None, verify, kwargs: dict) -> None:
        self._factory, self._proxy, self._verify, self._kwargs = factory, proxy, verify, kwargs
        self._plain = None
        self._tls = None

    def for_request(self, request: httpx.Request):
        if request.url.scheme == "https" or (self._proxy or "").lower().startswith("https:"):
            if self._tls is None:
                self._tls = self._factory(proxy=self._proxy, verify=tls_context(self._verify), **self._kwargs)
            return self._tls
        if self._plain is None:
            self._plain = self._factory(proxy=self._proxy, verify=_NO_TLS, **self._kwargs)
        return self._plain

    def built(self) -> list:
        return [t for t in (self._plain, self._tls) if t is not None]


class GuardedTransport(httpx.BaseTransport):
    """Wraps an httpx transport; checks where the connection would go before any socket opens."""

    def __init__(self, policy: NetworkPolicy = LOOPBACK_ONLY, *, proxy: str | None = None, verify=True,
                 **kwargs) -> None:
        self._policy = policy
        self._proxy = proxy
        self._inner = _SchemeSplit(httpx.HTTPTransport, proxy, verify, kwargs)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._policy.check(*_dial_host(request, self._proxy))
        return self._inner.for_request(request).handle_request(request)

    def close(self) -> None:
        for t in self._inner.built():
            t.close()


class AsyncGuardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, policy: NetworkPolicy = LOOPBACK_ONLY, *, proxy: str | None = None, verify=True,
                 **kwargs) -> None:
        self._policy = policy
        self._proxy = proxy
        self._inner = _SchemeSplit(httpx.AsyncHTTPTransport, proxy, verify, kwargs)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._policy.check(*_dial_host(request, self._proxy))
        return await self._inner.for_request(request).handle_async_request(request)

    async def aclose(self) -> None:
        for t in self._inner.built():
            await t.aclose()


#: How long an idle kept-alive connection may be reused. Servers and the load balancers in front of
#: them close idle connections after a few seconds (uvicorn after 5 s, some proxies after 1 s): a
#: request sent on a connection at the moment the server closes it dies without an answer. Half a
#: second keeps back-to-back requests on one connection and drops it long before a server would.
KEEPALIVE_EXPIRY = 0.5


def limits(**kwargs) -> httpx.Limits:
    return httpx.Limits(keepalive_expiry=kwargs.pop("keepalive_expiry", KEEPALIVE_EXPIRY), **kwargs)


@functools.lru_cache(maxsize=8)
def _tls_context(verify: bool | str) -> ssl.SSLContext:
    return httpx.create_ssl_context(verify=verify)


def tls_context(verify):
    """One verifying TLS context per setting (True, a CA file, False), shared by the process's
    clients: built once, only read afterwards."""
    return verify if isinstance(verify, ssl.SSLContext) else _tls_context(verify)


_NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)   # for plain-HTTP requests, which never handshake


class _NoCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class CookielessClient(httpx.Client):
    """An httpx.Client that keeps no cookie, so none rides along on a later request. A jar whose
    policy refuses every cookie has the same effect, but httpx still builds urllib's request and
    response objects for it on every answer (about 7 % of a run's request path, measured)."""

    def __init__(self, **kwargs) -> None:
        if kwargs.get("cookies"):
            raise ValueError("a CookielessClient keeps no cookies")
        super().__init__(**kwargs)
        self._none = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._none

    @cookies.setter
    def cookies(self, value) -> None:
        if value:
            raise ValueError("a CookielessClient keeps no cookies")


def client(policy: NetworkPolicy = LOOPBACK_ONLY, *, proxy: str | None = None, verify=True,
           limits: httpx.Limits | None = None, keep_cookies: bool = True, **kwargs) -> httpx.Client:
    """An httpx.Client whose every connection is checked against the policy; with
    ``keep_cookies=False`` one that never stores a cookie (`CookielessClient`)."""
    transport = GuardedTransport(policy, proxy=proxy, verify=verify, limits=limits or _limits())
    return (httpx.Client if keep_cookies else CookielessClient)(transport=transport, **kwargs)


def async_client(policy: NetworkPolicy = LOOPBACK_ONLY, *, proxy: str | None = None, verify=True,
                 limits: httpx.Limits | None = None, **kwargs) -> httpx.AsyncClient:
    transport = AsyncGuardedTransport(policy, proxy=proxy, verify=verify, limits=limits or _limits())
    return httpx.AsyncClient(transport=transport, **kwargs)


_limits = limits
