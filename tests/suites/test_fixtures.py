"""The three fixture files other parts load: requirement catalogue, route table, malformed tokens."""

from __future__ import annotations

import re
from pathlib import Path

import h11
import yaml

from aigw_conformance.tokens.malformed import load_malformed

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"

PROFILE_BY_FAMILY = {"TOKEN": "core", "VALIDATE": "core", "HTTP": "core", "PATH": "core",
                     "LIFECYCLE": "lifecycle", "BYOK": "credential-modes", "PROXY": "proxy",
                     "CLIENT": "clients", "GWKEY": "gateway-keys", "DOC": "informative", "MODEL": "model-access"}
# Addendum A section 3: the coded-error VALIDATE ids belong to model-access
PROFILE_BY_ID = {"AUTH-VALIDATE-006": "model-access", "AUTH-VALIDATE-007": "model-access"}


def _protocol_ids() -> set[str]:
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    ids = set(re.findall(r"^\*\*(AUTH-[A-Z]+-\d{3}):", text, re.M))
    ids |= set(re.findall(r"^\| (AUTH-CLIENT-\d{3}) \|", text, re.M))
    return ids


def _raw(name: str) -> dict:
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


def test_catalogue_lists_exactly_the_protocol_ids(catalogue):
    ids = _protocol_ids()
    assert len(ids) >= 60
    assert set(catalogue.ids()) == ids, (sorted(ids - set(catalogue.ids())), sorted(set(catalogue.ids()) - ids))


def test_catalogue_profiles_follow_section_3(catalogue):
    wrong = [r.id for r in catalogue.requirements.values()
             if r.profile != PROFILE_BY_ID.get(r.id, PROFILE_BY_FAMILY[r.id.split("-")[1]])]
    assert not wrong, wrong


def test_catalogue_should_exactly_when_uncertain():
    raw = _raw("requirements.yaml")
    assert raw["profiles"]["fuzz"]["gating"] is False and raw["profiles"]["core"]["gating"] is True
    for rid, entry in raw["requirements"].items():
        assert set(entry) >= {"profile", "level", "era", "title", "uncertain", "source"}, rid
        assert isinstance(entry["uncertain"], list) and all(1 <= q <= 15 for q in entry["uncertain"]), rid
        assert (entry["level"] == "SHOULD") == bool(entry["uncertain"]), rid
        assert entry["era"] in ("any", "newest", "older", "model-authz"), rid
    # The rules the brief names as resting on open questions.
    for rid in ("AUTH-PROXY-002", "AUTH-BYOK-007"):
        assert raw["requirements"][rid]["level"] == "SHOULD", rid


def test_routes_table_matches_the_scenario_format():
    routes = _raw("routes.yaml")["routes"]
    expected = {"openai.chat": ("POST", "/openai/v1/chat/completions"),
                "openai.responses": ("POST", "/openai/v1/responses"),
                "openai.models": ("GET", "/openai/v1/models"),
                "anthropic.messages": ("POST", "/anthropic/v1/messages"),
                "anthropic.count_tokens": ("POST", "/anthropic/v1/messages/count_tokens"),
                "anthropic.models": ("GET", "/anthropic/v1/models")}
    assert {a: (r["method"], r["path"]) for a, r in routes.items()} == expected
    for alias, r in routes.items():
        provider = alias.split(".")[0]
        assert r["provider"] == provider
        assert r["proxy"] == {"host": f"api.{provider}.com:443", "path": r["path"][len(provider) + 1:]}
        # POST bodies carry the tracking id where a real gateway forwards it (the body).
        assert ("body" in r) == (r["method"] == "POST"), alias
        if "body" in r:
            assert "{{ tracking_id }}" in yaml.safe_dump(r["body"]), alias


def test_malformed_catalogue_values_are_sendable_and_never_valid():
    cat = load_malformed(FIXTURES / "malformed-tokens.yaml")
    raw = {e["name"]: e for e in _raw("malformed-tokens.yaml")["tokens"]}
    assert len(cat.names()) >= 25
    well_shaped = re.compile(r"^[0-9A-Za-z]{10}-[0-9A-Za-z]{22}$")
    for name in cat.names():
        value = cat.get(name).value
        # h11 refuses what HTTP/1.1 forbids in a field value (CR, LF, NUL, controls, OWS at the ends).
        h11.Request(method="GET", target="/", headers=[("Host", "x"), ("X-Api-Key", value.encode("utf-8"))])
        assert raw[name]["expect"] == ("no-token" if not value.strip() else "unauthorized"), name
        # The only well-shaped alphanumeric entry is the all-zeros one, whose id is never issued.
        assert not well_shaped.match(value) or set(value) <= {"0", "-"}, name


def test_malformed_catalogue_covers_the_required_kinds():
    names = set(load_malformed(FIXTURES / "malformed-tokens.yaml").names())
    required = {"empty", "no-hyphen", "three-parts", "id-too-short", "id-too-long", "secret-too-short",
                "secret-too-long", "non-alphanumeric-well-shaped", "unicode-fullwidth-digits",
                "unicode-cyrillic-lookalike", "very-long", "jwt-looking", "openai-key-looking",
                "anthropic-key-looking", "github-token-looking", "gateway-key-looking", "leading-hyphen",
                "trailing-hyphen", "inner-tab"}
    assert required <= names, sorted(required - names)
    cat = load_malformed(FIXTURES / "malformed-tokens.yaml")
    assert cat.get("three-parts").value.count("-") == 2
    assert len(cat.get("very-long").value) == 10240
    assert len(cat.get("gateway-key-looking").value) == 43 and "-" not in cat.get("gateway-key-looking").value
    assert len(cat.get("unicode-cyrillic-lookalike").value) == 33
