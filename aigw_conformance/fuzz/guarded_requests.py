"""A `requests.Session` for schemathesis that obeys the harness's network policy.

schemathesis 4 sends through `requests` (its own transport, also for the extra probes `ignored_auth`
makes), so `netguard`'s httpx transports cannot carry it. This adapter applies the same
`NetworkPolicy.check` to every connection before a socket opens, and a hard timeout.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from aigw_common.netguard import NetworkPolicy
from aigw_conformance.runner.direct import TEST_ID_HEADER


class TapAnswered(requests.ConnectionError):
    """The capture tap answered itself: the target gave no answer to this request."""


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: NetworkPolicy, timeout: float, mint_path=None, tap_answer=None,
                 test_id: str = "") -> None:
        super().__init__(max_retries=0)
        self._test_id = test_id
        self._policy = policy
        self._timeout = timeout
        self._mint_path = mint_path
        self._tap_answer = tap_answer

    def _checked(self, response):
        if self._tap_answer is not None and self._tap_answer(response.headers):
            raise TapAnswered(f"the capture tap answered {response.status_code} itself: the target gave no answer")
        return response

    def send(self, request, **kwargs):
        if kwargs.get("proxies"):
            raise requests.ConnectionError("fuzz runs never use an HTTP proxy from the environment")
        parts = urlsplit(request.url)
        self._policy.check(parts.hostname or "", parts.port)
        kwargs["timeout"] = self._timeout
        if self._test_id:
            request.headers[TEST_ID_HEADER] = self._test_id
        if self._mint_path is None:
            return self._checked(super().send(request, **kwargs))
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        named = self._mint_path.prefixed(request.method, parts.path, body)
        if named != body:   # an engine-invented token name gets the run's prefix
            request.body = named
            request.headers["Content-Length"] = str(len(named))
        response = self._checked(super().send(request, **kwargs))
        cred = request.headers.get("Coder-Session-Token")
        self._mint_path.answered(request.method, parts.path, response.status_code, response.content or b"",
                                 lambda: cred)
        return response


def session(policy: NetworkPolicy, timeout: float, mint_path=None, tap_answer=None,
            test_id: str = "") -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # no proxy or netrc from the environment: the policy decides
    adapter = _GuardedAdapter(policy, timeout, mint_path, tap_answer, test_id)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s
