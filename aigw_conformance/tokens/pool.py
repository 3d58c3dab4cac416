"""Tokens shared between scenarios that only read them.

Minting is most of a short scenario's cost (a REST call, a database write, a secret to register and
a token to delete at the end). A scenario that never revokes, mints, rate-limits or touches the token
API with its tokens cannot tell a fresh token from one another such scenario used before, so those
scenarios share one token per (deployment, kind, user, the name the scenario gives it). Every
other scenario gets its own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

from aigw_conformance.tokens.token import Token

# Kinds whose token is in a final state the moment it is made: using it changes nothing.
SHAREABLE_KINDS = frozenset({"valid", "scoped", "expired", "expired-wrong-secret", "wrong-secret",
                             "revoked-delete", "revoked-expire", "user-suspended", "user-deleted",
                             "user-dormant", "user-system"})


def shareable_kind(kind: str) -> bool:
    return kind in SHAREABLE_KINDS or kind.startswith("near-miss:")


@dataclass
class TokenPool:
    _tokens: dict[tuple, Token] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple, make: Callable[[], Token]) -> Token:
        """The shared token for `key`, made (once) by `make`."""
        with self._lock:
            tok = self._tokens.get(key)
            if tok is None:
                tok = self._tokens[key] = make()
            return tok


__all__ = ["TokenPool", "shareable_kind", "SHAREABLE_KINDS"]
