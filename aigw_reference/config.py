"""All settings of the reference gateway in one frozen value; the defaults make a full conformance run pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from aigw_common.errors import ConfigError

ERAS = ("newest", "older", "model-authz")
# Sub-variants of model-authz (Addendum A section 0.1), one knob each:
#   error_body: what a non-denial key-check failure says (http.go@673da88 vs @c351c7a/@a02e738)
#   decision:   how coderd decides model use (modelaccess.go@673da88 RBAC vs early @b62e808)
ERROR_BODIES = {"plain": "internal server error", "budget": "internal server error checking user AI budget"}
DECISIONS = ("rbac", "early")
PROVIDER_TYPES = ("openai", "anthropic", "copilot")
# The base URL each provider type has at the real vendor: in model-authz the proxy intercepts the
# hosts of these URLs (AUTH-PROXY-010); the reference still dials only its canary (`upstreams`).
VENDOR_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com",
               "copilot": "https://api.individual.githubcopilot.com"}
HOUR_NS = 3600 * 10**9


@dataclass(frozen=True)
class UserSpec:
    username: str
    status: str = "active"          # active | suspended | dormant
    roles: tuple[str, ...] = ()
    is_system: bool = False
    deleted: bool = False


DEFAULT_USERS = (
    UserSpec("member"),
    UserSpec("user-suspended", status="suspended"),
    UserSpec("user-dormant", status="dormant"),
    UserSpec("user-system", is_system=True),
)


@dataclass(frozen=True)
class ReferenceConfig:
    era: str = "newest"
    allow_byok: bool = True
    providers: tuple[str, ...] = ("openai", "anthropic", "copilot")
    central_keys: dict[str, str] = field(default_factory=lambda: {
        "openai": "sk-central-openai-0123456789abcdef", "anthropic": "sk-ant-central-0123456789abcdef"})
    # Provider base URLs; filled in by server.py from the canary URL when left empty.
    upstreams: dict[str, str] = field(default_factory=dict)
    max_concurrency: int = 0        # AUTH-HTTP-006 step 2, 0 = off
    rate_limit: int = 0             # AUTH-HTTP-006 step 3, requests per 1 s window, 0 = off
    send_actor_headers: bool = False
    default_token_lifetime_ns: int = 168 * HOUR_NS
    max_token_lifetime_ns: int = 876600 * HOUR_NS
    max_admin_token_lifetime_ns: int = 168 * HOUR_NS
    operator_username: str = "admin"
    users: tuple[UserSpec, ...] = DEFAULT_USERS
    faults: frozenset[str] = frozenset()
    upstream_timeout_s: float = 30.0
    # how long an idle kept-alive connection stays open (uvicorn's default is 5 s); shorter values
    # play a gateway behind a load balancer that closes idle connections early
    keepalive_timeout_s: float = 5.0
    # test hook: append every key issued to this file (0600); also AIGW_REFERENCE_ISSUED_KEYS_FILE
    issued_keys_file: str = ""
    # AUTH-PROXY-002 port gate; the harness adds its tunnel-echo port here (--proxy-allow-port)
    proxy_allowed_ports: tuple[str, ...] = ("80", "443")
    canary_url: str = ""            # filled in by server.py (the model-authz bridge maps unknown hosts to it)
    error_body: str = "plain"       # model-authz sub-variant, see ERROR_BODIES
    decision: str = "rbac"          # model-authz sub-variant, see DECISIONS

    def __post_init__(self) -> None:
        if self.era not in ERAS:
            raise ConfigError(f"era must be one of {', '.join(ERAS)}, got {self.era!r}", field="era")
        if self.error_body not in ERROR_BODIES:
            raise ConfigError(f"error_body must be one of {', '.join(ERROR_BODIES)}, got {self.error_body!r}",
                              field="error_body")
        if self.decision not in DECISIONS:
            raise ConfigError(f"decision must be one of {', '.join(DECISIONS)}, got {self.decision!r}",
                              field="decision")

    @property
    def sub_variant(self) -> dict[str, str] | None:
        """What the state file reports: the model-authz sub-variant played, None in other eras."""
        if self.era != "model-authz":
            return None
        return {"error_body": self.error_body, "decision": self.decision}

    @property
    def key_error_body(self) -> str:
        return ERROR_BODIES[self.error_body]


_SCALARS = {"era": str, "allow_byok": bool, "max_concurrency": int, "rate_limit": int,
            "send_actor_headers": bool, "default_token_lifetime_ns": int, "max_token_lifetime_ns": int,
            "max_admin_token_lifetime_ns": int, "operator_username": str, "upstream_timeout_s": float,
            "keepalive_timeout_s": float, "error_body": str, "decision": str}


def load_config(path: Path, **overrides) -> ReferenceConfig:
    """Read a YAML config; a wrong key or type is a ConfigError naming file, line and field."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read reference config: {exc}", file=str(path)) from None
    lines = {}
    if node is not None and isinstance(node, yaml.MappingNode):
        lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    if not isinstance(data, dict):
        raise ConfigError("reference config must be a mapping", file=str(path), line=1)
    kwargs: dict = {}
    for key, value in data.items():
        where = dict(file=str(path), line=lines.get(key), field=str(key))
        if key in _SCALARS:
            want = _SCALARS[key]
            if want is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, want) or (want is int and isinstance(value, bool)):
                raise ConfigError(f"{key} must be {want.__name__}, got {value!r}", **where)
            kwargs[key] = value
        elif key in ("central_keys", "upstreams"):
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{key} must map provider names to strings", **where)
            kwargs[key] = {str(k): v for k, v in value.items()}
        elif key == "providers":
            if not isinstance(value, list) or not all(v in PROVIDER_TYPES for v in value):
                raise ConfigError(f"providers must be a list drawn from {', '.join(PROVIDER_TYPES)}", **where)
            kwargs[key] = tuple(value)
        elif key == "users":
            try:
                kwargs[key] = tuple(UserSpec(**{**u, "roles": tuple(u.get("roles", ()))}) for u in value)
            except (TypeError, AttributeError) as exc:
                raise ConfigError(f"users: each entry needs username and optional status/roles/"
                                  f"is_system/deleted ({exc})", **where) from None
        elif key == "proxy_allowed_ports":
            if not isinstance(value, list) or not all(str(v).isdigit() for v in value):
                raise ConfigError("proxy_allowed_ports must be a list of port numbers", **where)
            kwargs[key] = tuple(str(v) for v in value)
        elif key == "faults":
            kwargs[key] = frozenset(value or ())
        else:
            raise ConfigError(f"unknown reference config key {key!r}", **where)
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return ReferenceConfig(**kwargs)
    except ConfigError as exc:
        raise ConfigError(exc.message, file=str(path), line=lines.get(exc.field), field=exc.field) from None
