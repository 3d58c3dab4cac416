"""targets.yaml → frozen `Target`s: where a gateway is and what it offers the harness.

Secrets are never written in the file: ``${VAR}`` anywhere in a string is replaced from the
environment when the target is built (a missing variable is a located ConfigError), and every secret
read is registered with REDACTOR at once. Features are derived from what the target declares
(providers, modes, endpoints, proxy, canary, token source) plus an explicit `features:` list.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

from aigw_conformance.errors import ConfigError
from aigw_conformance.features import FEATURES
from aigw_conformance.redact import REDACTOR
from aigw_conformance.scenario.routes import PREFIXES
from aigw_conformance.scenario.yamlmarks import YamlProblem, dotted, line_of, load_with_lines
from aigw_conformance.tokens.kinds import KINDS

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "targets.yaml"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_KEYS = {"kind", "description", "base_url", "prefixes", "era", "profiles", "providers", "credential_modes",
         "endpoints", "proxy_url", "proxy_ca", "canary_url", "central_keys", "features", "tokens", "network",
         "timeouts", "tunnel_host"}
_TOKEN_KEYS = {"source", "operator_token", "operator_token_env", "user", "env", "values"}


@dataclass(frozen=True)
class TokenSource:
    kind: Literal["coder-api", "static"]
    operator_token: str | None = field(default=None, repr=False)
    operator_token_env: str | None = None
    user: str = "me"                                                    # whose tokens are minted
    static: Mapping[str, str] = field(default_factory=dict, repr=False)  # kind → token value
    missing: Mapping[str, str] = field(default_factory=dict)            # kind → why unavailable


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0
    total: float = 60.0


@dataclass(frozen=True)
class Target:
    name: str
    kind: Literal["reference", "external"]
    base_url: str = ""
    prefixes: Mapping[str, str] = field(default_factory=lambda: dict(PREFIXES))
    era: Literal["newest", "older", "model-authz"] = "newest"
    profiles: tuple[str, ...] = ()
    providers: Mapping[str, str] = field(default_factory=lambda: {"openai": "openai", "anthropic": "anthropic"})
    credential_modes: tuple[str, ...] = ("centralized", "byok")
    endpoints: Mapping[str, str] = field(default_factory=dict)
    proxy_url: str | None = None
    proxy_ca: str | None = None            # PEM file path, "endpoint", or PEM text (reference)
    canary_url: str | None = None
    central_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    features: frozenset[str] = frozenset()
    token_source: TokenSource | None = None
    allow_hosts: frozenset[str] = frozenset()
    timeouts: Timeouts = field(default_factory=Timeouts)
    description: str = ""
    file: str = ""
    line: int = 0

    @property
    def provider_names(self) -> Mapping[str, str]:
        """Canonical provider → the name the target serves it under (for route resolution)."""
        return self.providers

    def has(self, feature: str) -> bool:
        return feature in self.features

    def missing(self, required: list[str] | tuple[str, ...]) -> list[str]:
        return [f for f in required if f not in self.features]

    def endpoint_url(self, name: str = "default") -> str:
        if name == "default":
            return self.base_url
        if name not in self.endpoints:
            raise ConfigError(f"target {self.name!r} has no endpoint {name!r}", field="endpoint")
        return self.endpoints[name]

    def network_policy(self):
        from aigw_conformance.netguard import NetworkPolicy
        return NetworkPolicy(allow_hosts=self.allow_hosts)

    def template_view(self) -> dict[str, Any]:
        """What scenarios may read as {{ target.… }}."""
        return {"name": self.name, "base_url": self.base_url, "era": self.era, "proxy_url": self.proxy_url,
                "canary_url": self.canary_url, "central_keys": dict(self.central_keys),
                "endpoints": dict(self.endpoints), "providers": dict(self.providers)}

    @classmethod
    def for_reference(cls, state: Mapping[str, Any], name: str = "reference") -> "Target":
        """The embedded reference, from its state file (docs/architecture.md, Seam 1)."""
        op = state.get("operator") or {}
        token = op.get("token")
        central = dict(state.get("central_keys") or {})
        static = dict(state.get("static_tokens") or {})
        for secret in [token, *central.values(), *static.values()]:
            if secret:
                REDACTOR.add_token(secret)
        endpoints = dict(state.get("endpoints") or {})
        source = TokenSource(kind="coder-api", operator_token=token, user="me", static=static)
        features = {"token-api", "user-admin", "mode:centralized", "mode:byok",
                    "provider:openai", "provider:anthropic",
                    # [protocol] Addendum A features (issue 15)
                    "provider:copilot", "prefix:canonical", "prefix:legacy", "embedded", "store-failures"}
        features |= {f"endpoint:{e}" for e in endpoints}
        if state.get("proxy_url"):
            features.add("proxy")
            features.add("tunnel-echo")
        if state.get("ca_cert_pem"):
            features.add("proxy-ca")
        if state.get("canary_url"):
            features.add("canary")
        if central:
            features.add("central-keys")
        era = state.get("era") or "newest"
        if era == "model-authz":
            features |= {"model-admin", "ai-provider-admin"}
        return cls(name=name, kind="reference", base_url=str(state["base_url"]).rstrip("/"), era=era,
                   profiles=("core", "lifecycle", "credential-modes", "proxy", "clients", "fuzz")
                   + (("model-access",) if era == "model-authz" else ()),
                   endpoints=endpoints, proxy_url=state.get("proxy_url"), proxy_ca=state.get("ca_cert_pem"),
                   canary_url=state.get("canary_url"), central_keys=central,
                   features=frozenset(f for f in features if f in FEATURES), token_source=source)


# ------------------------------------------------------------------ loading
class _Reader:
    """Builds one target, with locations for every error and ${VAR} expansion."""

    def __init__(self, name: str, raw: dict, lines: dict, file: str, environ: Mapping[str, str]):
        self.name, self.raw, self.lines, self.file, self.env = name, raw, lines, file, environ
        self.at = ("targets", name)

    def fail(self, path: tuple, message: str) -> ConfigError:
        full = self.at + path
        return ConfigError(f"target {self.name!r}: {message}", file=self.file,
                           line=line_of(self.lines, full), field=dotted(full))

    def expand(self, value: Any, path: tuple, secret: bool = False) -> Any:
        if isinstance(value, dict):
            return {k: self.expand(v, path + (k,), secret) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand(v, path + (i,), secret) for i, v in enumerate(value)]
        if not isinstance(value, str):
            return value

        def sub(m: re.Match[str]) -> str:
            var = m.group(1)
            if var not in self.env:
                raise self.fail(path, f"environment variable {var} is not set")
            if secret:
                REDACTOR.add_token(self.env[var])
            return self.env[var]
        return _VAR.sub(sub, value)

    def get(self, key: str, types: type | tuple, default: Any = None, secret: bool = False) -> Any:
        if key not in self.raw or self.raw[key] is None:
            return default
        value = self.expand(self.raw[key], (key,), secret)
        if not isinstance(value, types):
            tname = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
            raise self.fail((key,), f"must be a {tname}, not {type(value).__name__}")
        return value


def _token_source(r: _Reader) -> TokenSource | None:
    raw = r.get("tokens", dict)
    if raw is None:
        return None
    unknown = set(raw) - _TOKEN_KEYS
    if unknown:
        raise r.fail(("tokens", sorted(unknown)[0]), f"unknown key; allowed: {', '.join(sorted(_TOKEN_KEYS))}")
    src = raw.get("source")
    if src not in ("coder-api", "static"):
        raise r.fail(("tokens", "source"), "source must be coder-api or static")
    static, missing = {}, {}
    for kind, var in (raw.get("env") or {}).items():
        base = str(kind).split("@", 1)[0]
        if base not in KINDS:
            raise r.fail(("tokens", "env", kind), f"unknown token kind {base!r}; known: {', '.join(KINDS)}")
        if var in r.env and r.env[var]:
            REDACTOR.add_token(r.env[var])
            static[str(kind)] = r.env[var]
        else:
            missing[str(kind)] = f"environment variable {var} is not set"
    for kind, value in (raw.get("values") or {}).items():
        value = r.expand(value, ("tokens", "values", kind), secret=True)
        static[str(kind)] = value
    op_token, op_env = raw.get("operator_token"), raw.get("operator_token_env")
    if op_token is not None:
        op_token = r.expand(op_token, ("tokens", "operator_token"), secret=True)
    elif op_env:
        if op_env not in r.env:
            raise r.fail(("tokens", "operator_token_env"), f"environment variable {op_env} is not set")
        op_token = r.env[op_env]
        REDACTOR.add_token(op_token)
    if src == "coder-api" and not op_token:
        raise r.fail(("tokens",), "coder-api needs operator_token_env (or operator_token: ${VAR})")
    return TokenSource(kind=src, operator_token=op_token, operator_token_env=op_env,
                       user=str(raw.get("user", "me")), static=static, missing=missing)


def _providers(r: _Reader) -> dict[str, str]:
    """`providers: [openai, anthropic]` or `{openai: {name: oai}, anthropic: {}}` → canonical → served."""
    raw = r.get("providers", (dict, list), {"openai": {}, "anthropic": {}})
    items = raw.items() if isinstance(raw, dict) else ((p, {}) for p in raw)
    out = {}
    for prov, spec in items:
        spec = spec or {}
        if not isinstance(spec, dict) or set(spec) - {"name"}:
            raise r.fail(("providers", prov), "a provider maps to {name: <served name>} or nothing")
        out[str(prov)] = str(spec.get("name", prov))
    return out


def _build(name: str, raw: Any, lines: dict, file: str, environ: Mapping[str, str]) -> Target:
    r = _Reader(name, raw if isinstance(raw, dict) else {}, lines, file, environ)
    if not isinstance(raw, dict):
        raise r.fail((), "must be a mapping")
    unknown = set(raw) - _KEYS
    if unknown:
        raise r.fail((sorted(unknown)[0],), f"unknown key; allowed: {', '.join(sorted(_KEYS))}")
    kind = r.get("kind", str, "external")
    if kind not in ("reference", "external"):
        raise r.fail(("kind",), "kind must be reference or external")
    era = r.get("era", str, "newest")
    from aigw_conformance.eras import ERAS   # [protocol] model-authz (issue 15)
    if era not in ERAS:
        raise r.fail(("era",), f"era must be one of {', '.join(ERAS)}")
    base_url = r.get("base_url", str, "")
    if kind == "external" and not base_url.startswith(("http://", "https://")):
        raise r.fail(("base_url",), "an external target needs base_url: http(s)://…")
    providers = _providers(r)
    modes = tuple(r.get("credential_modes", list, ["centralized", "byok"]))
    for i, m in enumerate(modes):
        if m not in ("centralized", "byok"):
            raise r.fail(("credential_modes", i), "a credential mode is centralized or byok")
    endpoints = {str(k): str(v).rstrip("/") for k, v in r.get("endpoints", dict, {}).items()}
    central = {str(k): str(v) for k, v in r.get("central_keys", dict, {}, secret=True).items()}
    for v in central.values():
        REDACTOR.add_secret(v)
    proxy_ca = r.get("proxy_ca", str)
    if proxy_ca and proxy_ca != "endpoint" and not Path(proxy_ca).expanduser().exists():
        raise r.fail(("proxy_ca",), f"CA file {proxy_ca} does not exist (or use proxy_ca: endpoint)")
    source = _token_source(r)
    declared = r.get("features", list, [])
    for i, f in enumerate(declared):
        if f not in FEATURES:
            raise r.fail(("features", i), f"unknown feature {f!r}; known: {', '.join(FEATURES)}")
    feats = set(declared) | {f"provider:{p}" for p in providers} | {f"mode:{m}" for m in modes}
    feats |= {f"endpoint:{e}" for e in endpoints}
    feats |= {f for f, on in (("proxy", r.get("proxy_url", str)), ("proxy-ca", proxy_ca),
                              ("canary", r.get("canary_url", str)), ("central-keys", central),
                              ("token-api", source and source.kind == "coder-api")) if on}
    net = r.get("network", dict, {})
    if set(net) - {"allow_hosts"}:
        raise r.fail(("network", sorted(set(net) - {"allow_hosts"})[0]), "unknown key; allowed: allow_hosts")
    allow = frozenset(str(h).lower() for h in net.get("allow_hosts", []))
    t = r.get("timeouts", dict, {})
    try:
        timeouts = Timeouts(**{k: float(v) for k, v in t.items()})
    except (TypeError, ValueError):
        raise r.fail(("timeouts",), "timeouts has connect, read and total, in seconds") from None
    prefixes = {**PREFIXES, **{str(k): str(v) for k, v in r.get("prefixes", dict, {}).items()}}
    # [protocol] `prefixes: {legacy: null}` drops a prefix; each served one is a feature prefix:NAME
    prefixes = {k: v for k, v in prefixes.items() if v not in ("None", "")}
    feats |= {f"prefix:{p}" for p in prefixes}
    return Target(name=name, kind=kind, base_url=base_url.rstrip("/"), prefixes=prefixes, era=era,
                  profiles=tuple(r.get("profiles", list, [])), providers=providers, credential_modes=modes,
                  endpoints=endpoints, proxy_url=r.get("proxy_url", str), proxy_ca=proxy_ca,
                  canary_url=r.get("canary_url", str), central_keys=central,
                  features=frozenset(f for f in feats if f in FEATURES), token_source=source,
                  allow_hosts=allow, timeouts=timeouts, description=r.get("description", str, ""),
                  file=file, line=line_of(lines, r.at) or 0)


def load_targets(path: Path | str | None = None, *, only: str | None = None,
                 environ: Mapping[str, str] | None = None) -> dict[str, Target]:
    """Read targets.yaml. With `only`, build just that target (other targets' ${VAR}s need not be
    set). A `reference` target is a placeholder until `Target.for_reference(state)` replaces it."""
    p = Path(path) if path is not None else DEFAULT_PATH
    env = os.environ if environ is None else environ
    try:
        data, lines = load_with_lines(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the targets file ({exc.strerror})", file=str(p)) from None
    except YamlProblem as exc:
        raise ConfigError(exc.message, file=str(p), line=exc.line) from None
    if not isinstance(data, dict) or not isinstance(data.get("targets"), dict):
        raise ConfigError("expected a mapping with `targets:` (name → settings)", file=str(p), line=1,
                          field="targets")
    if set(data) - {"targets", "default"}:
        bad = sorted(set(data) - {"targets", "default"})[0]
        raise ConfigError("unknown key; allowed: targets, default", file=str(p),
                          line=line_of(lines, (bad,)), field=bad)
    names = list(data["targets"])
    if only is not None and only not in data["targets"]:
        raise ConfigError(f"no target named {only!r} (known: {', '.join(map(str, names))})", file=str(p))
    return {str(n): _build(str(n), data["targets"][n], lines, str(p), env)
            for n in names if only is None or n == only}


def default_target_name(path: Path | str | None = None) -> str:
    p = Path(path) if path is not None else DEFAULT_PATH
    try:
        data, _ = load_with_lines(p.read_text(encoding="utf-8"))
    except (OSError, YamlProblem):
        return "reference"
    return str(data.get("default", "reference")) if isinstance(data, dict) else "reference"


__all__ = ["Target", "TokenSource", "Timeouts", "load_targets", "default_target_name", "DEFAULT_PATH"]
