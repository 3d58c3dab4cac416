"""Small, self-contained inputs for the harness-input tests (independent of the project's fixtures)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from aigw_conformance.requirements import load_catalogue
from aigw_conformance.scenario.routes import load_routes
from aigw_conformance.tokens.malformed import load_malformed

REQUIREMENTS = """\
profiles:
  core: {description: core rules}
  proxy: {description: proxy rules}
  fuzz: {description: fuzzing, gating: false}
requirements:
  AUTH-HTTP-001: {profile: core, level: MUST, era: any, title: where the token is read, uncertain: []}
  AUTH-HTTP-003: {profile: core, level: MUST, title: no token}
  AUTH-PROXY-002: {profile: proxy, level: SHOULD, title: port gate, uncertain: [4]}
  AUTH-PROXY-004: {profile: proxy, title: proxy auth format}
"""

MALFORMED = """\
tokens:
  - {name: empty, description: nothing, expect: no-token, value: ""}
  - {name: short, description: too short, expect: unauthorized, value: "abc-def"}
  - {name: long, description: long, generate: {repeat: "a", count: 50}}
"""


@pytest.fixture
def write(tmp_path: Path):
    def _write(name: str, text: str) -> Path:
        p = tmp_path / name
        p.write_text(textwrap.dedent(text), encoding="utf-8")
        return p
    return _write


@pytest.fixture
def catalogue(write):
    return load_catalogue(write("requirements.yaml", REQUIREMENTS))


@pytest.fixture
def malformed(write):
    return load_malformed(write("malformed.yaml", MALFORMED))


@pytest.fixture
def routes():
    return load_routes(Path(__file__).parent / "routes-sample.yaml")
