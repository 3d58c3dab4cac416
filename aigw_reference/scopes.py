"""API-key scope names the reference accepts (a subset of Coder's rbac scopes): legacy specials,
`coder:*` composites and `<resource>:<action>` pairs of known RBAC resources and actions."""

from __future__ import annotations

SPECIAL = {"all", "application_connect"}
COMPOSITE = {"coder:all", "coder:application_connect", "coder:workspaces.create", "coder:workspaces.operate",
             "coder:workspaces.delete", "coder:workspaces.access", "coder:templates.build",
             "coder:templates.author", "coder:apikeys.manage_self"}
RESOURCES = {"*", "aibridge_interception", "api_key", "assign_org_role", "assign_role", "audit_log",
             "connection_log", "crypto_key", "debug_info", "deployment_config", "deployment_stats", "file", "group",
             "group_member", "idpsync_settings", "inbox_notification", "license", "notification_message",
             "notification_preference", "notification_template", "oauth2_app", "oauth2_app_code_token",
             "oauth2_app_secret", "organization", "organization_member", "prebuilt_workspace", "provisioner_daemon",
             "provisioner_jobs", "replicas", "system", "tailnet_coordinator", "task", "template", "usage_event",
             "user", "user_secret", "webpush_subscription", "workspace", "workspace_agent_devcontainers",
             "workspace_agent_resource_monitor", "workspace_dormant", "workspace_proxy"}
ACTIONS = {"*", "create", "read", "update", "delete", "ssh", "application_connect", "start", "stop", "use",
           "view_insights", "read_personal", "update_personal", "assign", "unassign", "create_agent",
           "delete_agent", "share"}


# [model-authz] the api_key_scope enum gains these (migration id 69218327895, AUTH-MODEL-006)
MODEL_AUTHZ = {"ai_gateway_unrestricted:*", "ai_gateway_unrestricted:use", "chat_model_config:use"}
MODEL_AUTHZ_RESOURCES = {"ai_gateway_unrestricted", "chat_model_config"}


def valid_scope(scope: str, era: str = "newest") -> bool:
    if scope in SPECIAL or scope in COMPOSITE:
        return True
    if era == "model-authz" and scope in MODEL_AUTHZ:
        return True
    resource, sep, action = scope.partition(":")
    resources = RESOURCES | (MODEL_AUTHZ_RESOURCES if era == "model-authz" else set())
    if resource == "chat_model_config" and era == "model-authz":
        return action in ("read", "use", "create", "update", "delete", "*")
    return bool(sep) and resource in resources and action in ACTIONS
