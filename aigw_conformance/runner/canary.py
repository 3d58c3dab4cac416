"""Reads the canary upstream (docs/architecture.md Seam 2): which requests reached the provider."""

from __future__ import annotations

import secrets
import time

import httpx

from aigw_common import netguard
from aigw_conformance.errors import TransportError
from aigw_common.netguard import LOOPBACK_ONLY, NetworkPolicy
from aigw_conformance.observation import UpstreamRecord


def new_tracking_id() -> str:
    return "aigw-trk-" + secrets.token_hex(16)


class CanaryReader:
    def __init__(self, canary_url: str, policy: NetworkPolicy = LOOPBACK_ONLY, *, timeout: float = 5.0) -> None:
        self.url = canary_url.rstrip("/")
        self._client = netguard.client(policy, timeout=timeout, trust_env=False)

    def records(self, tracking_id: str, *, settle: float = 0.05) -> tuple[UpstreamRecord, ...]:
        """Records carrying `tracking_id`. A short settle lets a gateway's forward finish first."""
        if settle:
            time.sleep(settle)
        raw = None
        for attempt in (1, 2):   # the second only after a kept-alive connection died unanswered
            try:
                resp = self._client.get(f"{self.url}/_canary/requests", params={"tracking_id": tracking_id})
                resp.raise_for_status()
                raw = resp.json()["requests"]
                break
            except httpx.RemoteProtocolError as exc:
                if attempt == 2 or "without sending a response" not in str(exc):
                    raise TransportError(f"the canary did not answer: {exc}", url=self.url, endpoint="canary") from exc
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                raise TransportError(f"the canary did not answer usefully: {type(exc).__name__}: {exc}",
                                     url=self.url, endpoint="canary") from exc
        return tuple(_record(r) for r in raw)

    def close(self) -> None:
        self._client.close()


PROVIDER_MOUNTS = ("/openai", "/anthropic")


def provider_path(path: str) -> str:
    """The path as the provider saw it: the canary mounts each provider under /<name> (Seam 2)."""
    for mount in PROVIDER_MOUNTS:
        if path == mount or path.startswith(mount + "/"):
            return path[len(mount):] or "/"
    return path


def _record(r: dict) -> UpstreamRecord:
    return UpstreamRecord(
        method=str(r.get("method", "")),
        path=provider_path(str(r.get("path", ""))),
        query=str(r.get("query", "")),
        headers=tuple((str(k), str(v)) for k, v in r.get("headers", [])),
        body=str(r.get("body", "")).encode("utf-8"),
        tracking_id=str(r.get("tracking_id", "")),
    )
