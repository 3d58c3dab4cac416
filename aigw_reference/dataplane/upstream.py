"""The httpx clients of the provider hop: several small connection pools instead of one large one.

httpcore's pool walks every connection it holds on each request it assigns and each it releases
(`AsyncConnectionPool._assign_requests_to_connections`, httpcore 1.0): a readability poll per
connection, and for each idle one a count over all of them. With one pool of 200 connections (200
concurrent valid-token requests) that bookkeeping costs milliseconds per request and starves the
event loop; with pools of POOL_SIZE it stays a few microseconds. The requests and answers are the
same either way: only which connection carries them changes.
"""

from __future__ import annotations

import itertools
import ssl

import certifi
import httpx

from aigw_common import netguard

POOLS = 16
POOL_SIZE = 32          # connections per pool: 512 in all, as the single pool allowed before


class UpstreamClients:
    def __init__(self, timeout: float, pools: int = POOLS, pool_size: int = POOL_SIZE) -> None:
        # Idle connections expire well before the canary's 5 s keep-alive closes them (netguard's
        # default), so a request is never sent on a connection the upstream is closing. One TLS
        # context for all pools: building one (httpx's default, certifi's CAs) takes ~40 ms.
        tls = ssl.create_default_context(cafile=certifi.where())
        self._clients = [netguard.async_client(timeout=timeout, verify=tls,
                                               limits=netguard.limits(max_connections=pool_size))
                         for _ in range(pools)]
        self._next = itertools.cycle(self._clients)

    def pick(self) -> httpx.AsyncClient:
        """The next pool, in turn: the concurrent requests spread evenly over them."""
        return next(self._next)

    async def aclose(self) -> None:
        for c in self._clients:
            await c.aclose()


__all__ = ["UpstreamClients", "POOLS", "POOL_SIZE"]
