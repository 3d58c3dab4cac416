"""The template mini-language: valid expressions render, invalid ones are located errors."""

from __future__ import annotations

import base64

import pytest

from aigw_conformance.scenario.templating import TemplateError, check, render
from aigw_conformance.tokens.token import Token

TOKEN = Token("AbCdEf1234-abcdefghijklmnopqrstuv", kind="valid")
CTX = {
    "token": TOKEN,
    "tokens": {"other": Token("ZyXwVu9876-0123456789012345678901", kind="valid")},
    "variant": {"id": "lower", "scheme": "bearer", "n": 3},
    "saved": {"key_id": "k-1"},
    "target": {"central_keys": {"openai": "sk-central-1"}, "tunnel_echo": "127.0.0.1:9"},
    "tracking_id": "aigw-trk-" + "0" * 32,
}

VALID = [
    ("Bearer {{ token }}", f"Bearer {TOKEN.value}"),
    ("{{ token.id }}", "AbCdEf1234"),
    ("{{token.secret}}", "abcdefghijklmnopqrstuv"),
    ("{{ tokens.other.id }}", "ZyXwVu9876"),
    ("{{ variant.scheme }} {{ token }}", f"bearer {TOKEN.value}"),
    ("{{ variant.n }}", 3),                                  # a lone template keeps its type
    ("n={{ variant.n }}", "n=3"),
    ("{{ saved.key_id }}", "k-1"),
    ("{{ target.central_keys.openai }}", "sk-central-1"),
    ("{{ target.tunnel_echo }}", "127.0.0.1:9"),
    ("Basic {{ b64('coder:' ~ token) }}", "Basic " + base64.b64encode(f"coder:{TOKEN.value}".encode()).decode()),
    ("{{ b64nopad('x:' ~ token) }}", base64.b64encode(f"x:{TOKEN.value}".encode()).decode().rstrip("=")),
    ("{{ b64url('a?>') }}", base64.urlsafe_b64encode(b"a?>").decode()),
    ("{{ repeat('a', 5) }}", "aaaaa"),
    ("{{ upper(variant.scheme) }}", "BEARER"),
    ("{{ lower('ABC') ~ 'd' }}", "abcd"),
    ("{{ 'it\\'s' }}", "it's"),
    ("{{ tracking_id }}", CTX["tracking_id"]),
    ("no template at all", "no template at all"),
    ("{{ token }}-{{ token.id }}", f"{TOKEN.value}-AbCdEf1234"),
]


@pytest.mark.parametrize("text, expected", VALID, ids=[v[0] for v in VALID])
def test_valid(text, expected):
    assert render(text, CTX) == expected


def test_renders_inside_structures():
    out = render({"Authorization": "{{ variant.scheme }} {{ token }}", "list": ["{{ token.id }}", 1]}, CTX)
    assert out == {"Authorization": f"bearer {TOKEN.value}", "list": ["AbCdEf1234", 1]}
    assert render((("X", "{{ token.id }}"),), CTX) == (("X", "AbCdEf1234"),)


INVALID = [
    ("{{ foo }}", "unknown name 'foo'"),
    ("{{ token.__class__ }}", "no attribute '__class__'"),  # private attributes are never read
    ("{{ b64(token, token) }}", "takes 1 argument"),
    ("{{ eval('1') }}", "unknown function eval()"),
    ("{{ token ~ }}", "unexpected end"),
    ("{{ 'open }}", "unexpected character"),
    ("{{ }}", "empty expression"),
    ("{{ token + 1 }}", "unexpected character '+'"),
    ("{{ repeat('a', 'b') }}", "repeat count"),
    ("{{ repeat('a', 99999999) }}", "repeat count"),
    ("{{ variant.missing }}", "has no key 'missing'"),
    ("{{ token.value_of }}", "has no attribute 'value_of'"),
    ("{{ saved.nothing }}", "has no key 'nothing'"),
]


@pytest.mark.parametrize("text, fragment", INVALID, ids=[i[0] for i in INVALID])
def test_invalid(text, fragment):
    with pytest.raises(TemplateError) as info:
        render(text, CTX)
    assert fragment in str(info.value)
    assert "Traceback" not in str(info.value)


def test_name_missing_from_context():
    with pytest.raises(TemplateError, match="'saved' is not available"):
        render("{{ saved.x }}", {"token": TOKEN})


def test_methods_are_not_values():
    with pytest.raises(TemplateError, match="not a value"):
        render("{{ token.__str__ }}".replace("__str__", "id"), {"token": type("T", (), {"id": lambda s: 1})()})


def test_check_finds_problems_without_evaluating():
    assert check("Bearer {{ token }}") == []
    problems = check("{{ nope }} and {{ token")
    assert any("unclosed" in p for p in problems) and any("unknown name 'nope'" in p for p in problems)


def test_token_str_and_repr_hide_nothing_and_leak_nothing():
    assert str(TOKEN) == TOKEN.value
    assert TOKEN.secret not in repr(TOKEN)
    assert Token("").id == "" and Token("").secret == ""
