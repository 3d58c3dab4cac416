"""Credential mode and header hygiene: AUTH-HTTP-005, AUTH-BYOK-001..006. Pure functions on header lists.

Headers here are lists of (lower-case name, latin-1 value) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import ReferenceConfig
from ..extract import GOVERNANCE
from ..gostrings import fields_header, trim_header

HOP_BY_HOP = {"host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
              "upgrade", "content-length", "proxy-authorization", "proxy-authenticate"}
INTERCEPT_KEEP = {"content-type", "accept", "anthropic-version", "anthropic-beta", "user-agent"}
NO_CREDENTIAL = "upstream authentication unavailable: no provider credentials supplied or configured"


@dataclass(frozen=True)
class Outbound:
    headers: list[tuple[str, str]]
    mode: str              # centralized | byok (AUTH-BYOK-007 literals)


def _get(h, name):
    return next((v for k, v in h if k == name), None)


def _drop(h, *names):
    return [(k, v) for k, v in h if k not in names]


def _sensitive(name: str) -> bool:
    """[newest] StripSensitiveRequestHeaders."""
    return (name == "cookie" or name.startswith("coder-") or name.startswith("x-coder-")
            or name.startswith("x-ai-bridge-actor") or name == "forwarded" or name.startswith("x-forwarded-"))


def _bearer(value: str | None) -> str:
    fields = fields_header(trim_header(value or ""))
    return fields[1] if len(fields) == 2 and fields[0].lower() == "bearer" else ""


def user_credential(provider: str, h, faults: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """The BYOK credential by provider rule (AUTH-BYOK-003): Anthropic X-Api-Key then Bearer; OpenAI
    and Copilot Bearer only."""
    if "anthropic-byok-prefers-authorization" in faults and _bearer(_get(h, "authorization")):
        return "authorization", f"Bearer {_bearer(_get(h, 'authorization'))}"
    if provider == "anthropic" or "openai-byok-x-api-key" in faults:
        key = trim_header(_get(h, "x-api-key") or "")
        if key:   # X-Api-Key wins, "to match claude-code behavior"
            return "x-api-key", key
    tok = _bearer(_get(h, "authorization"))
    return ("authorization", f"Bearer {tok}") if tok else None


def central_credential(provider: str, key: str | None) -> tuple[str, str] | None:
    """The pool key in the provider's own header; Copilot has no pool (it is always BYOK)."""
    if not key or provider == "copilot":
        return None
    return ("x-api-key", key) if provider == "anthropic" else ("authorization", f"Bearer {key}")


_CONFIG_KEY = object()


def outbound_headers(raw: list[tuple[bytes, bytes]], provider: str, token: str, *, intercepted: bool,
                     cfg: ReferenceConfig, central_key=_CONFIG_KEY) -> Outbound | None:
    """Headers for the upstream request, or None when no credential exists at all (AUTH-BYOK-004).

    `provider` is the provider *type* (openai, anthropic, copilot); `central_key` the pool key of the
    provider instance ([model-authz] provider rows), by default the configured key of that type."""
    faults = cfg.faults
    pool = cfg.central_keys.get(provider) if central_key is _CONFIG_KEY else central_key
    h = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw]
    byok = bool(trim_header(_get(h, GOVERNANCE) or ""))
    carrier = _carrier(h, token)
    h = _drop(h, "x-coder-ai-governance-request-id", *HOP_BY_HOP)
    if byok:
        h = _drop(h, GOVERNANCE)
    elif "forward-user-key-centralized" in faults:
        h = _drop(h, carrier) if carrier else h
    else:
        h = _drop(h, "authorization", "x-api-key")
    # [newest] StripSensitiveRequestHeaders; applied in the older era too, because there the Coder token
    # may arrive in X-Coder-Token and AUTH-BYOK-006 forbids it reaching the provider in every era.
    h = [(k, v) for k, v in h if not _sensitive(k) or (k == "cookie" and "forward-cookie" in faults)]
    cred = user_credential(provider, h, faults) if (byok or "forward-user-key-centralized" in faults) else None
    if "pool-before-byok" in faults and central_credential(provider, pool):
        cred = central_credential(provider, pool)
    if not (byok and "byok-no-central-fallback" in faults):
        cred = cred or central_credential(provider, pool)
    if cred is None:
        return None
    h = _drop(h, "authorization", "x-api-key")
    if intercepted:
        h = [(k, v) for k, v in h if k in INTERCEPT_KEEP]
    h.append(cred)
    if "leak-token-upstream" in faults and carrier:
        h = _drop(h, carrier) + [(carrier, f"Bearer {token}" if carrier == "authorization" else token)]
    return Outbound(h, "byok" if byok else "centralized")


def _carrier(h, token: str) -> str | None:
    """Which header carried the Coder token."""
    for name in (GOVERNANCE, "authorization", "x-api-key", "x-coder-token", "coder-session-token"):
        v = _get(h, name) or ""
        if trim_header(v) == token or _bearer(v) == token:
            return name
    return None
