"""The harness as QA engineers install it: a wheel in a fresh virtual environment, used from an
empty directory, with no checkout anywhere on its path.

Built with `pip wheel` from a copy of the source tree (the build leaves build/ and *.egg-info/
behind, which must not land in the checkout), installed without dependencies into a venv that
sees this interpreter's site-packages for them (`--system-site-packages`), so the test installs
only the project itself. The checkout's own install (editable, from /work/main or wherever) is
also visible to that venv: the test proves the venv imports the wheel's copy.

One full default run (minutes) against the embedded reference; then `--suites` with one file in a
folder of another name, `validate`, `list`, `explain`, `gate`, `init` and `report`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# one worker for the module: one wheel built and installed, and the tests that read the run of
# another (gate, report) find it
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]
COPY_IGNORE = shutil.ignore_patterns(".git", "reports", "node_modules", "build", "dist", "*.egg-info",
                                     "__pycache__", ".hypothesis", ".pytest_cache", ".venv", "*.pyc")
TIMINGS: dict[str, float] = {}   # filled by _timed; handed to the conftest's summary line


def _timed(name: str, cmd: list[str], **kw) -> subprocess.CompletedProcess:
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)
    TIMINGS[name] = round(time.monotonic() - started, 1)
    return proc


def _clean_env(**extra: str) -> dict[str, str]:
    # Nothing may point back at a checkout: no PYTHONPATH, no pytest settings of the outer run.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
           and not k.startswith(("PYTEST_", "AIGW_"))}
    env.update(CI="true", **extra)
    return env


def _build_isolation_args() -> list[str]:
    """Build against this interpreter's setuptools when it can (offline, fast), else pip's isolation."""
    try:
        import setuptools
        major = int(setuptools.__version__.split(".")[0])
        has_bdist_wheel = major >= 71 or __import__("importlib.util").util.find_spec("wheel") is not None
    except ImportError:
        return []
    return ["--no-build-isolation"] if major >= 64 and has_bdist_wheel else []


@pytest.fixture(scope="module")
def installed(tmp_path_factory, timings):
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=COPY_IGNORE)
    dist = base / "dist"
    proc = _timed("build wheel", [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                                  *_build_isolation_args(), "-w", str(dist), str(src)], env=_clean_env(), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheel = next(dist.glob("aigw_conformance-*.whl"))
    venv = base / "venv"
    # --without-pip: ensurepip costs ~10 s; this interpreter's pip installs into the venv (--python)
    proc = _timed("create venv", [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                                  str(venv)], timeout=300)
    assert proc.returncode == 0, proc.stderr
    py = venv / "bin" / "python"
    # --ignore-installed: the checkout's editable install of the same version is visible to the venv
    proc = _timed("install wheel", [sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet",
                                    "--disable-pip-version-check", "--no-deps", "--no-index", "--ignore-installed",
                                    str(wheel)], env=_clean_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    work = base / "empty"
    work.mkdir()
    yield {"wheel": wheel, "venv": venv, "python": py, "exe": venv / "bin" / "aigw-conformance", "work": work}
    timings.update(TIMINGS)


def _aigw(inst: dict, name: str, *args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
    return _timed(name, [str(inst["exe"]), *args], cwd=inst["work"], env=_clean_env(**env), timeout=timeout)


def test_the_wheel_carries_what_a_run_needs(installed) -> None:
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    data = "aigw_conformance/_data/"
    suites = {n for n in names if n.startswith(data + "suites/") and n.endswith(".yaml")}
    assert suites == {data + p.relative_to(ROOT).as_posix() for p in (ROOT / "suites").rglob("*.yaml")}
    for rel in ("fixtures/requirements.yaml", "fixtures/routes.yaml", "fixtures/malformed-tokens.yaml",
                "fixtures/openapi/auth-surface.yaml", "docs/protocol.md", "targets.yaml"):
        assert data + rel in names, rel
    assert "aigw_conformance/report/schema/conformance-v1.json" in names
    assert "aigw_conformance/run.ini" in names
    assert not [n for n in names if n.startswith(("tests/", "suites/", "fixtures/", "reports/"))]
    TIMINGS["wheel size KiB"] = round(installed["wheel"].stat().st_size / 1024)


def test_the_venv_imports_the_wheel_not_the_checkout(installed) -> None:
    code = ("import aigw_conformance, aigw_reference; from aigw_conformance import resources; "
            "print(aigw_conformance.__file__); print(aigw_reference.__file__); print(resources.data_root()); "
            "print(resources.checkout_root())")
    proc = subprocess.run([str(installed["python"]), "-c", code], cwd=installed["work"], env=_clean_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    pkg, ref, data, checkout = proc.stdout.split()
    venv = str(installed["venv"].resolve())
    assert pkg.startswith(venv) and ref.startswith(venv), proc.stdout
    assert data.startswith(venv) and data.endswith("aigw_conformance/_data") and checkout == "None"


def test_full_default_run_from_an_empty_directory_passes(installed) -> None:
    tmp, cache = installed["work"].parent / "tmp-of-the-run", installed["work"].parent / "cache"
    tmp.mkdir()
    proc = _aigw(installed, "full default run", "run", timeout=1200, TMPDIR=str(tmp), XDG_CACHE_HOME=str(cache))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    # The run leaves its reports and nothing else: no .hypothesis/ where it ran, nothing in its TMPDIR;
    # hypothesis's Unicode tables go to the user's cache folder
    assert sorted(p.name for p in installed["work"].iterdir()) == ["reports"]
    assert list(tmp.iterdir()) == []
    assert [p.name for p in cache.iterdir()] == ["aigw-conformance"]
    report = json.loads((installed["work"] / "reports" / "latest" / "conformance.json").read_text())
    assert report["verdict"]["result"] == "pass"
    passed = [s for s in report["scenarios"] if s["outcome"] == "passed"]
    assert len(passed) > 150 and not [s for s in report["scenarios"] if s["outcome"] in ("failed", "error")]
    # The terminal output is the harness's own: no third-party deprecation noise, no summary of it.
    assert "warnings summary" not in out and "DeprecationWarning" not in out, out[-3000:]
    assert re.search(r"suites/header-paths\.yaml", out) or "header-paths" in json.dumps(report)
    TIMINGS["scenarios passed"] = len(passed)

    # gate and explain read that run: in the same test, since xdist may give another test of this
    # module to another worker, with its own installation and no run in it
    proc = _aigw(installed, "gate", "gate", "reports/latest/conformance.json", "--profile", "core")
    assert proc.returncode == 0 and "PASS" in proc.stdout, proc.stdout + proc.stderr
    proc = _aigw(installed, "explain", "explain", "AUTH-HTTP-001")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("AUTH-HTTP-001") and "**AUTH-HTTP-001" in proc.stdout  # the shipped protocol text
    assert "Scenarios that check it:" in proc.stdout and "Last run: reports/latest/conformance.json" in proc.stdout


def test_validate_and_list_read_the_shipped_suites(installed) -> None:
    proc = _aigw(installed, "validate", "validate")
    # scenario files are the suites folder's own YAML; the load workloads beside them are read by `load`
    scenario_files = len(list((ROOT / "suites").glob("*.yaml")))
    assert proc.returncode == 0 and re.search(rf"validate: {scenario_files} file\(s\), \d+ scenario\(s\)", proc.stdout), \
        proc.stdout + proc.stderr
    proc = _aigw(installed, "list", "list", "--profile", "core")
    assert proc.returncode == 0 and "HDR-XAPIKEY-ACCEPTED" in proc.stdout, proc.stderr


def test_one_suite_file_in_a_folder_of_another_name(installed) -> None:
    checks = installed["work"] / "my-checks"
    checks.mkdir()
    shutil.copy(ROOT / "suites" / "token-format.yaml", checks / "bench.yaml")
    (checks / "notes.yaml").write_text("owner: qa\n")  # not a suite: named alone it is an error
    proc = _aigw(installed, "--suites file run", "run", "--suites", "my-checks/bench.yaml", "--run-id", "one-file")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    report = json.loads((installed["work"] / "reports" / "one-file" / "conformance.json").read_text())
    suites = {s.get("suite") for s in report["scenarios"]}
    assert suites == {"token-format"} and len(report["scenarios"]) > 5, suites
    proc = _aigw(installed, "--suites folder collect", "run", "--suites", "my-checks", "--collect-only", "-q")
    assert proc.returncode == 0 and "bench.yaml::" in proc.stdout and "notes.yaml" not in proc.stdout
    proc = _aigw(installed, "--suites not a suite", "run", "--suites", "my-checks/notes.yaml")
    assert proc.returncode == 2 and "not a suite file" in proc.stderr, proc.stdout + proc.stderr


def test_init_writes_a_target_that_loads_once_its_variables_are_set(installed) -> None:
    proc = _aigw(installed, "init", "init", "staging")
    assert proc.returncode == 0, proc.stderr
    assert (installed["work"] / "targets.yaml").is_file()
    env = {"AIGW_STAGING_BASE_URL": "https://coder.staging.example.com", "AIGW_STAGING_HOST": "coder.staging.example.com",
           "AIGW_STAGING_OPERATOR_TOKEN": "abcdefghij-abcdefghijklmnopqrstuv"}
    proc = _aigw(installed, "validate --targets", "validate", "--targets", "targets.yaml", **env)
    assert proc.returncode == 0, proc.stderr
    code = ("from aigw_conformance.targets import load_targets; t = load_targets('targets.yaml', only='staging')"
            "['staging']; print(t.kind, t.base_url, sorted(t.allow_hosts), t.token_source.kind)")
    proc = subprocess.run([str(installed["python"]), "-c", code], cwd=installed["work"], env=_clean_env(**env),
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["external", "https://coder.staging.example.com", "['coder.staging.example.com']",
                                   "coder-api"], proc.stdout + proc.stderr
    proc = _aigw(installed, "init again", "init", "staging")
    assert proc.returncode == 2 and "already exists" in proc.stderr


def test_report_says_what_to_install(installed) -> None:
    """An installed harness has no node_modules: without an `allure` 3.x on PATH, one line says
    which npm package to install (or that Node.js is missing first)."""
    path = f"{installed['venv'] / 'bin'}:/usr/bin:/bin"
    proc = _aigw(installed, "report", "report", "reports/latest", PATH=path)
    if shutil.which("allure", path=path):  # a global Allure 3: then the report is simply built
        assert proc.returncode == 0 and (installed["work"] / "reports" / "latest" / "html" / "index.html").is_file()
        return
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    expected = "npm install -g allure@3.18.0" if shutil.which("node", path=path) else "Node.js is not installed"
    assert expected in proc.stderr and "npm ci" not in proc.stderr, proc.stderr
