"""targets.yaml → frozen `Target`s: where a gateway is and what it offers the harness.

Secrets are never written in the file: ``${VAR}`` anywhere in a string is replaced from the
environment when the target is built (a missing variable is a located ConfigError), and every secret
read is registered with the caller's redactor at once. Features are derived from what the target
declares (providers, modes, endpoints, proxy, canary, token source) plus an explicit `features:`
list. Kinds and token sources are looked up in their registries (`targets.kinds`, `tokens.sources`),
so a new one is a module and a registry entry, not an edit here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Mapping, Protocol

from aigw_conformance import resources
from aigw_conformance.errors import ConfigError
from aigw_conformance.features import FEATURES
from aigw_conformance.safeyaml import read_text
from aigw_conformance.scenario.yamlmarks import YamlProblem, dotted, line_of, load_with_lines
from aigw_conformance.tokens.kinds import KINDS as TOKEN_KINDS

from .model import PREFIXES, Target, Timeouts, TokenSourceSpec
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_KEYS = {"kind", "description", "base_url", "prefixes", "era", "profiles", "providers", "credential_modes",
         "endpoints", "proxy_url", "proxy_ca", "canary_url", "central_keys", "features", "tokens", "network",
         "timeouts", "tunnel_host"}
_TOKEN_KEYS = {"source", "operator_token", "operator_token_env", "user", "env", "values"}
_ENDPOINT_KEYS = {"url", "tokens"}


class SecretSink(Protocol):
    def add_token(self, token: str) -> None: ...
    def add_secret(self, value: str) -> None: ...


class _Discard:
    def add_token(self, token: str) -> None:
        return None

    def add_secret(self, value: str) -> None:
        return None


# ------------------------------------------------------------------ loading
class _Reader:
    """Builds one target, with locations for every error and ${VAR} expansion."""

    def __init__(self, name: str, raw: dict, lines: dict, file: str, environ: Mapping[str, str],
                 secrets: SecretSink):
        self.name, self.raw, self.lines, self.file, self.env = name, raw, lines, file, environ
        self.secrets = secrets
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
                self.secrets.add_token(self.env[var])
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


def _token_source(r: _Reader, raw: Any, at: tuple) -> TokenSourceSpec | None:
    from aigw_conformance.tokens.sources import SOURCES

    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise r.fail(at, "tokens must be a mapping with source: " + " or ".join(SOURCES))
    unknown = set(raw) - _TOKEN_KEYS
    if unknown:
        raise r.fail(at + (sorted(unknown)[0],), f"unknown key; allowed: {', '.join(sorted(_TOKEN_KEYS))}")
    src = raw.get("source")
    if src not in SOURCES:
        raise r.fail(at + ("source",), f"source must be {' or '.join(SOURCES)}")
    static, missing = {}, {}
    for kind, var in (raw.get("env") or {}).items():
        base = str(kind).split("@", 1)[0]
        if base not in TOKEN_KINDS:
            raise r.fail(at + ("env", kind), f"unknown token kind {base!r}; known: {', '.join(TOKEN_KINDS)}")
        if var in r.env and r.env[var]:
            r.secrets.add_token(r.env[var])
            static[str(kind)] = r.env[var]
        else:
            missing[str(kind)] = f"environment variable {var} is not set"
    for kind, value in (raw.get("values") or {}).items():
        value = r.expand(value, at + ("values", kind), secret=True)
        static[str(kind)] = value
    op_token, op_env = raw.get("operator_token"), raw.get("operator_token_env")
    if op_token is not None:
        op_token = r.expand(op_token, at + ("operator_token",), secret=True)
    elif op_env:
        if op_env not in r.env:
            raise r.fail(at + ("operator_token_env",), f"environment variable {op_env} is not set")
        op_token = r.env[op_env]
        r.secrets.add_token(op_token)
    if SOURCES[src].needs_operator and not op_token:
        raise r.fail(at, f"{src} needs operator_token_env (or operator_token: ${{VAR}})")
    return TokenSourceSpec(kind=src, operator_token=op_token, operator_token_env=op_env,
                           user=str(raw.get("user", "me")), static=static, missing=missing)


def _endpoints(r: _Reader) -> tuple[dict[str, str], dict[str, TokenSourceSpec]]:
    """`endpoints: {name: URL}` or `{name: {url: URL, tokens: {…}}}` for a separate deployment."""
    urls, sources = {}, {}
    for name, spec in r.get("endpoints", dict, {}).items():
        at = ("endpoints", name)
        if isinstance(spec, dict):
            unknown = set(spec) - _ENDPOINT_KEYS
            if unknown:
                raise r.fail(at + (sorted(unknown)[0],), "unknown key; allowed: url, tokens")
            url = spec.get("url")
            source = _token_source(r, spec.get("tokens"), at + ("tokens",))
            if source is not None:
                sources[str(name)] = source
        else:
            url = spec
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise r.fail(at, "an endpoint is an http(s) URL, or {url: …, tokens: {…}}")
        urls[str(name)] = url.rstrip("/")
    return urls, sources


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


def _build(name: str, raw: Any, lines: dict, file: str, environ: Mapping[str, str],
           secrets: SecretSink) -> Target:
    from aigw_conformance.eras import ERAS
    from aigw_conformance.tokens.sources import SOURCES

    from .kinds import KINDS

    r = _Reader(name, raw if isinstance(raw, dict) else {}, lines, file, environ, secrets)
    if not isinstance(raw, dict):
        raise r.fail((), "must be a mapping")
    unknown = set(raw) - _KEYS
    if unknown:
        raise r.fail((sorted(unknown)[0],), f"unknown key; allowed: {', '.join(sorted(_KEYS))}")
    kind = r.get("kind", str, "external")
    if kind not in KINDS:
        raise r.fail(("kind",), f"kind must be {' or '.join(KINDS)}")
    era = r.get("era", str, "newest")
    if era not in ERAS:
        raise r.fail(("era",), f"era must be {' or '.join(ERAS)}")
    base_url = r.get("base_url", str, "")
    if KINDS[kind].needs_base_url and not base_url.startswith(("http://", "https://")):
        raise r.fail(("base_url",), f"a {kind} target needs base_url: http(s)://…")
    providers = _providers(r)
    modes = tuple(r.get("credential_modes", list, ["centralized", "byok"]))
    for i, m in enumerate(modes):
        if m not in ("centralized", "byok"):
            raise r.fail(("credential_modes", i), "a credential mode is centralized or byok")
    endpoints, endpoint_tokens = _endpoints(r)
    central = {str(k): str(v) for k, v in r.get("central_keys", dict, {}, secret=True).items()}
    for v in central.values():
        secrets.add_secret(v)
    proxy_ca = r.get("proxy_ca", str)
    if proxy_ca and proxy_ca != "endpoint" and not Path(proxy_ca).expanduser().exists():
        raise r.fail(("proxy_ca",), f"CA file {proxy_ca} does not exist (or use proxy_ca: endpoint)")
    source = _token_source(r, r.get("tokens", dict), ("tokens",))
    declared = r.get("features", list, [])
    for i, f in enumerate(declared):
        if f not in FEATURES:
            raise r.fail(("features", i), f"unknown feature {f!r}; known: {', '.join(FEATURES)}")
    feats = set(declared) | {f"provider:{p}" for p in providers} | {f"mode:{m}" for m in modes}
    feats |= {f"endpoint:{e}" for e in endpoints}
    # proxy_ca: endpoint means the harness fetched the CA from the gateway, so the gateway serves it;
    # a CA file says nothing about the endpoint (declare proxy-ca-endpoint in features: if it has one).
    feats |= {f for f, on in (("proxy", r.get("proxy_url", str)), ("proxy-ca", proxy_ca),
                              ("proxy-ca-endpoint", proxy_ca == "endpoint"),
                              ("canary", r.get("canary_url", str)), ("central-keys", central)) if on}
    if source is not None:
        feats |= set(SOURCES[source.kind].features)
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
    # `prefixes: {legacy: null}` drops a prefix; each served one is a feature prefix:NAME
    prefixes = {k: v for k, v in prefixes.items() if v not in ("None", "")}
    feats |= {f"prefix:{p}" for p in prefixes}
    return Target(name=name, kind=kind, base_url=base_url.rstrip("/"), prefixes=prefixes, era=era,
                  profiles=tuple(r.get("profiles", list, [])), providers=providers, credential_modes=modes,
                  endpoints=endpoints, endpoint_tokens=endpoint_tokens, proxy_url=r.get("proxy_url", str),
                  proxy_ca=proxy_ca,
                  canary_url=r.get("canary_url", str), central_keys=central,
                  features=frozenset(f for f in feats if f in FEATURES), token_source=source,
                  allow_hosts=allow, timeouts=timeouts, description=r.get("description", str, ""),
                  file=file, line=line_of(lines, r.at) or 0)


def load_targets(path: Path | str | None = None, *, only: str | None = None,
                 environ: Mapping[str, str] | None = None, secrets: SecretSink | None = None) -> dict[str, Target]:
    """Read targets.yaml. With `only`, build just that target (other targets' ${VAR}s need not be
    set). A `reference` target is a placeholder until its kind starts it (`targets.kinds`).
    Every secret read is registered with `secrets` (the run's redactor) before this returns."""
    p = Path(path) if path is not None else resources.default_targets_file()
    env = os.environ if environ is None else environ
    sink = secrets if secrets is not None else _Discard()
    try:
        data, lines = load_with_lines(read_text(p))
    except OSError as exc:
        raise ConfigError(f"cannot read the targets file ({exc.strerror})", file=str(p)) from None
    except YamlProblem as exc:
        raise ConfigError(exc.message, file=str(p), line=exc.line, field=exc.field) from None
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
    return {str(n): _build(str(n), data["targets"][n], lines, str(p), env, sink)
            for n in names if only is None or n == only}


def default_target_name(path: Path | str | None = None) -> str:
    p = Path(path) if path is not None else resources.default_targets_file()
    try:
        data, _ = load_with_lines(read_text(p))
    except (OSError, YamlProblem):
        return "reference"
    return str(data.get("default", "reference")) if isinstance(data, dict) else "reference"


__all__ = ["load_targets", "default_target_name", "SecretSink"]
