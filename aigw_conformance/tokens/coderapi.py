"""`CoderApiBroker`: tokens and users made through the token REST API (PROTOCOL.md AUTH-LIFECYCLE).

Everything it creates is named ``aigw-<run tag>-<nonce>-<n>-<label>`` and recorded *before* the
create call, so `cleanup()` (idempotent, thread-safe, safe from a SIGTERM handler) can find even a
token whose create response was lost. Tokens other parts of the run created through the API (a
scenario's own POST, a fuzz engine) are handed over with `adopt()` and deleted the same way. Expired tokens are minted with lifetime = 1 ns; dormant and system
users cannot be made through the API and come from the target's static tokens.
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Mapping

import httpx

from aigw_conformance.errors import TargetError, TransportError
from aigw_conformance.runner.transport_errors import describe_httpx_error
from aigw_common.redaction import Redactor
from aigw_conformance.tokens.derived import Derived, slug
from aigw_conformance.tokens.naming import run_prefix
from aigw_conformance.tokens.kinds import NEAR_MISS_PREFIX
from aigw_conformance.tokens.malformed import MalformedCatalogue
from aigw_conformance.tokens.token import Token, with_other_secret

API = "/api/v2/users"
SCOPED = ["workspace:read"]
_MAX_NAME = 32  # Coder's limit for usernames and a safe one for token names
CLEANUP_PARALLEL = 4


class CoderApiBroker(Derived):
    def __init__(self, base_url: str, operator_token: str, run_id: str, http_client: httpx.Client, *,
                 redactor: Redactor, static: Mapping[str, str] | None = None,
                 malformed: MalformedCatalogue | None = None, target_name: str | None = None,
                 grant_roles: tuple[str, ...] = ()) -> None:
        super().__init__(malformed, redactor)
        # [model-authz] site roles given to every user this broker creates: a fresh user has no model
        # access (AUTH-MODEL-006), so the setup grants it, as the addendum says a setup must
        self.grant_roles = tuple(grant_roles)
        redactor.add_token(operator_token)
        self.base_url = base_url.rstrip("/")
        self._op = operator_token
        self._http = http_client
        self._static = dict(static or {})
        for v in self._static.values():
            redactor.add_token(v)
        self.prefix = run_prefix(run_id)
        self._nonce = secrets.token_hex(2)
        self._target = target_name
        self._lock = threading.RLock()
        self._n = 0
        self._tokens: list[dict[str, Any]] = []   # {user, name, id|None, done}
        self._users: list[dict[str, Any]] = []    # {username, id|None, done}
        self._named_users: dict[str, dict[str, Any]] = {}

    # -- HTTP
    def _call(self, method: str, path: str, *, json: Any = None, ok: tuple[int, ...] = (200, 201, 204),
              params: dict | None = None) -> httpx.Response:
        url = self.base_url + path
        headers = {"Coder-Session-Token": self._op, "Accept": "application/json"}
        for attempt in (1, 2):   # the second only when a kept-alive connection died unanswered
            try:
                resp = self._http.request(method, url, json=json, params=params, headers=headers)
                break
            except httpx.HTTPError as exc:
                cause, stale = describe_httpx_error(exc, url, self._http.timeout.read or 0)
                if stale and attempt == 1:
                    continue
                raise TransportError(f"token API {method} {path}: {cause}", target=self._target,
                                     url=self.base_url) from exc
        if resp.status_code not in ok:
            raise TargetError(f"token API {method} {path} answered {resp.status_code}: {_message(resp)}",
                              target=self._target, url=self.base_url)
        return resp

    def _name(self, label: str) -> str:
        with self._lock:
            self._n += 1
            n = self._n
        head = f"{self.prefix}{self._nonce}-{n}"
        tail = slug(label, _MAX_NAME - len(head) - 1)
        return f"{head}-{tail}" if tail else head

    # -- minting
    def _create_token(self, user: str, label: str, kind: str, *, lifetime: int | None = None,
                      scopes: list[str] | None = None, username: str | None = None) -> Token:
        name = self._name(label)
        record = {"user": user, "name": name, "id": None, "done": False}
        with self._lock:
            self._tokens.append(record)  # recorded before the call: cleanup finds it by name
        body: dict[str, Any] = {"token_name": name}
        if lifetime is not None:
            body["lifetime"] = lifetime
        if scopes is not None:
            body["scopes"] = scopes
        resp = self._call("POST", f"{API}/{user}/keys/tokens", json=body, ok=(201, 200))
        try:
            value = str(resp.json()["key"])
        except (ValueError, KeyError, TypeError):
            raise TargetError(f"token API create answered without a key: {resp.text[:200]!r}",
                              target=self._target, url=self.base_url) from None
        self.redactor.add_token(value)
        record["id"] = value.split("-", 1)[0]
        return Token(value, kind=kind, user=username, label=label, key_id=record["id"])

    def _create_user(self, label: str) -> dict[str, Any]:
        name = self._name(label)
        record = {"username": name, "id": None, "done": False}
        with self._lock:
            self._users.append(record)
        resp = self._call("POST", API, ok=(201, 200), json={
            "username": name, "email": f"{name}@aigw-conformance.invalid", "name": "",
            "password": secrets.token_urlsafe(24) + "Aa1!", "login_type": "password",
            "organization_ids": []})
        try:
            record["id"] = str(resp.json()["id"])
        except (ValueError, KeyError, TypeError):
            record["id"] = None
        if self.grant_roles:
            self._call("PUT", f"{API}/{self._user_ref(record)}/roles", json={"roles": list(self.grant_roles)})
        return record

    def _user_ref(self, record: dict[str, Any]) -> str:
        return record["id"] or record["username"]

    def get(self, kind: str, *, user: str | None = None, label: str) -> Token:
        tok = self.derived(kind, label)
        if tok is not None:
            return tok
        if kind.startswith(NEAR_MISS_PREFIX):
            return self.derive_near_miss(kind, lambda: self.get("valid", user=user, label=label))
        if kind in ("user-dormant", "user-system") or (kind in self._static and user is None):
            return self._from_static(kind, label)
        owner = "me"
        owner_name = None
        if user is not None:
            with self._lock:
                rec = self._named_users.get(user)
            if rec is None:
                rec = self._create_user(f"u-{user}")
                with self._lock:
                    self._named_users[user] = rec
            owner, owner_name = self._user_ref(rec), rec["username"]
        if kind == "valid":
            return self._create_token(owner, label, kind, username=owner_name)
        if kind == "scoped":
            return self._create_token(owner, label, kind, scopes=SCOPED, username=owner_name)
        if kind in ("expired", "expired-wrong-secret"):
            tok = self._create_token(owner, label, "expired", lifetime=1, username=owner_name)  # 1 ns
            return self.secret(with_other_secret(tok, kind)) if kind == "expired-wrong-secret" else tok
        if kind == "wrong-secret":
            return self.secret(with_other_secret(self._create_token(owner, label, "valid", username=owner_name), kind))
        if kind in ("revoked-delete", "revoked-expire"):
            tok = self._create_token(owner, label, kind, username=owner_name)
            self.revoke(tok, "delete" if kind == "revoked-delete" else "expire")
            return tok
        if kind in ("user-suspended", "user-deleted"):
            rec = self._create_user(kind)
            tok = self._create_token(self._user_ref(rec), label, kind, username=rec["username"])
            if kind == "user-suspended":
                self._call("PUT", f"{API}/{self._user_ref(rec)}/status/suspend")
            else:
                self._call("DELETE", f"{API}/{self._user_ref(rec)}")
                rec["done"] = True
            return tok
        raise TargetError(f"the coder-api token source cannot make a {kind!r} token", target=self._target)

    def _from_static(self, kind: str, label: str) -> Token:
        if kind not in self._static:
            raise TargetError(f"no static token of kind {kind!r} (the REST API cannot make one)",
                              target=self._target)
        return Token(self._static[kind], kind=kind, label=label)

    def mint(self, label: str, kind: str = "valid") -> Token:
        return self.get(kind, label=label)

    def revoke(self, token: Token, how: str = "delete") -> None:
        rec = self._record_of(token)
        if rec is None:
            raise TargetError(f"token {token.id} was not minted by this run; refusing to revoke it",
                              target=self._target)
        path = f"{API}/{rec['user']}/keys/{token.id}"
        if how == "delete":
            self._call("DELETE", path, ok=(204, 200))
            rec["done"] = True
        elif how == "expire":
            self._call("PUT", path + "/expire", ok=(204, 200))
        else:
            raise ValueError(f"revoke how must be delete or expire, not {how!r}")

    def adopt(self, user: str, name: str, key_id: str) -> None:
        """A token someone else in this run minted through the API: delete it at cleanup too."""
        with self._lock:
            if any(r["id"] == key_id for r in self._tokens):
                return
            self._tokens.append({"user": user, "name": name, "id": key_id, "done": False})

    def adopt_user(self, user_id: str, username: str) -> None:
        """A user someone else in this run created through the API: delete it at cleanup too."""
        with self._lock:
            if not any(r["id"] == user_id for r in self._users):
                self._users.append({"username": username, "id": user_id, "done": False})

    def owner_of(self, credential: str) -> str | None:
        """The user reference ("me" or an id) of a token this broker minted, by its full value."""
        key_id = credential.split("-", 1)[0]
        with self._lock:
            rec = next((r for r in self._tokens if r["id"] == key_id), None)
        return rec["user"] if rec else None

    def _record_of(self, token: Token) -> dict[str, Any] | None:
        with self._lock:
            return next((r for r in self._tokens if r["id"] == token.id), None)

    def supports(self, kind: str) -> bool | str:
        d = self.derived_support(kind)
        if d is not None:
            return d
        if kind.startswith(NEAR_MISS_PREFIX):
            return True
        if kind in ("user-dormant", "user-system") and kind not in self._static:
            return f"the token REST API cannot make a {kind} token and the target supplies none"
        return True

    # -- cleanup
    def cleanup(self) -> list[str]:
        """Delete every token and user this broker created. Returns what could not be removed."""
        with self._lock:
            tokens = [r for r in self._tokens if not r["done"]]
            users = [r for r in self._users if not r["done"]]
        # a few at a time: hundreds of one-row deletes, each waiting for the API, are the end of a run
        with ThreadPoolExecutor(max_workers=CLEANUP_PARALLEL) as pool:
            leftovers = [p for p in pool.map(self._delete_token, tokens) if p]
            leftovers += [p for p in pool.map(self._delete_user, users) if p]
        return leftovers

    def _delete_token(self, rec: dict[str, Any]) -> str | None:
        try:
            key_id = rec["id"] or self._lookup_id(rec)
            if key_id:
                self._call("DELETE", f"{API}/{rec['user']}/keys/{key_id}", ok=(200, 204, 404))
            rec["done"] = True
        except TargetError as exc:
            return f"token {rec['name']}: {exc}"
        return None

    def _delete_user(self, rec: dict[str, Any]) -> str | None:
        try:
            self._call("DELETE", f"{API}/{self._user_ref(rec)}", ok=(200, 204, 404))
            rec["done"] = True
        except TargetError as exc:
            return f"user {rec['username']}: {exc}"
        return None

    def _lookup_id(self, rec: dict[str, Any]) -> str | None:
        resp = self._call("GET", f"{API}/{rec['user']}/keys/tokens/{rec['name']}", ok=(200, 404))
        return str(resp.json().get("id")) if resp.status_code == 200 else None

    def find_leftovers(self, prefix: str = "aigw-") -> list[tuple[str, str, str]]:
        """(kind, name, DELETE path) of every token (of every user: the operator is an Owner) and
        every user whose name starts with prefix. Only names with the harness's prefix are listed."""
        if not prefix.startswith("aigw-"):
            raise ValueError("cleanup_leftovers only removes names starting with 'aigw-'")
        found: list[tuple[str, str, str]] = []
        keys = self._call("GET", f"{API}/me/keys/tokens",
                          params={"include_all": "true", "include_expired": "true"}).json() or []
        for k in keys:
            if str(k.get("token_name", "")).startswith(prefix):
                found.append(("token", str(k["token_name"]), f"{API}/{k.get('user_id') or 'me'}/keys/{k['id']}"))
        resp = self._call("GET", API, params={"q": prefix, "limit": "1000"}, ok=(200, 404, 405))
        users = resp.json().get("users", []) if resp.status_code == 200 else []
        found += [("user", str(u["username"]), f"{API}/{u['id']}") for u in users
                  if str(u.get("username", "")).startswith(prefix)]
        return found   # tokens first: a user's tokens go before the user does

    def cleanup_leftovers(self, prefix: str = "aigw-") -> list[str]:
        """`aigw-conformance clean`: remove tokens and users whose names start with prefix (left by
        runs that were killed). Only names with the harness's prefix are ever touched."""
        removed: list[str] = []
        for kind, name, path in self.find_leftovers(prefix):
            self._call("DELETE", path, ok=(200, 204, 404))
            removed.append(f"{kind} {name}")
        return removed

def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
        return " ".join(str(body.get(k)) for k in ("message", "detail") if body.get(k)) or resp.text[:200]
    except ValueError:
        return resp.text[:200]
