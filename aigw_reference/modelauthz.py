"""[model-authz] How coderd decides model use once the key and user checks passed (AUTH-MODEL-004/005).

RBAC variant (`modelaccess.go@673da88` authorizeModelUse, the one the addendum's rules follow):
  1. subject = the user's roles constrained by the key's scopes and allow-list; user not active -> denied
  2. `use` on ai_gateway_unrestricted (site-wide) -> allowed, configuration not consulted
  3. configs matching (user's organizations, provider name, model); query error -> evaluation failure
  4. `use` on any matching chat_model_config (its id, in its organization) -> allowed
  5. otherwise denied (1002, "unauthorized")
Early variant (`modelaccess.go@b62e808` ResolveModelAccess): everything is allowed unless the
deployment is entitled to multiple organizations; the reference is not, so it allows everything.
"""

from __future__ import annotations

from .authorize import AuthError
from .catalog import Catalog
from .rbac import MODEL_CONFIG, UNRESTRICTED, Resource, Subject, authorize
from .store import ApiKey, StoreFailure, User

ALLOW_ALL = ({"type": "*", "id": "*"},)


class ModelAuthorizer:
    def __init__(self, catalog: Catalog, *, decision: str = "rbac", faults: frozenset[str] = frozenset()) -> None:
        self.catalog = catalog
        self.decision = decision
        self.faults = faults

    def subject(self, key: ApiKey, user: User) -> Subject:
        if "model-scope-ignored" in self.faults:
            return Subject(user.roles, self.catalog.member_orgs(user.id), ("coder:all",), ALLOW_ALL)
        return Subject(user.roles, self.catalog.member_orgs(user.id), key.scopes, key.allow_list)

    def decide(self, key: ApiKey, user: User, provider_name: str, model: str) -> AuthError | None:
        """None when allowed, else the coded error."""
        if self.decision == "early":
            return None
        if user.status != "active":
            return AuthError.POLICY_DENIED
        try:
            subject = self.subject(key, user)
            if authorize(subject, "use", Resource(UNRESTRICTED)):
                return None
            configs = self.catalog.model_access_configs(
                user.id, provider_name, None if "model-check-ignores-model" in self.faults else model)
        except StoreFailure:
            return AuthError.EVALUATION_FAILED
        for cfg in configs:
            if authorize(subject, "use", Resource(MODEL_CONFIG, cfg.id, cfg.organization_id)):
                return None
        return AuthError.POLICY_DENIED


__all__ = ["ModelAuthorizer"]
