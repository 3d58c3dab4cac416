"""The `matrix:` generator (load-time validation with located errors, expansion into cases that carry
their own requires and token kinds), near-miss token kinds and era lists (issue 15)."""

from __future__ import annotations

import pytest

from aigw_conformance.errors import ScenarioError
from aigw_conformance.eras import runs_in
from aigw_common.redaction import Redactor
from aigw_conformance.scenario.expand import expand
from aigw_conformance.scenario.loader import load_suites
from aigw_conformance.tokens import nearmiss
from aigw_conformance.tokens.static import StaticBroker
from aigw_conformance.tokens.token import Token

HEAD = "suite: m\nprofile: core\nscenarios:\n"     # scenarios start on line 4
STEP = """\
    steps:
      - request:
          route: "{{ variant.provider.route }}"
          prefix: "{{ variant.prefix }}"
          headers: {"{{ variant.carrier.header }}": "{{ variant.carrier.value }}"}
        expect: {status: 403}
"""


def load(write, catalogue, routes, malformed, body: str):
    path = write("m.yaml", HEAD + body)
    return load_suites([path], catalogue, routes=routes, malformed=malformed)


CARRIER_STEP = """\
    steps:
      - request:
          route: openai.chat
          headers: {"{{ variant.carrier.header }}": "{{ variant.carrier.value }}"}
        expect: {status: 403}
"""


def scenario(matrix: str, tokens: str = "{token: expired}", extra: str = "", step: str = STEP) -> str:
    requires = "[]" if step is STEP else "[provider:openai]"
    return f"  - id: M-1\n    requirement: [AUTH-HTTP-001]\n    requires: {requires}\n    tokens: {tokens}\n" \
           f"    matrix: {matrix}\n{extra}" + step


def test_full_cross_product_has_one_case_per_combination(write, catalogue, routes, malformed):
    suite = load(write, catalogue, routes, malformed, scenario("{prefix: all, carrier: all, provider: all}"))[0]
    cases = expand(suite)
    assert len(cases) == 2 * 3 * 2
    ids = [c.test_id for c in cases]
    assert len(set(ids)) == 12 and "M-1[legacy-governance-anthropic]" in ids and ids[0] == "M-1[canonical-bearer-openai]"
    gov = next(c for c in cases if c.test_id == "M-1[legacy-governance-anthropic]")
    # the combination needs exactly what its values need, so a target without it skips just this case
    assert set(gov.scenario.requires) == {"prefix:legacy", "mode:byok", "provider:anthropic"}
    assert gov.variant["carrier"] == {"header": "X-Coder-AI-Governance-Token", "value": "{{ token }}"}
    assert gov.variant["prefix"] == "legacy" and gov.variant["provider"]["route"] == "anthropic.messages"
    bearer = cases[0]
    assert set(bearer.scenario.requires) == {"prefix:canonical", "provider:openai"}
    assert suite.scenarios[0].requires == []                 # the suite's own model is untouched


def test_value_lists_keep_their_order(write, catalogue, routes, malformed):
    suite = load(write, catalogue, routes, malformed, scenario("{carrier: [governance, bearer]}", step=CARRIER_STEP))[0]
    assert [c.test_id for c in expand(suite)] == ["M-1[governance]", "M-1[bearer]"]


def test_near_miss_axis_replaces_the_token_kind(write, catalogue, routes, malformed):
    suite = load(write, catalogue, routes, malformed,
                 scenario("{near-miss: [id-case-first, add-end], carrier: [bearer]}", tokens="{token: valid}",
                          step=CARRIER_STEP))[0]
    cases = expand(suite)
    assert [c.scenario.tokens["token"].kind for c in cases] == ["near-miss:id-case-first", "near-miss:add-end"]


@pytest.mark.parametrize("matrix, tokens, extra, line, fragment", [
    ("{colour: all}", "{token: valid}", "", 8, "unknown matrix axis 'colour'"),
    ("{carrier: [bearer, smoke-signal]}", "{token: valid}", "", 8, "unknown value 'smoke-signal'"),
    ("{carrier: [bearer, bearer]}", "{token: valid}", "", 8, "listed twice"),
    ("{carrier: []}", "{token: valid}", "", 8, "non-empty list"),
    ("{carrier: all}", "{other: valid}", "", 8, "add `tokens: {token: …}`"),
    ("{carrier: all}", "{token: valid}", "    variants: [{id: a}]\n", 4, "not variants and matrix"),
])
def test_bad_matrix_is_a_located_error(write, catalogue, routes, malformed, matrix, tokens, extra, line, fragment):
    with pytest.raises(ScenarioError) as info:
        load(write, catalogue, routes, malformed, scenario(matrix, tokens, extra, step=CARRIER_STEP))
    err = info.value
    assert err.file.endswith("m.yaml") and err.line == line and fragment in str(err), str(err)


def test_unknown_variant_key_of_a_matrix_is_a_located_error(write, catalogue, routes, malformed):
    body = scenario("{prefix: all, carrier: all, provider: all}").replace("variant.prefix", "variant.flavour")
    with pytest.raises(ScenarioError) as info:
        load(write, catalogue, routes, malformed, body)
    assert "flavour" in str(info.value) and info.value.line == 12


@pytest.mark.parametrize("era, target, runs", [
    ("any", "model-authz", True), ("newest", "model-authz", False), (["newest", "model-authz"], "model-authz", True),
    (["older", "newest"], "model-authz", False), ("model-authz", "newest", False), ("older", "older", True),
])
def test_model_authz_is_a_sibling_not_a_successor(era, target, runs):
    assert runs_in(era, target) is runs


def test_era_list_is_validated(write, catalogue, routes, malformed):
    body = GOOD = ("  - id: E-1\n    requirement: [AUTH-HTTP-001]\n    era: [newest, medieval]\n"
                   "    requires: [provider:openai]\n    steps:\n      - request: {route: openai.chat}\n")
    with pytest.raises(ScenarioError) as info:
        load(write, catalogue, routes, malformed, body)
    assert "medieval" in str(info.value) and info.value.line == 6
    assert load(write, catalogue, routes, malformed, GOOD.replace("medieval", "model-authz"))[0].scenarios[0].era == \
        ["newest", "model-authz"]


TOKEN = "AbCdEf1234-s3cretVALUE0123456789a"


@pytest.mark.parametrize("name", sorted(nearmiss.NEAR_MISS))
def test_each_near_miss_changes_exactly_one_character(name):
    value = nearmiss.derive(TOKEN, name)
    assert value != TOKEN
    if name.startswith(("add-", "remove-")):
        assert abs(len(value) - len(TOKEN)) == 1
        assert TOKEN.startswith(value) or TOKEN.endswith(value) or value.startswith(TOKEN) or value.endswith(TOKEN)
        return
    assert len(value) == len(TOKEN)
    diff = [i for i, (a, b) in enumerate(zip(value, TOKEN)) if a != b]
    assert len(diff) == 1
    i = diff[0]
    part, _, position = name.partition("-")[2].partition("-")
    assert (i < 10) == name.startswith("id-")                       # the id or the secret
    if part == "case":
        assert value[i] == TOKEN[i].swapcase()
    else:
        assert value[i].lower() != TOKEN[i].lower() or value[i] != TOKEN[i]
        offset = i if i < 10 else i - 11
        length = 10 if i < 10 else 22
        assert offset == {"first": 0, "middle": length // 2, "last": length - 1}[position]


def test_case_flip_needs_a_letter():
    with pytest.raises(nearmiss.NotDerivable):
        nearmiss.derive("0123456789-" + "a" * 22, "id-case-first")


def test_broker_derives_from_a_valid_token_and_registers_the_value():
    tok = "Zz9Yy8Xx7W-" + "Q1w2E3r4T5y6U7i8O9p0Aa"
    redactor = Redactor()
    broker = StaticBroker({"valid": tok}, redactor=redactor)
    assert broker.supports("near-miss:secret-replace-middle") is True
    assert broker.supports("near-miss:nope") != True                # noqa: E712 - a reason string
    got = broker.get("near-miss:secret-replace-middle", label="t")
    assert isinstance(got, Token) and got.kind == "near-miss:secret-replace-middle" and got.value != tok
    assert got.value not in redactor.redact(f"x {got.value} y")
    assert StaticBroker({}, redactor=redactor).supports("near-miss:add-end") != True   # noqa: E712 - no valid token to derive from
