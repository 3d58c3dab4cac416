"""Users and API keys in a real SQLite file (WAL). Only SHA-256 of a secret is stored, never the secret.

One connection guarded by a lock: the gateway is I/O-light and this keeps every read consistent.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import tokens

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, username TEXT UNIQUE NOT NULL, email TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active','suspended','dormant')),
  deleted INTEGER NOT NULL DEFAULT 0, is_system INTEGER NOT NULL DEFAULT 0, roles TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, hashed_secret BLOB NOT NULL, user_id TEXT NOT NULL REFERENCES users(id),
  expires_at TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, last_used TEXT NOT NULL,
  lifetime_seconds INTEGER NOT NULL, token_name TEXT NOT NULL, scopes TEXT NOT NULL DEFAULT '["coder:all"]',
  login_type TEXT NOT NULL DEFAULT 'token',
  allow_list TEXT NOT NULL DEFAULT '[{"type":"*","id":"*"}]',
  -- only the prefix-compare fault reads this; deleted rows are kept hidden for the accept-revoked fault
  prefix_hash BLOB, revoked INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_name ON api_keys(user_id, token_name) WHERE revoked = 0;
"""

ZERO_TIME = "0001-01-01T00:00:00Z"
ALLOW_ALL = ({"type": "*", "id": "*"},)
FAILURE_TTL_S = 60.0   # an injected store failure heals by itself, so a failed scenario cannot break later ones


class StoreFailure(Exception):
    """A database error other than not-found (AUTH-VALIDATE-007), injected for one key or user."""


def now() -> datetime:
    return datetime.now(timezone.utc)


def fmt(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(s: str) -> datetime:
    if s == ZERO_TIME:
        return datetime.min.replace(tzinfo=timezone.utc)
    # fmt() always writes this shape; fromisoformat (3.11+ reads the Z) is ~10x cheaper than strptime,
    # which ran on every key lookup of the data plane
    return datetime.fromisoformat(s)


@dataclass(frozen=True)
class User:
    id: str
    username: str
    email: str
    status: str
    deleted: bool
    is_system: bool
    roles: tuple[str, ...]
    created_at: str

    @property
    def is_owner(self) -> bool:
        return "owner" in self.roles


@dataclass(frozen=True)
class ApiKey:
    id: str
    hashed_secret: bytes
    user_id: str
    expires_at: datetime
    created_at: str
    updated_at: str
    last_used: str
    lifetime_seconds: int
    token_name: str
    scopes: tuple[str, ...]
    login_type: str
    prefix_hash: bytes | None
    revoked: bool
    allow_list: tuple[dict, ...] = ALLOW_ALL


def _user(r) -> User:
    return User(r["id"], r["username"], r["email"], r["status"], bool(r["deleted"]), bool(r["is_system"]),
                tuple(json.loads(r["roles"])), r["created_at"])


def _key(r) -> ApiKey:
    return ApiKey(r["id"], bytes(r["hashed_secret"]), r["user_id"], parse(r["expires_at"]), r["created_at"],
                  r["updated_at"], r["last_used"], r["lifetime_seconds"], r["token_name"],
                  tuple(json.loads(r["scopes"])), r["login_type"], r["prefix_hash"], bool(r["revoked"]),
                  tuple(json.loads(r["allow_list"])))


class Store:
    def __init__(self, path: Path, issued_log: Path | None = None) -> None:
        # issued_log: every key this store issues, one per line, for tests that must know the ground
        # truth of what a run may never write in clear (a secret scan independent of the harness)
        self._issued_log = issued_log
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # a throw-away database: a commit need not wait for the disk (fsync) to be durable
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(SCHEMA)
        self._failing: dict[tuple[str, str], float] = {}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # public for the other tables of the reference (catalog.py), which share this connection
    def query(self, sql: str, args=()) -> list[sqlite3.Row]:
        return self._q(sql, args)

    def execute(self, sql: str, args=()) -> int:
        return self._x(sql, args)

    # injected failures: only the gateway's IsAuthorized lookups see them, never the REST API
    def inject_failure(self, lookup: str, ident: str, ttl_s: float = FAILURE_TTL_S) -> None:
        with self._lock:
            self._failing[(lookup, ident)] = time.monotonic() + ttl_s

    def clear_failure(self, lookup: str, ident: str) -> bool:
        with self._lock:
            return self._failing.pop((lookup, ident), None) is not None

    def check_failure(self, lookup: str, ident: str) -> None:
        if not self._failing:     # nothing injected (every request but a few scenarios'): no lock to take
            return
        with self._lock:
            until = self._failing.get((lookup, ident))
            if until is not None and until < time.monotonic():
                del self._failing[(lookup, ident)]
                until = None
        if until is not None:
            raise StoreFailure(f"injected {lookup} lookup failure for {ident}")

    def gateway_key(self, key_id: str, *, include_revoked: bool = False) -> ApiKey | None:
        self.check_failure("api_key", key_id)
        return self.key(key_id, include_revoked=include_revoked)

    def gateway_user(self, uid: str) -> User | None:
        self.check_failure("user", uid)
        return self.user_by_id(uid)

    def _q(self, sql: str, args=()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _x(self, sql: str, args=()) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # users
    def create_user(self, username: str, *, email: str = "", status: str = "active", roles=(),
                    is_system: bool = False, deleted: bool = False) -> User:
        uid = str(uuid.uuid4())
        self._x("INSERT INTO users VALUES (?,?,?,?,?,?,?,?)",
                (uid, username, email or f"{username}@example.test", status, int(deleted), int(is_system),
                 json.dumps(list(roles)), fmt(now())))
        return self.user_by_id(uid)

    def user_by_id(self, uid: str) -> User | None:
        rows = self._q("SELECT * FROM users WHERE id = ?", (uid,))
        return _user(rows[0]) if rows else None

    def user_by_name(self, name: str) -> User | None:
        rows = self._q("SELECT * FROM users WHERE username = ? AND deleted = 0", (name,))
        return _user(rows[0]) if rows else None

    def users(self, query: str = "", limit: int = 1000) -> list[User]:
        rows = self._q("SELECT * FROM users WHERE deleted = 0 AND (username LIKE ? OR email LIKE ?) "
                       "ORDER BY created_at LIMIT ?", (f"%{query}%", f"%{query}%", limit))
        return [_user(r) for r in rows]

    def set_user(self, uid: str, **cols) -> None:
        sets = ", ".join(f"{c} = ?" for c in cols)
        self._x(f"UPDATE users SET {sets} WHERE id = ?", (*cols.values(), uid))

    # api keys
    def create_key(self, user_id: str, *, lifetime_ns: int, token_name: str, scopes=("coder:all",),
                   login_type: str = "token", allow_list=ALLOW_ALL) -> tuple[str, ApiKey]:
        token, key_id, secret = tokens.generate()
        t = now()
        from datetime import timedelta
        expires = t + timedelta(microseconds=lifetime_ns // 1000)
        self._x("INSERT INTO api_keys (id, hashed_secret, user_id, expires_at, created_at, updated_at, last_used,"
                " lifetime_seconds, token_name, scopes, login_type, prefix_hash, allow_list)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (key_id, tokens.hash_secret(secret), user_id, fmt(expires), fmt(t), fmt(t), ZERO_TIME,
                 lifetime_ns // 10**9, token_name, json.dumps(list(scopes)), login_type,
                 tokens.hash_secret(secret[:11]), json.dumps([dict(e) for e in allow_list])))
        if self._issued_log is not None:
            with self._lock, open(self._issued_log, "a", encoding="utf-8") as log:
                log.write(token + "\n")
        return token, self.key(key_id)

    def key(self, key_id: str, *, include_revoked: bool = False) -> ApiKey | None:
        sql = "SELECT * FROM api_keys WHERE id = ?" + ("" if include_revoked else " AND revoked = 0")
        rows = self._q(sql, (key_id,))
        return _key(rows[0]) if rows else None

    def key_nocase(self, key_id: str) -> ApiKey | None:
        """Only the id-case-insensitive fault looks keys up this way."""
        rows = self._q("SELECT * FROM api_keys WHERE id = ? COLLATE NOCASE AND revoked = 0", (key_id,))
        return _key(rows[0]) if rows else None

    def key_by_name(self, user_id: str, name: str) -> ApiKey | None:
        rows = self._q("SELECT * FROM api_keys WHERE user_id = ? AND token_name = ? AND revoked = 0",
                       (user_id, name))
        return _key(rows[0]) if rows else None

    def keys_of(self, user_id: str | None) -> list[ApiKey]:
        if user_id is None:
            return [_key(r) for r in self._q("SELECT * FROM api_keys WHERE revoked = 0 ORDER BY created_at")]
        return [_key(r) for r in self._q(
            "SELECT * FROM api_keys WHERE user_id = ? AND revoked = 0 ORDER BY created_at", (user_id,))]

    def update_key(self, key_id: str, **cols) -> None:
        cols = {k: (fmt(v) if isinstance(v, datetime) else v) for k, v in cols.items()}
        cols["updated_at"] = fmt(now())
        sets = ", ".join(f"{c} = ?" for c in cols)
        self._x(f"UPDATE api_keys SET {sets} WHERE id = ?", (*cols.values(), key_id))

    def delete_key(self, key_id: str) -> bool:
        return self._x("UPDATE api_keys SET revoked = 1 WHERE id = ? AND revoked = 0", (key_id,)) == 1
