"""AUTH-HTTP-001 as a pure function: which token would a conforming gateway read from these headers?

The fuzzer uses it as its oracle. A mutated request may authenticate only when this function returns
exactly the minted token; whitespace is Go's (``strings.TrimSpace`` / ``strings.Fields`` use
``unicode.IsSpace``), because the protocol is defined by the Go code, and a gateway that trims less
than Go only rejects more, which the fuzzer never reports. The Go rules are the oracle's own
(`gosemantics`), never the reference gateway's helpers: tester and tested share no code.
"""

from __future__ import annotations

GOVERNANCE = "x-coder-ai-governance-token"
AUTHORIZATION = "authorization"
API_KEY = "x-api-key"

from aigw_conformance.fuzz.gosemantics import go_fields, go_trim


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def extract_token(headers: list[tuple[str, str]]) -> str:
    """The token AUTH-HTTP-001 reads from ``headers`` (first value of each name), or ``""``."""
    governance = _first(headers, GOVERNANCE)
    if governance is not None and go_trim(governance):
        return go_trim(governance)
    authorization = _first(headers, AUTHORIZATION)
    if authorization is not None:
        fields = go_fields(go_trim(authorization))
        if len(fields) == 2 and fields[0].lower() == "bearer":
            return fields[1]
    api_key = _first(headers, API_KEY)
    if api_key is not None and go_trim(api_key):
        return go_trim(api_key)
    return ""


def may_authenticate(headers: list[tuple[str, str]], minted: str) -> bool:
    """True when a conforming gateway would authenticate these headers as the minted token."""
    return extract_token(headers) == minted
