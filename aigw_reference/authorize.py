"""IsAuthorized (AUTH-VALIDATE-001..004) as a policy object: ordered checks, typed result or error.

Reads the database on every call (no cache, no last_used update, no scope check) unless a fault says
otherwise.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from . import tokens
from .config import ReferenceConfig
from .store import Store, now


class AuthError(enum.Enum):
    INVALID_KEY = "invalid key"
    UNKNOWN_KEY = "unknown key"
    EXPIRED = "expired"
    UNKNOWN_USER = "unknown user"
    DELETED_USER = "deleted user"
    INACTIVE_USER = "inactive user"
    SYSTEM_USER = "system user"


@dataclass(frozen=True)
class Authorized:
    owner_id: str
    api_key_id: str
    username: str
    email: str


CACHE_TTL_S = 60.0


class Authorizer:
    def __init__(self, store: Store, cfg: ReferenceConfig) -> None:
        self.store = store
        self.cfg = cfg
        self._cache: dict[str, tuple[float, Authorized]] = {}

    def is_authorized(self, key: str) -> Authorized | AuthError:
        faults = self.cfg.faults
        if "cache-authorizations" in faults:
            hit = self._cache.get(key)
            if hit and time.monotonic() - hit[0] < CACHE_TTL_S:
                return hit[1]
        result = self._check(key, faults)
        if "cache-authorizations" in faults and isinstance(result, Authorized):
            self._cache[key] = (time.monotonic(), result)
        return result

    def _check(self, key: str, faults: frozenset[str]) -> Authorized | AuthError:
        parts = tokens.split(key)
        if parts is None:
            return AuthError.INVALID_KEY
        key_id, secret = parts
        try:
            row = self.store.key(key_id, include_revoked="accept-revoked" in faults)
        except Exception:  # noqa: BLE001 - GetAPIKeyByID: any error is "unknown key"
            row = None
        if row is None:
            return AuthError.UNKNOWN_KEY
        # strict Before: expires_at == now is still valid
        if row.expires_at < now() and "accept-expired" not in faults:
            return AuthError.EXPIRED
        if not self._secret_ok(row, secret, faults):
            return AuthError.INVALID_KEY
        user = self.store.user_by_id(row.user_id)
        if user is None:
            return AuthError.UNKNOWN_USER
        if user.deleted:
            return AuthError.DELETED_USER
        # [newest] only; the older era had no status check
        if self.cfg.era == "newest" and user.status != "active" and "admit-suspended" not in faults:
            return AuthError.INACTIVE_USER
        if user.is_system:
            return AuthError.SYSTEM_USER
        return Authorized(user.id, row.id, user.username, user.email)

    @staticmethod
    def _secret_ok(row, secret: str, faults: frozenset[str]) -> bool:
        if "id-only" in faults:
            return True
        if "prefix-compare" in faults:
            return row.prefix_hash is not None and tokens.validate_hash(row.prefix_hash, secret[:11])
        return tokens.validate_hash(row.hashed_secret, secret)
