"""AUTH-PROXY-004 parsing table and the AUTH-PROXY-005 answer's exact bytes."""

from __future__ import annotations

import base64

import pytest
from mitmproxy.net.http.http1 import assemble_response

from aigw_reference.proxy import ProxySettings
from aigw_reference.proxy.wire import connect_407, parse_proxy_authorization


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


TOK = "AbCdEf1234-s3cretvalue0123456789"


@pytest.mark.parametrize(
    "value, expected",
    [
        (f"Basic {b64('x:' + TOK)}", TOK),
        (f"Basic {b64(':' + TOK)}", TOK),                       # empty username is fine
        (f"basic {b64('coder:' + TOK)}", TOK),                  # scheme is case-insensitive
        (f"BASIC   {b64('coder:' + TOK)}", TOK),                # strings.Fields: any whitespace run
        (f"Basic {b64('coder:a:b')}", "a:b"),                   # SplitN(":", 2)
        (f"Basic {b64(TOK)}", None),                            # no colon
        (f"Basic {b64('user:')}", None),                        # empty password
        (f"Bearer {TOK}", None),
        (f"Basic {b64('coder:' + TOK).rstrip('=')}", None),     # unpadded
        ("Basic " + base64.urlsafe_b64encode(b"coder:\xfb\xff\xbf").decode(), None),  # URL-safe alphabet
        ("Basic", None),
        (f"Basic {b64('coder:' + TOK)} extra", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_table(value, expected):
    assert parse_proxy_authorization(value) == expected


def test_parse_faults():
    assert parse_proxy_authorization(f"Bearer {TOK}", accept_bearer=True) == TOK
    assert parse_proxy_authorization(f"Basic {b64('me:' + TOK)}", username_is_token=True) == "me"


def test_407_bytes_exact():
    assert assemble_response(connect_407()) == (
        b"HTTP/1.1 407 Proxy Authentication Required\r\n"
        b"Content-Length: 29\r\n"
        b'Proxy-Authenticate: Basic realm="Coder AI Bridge Proxy"\r\n'
        b"Proxy-Connection: close\r\n\r\n"
        b"Proxy Authentication Required"
    )
    assert b"Proxy-Authenticate" not in assemble_response(connect_407(with_challenge=False))


def test_settings_rules():
    s = ProxySettings(domains={"API.Example.com": "x"}, faults=frozenset({"proxy-accepts-bearer", "other"}))
    assert dict(s.domains) == {"api.example.com": "x"}
    assert s.faults == frozenset({"proxy-accepts-bearer"})
    with pytest.raises(ValueError):
        ProxySettings(tls_cert_file="c.pem")
    assert ProxySettings().domains["chatgpt.com"] == "chatgpt"
