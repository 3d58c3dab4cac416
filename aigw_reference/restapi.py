"""The token REST API (AUTH-LIFECYCLE-001..006), the user calls a token broker needs, and the proxy CA
endpoint (AUTH-PROXY-009). Authenticated like Coder's API (session.py)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from .config import ReferenceConfig
from .goerrors import json_error, json_response
from .godur import go_duration
from .scopes import valid_scope
from .session import authenticate, resolve_user
from .store import ApiKey, Store, User, fmt, now
from .tokens import random_string

NOT_FOUND = "Resource not found or you do not have access to this resource"
VALIDATE_MSG = "Failed to validate create API key request."


def user_json(u: User) -> dict:
    return {"id": u.id, "username": u.username, "email": u.email, "status": u.status,
            "roles": [{"name": r, "display_name": r.title()} for r in u.roles], "login_type": "password",
            "created_at": u.created_at, "is_system": u.is_system}


def key_json(k: ApiKey, owner: User | None = None) -> dict:
    d = {"id": k.id, "user_id": k.user_id, "last_used": k.last_used, "expires_at": fmt(k.expires_at),
         "created_at": k.created_at, "updated_at": k.updated_at, "login_type": k.login_type,
         "scope": k.scopes[0] if len(k.scopes) == 1 else "", "scopes": list(k.scopes),
         "token_name": k.token_name, "lifetime_seconds": k.lifetime_seconds, "allow_list": [dict(e) for e in k.allow_list]}
    if owner is not None:
        d["username"] = owner.username
    return d


def on_user(handler):
    """Authenticate the caller and resolve `{user}` (itself, or anyone for an Owner) before the handler."""
    async def wrapper(self, request: Request) -> Response:
        caller = authenticate(request, self.store)
        if isinstance(caller, Response):
            return caller
        target = resolve_user(request.path_params["user"], caller, self.store)
        if target is None or (target.id != caller.id and not caller.is_owner):
            return json_error(404, NOT_FOUND)
        return await handler(self, request, caller, target)
    return wrapper


class RestApi:
    def __init__(self, cfg: ReferenceConfig, store: Store, proxy_ca: dict, catalog=None,
                 on_providers_changed=None) -> None:
        from .adminapi import AdminApi
        from .catalog import Catalog
        self.cfg, self.store, self.proxy_ca = cfg, store, proxy_ca
        self.catalog = catalog if catalog is not None else Catalog(store)
        admin = AdminApi(cfg, store, self.catalog, on_providers_changed)
        u = "/api/v2/users/{user}"
        self.router = Router(routes=[*admin.routes(),
            Route("/api/v2/users", self.create_user, methods=["POST"]),
            Route("/api/v2/users", self.list_users, methods=["GET"]),
            Route(u, self.get_user, methods=["GET"]),
            Route(u, self.delete_user, methods=["DELETE"]),
            Route(u + "/status/{action}", self.set_status, methods=["PUT"]),
            Route(u + "/keys", self.post_session_key, methods=["POST"]),
            Route(u + "/keys/tokens", self.create_token, methods=["POST"]),
            Route(u + "/keys/tokens", self.list_tokens, methods=["GET"]),
            Route(u + "/keys/tokens/tokenconfig", self.token_config, methods=["GET"]),
            Route(u + "/keys/tokens/{name}", self.get_token_by_name, methods=["GET"]),
            Route(u + "/keys/tokens/{name}", self.patch_token, methods=["PATCH"]),
            Route(u + "/keys/{keyid}", self.get_key, methods=["GET"]),
            Route(u + "/keys/{keyid}", self.delete_key, methods=["DELETE"]),
            Route(u + "/keys/{keyid}/expire", self.expire_key, methods=["PUT"]),
            Route("/api/v2/ai-gateway/proxy/ca-cert.pem", self.ca_cert, methods=["GET"]),
            Route("/api/v2/aibridge/proxy/ca-cert.pem", self.ca_cert, methods=["GET"]),
        ], default=self.not_found)

    async def __call__(self, scope, receive, send) -> None:
        await self.router(scope, receive, send)

    @staticmethod
    async def not_found(scope, receive, send) -> None:
        await json_error(404, "Route not found.")(scope, receive, send)

    # helpers
    def _caller(self, request: Request):
        return authenticate(request, self.store)

    async def _body(self, request: Request):
        raw = await request.body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError as exc:
            return json_error(400, "Request body must be valid JSON.", str(exc))
        if not isinstance(body, dict):
            return json_error(400, "Request body must be a JSON object.")
        return body

    def _max_lifetime(self, user: User) -> int:
        owner = user.is_owner and "owner-lifetime-unlimited" not in self.cfg.faults
        return self.cfg.max_admin_token_lifetime_ns if owner else self.cfg.max_token_lifetime_ns

    def _lifetime_error(self, lifetime, user: User):
        if not isinstance(lifetime, int) or isinstance(lifetime, bool):
            return json_error(400, VALIDATE_MSG, "lifetime must be an integer number of nanoseconds")
        if lifetime < 0:
            return json_error(400, VALIDATE_MSG, "lifetime must be positive number greater than 0")
        if lifetime > self._max_lifetime(user):
            return json_error(400, VALIDATE_MSG,
                              f"lifetime must be less than {go_duration(self._max_lifetime(user))}")
        return None

    def _scopes(self, body: dict):
        scopes = body.get("scopes") or ([body["scope"]] if body.get("scope") else ["coder:all"])
        if not isinstance(scopes, list):
            return json_error(400, "Failed to create API key.", "scopes must be a list")
        for s in scopes:
            if not isinstance(s, str) or not valid_scope(s, self.cfg.era):
                return json_error(400, "Failed to create API key.", f'invalid or unsupported API key scope: "{s}"')
        return tuple(scopes)

    @staticmethod
    def _allow_list(body: dict):
        """`allow_list: [{type, id}]`; `*` in either place is a wildcard; default everything."""
        raw = body.get("allow_list")
        if raw in (None, []):
            return ({"type": "*", "id": "*"},)
        if not isinstance(raw, list) or not all(isinstance(e, dict) and set(e) <= {"type", "id"}
                                                and isinstance(e.get("type"), str) and isinstance(e.get("id"), str)
                                                and e["type"] and e["id"] for e in raw):
            return json_error(400, "Failed to create API key.", "allow_list entries are {type, id} strings")
        return tuple({"type": e["type"], "id": e["id"]} for e in raw)

    def _own_key(self, user: User, keyid: str) -> ApiKey | None:
        k = self.store.key(keyid)
        return k if k is not None and k.user_id == user.id else None

    # users
    async def create_user(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        if not caller.is_owner:
            return json_error(403, "Forbidden.")
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        name = body.get("username")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9](-?[A-Za-z0-9])*", name) or len(name) > 32:
            return json_error(400, "Validation failed.", validations=[{"field": "username", "detail": "invalid"}])
        if self.store.user_by_name(name) is not None:
            return json_error(409, f'User with username "{name}" already exists.')
        # users created after the model-authz upgrade get no ai-gateway-unrestricted grant (AUTH-MODEL-006)
        roles = ("ai-gateway-unrestricted",) if "grant-new-users" in self.cfg.faults else ()
        user = self.store.create_user(name, email=str(body.get("email") or ""), roles=roles)
        # an empty organization_ids puts the user in the default organization
        requested = [self.catalog.org(str(o)) for o in (body.get("organization_ids") or [])]
        for org_id in [o["id"] for o in requested if o] or [self.catalog.default_org()]:
            self.catalog.add_member(org_id, user.id)
        return json_response(201, user_json(user))

    async def list_users(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        try:
            limit = max(0, min(int(request.query_params.get("limit", "1000")), 1000))
        except ValueError:
            return json_error(400, "Query param \"limit\" must be a valid integer.")
        users = self.store.users(request.query_params.get("q", ""), limit) if caller.is_owner else [caller]
        return json_response(200, {"users": [user_json(u) for u in users], "count": len(users)})

    @on_user
    async def get_user(self, request: Request, caller: User, target: User) -> Response:
        return json_response(200, user_json(target))

    @on_user
    async def delete_user(self, request: Request, caller: User, target: User) -> Response:
        if not caller.is_owner or target.id == caller.id:
            return json_error(403, "You cannot delete yourself!" if target.id == caller.id else "Forbidden.")
        # Q8: key rows are kept, so the gateway sees "deleted user" (403 either way).
        self.store.set_user(target.id, deleted=1, username=f"{target.username}-deleted-{random_string(6)}")
        return json_response(200, {"message": "User has been deleted!"})

    @on_user
    async def set_status(self, request: Request, caller: User, target: User) -> Response:
        action = request.path_params["action"]
        if action not in ("suspend", "activate") or not caller.is_owner:
            return json_error(404 if caller.is_owner else 403, NOT_FOUND if caller.is_owner else "Forbidden.")
        if target.id == caller.id:
            return json_error(400, "You cannot suspend yourself.")
        self.store.set_user(target.id, status="suspended" if action == "suspend" else "active")
        return json_response(200, user_json(self.store.user_by_id(target.id)))

    # tokens
    @on_user
    async def create_token(self, request: Request, caller: User, target: User) -> Response:
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        if target.is_system:
            return json_error(403, "Cannot create tokens for system users.")
        lifetime = body.get("lifetime", 0) or 0
        err = self._lifetime_error(lifetime, target)
        if err:
            return err
        scopes = self._scopes(body)
        if isinstance(scopes, Response):
            return scopes
        allow = self._allow_list(body)
        if isinstance(allow, Response):
            return allow
        name = body.get("token_name") or f"{random_string(6).lower()}-{random_string(6).lower()}"
        if not isinstance(name, str):
            return json_error(400, VALIDATE_MSG, validations=[{"field": "token_name", "detail": "must be a string"}])
        if self.store.key_by_name(target.id, name) is not None and "duplicate-token-name" not in self.cfg.faults:
            return json_error(409, f'A token with name "{name}" already exists.',
                              validations=[{"field": "name",
                                            "detail": "This value is already in use and should be unique."}])
        token, _ = self.store.create_key(target.id, lifetime_ns=lifetime or self.cfg.default_token_lifetime_ns,
                                         token_name=str(name), scopes=scopes, allow_list=allow)
        return json_response(201, {"key": token})

    @on_user
    async def post_session_key(self, request: Request, caller: User, target: User) -> Response:
        token, _ = self.store.create_key(target.id, lifetime_ns=self.cfg.default_token_lifetime_ns,
                                         token_name=f"session-{random_string(8).lower()}", login_type="password")
        return json_response(201, {"key": token})

    @on_user
    async def list_tokens(self, request: Request, caller: User, target: User) -> Response:
        q = request.query_params
        include_all = q.get("include_all") == "true" and caller.is_owner
        include_expired = q.get("include_expired") == "true"
        t = now()
        keys = [k for k in self.store.keys_of(None if include_all else target.id)
                if k.login_type == "token" and (include_expired or k.expires_at >= t)]
        return json_response(200, [key_json(k, self.store.user_by_id(k.user_id)) for k in keys])

    @on_user
    async def token_config(self, request: Request, caller: User, target: User) -> Response:
        return json_response(200, {"max_token_lifetime": self._max_lifetime(target)})

    @on_user
    async def get_token_by_name(self, request: Request, caller: User, target: User) -> Response:
        k = self.store.key_by_name(target.id, request.path_params["name"])
        return json_response(200, key_json(k)) if k else json_error(404, NOT_FOUND)

    @on_user
    async def patch_token(self, request: Request, caller: User, target: User) -> Response:
        k = self.store.key_by_name(target.id, request.path_params["name"])
        if k is None:
            return json_error(404, NOT_FOUND)
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        if "scope" in body and "scopes" in body:
            return json_error(400, "Invalid request.", "cannot set both scope and scopes")
        cols: dict = {}
        if "lifetime" in body:
            err = self._lifetime_error(body["lifetime"], target)
            if err:
                return err
            lt = body["lifetime"] or self.cfg.default_token_lifetime_ns
            cols.update(expires_at=now() + timedelta(microseconds=lt // 1000), lifetime_seconds=lt // 10**9)
            if "patch-keeps-expiry" in self.cfg.faults:
                cols.pop("expires_at")
        if "scope" in body or "scopes" in body:
            scopes = self._scopes(body)
            if isinstance(scopes, Response):
                return scopes
            cols["scopes"] = json.dumps(list(scopes))
        if cols:
            self.store.update_key(k.id, **cols)
        return json_response(200, key_json(self.store.key(k.id)))

    @on_user
    async def get_key(self, request: Request, caller: User, target: User) -> Response:
        k = self._own_key(target, request.path_params["keyid"])
        return json_response(200, key_json(k)) if k else json_error(404, NOT_FOUND)

    @on_user
    async def delete_key(self, request: Request, caller: User, target: User) -> Response:
        k = self._own_key(target, request.path_params["keyid"])
        if k is None or not self.store.delete_key(k.id):
            return json_error(404, NOT_FOUND)
        return Response(status_code=204)

    @on_user
    async def expire_key(self, request: Request, caller: User, target: User) -> Response:
        k = self._own_key(target, request.path_params["keyid"])
        if k is None:
            return json_error(404, NOT_FOUND)
        if "expire-does-nothing" not in self.cfg.faults:
            self.store.update_key(k.id, expires_at=now())
        return Response(status_code=204)

    async def ca_cert(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        pem = self.proxy_ca.get("pem")
        if not pem:
            return json_error(404, "AI Gateway Proxy is not enabled.")
        return Response(pem, media_type="application/x-pem-file",
                        headers={"Content-Disposition": "attachment; filename=ca-cert.pem"})
