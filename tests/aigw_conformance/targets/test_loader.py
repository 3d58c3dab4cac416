"""targets.yaml: ${VAR} expansion, derived features, located errors, redaction of secrets read."""

from __future__ import annotations

import pytest

from aigw_conformance.errors import ConfigError
from aigw_common.redaction import Redactor
from aigw_conformance.targets import load_targets
from aigw_conformance.targets.reference import target_from_state

STAGING = """\
default: reference
targets:
  reference:
    kind: reference
  staging:
    kind: external
    base_url: https://coder.staging.example.com
    era: older
    providers: {openai: {}, anthropic: {name: claude}}
    credential_modes: [centralized]
    endpoints: {byok-disabled: "https://nobyok.example.com/"}
    proxy_url: http://127.0.0.1:8888
    proxy_ca: endpoint
    central_keys: {openai: "${T_OPENAI_KEY}"}
    features: [user-admin]
    tokens:
      source: coder-api
      operator_token_env: T_OPERATOR
    network: {allow_hosts: [Coder.Staging.Example.com]}
    timeouts: {connect: 2, read: 9}
  readonly:
    kind: external
    base_url: "${T_BASE}"
    tokens:
      source: static
      env: {valid: T_VALID, expired: T_EXPIRED, valid@second: T_VALID2}
"""

ENV = {"T_OPENAI_KEY": "sk-test-openai-key-123456", "T_OPERATOR": "OpErAtOr12-abcdefghijklmnopqrstuv",
       "T_BASE": "http://127.0.0.1:7000", "T_VALID": "VaLiDtOk12-abcdefghijklmnopqrstuv"}


def test_external_target_with_coder_api(write):
    REDACTOR = Redactor()
    targets = load_targets(write("targets.yaml", STAGING), environ=ENV, secrets=REDACTOR)
    t = targets["staging"]
    assert t.kind == "external" and t.era == "older" and t.base_url == "https://coder.staging.example.com"
    assert t.central_keys == {"openai": ENV["T_OPENAI_KEY"]}
    assert t.providers == {"openai": "openai", "anthropic": "claude"}
    assert t.endpoints == {"byok-disabled": "https://nobyok.example.com"}
    assert t.token_source.kind == "coder-api" and t.token_source.operator_token == ENV["T_OPERATOR"]
    assert t.allow_hosts == frozenset({"coder.staging.example.com"})
    assert (t.timeouts.connect, t.timeouts.read) == (2.0, 9.0)
    assert t.features == {"provider:openai", "provider:anthropic", "mode:centralized", "endpoint:byok-disabled",
                          "proxy", "proxy-ca", "proxy-ca-endpoint", "central-keys", "token-api", "user-admin",
                          "prefix:canonical", "prefix:legacy"}   # both prefixes unless one is set to null
    assert t.missing(["mode:byok", "proxy"]) == ["mode:byok"]
    # secrets read from the environment are registered for redaction at once
    assert ENV["T_OPERATOR"][11:] not in REDACTOR.redact(f"x {ENV['T_OPERATOR']} y")
    assert ENV["T_OPENAI_KEY"] not in REDACTOR.redact(ENV["T_OPENAI_KEY"])
    assert ENV["T_OPERATOR"] not in repr(t) and ENV["T_OPENAI_KEY"] not in repr(t)


def test_static_token_source_marks_unset_variables(write):
    t = load_targets(write("targets.yaml", STAGING), environ=ENV)["readonly"]
    assert t.base_url == "http://127.0.0.1:7000"
    assert dict(t.token_source.static) == {"valid": ENV["T_VALID"]}
    assert "T_EXPIRED" in t.token_source.missing["expired"]
    assert "token-api" not in t.features


def test_only_builds_the_named_target(write):
    # readonly's ${T_BASE} is not set, but only staging is asked for
    env = {k: v for k, v in ENV.items() if k != "T_BASE"}
    assert list(load_targets(write("targets.yaml", STAGING), environ=env, only="staging")) == ["staging"]


ERRORS = [
    ("missing-var", STAGING, {k: v for k, v in ENV.items() if k != "T_OPENAI_KEY"}, 14,
     "targets.staging.central_keys.openai", "T_OPENAI_KEY is not set"),
    ("missing-operator", STAGING, {k: v for k, v in ENV.items() if k != "T_OPERATOR"}, 18,
     "targets.staging.tokens.operator_token_env", "T_OPERATOR is not set"),
    ("unknown-key", "targets:\n  x:\n    kind: external\n    base_url: http://127.0.0.1\n    colour: red\n",
     {}, 5, "targets.x.colour", "unknown key"),
    ("bad-kind", "targets:\n  x:\n    kind: internal\n", {}, 3, "targets.x.kind", "reference or external"),
    ("no-base-url", "targets:\n  x:\n    kind: external\n", {}, 2, "targets.x.base_url", "needs base_url"),
    ("unknown-feature", "targets:\n  x:\n    base_url: http://127.0.0.1\n    features: [warp]\n", {}, 4,
     "targets.x.features[0]", "unknown feature 'warp'"),
    ("bad-mode", "targets:\n  x:\n    base_url: http://127.0.0.1\n    credential_modes: [magic]\n", {}, 4,
     "targets.x.credential_modes[0]", "centralized or byok"),
    ("bad-source", "targets:\n  x:\n    base_url: http://127.0.0.1\n    tokens: {source: ldap}\n", {}, 4,
     "targets.x.tokens.source", "coder-api or static"),
    ("static-bad-kind", "targets:\n  x:\n    base_url: http://127.0.0.1\n    tokens:\n      source: static\n"
     "      env: {golden: T_X}\n", {}, 6, "targets.x.tokens.env.golden", "unknown token kind"),
    ("ca-missing", "targets:\n  x:\n    base_url: http://127.0.0.1\n    proxy_ca: /no/such/ca.pem\n", {}, 4,
     "targets.x.proxy_ca", "does not exist"),
    ("wrong-type", "targets:\n  x:\n    base_url: http://127.0.0.1\n    endpoints: [a, b]\n", {}, 4,
     "targets.x.endpoints", "must be a dict"),
    ("no-targets", "default: x\n", {}, 1, "targets", "expected a mapping with `targets:`"),
]


@pytest.mark.parametrize("case, text, env, line, field, fragment", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_located(write, case, text, env, line, field, fragment):
    path = write("targets.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_targets(path, environ=env)
    err = info.value
    assert err.file == str(path) and err.line == line, str(err)
    assert err.field == field, str(err)
    assert fragment in str(err) and "Traceback" not in str(err)


def test_unknown_target_name(write):
    with pytest.raises(ConfigError, match="no target named 'prod'"):
        load_targets(write("targets.yaml", STAGING), environ=ENV, only="prod")


def test_for_reference_from_state():
    state = {"base_url": "http://127.0.0.1:41001/", "endpoints": {"byok-disabled": "http://127.0.0.1:41002",
                                                                   "rate-limited": "http://127.0.0.1:41003"},
             "proxy_url": "http://127.0.0.1:41004", "ca_cert_pem": "-----BEGIN CERTIFICATE-----",
             "canary_url": "http://127.0.0.1:41005", "era": "older",
             "operator": {"username": "admin", "token": "RefOpTok12-abcdefghijklmnopqrstu9"},
             "central_keys": {"openai": "sk-central-openai-abcdef"},
             "static_tokens": {"user-dormant": "DoRmAnT123-abcdefghijklmnopqrstu9"}}
    REDACTOR = Redactor()
    t = target_from_state(state, redactor=REDACTOR)
    assert t.kind == "reference" and t.base_url == "http://127.0.0.1:41001" and t.era == "older"
    assert {"proxy", "proxy-ca", "proxy-ca-endpoint", "canary", "central-keys", "token-api", "user-admin",
            "endpoint:byok-disabled", "endpoint:rate-limited", "mode:byok", "mode:centralized"} <= t.features
    assert t.token_source.kind == "coder-api" and t.token_source.static["user-dormant"].startswith("DoRmAnT123")
    assert "abcdefghijklmnopqrstu9" not in REDACTOR.redact("DoRmAnT123-abcdefghijklmnopqrstu9")
    assert t.endpoint_url("rate-limited") == "http://127.0.0.1:41003"
    assert t.endpoint_url("nope") is None


def test_repository_targets_file_loads():
    targets = load_targets()
    assert targets["reference"].kind == "reference"
