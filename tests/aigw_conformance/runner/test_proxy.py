"""The harness's proxy runner against the reference proxy (and a fault that omits the challenge)."""

from __future__ import annotations

import base64

import pytest

from aigw_conformance.errors import TargetError
from aigw_conformance.observation import WireRequest, header_values
from aigw_conformance.runner.proxy import ProxyRunner
from aigw_conformance.runner.tunnel_echo import ECHO_HEADER

TOK = "AbCdEf1234-s3cretvalue0123456789"
URL = "https://api.openai.com/v1/chat/completions?x=1"
BODY = b'{"model":"gpt-4o","messages":[]}'


def basic(userpass: str) -> str:
    return "Basic " + base64.b64encode(userpass.encode()).decode()


def req(url=URL, auth: str | None = basic("coder:" + TOK), headers=(), method="POST", body=BODY):
    hdrs = (("Content-Type", "application/json"), *headers)
    return WireRequest(method, url, tuple(hdrs), body if method == "POST" else b"", via="proxy",
                       proxy_authorization=auth, timeout=5)


@pytest.fixture
def runner(ref_proxy, settings_for, echo):
    h = ref_proxy.use(settings_for())
    return ProxyRunner(h.url, h.ca_cert_pem, timeout=5, extra_ca_pems=(echo.ca_pem,))


def seen_header(gateway, name):
    return header_values(tuple(gateway.seen[-1].headers), name)


def test_missing_credentials_handshake_recorded(runner, gateway):
    before = len(gateway.seen)
    obs = runner.send(req(auth=None))
    hs = obs.handshake
    assert obs.response is None
    assert hs.status == 407 and hs.reason == "Proxy Authentication Required"
    assert dict(hs.headers)["Proxy-Authenticate"] == 'Basic realm="Coder AI Bridge Proxy"'
    assert dict(hs.headers)["Proxy-Connection"] == "close"
    assert hs.body == b"Proxy Authentication Required"
    assert hs.closed
    assert hs.request == b"CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n"
    assert len(gateway.seen) == before


def test_valid_token_is_rewritten_to_the_gateway(runner, gateway):
    obs = runner.send(req())
    assert obs.handshake.status == 200 and not obs.handshake.closed
    assert obs.response.status == 200
    s = gateway.seen[-1]
    assert s.path == "/api/v2/aibridge/openai/v1/chat/completions?x=1"
    assert s.body == BODY
    assert len(seen_header(gateway, "X-Coder-AI-Governance-Request-Id")[0]) == 36
    assert seen_header(gateway, "X-Coder-AI-Governance-Token") == []   # no Authorization: not BYOK


def test_different_bearer_makes_it_byok(runner, gateway):
    runner.send(req(headers=[("Authorization", "Bearer ghu_copilot_token")]))
    assert seen_header(gateway, "X-Coder-AI-Governance-Token") == [TOK]
    assert seen_header(gateway, "Authorization") == ["Bearer ghu_copilot_token"]


@pytest.mark.parametrize("headers", [
    [("Authorization", f"Bearer {TOK}")],                 # same token: centralized
    [("X-Api-Key", "sk-ant-real-key-0000")],             # X-Api-Key only: never injected
    [("Authorization", "Bearer x"), ("X-Coder-AI-Governance-Token", "mine")],  # client's own header kept
])
def test_no_injection(runner, gateway, headers):
    runner.send(req(headers=headers))
    assert seen_header(gateway, "X-Coder-AI-Governance-Token") in ([], ["mine"])
    sent = {v for _, v in headers}
    assert not any(TOK in v for _, v in gateway.seen[-1].headers if v not in sent and v != f"Bearer {TOK}")
    assert seen_header(gateway, "X-Coder-Token") == []


def test_bogus_token_opens_tunnel_then_gateway_403(runner):
    obs = runner.send(req(auth=basic("coder:bogus-token-123"), headers=[("Authorization", "Bearer other")]))
    assert obs.handshake.status == 200
    assert (obs.response.status, obs.response.body) == (403, b"unauthorized\n")


def test_port_off_list_recorded_as_closed_without_answer(runner):
    obs = runner.send(req(url="https://api.openai.com:8443/v1/models", method="GET"))
    assert obs.handshake.status is None and obs.handshake.closed and obs.handshake.raw_response == b""


def test_tunnel_to_echo_is_untouched(runner, echo):
    obs = runner.send(req(url=f"https://{echo.authority}/v1/models", auth=None, method="GET",
                          headers=[("Authorization", "Bearer ghu_x")]))
    assert obs.handshake.status == 200
    assert obs.response.header(ECHO_HEADER) == "1"
    assert obs.response.body.startswith(b"GET /v1/models HTTP/1.1\r\n")
    assert b"Governance" not in obs.response.body


def test_plain_http_request(runner):
    obs = runner.send(req(url="http://example.com/", method="GET", auth=None))
    assert obs.handshake is None
    assert obs.response.status == 407 and obs.response.body == b"Proxy authentication required"


def test_proxy_must_be_permitted():
    with pytest.raises(TargetError):
        ProxyRunner("http://10.0.0.1:8888", None).send(req())


def test_older_era_sets_x_coder_token(ref_proxy, settings_for, gateway):
    h = ref_proxy.use(settings_for(era="older"))
    ProxyRunner(h.url, h.ca_cert_pem, timeout=5).send(req(headers=[("Authorization", f"Bearer {TOK}")]))
    assert seen_header(gateway, "X-Coder-Token") == [TOK]
    assert seen_header(gateway, "X-Coder-AI-Governance-Token") == []


def test_recorder_sees_fault_without_challenge(ref_proxy, settings_for):
    h = ref_proxy.use(settings_for(faults=frozenset({"407-without-proxy-authenticate"})))
    hs = ProxyRunner(h.url, h.ca_cert_pem, timeout=5).send(req(auth=None)).handshake
    assert hs.status == 407
    assert "Proxy-Authenticate" not in dict(hs.headers)


@pytest.mark.parametrize("fault, auth, status", [
    ("proxy-accepts-bearer", f"Bearer {TOK}", 200),
    ("proxy-username-as-token", basic("coder:"), 200),
])
def test_auth_faults(ref_proxy, settings_for, fault, auth, status):
    h = ref_proxy.use(settings_for(faults=frozenset({fault})))
    assert ProxyRunner(h.url, h.ca_cert_pem, timeout=5).send(req(auth=auth)).handshake.status == status


def test_fault_auth_for_tunnels(ref_proxy, settings_for, echo):
    h = ref_proxy.use(settings_for(faults=frozenset({"proxy-auth-for-tunnels"})))
    obs = ProxyRunner(h.url, h.ca_cert_pem, timeout=5).send(req(url=f"https://{echo.authority}/", auth=None))
    assert obs.handshake.status == 407


def test_connect_method_stops_after_handshake(runner, gateway):
    before = len(gateway.seen)
    obs = runner.send(req(method="CONNECT", body=b""))
    assert obs.handshake.status == 200 and obs.response is None
    assert len(gateway.seen) == before


def test_sse_response_is_read_whole(runner, gateway):
    obs = runner.send(req(url="https://api.openai.com/sse", method="GET"))
    assert obs.response.status == 200
    assert obs.response.body == b"data: one\n\ndata: two\n\ndata: [DONE]\n\n"
    assert obs.response.header("Transfer-Encoding") == "chunked"


def test_validates_nothing_inject_always_fault(ref_proxy, settings_for, gateway):
    h = ref_proxy.use(settings_for(faults=frozenset({"proxy-validates-nothing-inject-always"})))
    ProxyRunner(h.url, h.ca_cert_pem, timeout=5).send(req(headers=[("Authorization", f"Bearer {TOK}")]))
    assert seen_header(gateway, "X-Coder-AI-Governance-Token") == [TOK]


def test_tls_listener(ref_proxy, settings_for, tmp_path, gateway):
    """AUTH-PROXY-001: with both a cert and a key the listener speaks TLS (the client trusts that cert)."""
    from aigw_conformance.runner.tunnel_echo import _self_signed

    cert, key = _self_signed("proxy listener")
    (tmp_path / "c.pem").write_bytes(cert)
    (tmp_path / "k.pem").write_bytes(key)
    h = ref_proxy.use(settings_for(tls_cert_file=str(tmp_path / "c.pem"), tls_key_file=str(tmp_path / "k.pem")))
    assert h.url.startswith("https://")
    r = ProxyRunner(h.url, h.ca_cert_pem, timeout=5, extra_ca_pems=(cert.decode(),))
    assert r.send(req(auth=None)).handshake.status == 407
    obs = r.send(req())
    assert obs.response.status == 200
    assert gateway.seen[-1].path.startswith("/api/v2/aibridge/openai/")


def test_an_ordinary_https_proxy_client_works(runner, ref_proxy, gateway):
    """Interop: a stock client configured as HTTPS_PROXY=http://coder:<token>@proxy gets BYOK."""
    import ssl

    from aigw_common import netguard

    h = ref_proxy.handle
    proxy = h.url.replace("://", f"://coder:{TOK}@")
    with netguard.client(proxy=proxy, verify=ssl.create_default_context(cadata=h.ca_cert_pem), timeout=5) as c:
        r = c.post("https://api.openai.com/v1/chat/completions", content=BODY,
                   headers={"Authorization": "Bearer ghu_copilot_token"})
    assert r.status_code == 200
    assert gateway.seen[-1].path == "/api/v2/aibridge/openai/v1/chat/completions"
    assert seen_header(gateway, "X-Coder-AI-Governance-Token") == [TOK]


@pytest.mark.parametrize("route, connect, absolute, expected", [
    ("https://api.openai.com/v1/models", None, False, "https://api.openai.com/v1/models"),
    ("https://api.openai.com/v1/models?a=1", "API.OPENAI.COM:443", False, "https://API.OPENAI.COM:443/v1/models?a=1"),
    ("https://api.openai.com/v1/models", "127.0.0.1:4444", False, "https://127.0.0.1:4444/v1/models"),
    ("https://api.openai.com/v1/models", None, True, "http://api.openai.com/v1/models"),
])
def test_provider_url(route, connect, absolute, expected):
    from aigw_conformance.runner.proxy import provider_url, split_url

    assert provider_url(route, connect, absolute_form=absolute) == expected
    if connect:
        assert split_url(expected).authority == connect
