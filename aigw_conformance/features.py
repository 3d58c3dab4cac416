"""Everything a scenario may ask of a target, declared once: features, eras, and the template values
that need a feature.

A scenario whose feature the target lacks is skipped as `not-supported`, never passed. An unknown
feature name in a suite is a load error. `provider:<name>` is open-ended: any provider name a target
declares forms a feature, but suites may only require the providers named here. Profiles and their
gating are data, declared once in the requirement catalogue (`fixtures/requirements.yaml`); the
pytest markers are derived from it (`markers()`).
"""

from __future__ import annotations

FEATURES: dict[str, str] = {
    "provider:openai": "the target serves the OpenAI provider routes",
    "provider:anthropic": "the target serves the Anthropic provider routes",
    "provider:copilot": "the target serves the GitHub Copilot provider routes (/copilot/...)",
    "prefix:canonical": "the target serves providers under the canonical prefix /api/v2/ai-gateway",
    "prefix:legacy": "the target serves providers under the legacy prefix /api/v2/aibridge",
    "mode:centralized": "requests without the governance header use the gateway's own provider keys",
    "mode:byok": "BYOK is enabled: the governance header carries the Coder token",
    "endpoint:byok-disabled": "a second data-plane endpoint with allow_byok=false",
    "endpoint:rate-limited": "a second data-plane endpoint with a per-token rate limit",
    "token-api": "tokens can be minted, expired and deleted through the REST API",
    "user-admin": "users can be created, suspended and deleted through the REST API",
    "canary": "the target's provider traffic reaches the harness's canary and can be observed",
    "central-keys": "the target tells the harness its centralized provider keys",
    "proxy": "the target has an AI Gateway Proxy (CONNECT + MITM)",
    "proxy-ca": "the harness has the CA certificate the proxy intercepts with (a PEM file or the endpoint)",
    "proxy-ca-endpoint": "the gateway serves the proxy's CA at <prefix>/proxy/ca-cert.pem (AUTH-PROXY-009)",
    "tunnel-echo": "a tunnel destination the proxy may reach (the harness's echo server)",
    # Addendum A (issue 15)
    "embedded": "the gateway runs inside coderd, so coderd's root middleware (CSRF, AUTH-HTTP-011) applies",
    "model-admin": "[model-authz] the harness may assign site roles (PUT /users/{user}/roles), change organization "
                   "membership and create chat model configs (/api/experimental/chats/model-configs)",
    "ai-provider-admin": "[model-authz] AI providers can be created, disabled and deleted through /api/v2/ai/providers",
    "store-failures": "the target can make its own database lookup of one key or user fail (reference only)",
}


#: `{{ target.<key> }}` values that exist only when the target has a feature. The scenario loader
#: requires the feature in `requires:` wherever a template reads the key, so a target without it
#: gets not-supported instead of a run-time error.
TEMPLATE_FEATURES: dict[str, str] = {
    "tunnel_echo": "tunnel-echo",
    "central_keys": "central-keys",
    "proxy_url": "proxy",
    "canary_url": "canary",
    "proxy": "proxy",               # client steps: the proxy URL with the scenario's credentials
    "proxy_ca_file": "proxy-ca",    # client steps: the proxy's CA as a file the client can trust
}


def template_feature(path: tuple[str, ...]) -> str | None:
    """The feature a `{{ target.… }}` path needs (``('target', 'endpoints', 'x')`` → endpoint:x)."""
    if len(path) < 2 or path[0] != "target":
        return None
    if path[1] == "endpoints" and len(path) > 2:
        return f"endpoint:{path[2]}"
    return TEMPLATE_FEATURES.get(path[1])


def is_known(name: str) -> bool:
    return name in FEATURES


def describe(name: str) -> str:
    return FEATURES.get(name, "unknown feature")


def mark_name(text: str) -> str:
    """A profile or level as a pytest marker name (credential-modes → credential_modes)."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in text).lower()


def markers(profiles: dict[str, str]) -> list[str]:
    """The marker lines to register: one per catalogue profile, plus the two levels."""
    lines = [f"{mark_name(name)}: {desc or name + ' profile'}" for name, desc in sorted(profiles.items())]
    return lines + ["must: MUST level scenario", "should: SHOULD level scenario"]


__all__ = ["FEATURES", "TEMPLATE_FEATURES", "template_feature", "is_known", "describe", "mark_name",
           "markers"]
