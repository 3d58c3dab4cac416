"""Named faults: each breaks exactly one rule, so a scenario that covers the rule can be shown to fail.

The check for a fault lives at the one place its rule is implemented (``if "x" in cfg.faults``).
"""

from __future__ import annotations

from aigw_common.errors import ConfigError

FAULTS: dict[str, tuple[str, str]] = {
    "accept-expired": ("AUTH-VALIDATE-001", "skip the expiry check (step 5)"),
    "accept-revoked": ("AUTH-VALIDATE-004", "deleted keys still authenticate"),
    "id-only": ("AUTH-TOKEN-003", "look the key up by id and never check the secret"),
    "prefix-compare": ("AUTH-TOKEN-003", "compare only the first 11 characters of the secret"),
    "accept-session-token-header": ("AUTH-HTTP-002", "accept Coder-Session-Token on the data plane"),
    "api-key-before-authorization": ("AUTH-HTTP-001", "read X-Api-Key before Authorization"),
    "governance-fallback": ("AUTH-HTTP-001", "invalid governance token falls back to Authorization"),
    # Added with the live-clients profile (issue 16): breaks ANTHROPIC_API_KEY=<coder token> clients.
    "ignore-x-api-key": ("AUTH-HTTP-001", "X-Api-Key is never read as a credential (only governance and Bearer)"),
    "bearer-case-sensitive": ("AUTH-HTTP-001", "only the exact scheme 'Bearer' is accepted"),
    "status-401": ("AUTH-VALIDATE-002", "answer 401 instead of 403 for an unauthorized token"),
    "leak-token-upstream": ("AUTH-BYOK-006", "forward the header that carried the Coder token"),
    "forward-user-key-centralized": ("AUTH-BYOK-002", "centralized mode keeps a user provider key"),
    "ignore-byok-guard": ("AUTH-HTTP-006", "BYOK guard off even when allow_byok=false"),
    "admit-suspended": ("AUTH-VALIDATE-001", "no inactive-user check (step 9)"),
    "500-on-long-token": ("AUTH-TOKEN-002", "a token longer than 1024 bytes gives 500"),
    "cache-authorizations": ("AUTH-VALIDATE-004", "cache successful authorizations for 60 s"),
    # A denial answered at once, the request forwarded 0.2 s later: only the end-of-run sweep sees it.
    "forward-denied-late": ("AUTH-HTTP-004", "an unauthorized request is answered 403, then forwarded upstream"),
    # Added with the self-test (issue 6) so that every profile has faults.
    "expire-does-nothing": ("AUTH-LIFECYCLE-005", "PUT .../expire answers 204 but leaves expires_at alone"),
    "duplicate-token-name": ("AUTH-LIFECYCLE-001", "a second token with the same name is created (no 409)"),
    "owner-lifetime-unlimited": ("AUTH-LIFECYCLE-002", "owners get the member maximum lifetime"),
    "patch-keeps-expiry": ("AUTH-LIFECYCLE-006", "PATCH with a new lifetime does not reset expires_at"),
    "openai-byok-x-api-key": ("AUTH-BYOK-003", "OpenAI BYOK takes the user key from X-Api-Key"),
    "anthropic-byok-prefers-authorization": ("AUTH-BYOK-003", "Anthropic BYOK prefers Authorization to X-Api-Key"),
    "byok-no-central-fallback": ("AUTH-BYOK-004", "BYOK without a user credential does not fall back to the pool"),
    "forward-cookie": ("AUTH-BYOK-006", "the Cookie header is forwarded upstream"),
    "legacy-prefix-not-served": ("AUTH-PATH-001", "/api/v2/aibridge/<provider> is not stripped, so not served"),
    "head-probe-goes-to-auth": ("AUTH-CLIENT-005", "a HEAD probe without credentials is authorized (403), not 400"),
    # Implemented by aigw_reference/proxy (its own engineer); listed here so --fault accepts them.
    "407-without-proxy-authenticate": ("AUTH-PROXY-005", "407 without Proxy-Authenticate"),
    "proxy-accepts-bearer": ("AUTH-PROXY-004", "Proxy-Authorization Bearer accepted"),
    "proxy-username-as-token": ("AUTH-PROXY-004", "username taken as the token"),
    "proxy-auth-for-tunnels": ("AUTH-PROXY-003", "tunneled hosts require proxy auth"),
    "proxy-validates-nothing-inject-always": ("AUTH-PROXY-007", "governance header always injected"),
    # Addendum A, every era (issue 15)
    "csrf-not-enforced": ("AUTH-HTTP-011", "a cookie-carrying unsafe request is not refused by CSRF"),
    "route-404-generic": ("AUTH-PATH-004", "an unknown route answers 404 'not found', not 'route not supported: …'"),
    "governance-delegated-bypass": ("AUTH-BYOK-009", "governance value 'delegated' plus a key id header takes "
                                                     "the delegated path (no secret check)"),
    "plain-http-forwarded": ("AUTH-PROXY-006", "plain-HTTP proxy requests to non-provider hosts are forwarded"),
    # Path-dependent bugs: right on one prefix / carrier / provider, wrong on another (issue 15, section 2)
    "legacy-prefix-accepts-expired": ("AUTH-VALIDATE-001", "expired tokens pass on the legacy prefix only"),
    "x-api-key-ignores-status": ("AUTH-VALIDATE-001", "suspended and dormant users pass when the token is in "
                                                      "X-Api-Key"),
    "anthropic-accepts-revoked": ("AUTH-VALIDATE-004", "deleted tokens still pass on the anthropic provider"),
    "id-case-insensitive": ("AUTH-TOKEN-003", "the key id is looked up case-insensitively"),
    "secret-trailing-char-ignored": ("AUTH-TOKEN-002", "a 23-character secret is cut to 22 instead of refused"),
    # [model-authz] (Addendum A)
    "model-check-skipped": ("AUTH-MODEL-001", "no second IsAuthorized with provider and model"),
    "model-denial-after-credentials": ("AUTH-MODEL-002", "credentials are resolved before the model check"),
    "model-denial-reveals-cause": ("AUTH-MODEL-003", "a model denial says 'model … is not allowed'"),
    "model-check-ignores-model": ("AUTH-MODEL-004", "any config of the provider permits every model"),
    "model-scope-ignored": ("AUTH-MODEL-005", "key scopes and allow-list do not bind model use"),
    "grant-new-users": ("AUTH-MODEL-006", "users created through the API get ai-gateway-unrestricted"),
    "malformed-model-context-allowed": ("AUTH-MODEL-007", "an empty model is authorized instead of code 1004"),
    "evaluation-error-as-denial": ("AUTH-VALIDATE-006", "model-check codes 1003/1004 answer 403, not 500"),
    "store-error-is-unknown-key": ("AUTH-VALIDATE-007", "a store failure in key/user lookup is 'unknown key' (403)"),
    "invalid-json-400": ("AUTH-HTTP-007", "a body the interceptor cannot parse gets 400, not the 500 of the table"),
    "disabled-provider-404": ("AUTH-HTTP-008", "a disabled provider answers 404 route not supported, not 503"),
    "no-body-cap": ("AUTH-HTTP-009", "bodies over 32 MiB are accepted"),
    "no-credential-403": ("AUTH-HTTP-010", "no usable credential gets the newest 403, not 500 failed to resolve"),
    "websocket-forwarded": ("AUTH-HTTP-012", "a WebSocket upgrade on an intercepted route is not refused with 501"),
    "copilot-passthrough-fixed-list": ("AUTH-PATH-005", "model-authz Copilot passes only the older fixed list"),
    "copilot-centralized-accepted": ("AUTH-PATH-006", "centralized Copilot requests are forwarded without a GitHub "
                                                      "token"),
    "pool-before-byok": ("AUTH-BYOK-008", "the centralized pool is used even when a BYOK credential is present"),
    "proxy-static-hosts": ("AUTH-PROXY-010", "the model-authz proxy keeps the static host list (no reload)"),
    "proxy-stale-tunnel-routed": ("AUTH-PROXY-011", "a tunnel keeps routing to the gateway after its provider "
                                                    "is removed"),
}

# Faults only concurrent traffic shows (issue 17): `aigw-conformance load` catches them, the suites (one
# request at a time) cannot, so the self-test matrix, which runs the suites, leaves them out.
LOAD_FAULTS: dict[str, tuple[str, str]] = {
    "500-under-concurrency": ("AUTH-VALIDATE-002", "answer 500 instead of 200/403 while another authorization "
                              "is in flight (a store error under load not mapped to 403)"),
}

# The era a fault's rule lives in: the self-test runs each fault against the reference playing that era
# and compares with the faithful run of the same era. Unlisted faults are newest.
FAULT_ERAS: dict[str, str] = {name: "model-authz" for name in (
    "model-check-skipped", "model-denial-after-credentials", "model-denial-reveals-cause",
    "model-check-ignores-model", "model-scope-ignored", "grant-new-users", "malformed-model-context-allowed",
    "evaluation-error-as-denial", "store-error-is-unknown-key", "invalid-json-400", "disabled-provider-404",
    "no-body-cap", "no-credential-403", "websocket-forwarded", "copilot-passthrough-fixed-list",
    "copilot-centralized-accepted", "pool-before-byok", "proxy-static-hosts", "proxy-stale-tunnel-routed")}


def era_of(fault: str) -> str:
    return FAULT_ERAS.get(fault, "newest")


def validate(names) -> frozenset[str]:
    known = FAULTS.keys() | LOAD_FAULTS.keys()
    unknown = sorted(set(names) - known)
    if unknown:
        raise ConfigError(f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}",
                          file="command line", field="--fault")
    return frozenset(names)
