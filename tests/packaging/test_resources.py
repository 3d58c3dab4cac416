"""Where the harness finds its data: the checkout top here, the wheel's _data when installed
(tests/packaging/test_wheel_install.py proves that side); targets from the working directory first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigw_conformance import resources

ROOT = Path(__file__).resolve().parents[2]


def test_a_checkout_reads_the_files_at_its_top() -> None:
    assert resources.checkout_root() == ROOT
    assert resources.suites_dir() == ROOT / "suites"
    assert resources.requirements_file() == ROOT / "fixtures" / "requirements.yaml"
    assert resources.openapi_file().is_file() and resources.routes_file().is_file()
    assert resources.malformed_tokens_file().is_file()
    assert resources.protocol_doc() == ROOT / "docs" / "protocol.md"
    assert resources.default_targets_file() == ROOT / "targets.yaml"
    assert (resources.report_schema_dir() / "conformance-v1.json").is_file()
    assert resources.run_ini().read_text().lstrip("# \n").find("[pytest]") >= 0


def test_every_packaged_path_exists_and_setup_py_copies_the_same_list() -> None:
    for rel in resources.PACKAGED:
        assert (ROOT / rel).exists(), rel
    # setup.py reads the list from resources.py itself; the sdist manifest must carry the same files
    manifest = (ROOT / "MANIFEST.in").read_text()
    for rel in resources.PACKAGED:
        assert rel in manifest, rel


def test_targets_file_precedence(tmp_path: Path) -> None:
    assert resources.targets_file(tmp_path / "given.yaml", cwd=tmp_path) == tmp_path / "given.yaml"
    assert resources.targets_file(None, cwd=tmp_path) == resources.default_targets_file()
    (tmp_path / "targets.yaml").write_text("targets: {}\n")
    assert resources.targets_file(None, cwd=tmp_path) == tmp_path / "targets.yaml"


def test_an_installation_without_its_data_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "site-packages" / "aigw_conformance"
    pkg.mkdir(parents=True)
    monkeypatch.setattr(resources, "_package_dir", lambda: pkg)
    assert resources.checkout_root() is None
    with pytest.raises(resources.MissingData, match="_data is missing"):
        resources.suites_dir()
    (pkg / "_data" / "suites").mkdir(parents=True)
    assert resources.suites_dir() == pkg / "_data" / "suites"


def test_no_module_computes_a_data_path_from_its_own_location() -> None:
    """resources.py is the one place that knows the layouts."""
    offenders = []
    for f in (ROOT / "aigw_conformance").rglob("*.py"):
        text = f.read_text()
        if f.name != "resources.py" and ("parent.parent" in text or "parents[2]" in text or "REPO_ROOT" in text):
            offenders.append(str(f.relative_to(ROOT)))
    assert offenders == []


def test_report_schema_is_the_one_the_reports_cite() -> None:
    schema = json.loads((resources.report_schema_dir() / "conformance-v1.json").read_text())
    assert schema.get("$schema") or schema.get("type") == "object"
