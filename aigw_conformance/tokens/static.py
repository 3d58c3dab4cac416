"""`StaticBroker`: tokens supplied from outside (environment variables named in targets.yaml)."""

from __future__ import annotations

from typing import Any, Mapping

from aigw_conformance.errors import TargetError
from aigw_common.redaction import Redactor
from aigw_conformance.tokens.derived import Derived
from aigw_conformance.tokens.kinds import NEAR_MISS_PREFIX
from aigw_conformance.tokens.malformed import MalformedCatalogue
from aigw_conformance.tokens.token import Token, with_other_secret


class StaticBroker(Derived):
    """Tokens supplied from outside: a mapping kind → token (``kind@user`` for a second user)."""

    def __init__(self, tokens: Mapping[str, str], *, redactor: Redactor, missing: Mapping[str, str] | None = None,
                 malformed: MalformedCatalogue | None = None) -> None:
        super().__init__(malformed, redactor)
        self._tokens = dict(tokens)
        self._missing = dict(missing or {})
        for v in self._tokens.values():
            redactor.add_token(v)

    @classmethod
    def from_env(cls, env_names: Mapping[str, str], environ: Mapping[str, str], **kw: Any) -> "StaticBroker":
        present = {k: environ[v] for k, v in env_names.items() if environ.get(v)}
        missing = {k: f"environment variable {v} is not set" for k, v in env_names.items() if not environ.get(v)}
        return cls(present, missing=missing, **kw)

    def _key(self, kind: str, user: str | None) -> str:
        return f"{kind}@{user}" if user else kind

    def get(self, kind: str, *, user: str | None = None, label: str) -> Token:
        tok = self.derived(kind, label)
        if tok is not None:
            return tok
        if kind.startswith(NEAR_MISS_PREFIX):
            # one static valid token: a digit-only id cannot be retried, the kind then errors clearly
            return self.derive_near_miss(kind, lambda: self.get("valid", user=user, label=label))
        base = {"wrong-secret": "valid", "expired-wrong-secret": "expired"}.get(kind)
        key = self._key(base or kind, user)
        if key not in self._tokens:
            raise TargetError(f"no static token of kind {key!r}: {self._reason(key)}")
        tok = Token(self._tokens[key], kind=kind, user=user, label=label, supplied=True)
        return self.secret(with_other_secret(tok, kind)) if base else tok

    def _reason(self, key: str) -> str:
        return self._missing.get(key, "not configured in the target's tokens.env")

    def supports(self, kind: str, user: str | None = None) -> bool | str:
        d = self.derived_support(kind)
        if d is not None:
            return d
        if kind.startswith(NEAR_MISS_PREFIX):
            kind = "valid"
        base = {"wrong-secret": "valid", "expired-wrong-secret": "expired"}.get(kind, kind)
        key = self._key(base, user)
        return True if key in self._tokens else f"static token source has no {key!r} token ({self._reason(key)})"

    def mint(self, label: str, kind: str = "valid") -> Token:
        return self.get(kind, label=label)

    def revoke(self, token: Token, how: str = "delete") -> None:
        raise TargetError("the static token source cannot revoke tokens (needs the token-api feature)")

    def adopt(self, user: str, name: str, key_id: str) -> None:
        return None  # a static source has no token API: nothing can have been minted

    def adopt_user(self, user_id: str, username: str) -> None:
        return None

    def owner_of(self, credential: str) -> str | None:
        return None

    def cleanup(self) -> list[str]:
        return []  # nothing was created
