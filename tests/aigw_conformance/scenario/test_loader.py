"""Every bad suite file gives one ScenarioError naming the file, the line and the field."""

from __future__ import annotations

import pytest

from aigw_conformance.errors import ScenarioError
from aigw_conformance.scenario.loader import check_suites, load_suites

from ..sample_suite import GOOD_SCENARIO, HEAD  # scenarios start on line 4

# (case id, yaml body after HEAD, expected line, field fragment, message fragment)
CASES = [
    ("unknown-scenario-key", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    colour: blue
    steps:
      - request: {route: openai.chat}
""", 6, "scenarios[0].colour", "unknown key 'colour'"),
    ("unknown-request-key", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - request:
          route: openai.chat
          verb: POST
""", 9, "scenarios[0].steps[0].request.verb", "unknown key 'verb'"),
    ("wrong-type-status", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - request: {route: openai.chat}
        expect:
          status: "two hundred"
""", 9, "scenarios[0].steps[0].expect.status", "status"),
    ("status-out-of-range", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - request: {route: openai.chat}
        expect: {status: 999}
""", 8, "expect.status", "not an HTTP status"),
    ("unknown-requirement", """\
  - id: A-1
    requirement: [AUTH-HTTP-001, AUTH-NOPE-999]
    steps:
      - request: {route: openai.chat}
""", 5, "scenarios[0].requirement[1]", "unknown requirement id 'AUTH-NOPE-999'"),
    ("unknown-feature", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    requires:
      - provider:openai
      - teleport
    steps:
      - request: {route: openai.chat}
""", 8, "scenarios[0].requires[1]", "unknown feature 'teleport'"),
    ("unknown-route", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - request:
          route: openai.chatt
""", 8, "request.route", "unknown route alias 'openai.chatt'"),
    ("unknown-malformed-name", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    tokens:
      token: malformed:nope
    steps:
      - request: {route: openai.chat}
""", 7, "scenarios[0].tokens.token", "unknown malformed token 'nope'"),
    ("unknown-token-kind", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    tokens: {token: {kind: golden}}
    steps:
      - request: {route: openai.chat}
""", 6, "tokens.token", "unknown token kind 'golden'"),
    ("variant-id-collision", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    variants:
      - {id: lower, scheme: bearer}
      - {id: lower, scheme: BEARER}
    steps:
      - request: {route: openai.chat, headers: {Authorization: "{{ variant.scheme }} x"}}
""", 8, "variants[1].id", "used twice"),
    ("variant-key-missing", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    variants:
      - {id: lower, scheme: bearer}
      - {id: upper}
    steps:
      - request: {route: openai.chat, headers: {Authorization: "{{ variant.scheme }} x"}}
""", 10, "steps[0].request.headers.Authorization", "not every variant has the key 'scheme'"),
    ("bad-template", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    tokens: {token: valid}
    steps:
      - request:
          route: openai.chat
          headers:
            Authorization: "Bearer {{ b64(token, token) }}"
""", 11, "headers.Authorization", "b64() takes 1 argument"),
    ("token-not-declared", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - request:
          route: openai.chat
          headers: {Authorization: "Bearer {{ token }}"}
""", 9, "headers.Authorization", "no `tokens: {token: …}` entry"),
    ("step-without-kind", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - request: {route: openai.chat}
      - wait: 3
""", 8, "scenarios[0].steps[1]", "one of the keys request, action, fuzz or client"),
    ("sleep-too-long", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - action: sleep
        seconds: 60
""", 7, "scenarios[0].steps[0]", "sleep needs `seconds:`"),
    ("revoke-unknown-token", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    tokens: {token: valid}
    steps:
      - action: revoke
        token: other
""", 9, "steps[0].token", "no token named 'other'"),
    ("bad-id", """\
  - id: lower-case
    requirement: [AUTH-HTTP-001]
    steps:
      - request: {route: openai.chat}
""", 4, "scenarios[0].id", "pattern"),
    ("missing-steps", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
""", 4, "scenarios[0].steps", "missing required key 'steps'"),
    ("two-targets", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - request: {route: openai.chat, path: /x}
""", 7, "scenarios[0].steps[0].request", "exactly one of route, path or raw_path"),
    ("proxy-key-on-direct", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - request: {route: openai.chat, proxy_auth: "Basic x"}
""", 7, "steps[0].request", "need via: proxy"),
    ("reserved-line-key", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    line: 3
    steps:
      - request: {route: openai.chat}
""", 6, "scenarios[0].line", "unknown key 'line'"),
    ("duplicate-key", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    requirement: [AUTH-HTTP-003]
    steps:
      - request: {route: openai.chat}
""", 6, "requirement", "duplicate key"),
    ("templated-kind", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    variants: [{id: a, name: short}]
    tokens:
      token: "malformed:{{ variant.name }}"
    steps:
      - request: {route: openai.chat}
""", 8, "tokens.token", "cannot be templated"),
    ("bad-regex", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - request: {route: openai.chat}
        expect:
          headers:
            match: {Retry-After: "([0-9"}
""", 10, "expect.headers.match", "invalid regex"),
    ("route-feature-not-required", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - request: {route: openai.chat}
      - request:
          route: anthropic.models
""", 9, "steps[1].request.route", "needs the feature 'provider:anthropic'"),
    ("upstream-needs-canary", """\
  - id: A-1
    requirement: [AUTH-HTTP-001]
    steps:
      - request: {route: openai.chat}
        expect:
          upstream: {reached: false}
""", 9, "steps[0].expect.upstream", "needs the feature 'canary'"),
]

# Appended after the scenarios so the line numbers above stay as written.
TAIL = "defaults:\n  requires: [provider:openai]\n"


@pytest.mark.parametrize("case, body, line, field, fragment", CASES, ids=[c[0] for c in CASES])
def test_bad_suite_is_located(write, catalogue, routes, malformed, case, body, line, field, fragment):
    path = write(f"{case}.yaml", HEAD + body + TAIL)
    with pytest.raises(ScenarioError) as info:
        load_suites([path], catalogue, routes=routes, malformed=malformed)
    err = info.value
    text = str(err)
    assert err.file == str(path) and str(path) in text
    assert err.line == line, text
    assert field in (err.field or ""), text
    assert fragment in text, text
    assert "Traceback" not in text and "\n" not in text
    assert err.__suppress_context__ or err.__cause__ is None


def test_invalid_yaml_names_the_line(write, catalogue, routes, malformed):
    path = write("broken.yaml", HEAD + "  - id: A-1\n    requirement: [AUTH-HTTP-001\n")
    with pytest.raises(ScenarioError) as info:
        load_suites([path], catalogue, routes=routes, malformed=malformed)
    assert "not valid YAML" in str(info.value) and info.value.line is not None


def test_unknown_top_level_key(write, catalogue, routes, malformed):
    path = write("top.yaml", "suite: s\nprofile: core\nowner: me\nscenarios:\n" + GOOD_SCENARIO)
    with pytest.raises(ScenarioError) as info:
        load_suites([path], catalogue, routes=routes, malformed=malformed)
    assert info.value.line == 3 and info.value.field == "owner"


def test_error_in_defaults_points_at_defaults(write, catalogue, routes, malformed):
    text = "suite: s\nprofile: core\ndefaults:\n  era: medieval\nscenarios:\n" + GOOD_SCENARIO
    path = write("defaults.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_suites([path], catalogue, routes=routes, malformed=malformed)
    assert info.value.line == 4, str(info.value)
    assert info.value.field == "defaults.era (applied to scenarios[0])" and "'newest', 'older', 'model-authz' or 'any'" in str(info.value)


def test_duplicate_ids_across_files(write, catalogue, routes, malformed):
    a = write("a.yaml", HEAD + GOOD_SCENARIO)
    b = write("b.yaml", "suite: other\nprofile: core\nscenarios:\n" + GOOD_SCENARIO)
    with pytest.raises(ScenarioError) as info:
        load_suites([a, b], catalogue, routes=routes, malformed=malformed)
    assert info.value.file == str(b) and info.value.line == 4
    assert "GOOD-ONE is already used in" in str(info.value) and str(a) in str(info.value)


def test_check_suites_reports_every_bad_file(write, catalogue, routes, malformed):
    good = write("good.yaml", HEAD + GOOD_SCENARIO)
    bad1 = write("bad1.yaml", "suite: b1\nprofile: core\nscenarios: []\n")
    bad2 = write("bad2.yaml", "suite: b2\nprofile: nope\nscenarios:\n" + GOOD_SCENARIO.replace("GOOD-ONE", "X-2"))
    suites, errors = check_suites([good, bad1, bad2], catalogue, routes=routes, malformed=malformed)
    assert [s.suite for s in suites] == ["sample"]
    assert [e.file for e in errors] == [str(bad1), str(bad2)]
    assert "unknown profile 'nope'" in str(errors[1])
