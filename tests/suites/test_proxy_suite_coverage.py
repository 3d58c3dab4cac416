"""suites/proxy-handshake.yaml: every AUTH-PROXY id has a scenario, and the credential forms it
calls malformed really are malformed under AUTH-PROXY-004 (so the suite tests what it says)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import yaml

import aigw_reference.proxy as proxy_pkg
from aigw_reference.proxy.wire import parse_proxy_authorization

SUITE = Path(__file__).resolve().parents[2] / "suites" / "proxy-handshake.yaml"
TOKEN = "AbCdEf1234-" + "s" * 22        # the shape of a Coder token: 10 + 1 + 22 characters


def load() -> dict:
    return yaml.safe_load(SUITE.read_text())


def test_every_auth_proxy_id_has_a_scenario():
    cited = {r for s in load()["scenarios"] for r in s["requirement"]}
    assert {f"AUTH-PROXY-{i:03d}" for i in range(1, 10)} <= cited
    assert "AUTH-CLIENT-010" in cited


def test_ids_unique_and_well_formed():
    ids = [s["id"] for s in load()["scenarios"]]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Z0-9-]+", i) for i in ids)


def _render(expr: str) -> str:
    """Just enough of the template language for the proxy_auth variants of this suite."""
    fns = {
        "b64": lambda s: base64.b64encode(s.encode()).decode(),
        "b64url": lambda s: base64.urlsafe_b64encode(s.encode()).decode(),
        "b64nopad": lambda s: base64.b64encode(s.encode()).decode().rstrip("="),
    }

    def call(m: re.Match) -> str:
        inner = m.group(2)
        if inner == "token":
            arg = TOKEN
        else:
            lit = re.fullmatch(r"'([^']*)'(?: ~ token)?", inner)
            assert lit, inner
            arg = lit.group(1) + (TOKEN if inner.endswith("~ token") else "")
        return fns[m.group(1)](arg)

    out = re.sub(r"\{\{ (b64url|b64nopad|b64)\((.*?)\) \}\}", call, expr)
    return out.replace("{{ token }}", TOKEN)


def _variants(scenario_id: str) -> dict[str, str]:
    sc = next(s for s in load()["scenarios"] if s["id"] == scenario_id)
    return {v["id"]: _render(v["auth"]) for v in sc["variants"]}


def test_refused_forms_are_refused_and_accepted_forms_accepted():
    refused = _variants("PROXY-AUTH-REFUSED-FORMS")
    assert set(refused) >= {"bearer", "no-colon", "empty-password", "unpadded", "url-safe"}
    for vid, value in refused.items():
        assert parse_proxy_authorization(value) is None, vid
    for vid, value in _variants("PROXY-AUTH-ACCEPTED-FORMS").items():
        assert parse_proxy_authorization(value) == TOKEN, vid


def test_public_surface():
    assert sorted(proxy_pkg.__all__) == ["DEFAULT_DOMAINS", "PROXY_FAULTS", "ProxyHandle",
                                         "ProxySettings", "start_proxy"]
    assert proxy_pkg.ProxyHandle.__name__ == "ProxyHandle"
