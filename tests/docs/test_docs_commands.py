"""Every `aigw-conformance …` line in README.md, docs/ and the CI recipes parses, and the ones that
can run here, run.

- Parse: each command (synopses with sample values) against the real parser, `cli.build_parser()`;
  an option the command does not have is a failure, except for `run`, which passes unknown options
  to pytest (those are checked by pytest itself below).
- Run, in a fresh working directory holding what a user would have there (targets.yaml, an empty
  expected-failures.yaml), against the embedded reference: the `-k` run first (it writes
  reports/latest), then `list`, `validate`, `explain`, `gate` and `report` on that report.
- `run` lines that would be a whole run or need a target that does not exist here (`--target
  staging`) run as written plus `--collect-only`: pytest accepts every option and the scenarios
  are collected, without contacting a target. The full default run itself, `aigw-conformance run`
  from an empty directory, is what tests/packaging/test_wheel.py runs.
- `reference serve` / `reference canary` start, answer over HTTP and stop on Ctrl-C (a port
  number or a state-file path in the doc is an example value: the test picks its own).
- Not run: `selftest` (every fault, many minutes; tests/aigw_conformance/selftest and commands/test_selftest.py cover it) and `report --open`
  (serves until Ctrl-C and opens a browser); they are parsed.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml

from aigw_conformance import cli, exitcodes
from aigw_conformance.report.allure_cli import find_allure

from .doc_commands import ROOT, DocCommand, commands, documented_targets

COMMANDS = commands()
# Documented ahead of the code, owned elsewhere: strict, so the mark must go when the command lands.
PENDING: dict[tuple[str, ...], str] = {}
PARSE_ONLY = {("selftest",), ("report", "--open"), ("report", "reports/latest", "--open"), ("clients", "record"),
              # the QA guide's staging deployment is not here; clean itself runs in tests/e2e/test_leftovers.py
              ("clean", "--target", "staging", "--run", "20261201T101500Z-123", "--dry-run"),
              ("clean", "--target", "staging", "--run", "20261201T101500Z-123"), ("clean", "--target", "staging")}
# load runs take tens of seconds each and are tested end to end in tests/aigw_conformance/load: here they only parse
PARSE_ONLY_COMMANDS = {"load"}
K_RUN = ("run", "--target", "reference", "-k", "HDR-XAPIKEY-ACCEPTED")
# The guides' target entries (`staging`, `local`) go into the user's targets.yaml; their operator
# tokens come from the environment, as the guides say.
DOC_TARGETS = documented_targets()
DOC_ENV = {spec["tokens"]["operator_token_env"]: "abcdefghij-abcdefghijklmnopqrstuv"
           for spec in DOC_TARGETS.values() if "operator_token_env" in (spec.get("tokens") or {})}


def _id(c: DocCommand) -> str:
    return f"{c.where} {' '.join(c.argv)}"


def _pending(argv: tuple[str, ...]):
    return [pytest.mark.xfail(strict=True, reason=PENDING[argv[:1]])] if argv[:1] in PENDING else []


def test_the_documentation_has_commands_to_check() -> None:
    files = {c.file for c in COMMANDS}
    assert {"README.md", "docs/guide-qa.md", "docs/guide-implementers.md", "docs/guide-pipelines.md",
            "docs/ci/github-actions.yml", "docs/ci/gitlab-ci.yml"} <= files
    assert len(COMMANDS) >= 40
    assert K_RUN in {c.argv for c in COMMANDS}, "the -k run against the reference is what the run tests use"


@pytest.mark.parametrize("cmd", [pytest.param(c, id=_id(c), marks=_pending(c.argv)) for c in COMMANDS])
def test_documented_command_parses(cmd: DocCommand, capsys: pytest.CaptureFixture) -> None:
    parser, mains = cli.build_parser()
    try:
        args, rest = parser.parse_known_args(list(cmd.argv))
    except SystemExit:
        pytest.fail(f"{cmd.where}: `{cmd.text}` does not parse: {capsys.readouterr().err.strip()}")
    assert args.command in mains, f"{cmd.where}: no command {cmd.argv[0]!r}"
    if rest:
        assert getattr(args, "accepts_passthrough", False), f"{cmd.where}: `{cmd.text}`: unknown {rest}"


def test_readme_gate_line_is_the_one_the_pipelines_use() -> None:
    """The README said `gate … --require core`; gate's option is --profile (as in run and list)."""
    gates = [c for c in COMMANDS if c.argv[:1] == ("gate",)]
    assert gates and all("--require" not in c.argv for c in gates)
    assert all("--profile" in c.argv for c in gates if c.file == "README.md")


# -- running them -----------------------------------------------------------------------------
def _unique(kind: str) -> list:
    seen: dict[tuple, DocCommand] = {}
    for c in COMMANDS:
        if c.synopsis or c.argv in PARSE_ONLY or c.argv[:1] in PENDING or _kind(c.argv) != kind \
                or c.argv[0] in PARSE_ONLY_COMMANDS:
            continue
        seen.setdefault(c.argv, c)
    return [pytest.param(c, id=_id(c)) for c in seen.values()]


def _kind(argv: tuple[str, ...]) -> str:
    if argv[:1] == ("reference",):
        return "serve"
    if argv[:1] == ("run",):
        return "k-run" if argv == K_RUN else "collect"
    return "run"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["CI"] = "true"  # plain progress lines, as in the recipes
    return {**env, **DOC_ENV}


def _aigw(argv, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigw_conformance", *argv], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A user's working directory after the documented `-k` run against the reference."""
    here = tmp_path_factory.mktemp("docs-site")
    data = yaml.safe_load((ROOT / "targets.yaml").read_text())
    data["targets"].update(DOC_TARGETS)          # what the QA and implementer guides tell users to add
    (here / "targets.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (here / "expected-failures.yaml").write_text("[]\n")   # the pipeline guide: keep it, even empty
    (here / "my-checks").mkdir()                             # README: "a folder of your own suites"
    shutil.copy(ROOT / "suites" / "token-format.yaml", here / "my-checks" / "tokens.yaml")
    return here, _aigw(K_RUN, here)


def test_documented_target_entries_load(site) -> None:
    from aigw_conformance.targets import load_targets

    assert {"staging", "local"} <= set(DOC_TARGETS)
    for name in DOC_TARGETS:
        target = load_targets(site[0] / "targets.yaml", only=name, environ=DOC_ENV)[name]
        assert target.kind == "external" and target.base_url == DOC_TARGETS[name]["base_url"]


def test_documented_k_run_against_the_reference_passes(site) -> None:
    here, proc = site
    assert proc.returncode == exitcodes.OK, proc.stdout[-2000:] + proc.stderr[-2000:]
    report = json.loads((here / "reports" / "latest" / "conformance.json").read_text())
    ran = [s for s in report["scenarios"] if s["outcome"] == "passed"]
    assert ran and all(s["id"].startswith("HDR-XAPIKEY-ACCEPTED") for s in ran)


def _check_gate(cmd: DocCommand, here: Path, proc: subprocess.CompletedProcess) -> None:
    """The site's report is the documented `-k` run: core only. A documented gate that requires
    another profile too must refuse it, naming what the report does not show."""
    argv = list(cmd.argv)
    required = {argv[i + 1] for i, a in enumerate(argv) if a == "--profile"}
    report = json.loads((here / "reports" / "latest" / "conformance.json").read_text())
    shown = {s["profile"] for s in report["scenarios"] if s["outcome"] == "passed" and s["level"] == "MUST"}
    out = proc.stdout + proc.stderr
    if required <= shown:
        assert proc.returncode == exitcodes.OK and "PASS" in proc.stdout, f"{cmd.where}: {out[-3000:]}"
        return
    assert proc.returncode == exitcodes.NONCONFORMANT and "FAIL" in proc.stdout, f"{cmd.where}: {out[-3000:]}"
    for prof in sorted(required - shown):
        assert f"NOTHING SHOWN: required profile {prof!r}" in proc.stdout, f"{cmd.where}: {out[-3000:]}"


@pytest.mark.parametrize("cmd", _unique("run"))
def test_documented_command_runs(cmd: DocCommand, site, tmp_path: Path) -> None:
    here, _ = site
    if cmd.argv[:1] == ("init",):
        here = tmp_path  # init writes ./targets.yaml: not into the directory the other commands share
    proc = _aigw(cmd.argv, here)
    out = proc.stdout + proc.stderr
    if cmd.argv[:1] == ("report",) and (find_allure() is None or shutil.which("node") is None):
        # Allure Report 3 is not installed here: the command says in one line what to install.
        assert proc.returncode == exitcodes.INVALID_INPUT and proc.stderr.count("\n") == 1, out
        assert "npm" in proc.stderr and "Traceback" not in out
        return
    if cmd.argv[:1] == ("gate",):
        return _check_gate(cmd, here, proc)
    assert proc.returncode == exitcodes.OK, f"{cmd.where}: `{cmd.text}` exited {proc.returncode}:\n{out[-3000:]}"
    if cmd.argv[:1] == ("explain",):
        assert proc.stdout.startswith(cmd.argv[1])
    if cmd.argv[:1] == ("report",):
        assert (here / "reports" / "latest" / "html" / "index.html").is_file()
    if cmd.argv[:1] == ("init",):
        from aigw_conformance.target_template import NewTarget
        from aigw_conformance.targets import load_targets
        name = cmd.argv[1] if len(cmd.argv) > 1 else "staging"
        env = {v: "https://coder.example.com" if v.endswith("_URL") else "x" for v in NewTarget(name).variables()}
        env[f"{NewTarget(name).prefix}_HOST"] = "coder.example.com"
        assert load_targets(here / "targets.yaml", only=name, environ=env)[name].kind == "external"


@pytest.mark.parametrize("cmd", _unique("collect"))
def test_documented_run_collects(cmd: DocCommand, site, monkeypatch, capsys) -> None:
    """In this process (pytest.main inside pytest, as pytester does): only collection happens."""
    here, _ = site
    monkeypatch.chdir(here)
    for var, value in DOC_ENV.items():
        monkeypatch.setenv(var, value)
    rc = cli.main([*cmd.argv, "--collect-only", "-q", "-p", "no:randomly"])
    out = "".join(capsys.readouterr())
    assert rc == exitcodes.OK, f"{cmd.where}: `{cmd.text}` exited {rc}:\n{out[-3000:]}"
    collected = re.search(r"(\d+) tests? collected|^(\d+) workers \[(\d+) items\]", out, re.M)
    assert collected and int(next(g for g in collected.groups() if g)) > 0, out[-2000:]


@pytest.mark.parametrize("cmd", _unique("serve"))
def test_documented_server_starts_answers_and_stops(cmd: DocCommand, tmp_path: Path) -> None:
    argv = list(cmd.argv)
    if "--port" in argv:
        # the server picks its own port and prints it: a port found free here could be taken by
        # another xdist worker before the server binds it
        argv[argv.index("--port") + 1] = "0"
    if "--state-file" in argv:
        argv[argv.index("--state-file") + 1] = str(tmp_path / "ref.json")
    proc = subprocess.Popen([sys.executable, "-m", "aigw_conformance", *argv], cwd=tmp_path, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = _ready_url(proc, "canary" if argv[1] == "canary" else "gateway")
        if argv[1] == "canary":
            assert httpx.get(f"{url}/_canary/requests", timeout=10).status_code == 200
        else:
            # no token: the gateway itself refuses (it serves, and it authenticates)
            r = httpx.post(f"{url}/api/v2/ai-gateway/openai/v1/chat/completions", json={}, timeout=10)
            assert r.status_code == 400 and "no authentication key" in r.text, r.text  # AUTH-HTTP-003
            if "--state-file" in argv:
                assert json.loads((tmp_path / "ref.json").read_text())["base_url"] == url
        proc.send_signal(signal.SIGINT)   # the docs say: runs until Ctrl-C
        assert proc.wait(timeout=20) == exitcodes.OK
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _ready_url(proc: subprocess.Popen, word: str, timeout: float = 60) -> str:
    """The URL of the `<word>  http://…` line the server prints when it listens (bounded wait)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen.append(line)
        m = re.match(rf"^{word}\s+(http://\S+)", line)
        if m:
            return m.group(1)
    raise AssertionError(f"no `{word} URL` line within {timeout} s: {''.join(seen)[-2000:]}")
