"""IsAuthorized (AUTH-VALIDATE-001..007, AUTH-MODEL-004/007) as a policy object: ordered checks, typed
result or error, each error with its dRPC code (1001 authentication, 1002 policy, 1003 evaluation,
1004 malformed; Addendum A AUTH-VALIDATE-006).

Reads the database on every call (no cache, no last_used update, no scope check on the key-only call)
unless a fault says otherwise. With `provider_name` and `model` ([model-authz] second call) it also
decides model use (modelauthz.py).
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from . import tokens
from .config import ReferenceConfig
from .store import Store, StoreFailure, now

AUTHENTICATION, POLICY, EVALUATION, MALFORMED = 1001, 1002, 1003, 1004


class AuthError(enum.Enum):
    INVALID_KEY = "invalid key"
    UNKNOWN_KEY = "unknown key"
    EXPIRED = "expired"
    UNKNOWN_USER = "unknown user"
    DELETED_USER = "deleted user"
    INACTIVE_USER = "inactive user"
    SYSTEM_USER = "system user"
    MALFORMED_CONTEXT = "provider and model must both be nonempty"
    EVALUATION_FAILED = "authorization evaluation failed"
    POLICY_DENIED = "unauthorized"

    @property
    def code(self) -> int:
        # every uncoded exit gets 1001 from the deferred wrapper (aibridgedserver.go@632b970)
        return {AuthError.MALFORMED_CONTEXT: MALFORMED, AuthError.EVALUATION_FAILED: EVALUATION,
                AuthError.POLICY_DENIED: POLICY}.get(self, AUTHENTICATION)


@dataclass(frozen=True)
class Authorized:
    owner_id: str
    api_key_id: str
    username: str
    email: str


CACHE_TTL_S = 60.0


class Authorizer:
    def __init__(self, store: Store, cfg: ReferenceConfig, models=None) -> None:
        self.store = store
        self.cfg = cfg
        self.models = models          # modelauthz.ModelAuthorizer, [model-authz] only
        self._cache: dict[str, tuple[float, Authorized]] = {}

    def is_authorized(self, key: str, provider_name: str | None = None, model: str | None = None, *,
                      extra_faults: frozenset[str] = frozenset()) -> Authorized | AuthError:
        faults = self.cfg.faults | extra_faults
        with_model = provider_name is not None or model is not None
        if "cache-authorizations" in faults and not with_model:
            hit = self._cache.get(key)
            if hit and time.monotonic() - hit[0] < CACHE_TTL_S:
                return hit[1]
        result = self._check(key, provider_name, model, faults)
        if "cache-authorizations" in faults and not with_model and isinstance(result, Authorized):
            self._cache[key] = (time.monotonic(), result)
        return result

    def _check(self, key: str, provider_name: str | None, model: str | None,
               faults: frozenset[str]) -> Authorized | AuthError:
        coded = self.cfg.era == "model-authz"
        with_model = provider_name is not None or model is not None
        # [model-authz] first statement of IsAuthorized, before any lookup (AUTH-MODEL-007)
        if coded and with_model and not (provider_name and model) and "malformed-model-context-allowed" not in faults:
            return AuthError.MALFORMED_CONTEXT
        parts = tokens.split(key)
        if parts is None and "secret-trailing-char-ignored" in faults:
            head, _, tail = key.partition("-")
            parts = (head, tail[:22]) if len(head) == 10 and len(tail) == 23 else None
        if parts is None:
            return AuthError.INVALID_KEY
        key_id, secret = parts
        try:
            if "id-case-insensitive" in faults:
                row = self.store.key_nocase(key_id)
            else:
                row = self.store.gateway_key(key_id, include_revoked="accept-revoked" in faults)
        except StoreFailure:
            # [older]/[newest]: any GetAPIKeyByID error is "unknown key"; [model-authz]: only not-found is
            return AuthError.EVALUATION_FAILED if coded and "store-error-is-unknown-key" not in faults \
                else AuthError.UNKNOWN_KEY
        except Exception:  # noqa: BLE001 - any other lookup error, as Go's err != nil
            row = None
        if row is None:
            return AuthError.UNKNOWN_KEY
        # strict Before: expires_at == now is still valid
        if row.expires_at < now() and "accept-expired" not in faults:
            return AuthError.EXPIRED
        if not self._secret_ok(row, secret, faults):
            return AuthError.INVALID_KEY
        try:
            user = self.store.gateway_user(row.user_id)
        except StoreFailure:
            return AuthError.EVALUATION_FAILED if coded and "store-error-is-unknown-key" not in faults \
                else AuthError.UNKNOWN_USER
        if user is None:
            return AuthError.UNKNOWN_USER
        if user.deleted:
            return AuthError.DELETED_USER
        # [newest] and [model-authz]; the older era had no status check
        if self.cfg.era != "older" and user.status != "active" and "admit-suspended" not in faults:
            return AuthError.INACTIVE_USER
        if user.is_system:
            return AuthError.SYSTEM_USER
        if coded and with_model and self.models is not None:
            denied = self.models.decide(row, user, provider_name or "", model or "")
            if denied is not None:
                return denied
        return Authorized(user.id, row.id, user.username, user.email)

    def delegated(self, key_id: str) -> Authorized | AuthError:
        """The delegated path (AUTH-VALIDATE-005): steps 4, 5 and 7-10 without the secret check. Only the
        authenticated delegation middleware may take it; the reference reaches it only by a fault."""
        row = self.store.key(key_id)
        if row is None:
            return AuthError.UNKNOWN_KEY
        if row.expires_at < now():
            return AuthError.EXPIRED
        user = self.store.user_by_id(row.user_id)
        if user is None or user.deleted or user.is_system or (self.cfg.era != "older" and user.status != "active"):
            return AuthError.UNKNOWN_USER
        return Authorized(user.id, row.id, user.username, user.email)

    @staticmethod
    def _secret_ok(row, secret: str, faults: frozenset[str]) -> bool:
        if "id-only" in faults:
            return True
        if "prefix-compare" in faults:
            return row.prefix_hash is not None and tokens.validate_hash(row.prefix_hash, secret[:11])
        return tokens.validate_hash(row.hashed_secret, secret)
