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
        self._client = netguard.client(policy, timeout=timeout, trust_env=False, keep_cookies=False)

    def records(self, tracking_id: str) -> tuple[UpstreamRecord, ...]:
        """Records carrying `tracking_id`, as the canary has them now (a gateway forwards before it
        answers; one that forwards later is found by the end-of-run sweep, `runner.leaks`)."""
        return tuple(_record(r) for r in self._get({"tracking_id": tracking_id}))

    def records_until(self, tracking_id: str, *, wait: float = 0.5) -> tuple[UpstreamRecord, ...]:
        """Poll until a record with `tracking_id` arrived, bounded by `wait` seconds."""
        deadline, pause = time.monotonic() + wait, 0.01
        while True:
            found = self.records(tracking_id)
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    def tracking_ids_seen(self) -> set[str]:
        """Every tracking id the canary has recorded so far (one query, for the end-of-run sweep)."""
        return {str(r.get("tracking_id", "")) for r in self._get({"since": "0"})}

    def _get(self, params: dict) -> list[dict]:
        raw = None
        for attempt in (1, 2):   # the second only after a kept-alive connection died unanswered
            try:
                resp = self._client.get(f"{self.url}/_canary/requests", params=params)
                resp.raise_for_status()
                raw = resp.json()["requests"]
                break
            except httpx.RemoteProtocolError as exc:
                if attempt == 2 or "without sending a response" not in str(exc):
                    raise TransportError(f"the canary did not answer: {exc}", url=self.url, endpoint="canary") from exc
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                raise TransportError(f"the canary did not answer usefully: {type(exc).__name__}: {exc}",
                                     url=self.url, endpoint="canary") from exc
        return raw or []

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
