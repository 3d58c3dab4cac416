"""`proxy_ca: endpoint`: the proxy's CA comes from the gateway's own endpoint, which requires a Coder
session (AUTH-PROXY-009). The fetch had sent none, got a 401, and left the proxy runner without a
trust anchor: every proxy scenario of an external target failed its TLS handshake with
CERTIFICATE_VERIFY_FAILED, naming neither cause nor fix (found against `reference serve`)."""

from __future__ import annotations

import pytest

from aigw_common.netguard import LOOPBACK_ONLY
from aigw_common.redaction import Redactor
from aigw_conformance.errors import ConfigError
from aigw_conformance.run.proxy_ca import proxy_ca_pem
from aigw_conformance.targets.model import Target, TokenSourceSpec

from ..fakes import FAKE_CA_PEM, GOOD, FakeGateway

EXPIRED = "expiredid1-0123456789abcdefghijkl"


def target(url: str, source: TokenSourceSpec) -> Target:
    return Target(name="fake", kind="external", base_url=url, proxy_url="http://127.0.0.1:9",
                  proxy_ca="endpoint", token_source=source, file="targets.yaml", line=3)


@pytest.mark.parametrize("source", [
    TokenSourceSpec(kind="coder-api", operator_token=GOOD),          # the operator's session
    TokenSourceSpec(kind="static", static={"valid": GOOD}),           # a static valid token is one too
], ids=["operator", "static-valid"])
def test_the_ca_is_fetched_with_a_coder_session(source):
    with FakeGateway() as gw:
        assert proxy_ca_pem(target(gw.url, source), LOOPBACK_ONLY, Redactor()) == FAKE_CA_PEM


@pytest.mark.parametrize("source, how", [
    (TokenSourceSpec(kind="static", static={"expired": EXPIRED}), "without a Coder session"),
    (TokenSourceSpec(kind="static", static={"valid": EXPIRED}), "with the static valid token as the session"),
], ids=["no-session", "refused-session"])
def test_a_refused_ca_endpoint_is_the_targets_file_located_not_a_tls_error_later(source, how):
    with FakeGateway() as gw, pytest.raises(ConfigError) as err:
        proxy_ca_pem(target(gw.url, source), LOOPBACK_ONLY, Redactor())
    text = str(err.value)
    assert text.startswith("targets.yaml, line 3, field 'proxy_ca': proxy_ca: endpoint, but GET "
                           f"{gw.url}/api/v2/ai-gateway/proxy/ca-cert.pem answered 401 "), text
    assert f"(asked {how}" in text and "give the proxy's CA as a PEM file instead" in text, text
    assert EXPIRED.split("-")[1] not in text
