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
}

# Faults only concurrent traffic shows (issue 17): `aigw-conformance load` catches them, the suites (one
# request at a time) cannot, so the self-test matrix, which runs the suites, leaves them out.
LOAD_FAULTS: dict[str, tuple[str, str]] = {
    "500-under-concurrency": ("AUTH-VALIDATE-002", "answer 500 instead of 200/403 while another authorization "
                              "is in flight (a store error under load not mapped to 403)"),
}


def validate(names) -> frozenset[str]:
    known = FAULTS.keys() | LOAD_FAULTS.keys()
    unknown = sorted(set(names) - known)
    if unknown:
        raise ConfigError(f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}",
                          file="command line", field="--fault")
    return frozenset(names)
