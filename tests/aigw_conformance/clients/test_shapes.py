"""The emulated `clients` suite must send what the pinned real clients send (fixtures/client-shapes/).

The shapes are recorded from real runs by `aigw-conformance clients record`; this test needs no
client installed. A client upgrade that changes a header, its order or its value fails here with the
exact difference, until suites/clients.yaml follows (or the emulation is shown to be deliberate).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aigw_conformance.clients import catalogue
from aigw_conformance.clients.shapes import header_diff, load_recorded, normalize_headers
from aigw_conformance.commands.clients import RECORDINGS
from aigw_conformance.scenario.routes import load_routes

ROOT = Path(__file__).resolve().parents[3]
RECORDED = load_recorded()
EMULATED = {s["id"]: s for s in yaml.safe_load((ROOT / "suites" / "clients.yaml").read_text())["scenarios"]}
CASES = [(client, name, conf) for client, doc in sorted(RECORDED.items())
         for name, conf in sorted(doc["configurations"].items()) if conf.get("emulated_scenario")]


def _first_request(scenario: dict) -> dict:
    return next(s["request"] for s in scenario["steps"] if "request" in s)


def _headers(request: dict) -> list[tuple[str, str]]:
    raw = request.get("headers") or {}
    return [(str(k), str(v)) for k, v in (raw.items() if isinstance(raw, dict) else raw)]


def test_every_recording_is_on_file_for_the_pinned_version():
    expected = {(c, conf) for c, conf, _ in RECORDINGS.values()}
    on_file = {(c, name) for c, doc in RECORDED.items() for name in doc["configurations"]}
    assert expected <= on_file, f"not recorded yet: {sorted(expected - on_file)} (run `aigw-conformance clients record`)"
    for client, doc in RECORDED.items():
        pinned = catalogue.pinned_version(catalogue.CLIENTS[client])
        assert doc["version"] == pinned, (f"{client}: shapes recorded with {doc['version']}, pinned {pinned}: "
                                          "run `aigw-conformance clients record` after changing a pin")


@pytest.mark.parametrize("client,name,conf", CASES, ids=[f"{c}-{n}" for c, n, _ in CASES])
def test_emulated_scenario_sends_the_recorded_shape(client, name, conf):
    scenario = EMULATED.get(conf["emulated_scenario"])
    assert scenario is not None, f"{conf['emulated_scenario']} is not in suites/clients.yaml"
    request = _first_request(scenario)
    recorded = conf["requests"][0]
    route = load_routes().get(request["route"]) if request.get("route") else None
    assert (request.get("method") or route.method) == recorded["method"]
    assert (route.path if route else request.get("path")) == recorded["path"]
    query = "&".join(f"{k}={v}" for k, v in (request.get("query") or {}).items())
    assert query == recorded["query"], f"query: the client sends {recorded['query']!r}, the emulation {query!r}"
    diff = header_diff(recorded["headers"], normalize_headers(_headers(request)))
    assert not diff, f"{conf['emulated_scenario']} drifted from {client} {RECORDED[client]['version']}:\n  " + "\n  ".join(diff)


def test_the_comparison_catches_drift():
    # The check must be able to fail: a changed value, a missing header and a reordering are all named.
    rec = ["User-Agent: claude-cli/2.1.332 (external, sdk-cli)", "anthropic-version: 2023-06-01", "x-app: cli"]
    emu = ["x-app: cli", "User-Agent: claude-cli/1.0.83 (external, cli)"]
    diff = header_diff(rec, emu)
    assert any("missing header anthropic-version" in d for d in diff)
    assert any("order differs" in d for d in diff)
    assert any("header user-agent" in d and "1.0.83" in d for d in diff)
    assert header_diff(rec, list(rec)) == []
