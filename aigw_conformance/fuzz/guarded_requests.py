"""A `requests.Session` for schemathesis that obeys the harness's network policy.

schemathesis 4 sends through `requests` (its own transport, also for the extra probes `ignored_auth`
makes), so `netguard`'s httpx transports cannot carry it. This adapter applies the same
`NetworkPolicy.check` to every connection before a socket opens, and a hard timeout.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from aigw_conformance.netguard import NetworkPolicy


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: NetworkPolicy, timeout: float) -> None:
        super().__init__(max_retries=0)
        self._policy = policy
        self._timeout = timeout

    def send(self, request, **kwargs):
        if kwargs.get("proxies"):
            raise requests.ConnectionError("fuzz runs never use an HTTP proxy from the environment")
        parts = urlsplit(request.url)
        self._policy.check(parts.hostname or "", parts.port)
        kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def session(policy: NetworkPolicy, timeout: float) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # no proxy or netrc from the environment: the policy decides
    adapter = _GuardedAdapter(policy, timeout)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s
