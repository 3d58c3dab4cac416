"""REST calls a model-authz setup needs, shaped as coder/coder's (Addendum A AUTH-MODEL-006, §2 row 18),
plus the reference's own store-failure switch.

Verified against coder/coder sources:
  PUT    /api/v2/users/{user}/roles                      codersdk/users.go UpdateUserRoles ({"roles": [...]}, 200 User)
  POST   /api/v2/organizations/{org}/members/{user}      codersdk/organizations.go AddOrganizationMember
  DELETE /api/v2/organizations/{org}/members/{user}      codersdk/organizations.go DeleteOrganizationMember (204)
  GET    /api/v2/organizations[/{org}]                   codersdk/organizations.go
  GET|POST /api/v2/ai/providers, GET|PATCH|DELETE /api/v2/ai/providers/{id|name}
                                                         codersdk/aiproviders.go@033b690 (201 / 200 / 204)
  GET|POST /api/experimental/chats/model-configs, DELETE .../{id}
                                                         codersdk/chats.go CreateChatModelConfigRequest
Not verified: how a model-authz build binds a chat model config to an organization (the
GetAIModelAccessConfigs query reads `organization_id` and `ai_provider_id`, the create request read
has neither). The reference accepts `organization_id` (id, name or `default`; default organization
when left out) and maps `provider` to the AI provider of that name.
Reference only (feature store-failures): PUT|DELETE /api/v2/aigw-reference/store-failures/{lookup}/{id}
makes the gateway's own lookup of one key, user or user's model configs fail like a database error.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .catalog import Catalog, ModelConfig, Provider
from .config import PROVIDER_TYPES, ReferenceConfig
from .goerrors import json_error, json_response
from .rbac import SITE_ROLES, UNRESTRICTED_ROLE
from .session import authenticate, resolve_user
from .store import Store, User

NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")           # codersdk.AIProviderNameRegex
LOOKUPS = ("api_key", "user", "model_configs")
NOT_FOUND = "Resource not found or you do not have access to this resource"


def _mask(secret: str) -> str:
    return secret[:2] + "..." + secret[-2:] if len(secret) > 4 else "..."


def provider_json(p: Provider) -> dict:
    keys = [{"id": str(uuid.UUID(bytes=hashlib.sha256(f"{p.id}:{i}".encode()).digest()[:16])), "masked": _mask(k),
             "created_at": p.created_at} for i, k in enumerate(p.api_keys)]
    return {"id": p.id, "type": p.type, "name": p.name, "display_name": p.display_name, "enabled": p.enabled,
            "base_url": p.base_url, "api_keys": keys, "settings": None, "created_at": p.created_at,
            "updated_at": p.updated_at}


def config_json(c: ModelConfig, provider_name: str) -> dict:
    return {"id": c.id, "provider": provider_name, "model": c.model, "display_name": c.display_name,
            "enabled": c.enabled, "organization_id": c.organization_id, "created_at": c.created_at,
            "updated_at": c.updated_at}


def _url_problem(raw) -> str | None:
    if not isinstance(raw, str) or not raw:
        return "base_url is required"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "base_url must be an absolute URL (e.g. https://api.example.com/)"
    return None


class AdminApi:
    def __init__(self, cfg: ReferenceConfig, store: Store, catalog: Catalog, on_providers_changed=None) -> None:
        self.cfg, self.store, self.catalog = cfg, store, catalog
        self.changed = on_providers_changed or (lambda: None)

    def routes(self) -> list[Route]:
        u, o, p, m = "/api/v2/users/{user}", "/api/v2/organizations", "/api/v2/ai/providers", \
            "/api/experimental/chats/model-configs"
        routes = [Route(u + "/roles", self.put_roles, methods=["PUT"]),
                  Route(o, self.list_orgs, methods=["GET"]),
                  Route(o + "/{org}", self.get_org, methods=["GET"]),
                  Route(o + "/{org}/members/{user}", self.add_member, methods=["POST"]),
                  Route(o + "/{org}/members/{user}", self.remove_member, methods=["DELETE"]),
                  Route("/api/v2/aigw-reference/store-failures/{lookup}/{ident}", self.store_failure,
                        methods=["PUT", "DELETE"])]
        if self.cfg.era == "model-authz":
            routes += [Route(p, self.list_providers, methods=["GET"]), Route(p, self.create_provider, methods=["POST"]),
                       Route(p + "/{ref}", self.get_provider, methods=["GET"]),
                       Route(p + "/{ref}", self.patch_provider, methods=["PATCH"]),
                       Route(p + "/{ref}", self.delete_provider, methods=["DELETE"]),
                       Route(m, self.list_configs, methods=["GET"]), Route(m, self.create_config, methods=["POST"]),
                       Route(m + "/{cid}", self.delete_config, methods=["DELETE"])]
        return routes

    # -- helpers
    async def _owner(self, request: Request):
        caller = authenticate(request, self.store)
        if isinstance(caller, Response):
            return caller
        return caller if caller.is_owner else json_error(403, "Forbidden.")

    @staticmethod
    async def _json(request: Request):
        import json
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            return json_error(400, "Request body must be valid JSON.", str(exc))
        return body if isinstance(body, dict) else json_error(400, "Request body must be a JSON object.")

    def _user(self, ref: str, caller: User) -> User | None:
        return resolve_user(ref, caller, self.store)

    # -- roles and organizations
    async def put_roles(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        target = self._user(request.path_params["user"], caller)
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        if target is None:
            return json_error(404, NOT_FOUND)
        if target.id == caller.id:
            return json_error(400, "You cannot change your own roles.")
        roles = body.get("roles")
        known = SITE_ROLES + ((UNRESTRICTED_ROLE,) if self.cfg.era == "model-authz" else ())
        if not isinstance(roles, list) or not all(isinstance(r, str) and r in known for r in roles):
            return json_error(400, "Invalid roles.", f"roles must be a list drawn from {', '.join(known)}")
        import json
        self.store.set_user(target.id, roles=json.dumps(sorted(set(roles)) + ["member"]))
        from .restapi import user_json
        return json_response(200, user_json(self.store.user_by_id(target.id)))

    async def list_orgs(self, request: Request) -> Response:
        caller = authenticate(request, self.store)
        if isinstance(caller, Response):
            return caller
        return json_response(200, [self._org_json(o) for o in self.catalog.orgs()])

    async def get_org(self, request: Request) -> Response:
        caller = authenticate(request, self.store)
        if isinstance(caller, Response):
            return caller
        org = self.catalog.org(request.path_params["org"])
        return json_response(200, self._org_json(org)) if org else json_error(404, NOT_FOUND)

    @staticmethod
    def _org_json(o: dict) -> dict:
        return {"id": o["id"], "name": o["name"], "display_name": o["name"], "is_default": bool(o["is_default"]),
                "created_at": o["created_at"]}

    async def add_member(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        org, user = self.catalog.org(request.path_params["org"]), self._user(request.path_params["user"], caller)
        if org is None or user is None:
            return json_error(404, NOT_FOUND)
        self.catalog.add_member(org["id"], user.id)
        return json_response(200, {"organization_id": org["id"], "user_id": user.id, "roles": []})

    async def remove_member(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        org, user = self.catalog.org(request.path_params["org"]), self._user(request.path_params["user"], caller)
        if org is None or user is None or not self.catalog.remove_member(org["id"], user.id):
            return json_error(404, NOT_FOUND)
        return Response(status_code=204)

    # -- AI providers
    async def list_providers(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        return json_response(200, [provider_json(p) for p in self.catalog.providers()])

    async def get_provider(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        p = self.catalog.provider(request.path_params["ref"])
        return json_response(200, provider_json(p)) if p else json_error(404, NOT_FOUND)

    async def create_provider(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        keys = body.get("api_keys") or []
        problems = []
        if body.get("type") not in PROVIDER_TYPES:
            problems.append({"field": "type", "detail": f"unsupported provider type {body.get('type')!r}"})
        if not isinstance(body.get("name"), str) or not NAME_RE.match(body["name"]):
            problems.append({"field": "name", "detail": "name must match ^[a-z0-9]+(-[a-z0-9]+)*$"})
        if _url_problem(body.get("base_url")):
            problems.append({"field": "base_url", "detail": _url_problem(body.get("base_url"))})
        if not isinstance(keys, list) or not all(isinstance(k, str) and k and k.strip() == k for k in keys):
            problems.append({"field": "api_keys", "detail": "api_keys entries must be non-empty, without whitespace"})
        elif body.get("type") == "copilot" and keys:
            problems.append({"field": "api_keys", "detail": "type=copilot does not accept api_keys"})
        if problems:
            return json_error(400, "Invalid AI provider.", validations=problems)
        if self.catalog.provider(body["name"]) is not None:
            return json_error(409, f"An AI provider named {body['name']!r} already exists.")
        p = self.catalog.create_provider(name=body["name"], type=body["type"], base_url=body["base_url"],
                                         enabled=bool(body.get("enabled", False)),
                                         display_name=str(body.get("display_name") or ""), api_keys=tuple(keys))
        self.changed()
        return json_response(201, provider_json(p))

    async def patch_provider(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        p = self.catalog.provider(request.path_params["ref"])
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        if p is None:
            return json_error(404, NOT_FOUND)
        cols: dict = {}
        if "enabled" in body:
            cols["enabled"] = bool(body["enabled"])
        if "display_name" in body:
            cols["display_name"] = str(body["display_name"])
        if "base_url" in body:
            if _url_problem(body["base_url"]):
                return json_error(400, "Invalid AI provider.",
                                  validations=[{"field": "base_url", "detail": _url_problem(body["base_url"])}])
            cols["base_url"] = body["base_url"]
        if "api_keys" in body:
            old = dict(zip((k["id"] for k in provider_json(p)["api_keys"]), p.api_keys))
            muts = body["api_keys"] or []
            if not isinstance(muts, list) or not all(isinstance(x, dict) and ("id" in x) != ("api_key" in x) for x in muts):
                return json_error(400, "Invalid AI provider.",
                                  validations=[{"field": "api_keys", "detail": "exactly one of id or api_key must be set"}])
            cols["api_keys"] = tuple(old[x["id"]] if "id" in x else str(x["api_key"]) for x in muts if x.get("id") in old or "api_key" in x)
        if not cols:
            return json_error(400, "Empty update.", "at least one field must be set")
        self.catalog.update_provider(p.id, **cols)
        self.changed()
        return json_response(200, provider_json(self.catalog.provider(p.id)))

    async def delete_provider(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        p = self.catalog.provider(request.path_params["ref"])
        if p is None:
            return json_error(404, NOT_FOUND)
        self.catalog.delete_provider(p.id)
        self.changed()
        return Response(status_code=204)

    # -- chat model configurations
    def _config_json(self, c: ModelConfig) -> dict:
        p = next((x for x in self.catalog.providers() if x.id == c.ai_provider_id), None)
        return config_json(c, p.name if p else "")

    async def list_configs(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        return json_response(200, [self._config_json(c) for c in self.catalog.configs()])

    async def create_config(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        body = await self._json(request)
        if isinstance(body, Response):
            return body
        prov = self.catalog.provider(str(body.get("provider", ""))) if isinstance(body.get("provider"), str) else None
        org = self.catalog.org(str(body.get("organization_id") or "default"))
        problems = []
        if prov is None:
            problems.append({"field": "provider", "detail": "provider must name an existing AI provider"})
        if not isinstance(body.get("model"), str) or not body["model"]:
            problems.append({"field": "model", "detail": "model is required"})
        if org is None:
            problems.append({"field": "organization_id", "detail": "no such organization"})
        if problems:
            return json_error(400, "Invalid chat model config.", validations=problems)
        c = self.catalog.create_config(org_id=org["id"], provider_id=prov.id, model=body["model"],
                                       display_name=str(body.get("display_name") or ""),
                                       enabled=body.get("enabled", True) is not False)
        return json_response(201, config_json(c, prov.name))

    async def delete_config(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        if not self.catalog.delete_config(request.path_params["cid"]):
            return json_error(404, NOT_FOUND)
        return Response(status_code=204)

    # -- reference only
    async def store_failure(self, request: Request) -> Response:
        caller = await self._owner(request)
        if isinstance(caller, Response):
            return caller
        lookup, ident = request.path_params["lookup"], request.path_params["ident"]
        if lookup not in LOOKUPS:
            return json_error(400, f"lookup must be one of {', '.join(LOOKUPS)}")
        if lookup in ("user", "model_configs"):
            user = self._user(ident, caller)
            ident = user.id if user else ident
        if request.method == "PUT":
            self.store.inject_failure(lookup, ident)
            return Response(status_code=204)
        return Response(status_code=204 if self.store.clear_failure(lookup, ident) else 404)


__all__ = ["AdminApi", "provider_json", "config_json"]
