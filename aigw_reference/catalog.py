"""The rows model authorization reads (Addendum A AUTH-MODEL-004, AUTH-HTTP-008, AUTH-PROXY-010):
organizations and their members, AI providers, chat model configurations. Same SQLite file as
store.py, through its public query/execute.

Shapes follow coder/coder: `codersdk/aiproviders.go@033b690` (AIProvider: id, type, name,
display_name, enabled, base_url, api_keys), the `GetAIModelAccessConfigs` query (configs joined to
the user's organizations and to the provider by `ai_provider_id`, enabled and not deleted, matched
on provider *name* and model) and `codersdk/chats.go` (ChatModelConfig: provider, model, display_name,
enabled). A config's organization is the reference's own extension of that request (see adminapi.py).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from .store import Store, StoreFailure, fmt, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS organizations (
  id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, is_default INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS organization_members (
  organization_id TEXT NOT NULL, user_id TEXT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (organization_id, user_id));
CREATE TABLE IF NOT EXISTS ai_providers (
  id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, type TEXT NOT NULL, display_name TEXT NOT NULL,
  enabled INTEGER NOT NULL, base_url TEXT NOT NULL, api_keys TEXT NOT NULL DEFAULT '[]',
  upstream TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chat_model_configs (
  id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, ai_provider_id TEXT NOT NULL, model TEXT NOT NULL,
  display_name TEXT NOT NULL, enabled INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
"""
DEFAULT_ORG = "coder"


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    type: str
    display_name: str
    enabled: bool
    base_url: str
    api_keys: tuple[str, ...]
    upstream: str            # where the reference really sends it (its canary); '' = derive from base_url
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class ModelConfig:
    id: str
    organization_id: str
    ai_provider_id: str
    model: str
    display_name: str
    enabled: bool
    created_at: str
    updated_at: str


def _provider(r) -> Provider:
    return Provider(r["id"], r["name"], r["type"], r["display_name"], bool(r["enabled"]), r["base_url"],
                    tuple(json.loads(r["api_keys"])), r["upstream"], r["created_at"], r["updated_at"])


def _config(r) -> ModelConfig:
    return ModelConfig(r["id"], r["organization_id"], r["ai_provider_id"], r["model"], r["display_name"],
                       bool(r["enabled"]), r["created_at"], r["updated_at"])


class Catalog:
    def __init__(self, store: Store) -> None:
        self.store = store
        for stmt in SCHEMA.split(";"):
            if stmt.strip():
                store.execute(stmt)
        if not store.query("SELECT id FROM organizations WHERE is_default = 1"):
            store.execute("INSERT INTO organizations VALUES (?,?,1,0,?)", (str(uuid.uuid4()), DEFAULT_ORG, fmt(now())))

    # organizations
    def default_org(self) -> str:
        return self.store.query("SELECT id FROM organizations WHERE is_default = 1")[0]["id"]

    def org(self, ref: str) -> dict | None:
        """`{organization}` is an id, a name or `default` (httpmw.ExtractOrganizationParam)."""
        rows = self.store.query("SELECT * FROM organizations WHERE deleted = 0 AND (id = ? OR name = ? OR "
                                "(? = 'default' AND is_default = 1))", (ref, ref, ref))
        return dict(rows[0]) if rows else None

    def orgs(self) -> list[dict]:
        return [dict(r) for r in self.store.query("SELECT * FROM organizations WHERE deleted = 0 ORDER BY created_at")]

    def add_member(self, org_id: str, user_id: str) -> None:
        self.store.execute("INSERT OR IGNORE INTO organization_members VALUES (?,?,?)", (org_id, user_id, fmt(now())))

    def remove_member(self, org_id: str, user_id: str) -> bool:
        return self.store.execute("DELETE FROM organization_members WHERE organization_id = ? AND user_id = ?",
                                  (org_id, user_id)) == 1

    def member_orgs(self, user_id: str) -> tuple[str, ...]:
        rows = self.store.query("SELECT m.organization_id FROM organization_members m JOIN organizations o "
                                "ON o.id = m.organization_id WHERE m.user_id = ? AND o.deleted = 0", (user_id,))
        return tuple(r["organization_id"] for r in rows)

    # AI providers
    def create_provider(self, *, name: str, type: str, base_url: str, enabled: bool = True, display_name: str = "",
                        api_keys: tuple[str, ...] = (), upstream: str = "") -> Provider:
        pid, t = str(uuid.uuid4()), fmt(now())
        self.store.execute("INSERT INTO ai_providers VALUES (?,?,?,?,?,?,?,?,?,?)",
                           (pid, name, type, display_name or name, int(enabled), base_url,
                            json.dumps(list(api_keys)), upstream, t, t))
        return self.provider(pid)

    def provider(self, ref: str) -> Provider | None:
        rows = self.store.query("SELECT * FROM ai_providers WHERE id = ? OR name = ?", (ref, ref))
        return _provider(rows[0]) if rows else None

    def providers(self) -> list[Provider]:
        return [_provider(r) for r in self.store.query("SELECT * FROM ai_providers ORDER BY created_at, name")]

    def update_provider(self, pid: str, **cols) -> None:
        if "api_keys" in cols:
            cols["api_keys"] = json.dumps(list(cols["api_keys"]))
        if "enabled" in cols:
            cols["enabled"] = int(cols["enabled"])
        cols["updated_at"] = fmt(now())
        sets = ", ".join(f"{c} = ?" for c in cols)
        self.store.execute(f"UPDATE ai_providers SET {sets} WHERE id = ?", (*cols.values(), pid))

    def delete_provider(self, pid: str) -> None:
        # soft delete in Coder ("preserved for audit"); a deleted provider routes nowhere, so drop it here
        self.store.execute("DELETE FROM ai_providers WHERE id = ?", (pid,))
        self.store.execute("UPDATE chat_model_configs SET deleted = 1 WHERE ai_provider_id = ?", (pid,))

    # chat model configurations
    def create_config(self, *, org_id: str, provider_id: str, model: str, display_name: str = "",
                      enabled: bool = True) -> ModelConfig:
        cid, t = str(uuid.uuid4()), fmt(now())
        self.store.execute("INSERT INTO chat_model_configs VALUES (?,?,?,?,?,?,0,?,?)",
                           (cid, org_id, provider_id, model, display_name or model, int(enabled), t, t))
        return self.config(cid)

    def config(self, cid: str) -> ModelConfig | None:
        rows = self.store.query("SELECT * FROM chat_model_configs WHERE id = ? AND deleted = 0", (cid,))
        return _config(rows[0]) if rows else None

    def configs(self) -> list[ModelConfig]:
        return [_config(r) for r in self.store.query(
            "SELECT * FROM chat_model_configs WHERE deleted = 0 ORDER BY created_at")]

    def delete_config(self, cid: str) -> bool:
        return self.store.execute("UPDATE chat_model_configs SET deleted = 1 WHERE id = ? AND deleted = 0", (cid,)) == 1

    def model_access_configs(self, user_id: str, provider_name: str, model: str | None) -> list[ModelConfig]:
        """GetAIModelAccessConfigs: configs in the user's organizations for that provider name and model
        (model None: any model, only for the model-check-ignores-model fault)."""
        self.store.check_failure("model_configs", user_id)
        rows = self.store.query(
            "SELECT c.* FROM organization_members m JOIN organizations o ON o.id = m.organization_id "
            "JOIN chat_model_configs c ON c.organization_id = o.id JOIN ai_providers p ON p.id = c.ai_provider_id "
            "WHERE m.user_id = ? AND o.deleted = 0 AND c.enabled = 1 AND c.deleted = 0 AND p.name = ? "
            "AND (? IS NULL OR c.model = ?)", (user_id, provider_name, model, model))
        return [_config(r) for r in rows]


__all__ = ["Catalog", "Provider", "ModelConfig", "StoreFailure", "DEFAULT_ORG"]
