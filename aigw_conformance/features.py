"""Target features a scenario may require (`requires:`), each declared once with what it means.

A scenario whose feature the target lacks is skipped as `not-supported`, never passed. An unknown
feature name in a suite is a load error. `provider:<name>` is open-ended: any provider name a target
declares forms a feature, but suites may only require the providers named here.
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
    "proxy-ca": "the CA certificate the proxy intercepts with is known to the harness",
    "tunnel-echo": "a tunnel destination the proxy may reach (the harness's echo server)",
    # Addendum A (issue 15)
    "embedded": "the gateway runs inside coderd, so coderd's root middleware (CSRF, AUTH-HTTP-011) applies",
    "model-admin": "[model-authz] the harness may assign site roles (PUT /users/{user}/roles), change organization "
                   "membership and create chat model configs (/api/experimental/chats/model-configs)",
    "ai-provider-admin": "[model-authz] AI providers can be created, disabled and deleted through /api/v2/ai/providers",
    "store-failures": "the target can make its own database lookup of one key or user fail (reference only)",
}


def is_known(name: str) -> bool:
    return name in FEATURES


def describe(name: str) -> str:
    return FEATURES.get(name, "unknown feature")


__all__ = ["FEATURES", "is_known", "describe"]
