import base64

import pytest

from aigw_common.redaction import Redactor, fingerprint

TOKEN = "AbCdEf1234-abcdefghijklmnopqrstuv"
SECRET = TOKEN.split("-")[1]


@pytest.fixture
def r():
    red = Redactor()
    red.add_token(TOKEN)
    red.add_secret("sk-central-openai-0123456789")
    return red


def test_token_keeps_id_and_marker(r):
    out = r.redact(f"Authorization: Bearer {TOKEN}")
    assert out == f"Authorization: Bearer AbCdEf1234-<redacted:{fingerprint(SECRET)}>"
    assert SECRET not in out


def test_bare_secret_and_provider_key(r):
    out = r.redact(f"secret={SECRET} key=sk-central-openai-0123456789")
    assert SECRET not in out and "sk-central-openai-0123456789" not in out
    assert "<redacted:" in out


@pytest.mark.parametrize("user", ["coder", "", "x", "someone-else"])
@pytest.mark.parametrize("enc", [base64.b64encode, base64.urlsafe_b64encode])
def test_basic_credentials_are_decoded_and_redacted(r, user, enc):
    blob = enc(f"{user}:{TOKEN}".encode()).decode()
    for form in (blob, blob.rstrip("=")):
        out = r.redact(f"Proxy-Authorization: Basic {form}")
        assert SECRET not in out and form not in out
        assert "AbCdEf1234-<redacted:" in out


def test_plain_base64_of_token_is_redacted(r):
    blob = base64.b64encode(TOKEN.encode()).decode()
    assert blob.rstrip("=") not in r.redact(f"x {blob} y")


def test_unregistered_and_short_values_untouched():
    red = Redactor()
    red.add_token("short")
    assert red.redact("short text Basic Zm9vOmJhcg==") == "short text Basic Zm9vOmJhcg=="


def test_bytes_and_objects(r):
    assert SECRET.encode() not in r.redact_bytes(f"{TOKEN}\xff".encode("latin-1"))
    obj = r.redact_obj({"h": [["Authorization", f"Bearer {TOKEN}"]], TOKEN: 1})
    assert SECRET not in repr(obj)


def test_longest_match_wins_over_bare_secret(r):
    # the full token must become id + marker, not id + "-" + marker of the secret twice
    assert r.redact(TOKEN).count("<redacted:") == 1
