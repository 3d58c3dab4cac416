"""The token value scenarios see: str() is the whole token, `.id` and `.secret` its halves."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_letters[:26]  # cryptorand.Default


def random_part(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    kind: str = "valid"
    user: str | None = None          # username the token belongs to (None: the operator, "me")
    label: str = ""
    key_id: str | None = None        # id known to the server, when the broker minted it
    # the token this one was made from by changing a character (near-miss:*, wrong-secret): that
    # the gateway refuses this one proves something only if it accepts that one (runner/controls.py)
    base: "Token | None" = field(default=None, repr=False, compare=False)
    # supplied from outside the run (a static source): its state is not the run's to know, and a
    # refusal of it may be stale input rather than the gateway's fault (runner/controls.py)
    supplied: bool = field(default=False, compare=False)

    @property
    def id(self) -> str:
        return self.key_id if self.key_id is not None else self.value.split("-", 1)[0]

    @property
    def secret(self) -> str:
        return self.value.split("-", 1)[1] if "-" in self.value else ""

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:  # never the secret, even in a traceback
        return f"Token(kind={self.kind!r}, id={self.id!r}, label={self.label!r})"


def with_other_secret(token: Token, kind: str) -> Token:
    """Same id, a secret that differs only in its last character (wrong-secret, expired-wrong-secret).

    Only the tail changes so that a gateway comparing a prefix of the secret, or stopping early
    (not constant-time), accepts it and is caught; a faithful gateway rejects it like any other."""
    secret = token.secret
    last = secret[-1] if secret else ""
    other = secret[:-1] + next(c for c in ALPHABET if c != last) if secret else random_part(22)
    # 21 of its 22 characters are the real secret's: the caller registers it like the real token.
    return Token(f"{token.id}-{other}", kind=kind, user=token.user, label=token.label, key_id=token.key_id,
                 base=token)


def unknown_id_token(label: str = "") -> Token:
    return Token(f"{random_part(10)}-{random_part(22)}", kind="unknown-id", label=label)


__all__ = ["Token", "random_part", "with_other_secret", "unknown_id_token", "ALPHABET"]
