"""Where the harness finds its own data: the top of a source checkout, or the copies a wheel carries.

A checkout (the editable install we develop in, or `python -m aigw_conformance` from the tree) reads
`suites/`, `fixtures/`, `docs/protocol.md` and `targets.yaml` at the repository top, where they are
edited. A wheel carries copies of the same files under `aigw_conformance/_data/` (setup.py's build
hook puts them there, from `PACKAGED` below), so an installed tool runs from any directory. This is
the only module that knows either layout; everything else asks it.

This module imports nothing from the package, so setup.py can read `PACKAGED` without importing the
harness (its dependencies are not installed in a build environment).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# Relative to the repository top, and the same relative layout under aigw_conformance/_data/.
PACKAGED: tuple[str, ...] = ("suites", "fixtures", "targets.yaml", "docs/protocol.md")
DATA_PACKAGE_DIR = "_data"
TARGETS_FILE = "targets.yaml"


class MissingData(RuntimeError):
    """The package is installed without the data it needs (a wheel not built by setup.py)."""


def _package_dir() -> Path:
    root = resources.files("aigw_conformance")
    if not isinstance(root, Path):  # a zip import: pytest needs real files for the suites
        raise MissingData("aigw-conformance must be installed as files, not imported from a zip archive")
    return root


def import_root() -> Path:
    """The folder `aigw_conformance` is imported from (for child processes that must run this code)."""
    return _package_dir().parent


def checkout_root() -> Path | None:
    """The repository top when the package runs from a source checkout, else None."""
    top = _package_dir().parent
    if (top / "pyproject.toml").is_file() and (top / "suites").is_dir() and (top / "fixtures").is_dir():
        return top
    return None


def data_root() -> Path:
    """The folder holding PACKAGED: the checkout top, or the wheel's aigw_conformance/_data."""
    top = checkout_root()
    if top is not None:
        return top
    packaged = _package_dir() / DATA_PACKAGE_DIR
    if (packaged / "suites").is_dir():
        return packaged
    raise MissingData(f"{packaged} is missing: this installation of aigw-conformance has no suites or "
                      "fixtures; reinstall it from a wheel built with `pip wheel` (setup.py adds the data)")


def suites_dir() -> Path:
    return data_root() / "suites"


def fixtures_dir() -> Path:
    return data_root() / "fixtures"


def fixture(name: str) -> Path:
    """A file under fixtures/ (e.g. "requirements.yaml", "openapi/auth-surface.yaml")."""
    return fixtures_dir() / name


def requirements_file() -> Path:
    return fixture("requirements.yaml")


def routes_file() -> Path:
    return fixture("routes.yaml")


def malformed_tokens_file() -> Path:
    return fixture("malformed-tokens.yaml")


def openapi_file() -> Path:
    return fixture("openapi/auth-surface.yaml")


def protocol_doc() -> Path:
    return data_root() / "docs" / "protocol.md"


def default_targets_file() -> Path:
    """The targets.yaml shipped with the harness (the embedded `reference` target)."""
    return data_root() / TARGETS_FILE


def targets_file(explicit: Path | str | None = None, cwd: Path | None = None) -> Path:
    """The targets file a command reads: the one named, else ./targets.yaml, else the shipped one."""
    if explicit is not None:
        return Path(explicit)
    here = (cwd or Path.cwd()) / TARGETS_FILE
    return here if here.is_file() else default_targets_file()


def report_schema_dir() -> Path:
    """JSON Schemas of the report files (conformance-v1.json); package data in both layouts."""
    return _package_dir() / "report" / "schema"


def run_ini() -> Path:
    """The pytest configuration of a conformance run, so a pytest.ini or pyproject.toml in the
    user's working directory (addopts, plugins) never changes what a run does."""
    return _package_dir() / "run.ini"


__all__ = ["PACKAGED", "MissingData", "checkout_root", "data_root", "suites_dir", "fixtures_dir", "fixture",
           "requirements_file", "routes_file", "malformed_tokens_file", "openapi_file", "protocol_doc",
           "default_targets_file", "targets_file", "report_schema_dir", "run_ini"]
