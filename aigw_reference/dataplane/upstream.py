"""The httpx clients of the provider hop: many small connection pools instead of one large one.

httpcore's pool walks every connection it holds on each request it assigns and each it releases
(`AsyncConnectionPool._assign_requests_to_connections`, httpcore 1.0): a readability poll per
connection, and for each idle one a count over all of them. With one pool of 200 connections (200
concurrent valid-token requests) that bookkeeping costs milliseconds per request and starves the
event loop: measured with bench/reference_throughput.py, one pool of 512 gave 53 requests/s and
timeouts, 16 pools of 32 about 450/s, 64 pools of 8 the same rate with the shortest tail (slowest
request 1.7 s against 4.5 s). The requests and answers are the same either way: only which
connection carries them changes.
"""

from __future__ import annotations

import functools
import ssl

import certifi
import httpx

from aigw_common import netguard

POOLS = 64
POOL_SIZE = 8           # connections per pool: 512 in all, as the single pool allowed before


@functools.lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """httpx's default verification (certifi's CAs), built once per process: building one takes ~40 ms,
    which every client paid at start-up before. Never changed after it is made."""
    return ssl.create_default_context(cafile=certifi.where())


class UpstreamClients:
    def __init__(self, timeout: float, pools: int = POOLS, pool_size: int = POOL_SIZE) -> None:
        self._timeout = timeout
        self._pool_size = pool_size
        self._clients: list[httpx.AsyncClient | None] = [None] * pools
        self._turn = 0

    def pick(self) -> httpx.AsyncClient:
        """The next pool, in turn (the concurrent requests spread evenly), made on first use: a listener
        that never forwards (or forwards little) builds no pool it does not need."""
        i = self._turn = (self._turn + 1) % len(self._clients)
        client = self._clients[i]
        if client is None:
            # idle connections expire well before the canary's 5 s keep-alive closes them (netguard's
            # default), so a request is never sent on a connection the upstream is closing
            client = self._clients[i] = netguard.async_client(
                timeout=self._timeout, verify=_tls(), limits=netguard.limits(max_connections=self._pool_size))
        return client

    async def aclose(self) -> None:
        for c in self._clients:
            if c is not None:
                await c.aclose()


__all__ = ["UpstreamClients", "POOLS", "POOL_SIZE"]
