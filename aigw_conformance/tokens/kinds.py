"""Token kinds a scenario may ask for (docs/scenario-format.md, "Token kinds")."""

from __future__ import annotations

KINDS: dict[str, str] = {
    "valid": "a freshly minted, valid token",
    "expired": "a token whose lifetime has elapsed",
    "expired-wrong-secret": "an expired token's id with another secret",
    "revoked-delete": "a token deleted through the REST API",
    "revoked-expire": "a token expired through the REST API (PUT …/expire)",
    "wrong-secret": "a valid token id with a wrong secret",
    "unknown-id": "a well-shaped token whose id was never issued",
    "scoped": "a valid token with scopes [workspace:read]",
    "user-suspended": "a token of a suspended user",
    "user-dormant": "a token of a dormant user",
    "user-deleted": "a token of a deleted user",
    "user-system": "a token of a system user",
    "none": "no token: renders as the empty string",
}
MALFORMED_PREFIX = "malformed:"
# near-miss:NAME: a fresh valid token with one character changed (tokens/nearmiss.py)
NEAR_MISS_PREFIX = "near-miss:"


def is_known(kind: str, malformed_names: object = ()) -> bool:
    if kind.startswith(MALFORMED_PREFIX):
        return kind[len(MALFORMED_PREFIX):] in malformed_names  # type: ignore[operator]
    if kind.startswith(NEAR_MISS_PREFIX):
        from aigw_conformance.tokens.nearmiss import NEAR_MISS
        return kind[len(NEAR_MISS_PREFIX):] in NEAR_MISS
    return kind in KINDS


__all__ = ["KINDS", "MALFORMED_PREFIX", "NEAR_MISS_PREFIX", "is_known"]
