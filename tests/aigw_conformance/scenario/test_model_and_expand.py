"""Valid suites load into the model; cases, levels, routes and the catalogues behave."""

from __future__ import annotations

import pytest

from aigw_conformance.errors import ConfigError
from aigw_conformance.features import FEATURES
from aigw_conformance.requirements import load_catalogue
from aigw_conformance.scenario.expand import expand
from aigw_conformance.scenario.loader import load_suites
from aigw_conformance.scenario.model import ActionStep, RequestStep
from aigw_conformance.scenario.routes import resolve
from aigw_conformance.targets import Target
from aigw_conformance.tokens.malformed import load_malformed

SUITE = """\
suite: sample
profile: core
defaults:
  requires: [provider:openai]
scenarios:
  - id: HDR-BEARER-OK
    requirement: [AUTH-HTTP-001]
    tokens: {token: valid, other: {kind: valid, user: second}}
    variants:
      - {id: lower, scheme: bearer}
      - {id: upper, scheme: BEARER}
    steps:
      - request:
          route: openai.chat
          headers: [[Authorization, "{{ variant.scheme }} {{ token }}"], [X-Dup, a], [X-Dup, b]]
          body: {json: {model: m}}
        expect:
          status: [200, 201]
          handshake: {status: null}
          body: {json: {ok: true}, not_contains: ["{{ token.secret }}"]}
        save: {key: {json: id}}
      - action: revoke
        token: token
        how: expire
      - action: mint
        as: fresh
        kind: scoped
      - request: {path: "/openai/v1/models?x={{ saved.key }}", method: get, body: none}
        expect: {status: 403}
  - id: PROXY-PORT
    requirement: AUTH-PROXY-002
    profile: proxy
    requires: [proxy, provider:openai]
    variants_from: malformed-tokens
    tokens: {token: "malformed:short"}
    steps:
      - request:
          via: proxy
          route: openai.chat
          proxy_auth: "Basic {{ b64('coder:' ~ variant.value) }}"
          proxy_form: absolute
        expect: {handshake: {closed: true}}
"""


def test_valid_suite_loads_with_locations(write, catalogue, routes, malformed):
    path = write("suite.yaml", SUITE)
    [suite] = load_suites([path], catalogue, routes=routes, malformed=malformed)
    first, second = suite.scenarios
    assert (first.file, first.line) == (str(path), 6)
    assert first.requires == ["provider:openai"]                     # from defaults
    assert second.requires == ["proxy", "provider:openai"]           # scenario wins
    step = first.steps[0]
    assert isinstance(step, RequestStep) and step.line == 13 and step.file == str(path)
    assert step.request.headers == (("Authorization", "{{ variant.scheme }} {{ token }}"), ("X-Dup", "a"),
                                    ("X-Dup", "b"))
    assert step.request.body.json_ == {"model": "m"}
    assert step.expect.status == [200, 201]
    assert step.expect.handshake.given("status") and step.expect.handshake.status is None
    assert not step.expect.handshake.given("closed")
    assert step.save["key"].json_ == "id"
    assert isinstance(first.steps[1], ActionStep) and first.steps[1].how == "expire"
    assert first.steps[2].as_ == "fresh" and first.steps[3].request.method == "GET"
    assert first.tokens["other"].user == "second" and first.tokens["token"].kind == "valid"
    assert second.steps[0].request.proxy_form == "absolute"
    with pytest.raises(Exception):
        first.id = "X"  # frozen


def test_expand_variants_and_levels(write, catalogue, routes, malformed):
    [suite] = load_suites([write("suite.yaml", SUITE)], catalogue, routes=routes, malformed=malformed)
    cases = expand(suite, catalogue, malformed=malformed)
    assert [c.test_id for c in cases] == ["HDR-BEARER-OK[lower]", "HDR-BEARER-OK[upper]", "PROXY-PORT[empty]",
                                          "PROXY-PORT[short]", "PROXY-PORT[long]"]
    assert cases[0].variant == {"id": "lower", "scheme": "bearer"} and cases[0].level == "MUST"
    assert cases[0].profile == "core" and cases[2].profile == "proxy"
    assert cases[2].level == "SHOULD"                # AUTH-PROXY-002 is SHOULD (uncertain)
    assert cases[3].variant["value"] == "abc-def" and cases[3].variant["expect"] == "unauthorized"


def test_scenario_level_should_is_kept(write, catalogue, routes, malformed):
    text = SUITE.replace("    tokens: {token: valid, other", "    level: SHOULD\n    tokens: {token: valid, other")
    [suite] = load_suites([write("suite.yaml", text)], catalogue, routes=routes, malformed=malformed)
    assert expand(suite, catalogue, malformed=malformed)[0].level == "SHOULD"


def test_catalogue(catalogue):
    assert catalogue.get("AUTH-PROXY-002").level == "SHOULD" and catalogue.get("AUTH-PROXY-002").questions == (4,)
    assert catalogue.get("AUTH-HTTP-001").uncertain is False
    assert catalogue.profiles() == ["core", "fuzz", "proxy"]
    assert catalogue.is_gating("core") and not catalogue.is_gating("fuzz")
    assert catalogue.get("NOPE") is None


@pytest.mark.parametrize("text, fragment", [
    ("requirements:\n  AUTH-X-1: {profile: core, level: MAYBE}\n", "level must be MUST or SHOULD"),
    ("profiles: {core: {}}\nrequirements:\n  AUTH-X-1: {profile: moon}\n", "unknown profile 'moon'"),
    ("requirements:\n  AUTH-X-1: {level: MUST}\n", "every requirement names its profile"),
    ("requirements:\n  AUTH-X-1: {colour: red}\n", "unknown key"),
    ("requirements: 3\n", "expected `requirements:`"),
])
def test_catalogue_errors(write, text, fragment):
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(")):
        load_catalogue(write("r.yaml", text))


def test_malformed_errors(write):
    with pytest.raises(ConfigError, match="exactly one of value or generate"):
        load_malformed(write("m.yaml", "tokens:\n  - {name: a, value: x, generate: {repeat: b, count: 2}}\n"))
    with pytest.raises(ConfigError, match="used twice"):
        load_malformed(write("m.yaml", "tokens:\n  - {name: a, value: x}\n  - {name: a, value: y}\n"))
    with pytest.raises(ConfigError, match="longer than"):
        load_malformed(write("m.yaml", "tokens:\n  - {name: a, generate: {repeat: ab, count: 900000}}\n"))


def test_routes_resolve_with_renames_and_prefixes(routes):
    target = Target(name="t", kind="external", base_url="http://127.0.0.1:1",
                    providers={"openai": "oai", "anthropic": "anthropic"})
    chat = routes.get("openai.chat")
    r = resolve(chat, target)
    assert r.url == "http://127.0.0.1:1/api/v2/ai-gateway/oai/v1/chat/completions" and r.method == "POST"
    assert resolve(chat, target, prefix="legacy").path == "/api/v2/aibridge/oai/v1/chat/completions"
    assert r.proxy_host == "api.openai.com:443" and r.proxy_url == "https://api.openai.com/v1/chat/completions"
    assert b"ping aigw-trk-1" in chat.default_body({"tracking_id": "aigw-trk-1"})
    models = routes.get("anthropic.models")   # proxy host/path derived when the file omits them
    assert (models.proxy_host, models.proxy_path, models.default_body()) == ("api.anthropic.com:443", "/v1/models", b"")
    assert "openai.models" in routes          # built-ins stay available
    assert chat.feature in FEATURES


def test_route_file_errors(write):
    from aigw_conformance.scenario.routes import load_routes
    with pytest.raises(ConfigError, match="unknown key"):
        load_routes(write("r.yaml", "routes:\n  x.y: {method: GET, path: /x, provider: x, port: 1}\n"))
    with pytest.raises(ConfigError, match="`path` is required"):
        load_routes(write("r.yaml", "routes:\n  x.y: {method: GET, provider: x}\n"))


def test_expand_without_arguments_uses_the_loaders_catalogues(write, catalogue, routes, malformed):
    [suite] = load_suites([write("suite.yaml", SUITE)], catalogue, routes=routes, malformed=malformed)
    cases = expand(suite)
    assert [c.level for c in cases] == ["MUST", "MUST", "SHOULD", "SHOULD", "SHOULD"]
    assert cases[-1].test_id == "PROXY-PORT[long]"


# -- shared read-only tokens (tokens/pool.py): who may share, and sharing happens once per key

READ_ONLY = """\
suite: pool
profile: core
defaults:
  requires: [provider:openai]
scenarios:
  - id: POOL-READS
    requirement: [AUTH-HTTP-001]
    tokens: {token: valid}
    steps:
      - request: {route: openai.chat, headers: {Authorization: "Bearer {{ token }}"}}
        expect: {status: 200}
  - id: POOL-REVOKES
    requirement: [AUTH-HTTP-001]
    tokens: {token: valid}
    steps:
      - action: revoke
        token: token
  - id: POOL-TOKEN-API
    requirement: [AUTH-HTTP-001]
    tokens: {token: valid}
    steps:
      - request: {raw_path: /api/v2/users/me/keys, method: GET, headers: {Coder-Session-Token: "{{ token }}"}}
        expect: {status: 200}
  - id: POOL-BRIDGE-RAW
    requirement: [AUTH-HTTP-001]
    tokens: {token: valid}
    steps:
      - request: {raw_path: /api/v2/aibridge/openai/v1/models, method: GET, headers: {Authorization: "Bearer {{ token }}"}}
        expect: {status: 200}
  - id: POOL-RATE
    requirement: [AUTH-HTTP-001]
    requires: [provider:openai, endpoint:rate-limited]
    tokens: {token: valid}
    steps:
      - request: {route: openai.chat, endpoint: rate-limited, headers: {Authorization: "Bearer {{ token }}"}}
        expect: {status: 200}
"""


def test_only_scenarios_that_cannot_change_a_token_share_it(write, catalogue, routes, malformed):
    from aigw_conformance.runner.case import reads_tokens_only
    [suite] = load_suites([write("pool.yaml", READ_ONLY)], catalogue, routes=routes, malformed=malformed)
    verdict = {c.scenario.id: reads_tokens_only(c) for c in expand(suite)}
    assert verdict == {"POOL-READS": True, "POOL-REVOKES": False, "POOL-TOKEN-API": False,
                       "POOL-BRIDGE-RAW": True, "POOL-RATE": False}


def test_token_pool_makes_each_key_once_under_threads():
    import threading
    from aigw_conformance.tokens.pool import TokenPool, shareable_kind
    made: list[tuple] = []
    pool = TokenPool()

    def make(key):
        made.append(key)
        return f"token-{len(made)}"

    got: list[str] = []
    threads = [threading.Thread(target=lambda k=k: got.append(pool.get(k, lambda: make(k))))
               for k in [("d", "valid", None, "token")] * 8 + [("d", "valid", None, "other")] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(made) == [("d", "valid", None, "other"), ("d", "valid", None, "token")]
    assert len(set(got)) == 2 and len(got) == 12
    assert shareable_kind("near-miss:secret-case-last") and not shareable_kind("malformed:empty")
