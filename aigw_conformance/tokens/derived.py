"""Token kinds every broker can produce without a server (none, unknown-id, malformed:NAME), and the
near-miss kinds every broker derives from a valid token it obtains (near-miss:NAME)."""

from __future__ import annotations

import re

from aigw_conformance.errors import TargetError
from aigw_common.redaction import Redactor
from aigw_conformance.tokens.kinds import KINDS, MALFORMED_PREFIX
from aigw_conformance.tokens import nearmiss
from aigw_conformance.tokens.kinds import NEAR_MISS_PREFIX
from aigw_conformance.tokens.malformed import MalformedCatalogue, load_malformed
from aigw_conformance.tokens.token import Token, unknown_id_token


def slug(text: str, n: int) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:n].strip("-")


class Derived:
    """Kinds every broker can produce without the server."""

    def __init__(self, malformed: MalformedCatalogue | None, redactor: Redactor) -> None:
        self._malformed = malformed
        self.redactor = redactor

    def secret(self, token: Token) -> Token:
        """Register a token (or a value as secret as one) before anyone sees it; returns it."""
        self.redactor.add_token(token.value)
        return token

    @property
    def malformed(self) -> MalformedCatalogue:
        if self._malformed is None:
            self._malformed = load_malformed()
        return self._malformed

    def derived(self, kind: str, label: str) -> Token | None:
        if kind == "none":
            return Token("", kind="none", label=label)
        if kind == "unknown-id":
            return self.secret(unknown_id_token(label))
        if kind.startswith(MALFORMED_PREFIX):
            entry = self.malformed.get(kind[len(MALFORMED_PREFIX):])
            if entry is None:
                raise TargetError(f"no malformed token named {kind[len(MALFORMED_PREFIX):]!r} in the catalogue")
            return Token(entry.value, kind=kind, label=label)
        return None

    def near_miss(self, kind: str, base: Token) -> Token:
        """`base` (a valid token) with one character changed; registered for redaction first, since
        it is almost all of a real secret."""
        value = nearmiss.derive(base.value, kind[len(NEAR_MISS_PREFIX):])
        self.redactor.add_token(value)
        return Token(value, kind=kind, user=base.user, label=base.label, key_id=base.key_id, base=base)

    def derive_near_miss(self, kind: str, mint) -> Token:
        """Mint valid tokens (`mint()`) until one has the character the kind changes (a letter to flip);
        bounded: ten digits in a row is a 1-in-10**8 event."""
        for _ in range(5):
            try:
                return self.near_miss(kind, mint())
            except nearmiss.NotDerivable:
                continue
        raise TargetError(f"could not derive a {kind} token from five valid tokens")

    def derived_support(self, kind: str) -> bool | str | None:
        if kind in ("none", "unknown-id"):
            return True
        if kind.startswith(NEAR_MISS_PREFIX):
            name = kind[len(NEAR_MISS_PREFIX):]
            if name not in nearmiss.NEAR_MISS:
                return f"unknown near-miss kind {name!r}"
            return None     # the broker must also be able to make a valid token
        if kind.startswith(MALFORMED_PREFIX):
            name = kind[len(MALFORMED_PREFIX):]
            return True if name in self.malformed else f"no malformed token named {name!r}"
        if kind not in KINDS:
            return f"unknown token kind {kind!r}"
        return None
