"""The slice of Coder's RBAC that model authorization needs (Addendum A AUTH-MODEL-004..006), as pure
functions: a request is allowed when the user's roles, the key's scopes *and* the key's allow-list
all permit the action on the resource (`httpmw.UserRBACSubject(ctx, store, userID, key.ScopeSet())`).

Roles, as far as the addendum's tests pin them down (`TestIsAuthorizedModelAuthorizationRespectsScope`):
  owner                    any action on anything, site-wide
  ai-gateway-unrestricted  `use` on ai_gateway_unrestricted (site-wide)
  organization member      `use` and `read` on chat_model_config in that organization
  member (site)            nothing here: a site member outside the config's organization is denied
Scopes: `coder:all` / `all` grant everything; `<resource>:<action>` grants that pair (`*` is a
wildcard on either side); every other composite scope grants no model use (they expand to
workspace, template, ... permissions only).
"""

from __future__ import annotations

from dataclasses import dataclass

UNRESTRICTED = "ai_gateway_unrestricted"
MODEL_CONFIG = "chat_model_config"
UNRESTRICTED_ROLE = "ai-gateway-unrestricted"
SITE_ROLES = ("owner", "user-admin", "template-admin", "auditor")
ALL_SCOPES = ("coder:all", "all")


@dataclass(frozen=True)
class Subject:
    site_roles: tuple[str, ...]
    org_ids: tuple[str, ...]            # organizations the user is a member of
    scopes: tuple[str, ...]
    allow_list: tuple[dict, ...]


@dataclass(frozen=True)
class Resource:
    type: str
    id: str = ""
    org_id: str = ""


def role_permits(subject: Subject, action: str, res: Resource) -> bool:
    if "owner" in subject.site_roles:
        return True
    if res.type == UNRESTRICTED and action == "use":
        return UNRESTRICTED_ROLE in subject.site_roles
    if res.type == MODEL_CONFIG and action in ("use", "read"):
        return bool(res.org_id) and res.org_id in subject.org_ids
    return False


def scope_permits(scopes: tuple[str, ...], action: str, res: Resource) -> bool:
    for scope in scopes:
        if scope in ALL_SCOPES:
            return True
        resource, sep, act = scope.partition(":")
        if sep and resource in ("*", res.type) and act in ("*", action):
            return True
    return False


def allow_list_permits(allow_list: tuple[dict, ...], res: Resource) -> bool:
    for entry in allow_list:
        typ, ident = str(entry.get("type", "")), str(entry.get("id", ""))
        if typ in ("*", res.type) and ident in ("*", res.id or "*"):
            return True
    return False


def authorize(subject: Subject, action: str, res: Resource) -> bool:
    return (role_permits(subject, action, res) and scope_permits(subject.scopes, action, res)
            and allow_list_permits(subject.allow_list, res))


__all__ = ["Subject", "Resource", "authorize", "role_permits", "scope_permits", "allow_list_permits",
           "UNRESTRICTED", "MODEL_CONFIG", "UNRESTRICTED_ROLE", "SITE_ROLES"]
