"""ExtractAuthToken and IsBYOK (AUTH-HTTP-001/002, AUTH-BYOK-001) over ASGI headers.

Header values are latin-1 decoded so that lengths are Go byte lengths; names compare case-insensitively
and only the first value counts, as Go's Header.Get.
"""

from __future__ import annotations

from aigw_reference.gostrings import fields_header, trim_header

GOVERNANCE = "x-coder-ai-governance-token"
OLDER_PROXY_HEADER = "x-coder-token"


def first(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    want = name.encode("latin-1")
    for k, v in headers:
        if k.lower() == want:
            return v.decode("latin-1")
    return None


def _bearer(value: str | None, case_sensitive: bool) -> str:
    fields = fields_header(trim_header(value or ""))
    if len(fields) != 2:
        return ""
    scheme_ok = fields[0] == "Bearer" if case_sensitive else fields[0].lower() == "bearer"
    return fields[1] if scheme_ok else ""


def is_byok(headers) -> bool:
    return bool(trim_header(first(headers, GOVERNANCE) or ""))


def extract_auth_token(headers, *, era: str = "newest", faults: frozenset[str] = frozenset(),
                       valid=None) -> str:
    """Governance header, then Authorization: Bearer (exactly 2 fields), then X-Api-Key.

    `valid` is only used by the governance-fallback fault (which needs to know if a token works)."""
    sources = []
    if era == "older":
        sources.append(lambda: trim_header(first(headers, OLDER_PROXY_HEADER) or ""))
    gov = trim_header(first(headers, GOVERNANCE) or "")
    bearer = lambda: _bearer(first(headers, "authorization"), "bearer-case-sensitive" in faults)  # noqa: E731
    api_key = lambda: "" if "ignore-x-api-key" in faults else trim_header(first(headers, "x-api-key") or "")  # noqa: E731
    sources.append(lambda: gov)
    if "governance-fallback" in faults and gov and valid is not None and not valid(gov):
        return bearer() or api_key() or gov
    sources += [api_key, bearer] if "api-key-before-authorization" in faults else [bearer, api_key]
    if "accept-session-token-header" in faults:
        sources.append(lambda: trim_header(first(headers, "coder-session-token") or ""))
    for src in sources:
        tok = src()
        if tok:
            return tok
    return ""


def carrier_of(headers, *, era: str = "newest") -> str | None:
    """Which header the token of `extract_auth_token` came from (used by path-dependent faults)."""
    if era == "older" and trim_header(first(headers, OLDER_PROXY_HEADER) or ""):
        return OLDER_PROXY_HEADER
    if trim_header(first(headers, GOVERNANCE) or ""):
        return GOVERNANCE
    if _bearer(first(headers, "authorization"), False):
        return "authorization"
    if trim_header(first(headers, "x-api-key") or ""):
        return "x-api-key"
    return None
