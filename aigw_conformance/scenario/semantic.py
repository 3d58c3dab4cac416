"""Cross-reference checks of a structurally valid suite: everything a scenario names must exist.

Returns the first problem as (path in the YAML data, message); the loader turns it into a located
ScenarioError. Checks run on the prepared raw data where a path is needed (templates) and on the
model otherwise.
"""

from __future__ import annotations

from typing import Any

from aigw_conformance.features import FEATURES, template_feature
from aigw_conformance.scenario import templating
from aigw_conformance.scenario.model import ActionStep, RequestStep, Scenario, Suite, VARIANT_ID_RE
from aigw_conformance.scenario import matrix as matrix_mod
from aigw_conformance.tokens.kinds import KINDS, MALFORMED_PREFIX, NEAR_MISS_PREFIX
from aigw_conformance.tokens.nearmiss import NEAR_MISS

Problem = tuple[tuple[Any, ...], str]
VARIANT_SOURCES = ("malformed-tokens",)
ENDPOINTS = ("default",) + tuple(f[len("endpoint:"):] for f in FEATURES if f.startswith("endpoint:"))


def check_suite(suite: Suite, raw: dict, ctx: Any) -> Problem | None:
    profiles = ctx.catalogue.profiles()
    if suite.profile not in profiles:
        return ("profile",), f"unknown profile {suite.profile!r}; known: {', '.join(profiles)}"
    for i, sc in enumerate(suite.scenarios):
        problem = _scenario(sc, raw["scenarios"][i], ("scenarios", i), ctx)
        if problem:
            return problem
    return None


def _scenario(sc: Scenario, raw: dict, at: tuple, ctx: Any) -> Problem | None:
    profiles = ctx.catalogue.profiles()
    if sc.profile is not None and sc.profile not in profiles:
        return at + ("profile",), f"unknown profile {sc.profile!r}; known: {', '.join(profiles)}"
    for k, rid in enumerate(sc.requirement):
        if rid not in ctx.catalogue:
            p = at + ("requirement", k) if isinstance(raw.get("requirement"), list) else at + ("requirement",)
            return p, f"unknown requirement id {rid!r} (not in {ctx.catalogue.path or 'the catalogue'})"
    for k, feat in enumerate(sc.requires):
        if feat not in FEATURES:
            p = at + ("requires", k) if isinstance(raw.get("requires"), list) else at + ("requires",)
            return p, f"unknown feature {feat!r}; known: {', '.join(FEATURES)}"
    for name, spec in sc.tokens.items():
        problem = _kind(spec.kind, at + ("tokens", name), ctx)
        if problem:
            return problem
    problem = _variants(sc, at, ctx)
    if problem:
        return problem
    problem = _steps(sc, at, ctx)
    if problem:
        return problem
    return _templates(sc, raw, at, ctx)


def _kind(kind: str, at: tuple, ctx: Any) -> Problem | None:
    if "{{" in kind or "}}" in kind:
        # kept static so skips and token minting are decided before anything is rendered
        return at, "a token kind cannot be templated; send {{ variant.value }} in a header instead"
    if kind.startswith(MALFORMED_PREFIX):
        name = kind[len(MALFORMED_PREFIX):]
        if name not in ctx.malformed:
            known = ", ".join(ctx.malformed.names()) or "none: the catalogue is empty"
            return at, f"unknown malformed token {name!r} (known: {known})"
        return None
    if kind.startswith(NEAR_MISS_PREFIX):
        name = kind[len(NEAR_MISS_PREFIX):]
        if name not in NEAR_MISS:
            return at, f"unknown near-miss kind {name!r}; known: {', '.join(NEAR_MISS)}"
        return None
    if kind not in KINDS:
        return at, f"unknown token kind {kind!r}; known: {', '.join(KINDS)}, malformed:NAME, near-miss:NAME"
    return None


def _variants(sc: Scenario, at: tuple, ctx: Any) -> Problem | None:
    if sc.matrix is not None:
        found = matrix_mod.problem(sc.matrix)
        if found is not None:
            return at + ("matrix",) + found[0], found[1]
        if matrix_mod.uses_token(sc.matrix) and "token" not in sc.tokens:
            return at + ("matrix",), "the carrier axis sends {{ token }}: add `tokens: {token: …}`"
        if "near-miss" in sc.matrix and "token" not in sc.tokens:
            return at + ("matrix", "near-miss"), "the near-miss axis replaces `token`: add `tokens: {token: valid}`"
    if sc.variants_from is not None:
        if sc.variants_from not in VARIANT_SOURCES:
            return at + ("variants_from",), f"unknown variant source {sc.variants_from!r}; known: {', '.join(VARIANT_SOURCES)}"
        if not ctx.malformed.names():
            return at + ("variants_from",), "the malformed-token catalogue is empty"
    seen: set[str] = set()
    for k, v in enumerate(sc.variants or []):
        vid = v.get("id")
        if not isinstance(vid, str) or not VARIANT_ID_RE.match(vid):
            return at + ("variants", k), "each variant needs an `id` matching [A-Za-z0-9][A-Za-z0-9_.-]*"
        if vid in seen:
            return at + ("variants", k, "id"), f"variant id {vid!r} is used twice (test ids would collide)"
        seen.add(vid)
    return None


def _steps(sc: Scenario, at: tuple, ctx: Any) -> Problem | None:
    names = set(sc.tokens)
    for j, step in enumerate(sc.steps):
        here = at + ("steps", j)
        if isinstance(step, RequestStep):
            req = step.request
            if req.route is not None and "{{" not in req.route and req.route not in ctx.routes:
                return here + ("request", "route"), f"unknown route alias {req.route!r}; known: {', '.join(ctx.routes.aliases())}"
            if req.endpoint not in ENDPOINTS:
                return here + ("request", "endpoint"), f"unknown endpoint {req.endpoint!r}; known: {', '.join(ENDPOINTS)}"
            problem = _needs(sc, step, here, ctx)
            if problem:
                return problem
        elif isinstance(step, ActionStep):
            if step.action == "revoke" and step.token not in names:
                return here + ("token",), f"no token named {step.token!r} in this scenario (has: {', '.join(sorted(names)) or 'none'})"
            if step.action == "mint":
                problem = _kind(step.kind, here + ("kind",), ctx)
                if problem:
                    return problem
                names.add(step.as_ or "")
    return None


def _needs(sc: Scenario, step: RequestStep, here: tuple, ctx: Any) -> Problem | None:
    """A step may only use what `requires:` names, so a target without it gets not-supported
    (a skip with the reason) rather than an error or a false failure."""
    req = step.request
    needed = []
    if req.route is not None and "{{" not in req.route:
        needed.append((ctx.routes.get(req.route).feature, ("request", "route")))
    if req.via == "proxy":
        needed.append(("proxy", ("request", "via")))
        if _through_tunnel(step):
            needed.append(("proxy-ca", ("request", "via")))
    if req.endpoint != "default":
        needed.append((f"endpoint:{req.endpoint}", ("request", "endpoint")))
    if step.expect.upstream is not None:
        needed.append(("canary", ("expect", "upstream")))
    for feature, where in needed:
        if feature not in sc.requires:
            return here + where, f"this step needs the feature {feature!r}; add it to `requires:`"
    return None


def _through_tunnel(step: RequestStep) -> bool:
    """The step speaks TLS through the proxy's tunnel to an intercepted host, so the harness must
    trust the proxy's CA. Not so for a CONNECT-only step, a plain-HTTP proxy request, a tunnel to
    the harness's own echo server, or a step that only looks at the handshake."""
    req, exp = step.request, step.expect
    if (req.method or "").upper() == "CONNECT" or req.proxy_form == "absolute":
        return False
    if req.connect_host is not None and "tunnel_echo" in req.connect_host:
        return False
    return any(k in exp.model_fields_set for k in ("status", "headers", "body", "upstream"))


def _strings(value: Any, path: tuple):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k, path + (k,))
            yield from _strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))


def _variant_keys(sc: Scenario, ctx: Any) -> set[str] | None:
    if sc.matrix is not None:
        return matrix_mod.variant_keys(sc.matrix)
    if sc.variants_from is not None:
        return {"id", "name", "value", "description", "expect"}
    if sc.variants is None:
        return None
    keys = set.intersection(*(set(v) for v in sc.variants)) if sc.variants else set()
    return keys


def _templates(sc: Scenario, raw: dict, at: tuple, ctx: Any) -> Problem | None:
    token_names = set(sc.tokens) | {s.as_ for s in sc.steps if isinstance(s, ActionStep) and s.as_}
    saved = {n for s in sc.steps if isinstance(s, RequestStep) for n in s.save}
    vkeys = _variant_keys(sc, ctx)
    for key in ("tokens", "steps", "variants"):
        for path, text in _strings(raw.get(key), at + (key,)):
            if "{{" not in text and "}}" not in text:
                continue
            problems = templating.check(text)
            if problems:
                return path, problems[0]
            for name in templating.names_used(text):
                msg = _name_problem(name, token_names, saved, vkeys, key) or _feature_problem(name, sc)
                if msg:
                    return path, msg
    return None


def _feature_problem(name: tuple, sc: Scenario) -> str | None:
    """A target value that only some targets have must come with its feature in `requires:`."""
    feature = template_feature(name)
    if feature is not None and feature not in sc.requires:
        return (f"{{{{ {'.'.join(name)} }}}} exists only on targets with the feature {feature!r}; "
                "add it to `requires:`")
    return None


def _name_problem(name: tuple, tokens: set, saved: set, vkeys: set | None, where: str) -> str | None:
    root = name[0]
    if root == "token" and "token" not in tokens:
        return "{{ token }} is used but the scenario has no `tokens: {token: …}` entry"
    if root == "tokens" and len(name) > 1 and name[1] not in tokens:
        return f"{{{{ tokens.{name[1]} }}}} is used but no token is named {name[1]!r}"
    if root == "saved" and len(name) > 1 and name[1] not in saved:
        return f"{{{{ saved.{name[1]} }}}} is used but no step saves {name[1]!r}"
    if root == "variant":
        if vkeys is None:
            return "{{ variant… }} is used but the scenario has no variants"
        if where != "variants" and len(name) > 1 and name[1] not in vkeys:
            return f"{{{{ variant.{name[1]} }}}} is used but not every variant has the key {name[1]!r}"
    return None


__all__ = ["check_suite", "VARIANT_SOURCES", "ENDPOINTS"]
