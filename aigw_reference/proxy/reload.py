"""[model-authz] The reload-based proxy's router (Addendum A AUTH-PROXY-010/011).

The MITM host set is built from the *enabled* AI providers: each contributes the lower-cased hostname
of its base URL combined with each allowed port; a provider with an empty or invalid base URL, no
hostname, or a hostname already claimed contributes nothing (first entry wins). The router starts
empty and is filled by `reload`; a failed reload keeps the previous set. Lookups lower-case the
CONNECT `host:port` first (`mitmHostsCondition` with `strings.ToLower(req.URL.Host)`).
Source: enterprise/aibridgeproxyd/reload.go@1e561c4, id 55602889960; reload_test.go@03668c8.
"""

from __future__ import annotations

import logging
import threading
from typing import Iterable
from urllib.parse import urlsplit

log = logging.getLogger(__name__)


def build_hosts(providers: Iterable[tuple[str, str, bool]], ports: tuple[str, ...]) -> dict[str, str]:
    """`host:port` -> provider name, from (name, base_url, enabled) rows."""
    hosts: dict[str, str] = {}
    claimed: set[str] = set()
    for name, base_url, enabled in providers:
        if not enabled:
            continue
        try:
            host = (urlsplit(base_url).hostname or "").lower() if base_url else ""
        except ValueError:
            host = ""
        if not host or host in claimed:
            continue     # classified `error`: no host for this provider
        claimed.add(host)
        shown = f"[{host}]" if ":" in host else host     # a CONNECT authority brackets IPv6
        for port in ports:
            hosts[f"{shown}:{port}"] = name
    return hosts


class ProviderRouter:
    def __init__(self, ports: tuple[str, ...]) -> None:
        self.ports = tuple(str(p) for p in ports)
        self._hosts: dict[str, str] = {}
        self._lock = threading.Lock()
        self.reloads = 0

    def reload(self, fetch) -> bool:
        """`fetch()` returns the provider rows; on any error the previous set stays."""
        try:
            hosts = build_hosts(fetch(), self.ports)
        except Exception as exc:  # noqa: BLE001 - a failed refresh keeps the previous set
            log.warning("provider reload failed, keeping the previous hosts: %s", exc)
            return False
        with self._lock:
            self._hosts = hosts
            self.reloads += 1
        return True

    def lookup(self, authority: str) -> str | None:
        with self._lock:
            return self._hosts.get(authority.lower())

    def hosts(self) -> dict[str, str]:
        with self._lock:
            return dict(self._hosts)


__all__ = ["ProviderRouter", "build_hosts"]
