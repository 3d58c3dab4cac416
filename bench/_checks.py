"""The generated direct checks and the external target they run against (bench/fast_gateway.py).

One check: GET the OpenAI models route with a valid token in `Authorization: Bearer`, expect 200.
The target is `kind: external` with a static token from the environment, so no token is minted and
nothing but the check's own request reaches the gateway; the same token is the fast gateway's one
valid token.
"""

from __future__ import annotations

import json
import secrets
import string
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import yaml

from _common import HERE, background, wait_for_file

TOKEN_ENV = "AIGW_BENCH_TOKEN"
REQUIREMENT = "AUTH-HTTP-001"          # the token read from Authorization: Bearer
PER_FILE = 500                         # safeyaml allows 20,000 nodes per file: ~15 per scenario
MODELS = "/api/v2/ai-gateway/openai/v1/models"


@dataclass(frozen=True)
class External:
    base_url: str
    token: str
    targets_file: Path
    name: str = "bench"

    @property
    def env(self) -> dict[str, str]:
        return {TOKEN_ENV: self.token}

    def shapes(self) -> dict:
        return httpx.get(self.base_url + "/_bench/shapes", trust_env=False, timeout=10).json()

    def reset_shapes(self) -> None:
        httpx.delete(self.base_url + "/_bench/shapes", trust_env=False, timeout=10)


def new_token() -> str:
    """A token of the Coder shape (10-character id, 22-character secret), random per benchmark."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(10)) + "-" + \
        "".join(secrets.choice(alphabet) for _ in range(22))


def write_targets(folder: Path, base_url: str) -> Path:
    path = folder / "targets.yaml"
    path.write_text(yaml.safe_dump({"default": "bench", "targets": {"bench": {
        "kind": "external", "description": "bench/fast_gateway.py on loopback", "base_url": base_url,
        "credential_modes": ["centralized"], "providers": {"openai": {}},
        "tokens": {"source": "static", "env": {"valid": TOKEN_ENV}},
        "network": {"allow_hosts": ["127.0.0.1"]}}}}, sort_keys=False))
    return path


@contextmanager
def external_gateway(folder: Path) -> Iterator[External]:
    token = new_token()
    state, log = folder / "fast-gateway.json", folder / "fast-gateway.log"
    cmd = [sys.executable, str(HERE / "fast_gateway.py"), str(state)]
    with background(cmd, log=log, env={TOKEN_ENV: token}) as proc:
        base = wait_for_file(state, proc, log)["base_url"]
        yield External(base, token, write_targets(folder, base))


def scenario(i: int, prefix: str = "BENCH") -> dict:
    return {"id": f"{prefix}-{i:05d}", "requirement": [REQUIREMENT], "title": f"bench check {i}",
            "requires": ["provider:openai"], "tokens": {"token": "valid"},
            "steps": [{"request": {"route": "openai.models", "headers": {"Authorization": "Bearer {{ token }}"}},
                       "expect": {"status": 200}}]}


def write_suites(folder: Path, n: int, prefix: str = "BENCH") -> Path:
    """n checks in files of PER_FILE scenarios (a suite file has size and node limits); the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for f, start in enumerate(range(0, n, PER_FILE)):
        chunk = [scenario(i, prefix) for i in range(start, min(n, start + PER_FILE))]
        doc = {"suite": f"bench-gen-{f:03d}", "profile": "core", "scenarios": chunk}
        (folder / f"bench-gen-{f:03d}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return folder


def harness_args(ext: External, suites: Path, report_dir: Path, capture: str) -> list[str]:
    return ["run", "--target", ext.name, "--targets-file", str(ext.targets_file), "--suites", str(suites),
            "--capture", capture, "--report-dir", str(report_dir), "-q"]


def same_shapes(a: dict, b: dict) -> bool:
    return json.dumps(a["shapes"], sort_keys=True) == json.dumps(b["shapes"], sort_keys=True)


def describe_shapes(d: dict) -> str:
    return "; ".join(f"{s['count']} x {s['shape']['method']} {s['shape']['path']}?{','.join(s['shape']['query'])} "
                     f"[{', '.join(s['shape']['headers'])}] token {s['shape']['token']}" for s in d["shapes"])


# ------------------------------------------------------------------ timed runs of each side
@dataclass(frozen=True)
class Side:
    seconds: float
    ok: bool
    why: str = ""
    shapes: dict | None = None


def run_bare(ext: External, n: int, *, through_tap: bool = False) -> Side:
    from _common import timed
    ext.reset_shapes()
    tap = ["--through-tap"] if through_tap else []
    t = timed([sys.executable, str(HERE / "bare_loop.py"), ext.base_url, str(n), *tap], env=ext.env, timeout=300)
    return Side(t.seconds, t.rc == 0, "" if t.rc == 0 else f"bare loop exit {t.rc}: {t.tail}", ext.shapes())


def run_harness(ext: External, suites: Path, n: int, report_dir: Path, capture: str) -> Side:
    """`aigw-conformance run` on the generated checks; ok only with a verdict and all n passed."""
    from _common import harness_cmd, has_verdict, timed
    ext.reset_shapes()
    t = timed(harness_cmd(*harness_args(ext, suites, report_dir, capture)), env=ext.env, timeout=600)
    verdict = has_verdict(t, report_dir)
    ok = verdict == "pass" and f"{n} passed" in t.tail
    why = "" if ok else f"exit {t.rc}, verdict {verdict or 'none'}: {t.tail or t.output[-500:]}"
    return Side(t.seconds, ok, why, ext.shapes())


def floor_cmd(folder: Path, reports: bool) -> list[str]:
    """pytest on bench/floor_checks.py with the harness's pytest settings (only the plugins it names,
    no cache, no assertion rewriting, an ini of its own, not the checkout's conftest.py); with
    `reports`, the reports a run writes (allure results and JUnit) into `folder`."""
    cmd = [sys.executable, "-m", "pytest", str(HERE / "floor_checks.py"), "-q", "--noconftest", "-p", "floor_exit",
           "-p", "no:cacheprovider", "-p", "no:unraisableexception", "--assert=plain",
           "-c", str(folder / "floor.ini"), "--rootdir", str(folder)]
    if reports:
        cmd += ["-p", "allure_pytest.plugin", f"--alluredir={folder / 'allure-results'}", "--clean-alluredir",
                f"--junitxml={folder / 'junit.xml'}", "-o", "junit_logging=no", "-o", "junit_family=xunit2"]
    return cmd


def run_floor(ext: External, n: int, folder: Path, reports: bool) -> Side:
    """The pytest yardstick: n plain tests sending the checks' requests; ok only with n passed (and,
    with reports, n allure results and a JUnit file of n testcases)."""
    from _common import timed
    ext.reset_shapes()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "floor.ini").write_text("[pytest]\n")
    env = {**ext.env, "AIGW_BENCH_BASE": ext.base_url, "AIGW_BENCH_N": str(n), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
           "PYTHONPATH": str(HERE)}
    t = timed(floor_cmd(folder, reports), env=env, timeout=600, checkout=False)
    ok = t.rc == 0 and f"{n} passed" in t.tail
    if ok and reports:
        results = len(list((folder / "allure-results").glob("*-result.json")))
        cases = (folder / "junit.xml").read_text().count("<testcase ")
        ok = results == cases == n
    why = "" if ok else f"exit {t.rc}: {t.tail or t.output[-500:]}"
    return Side(t.seconds, ok, why, ext.shapes())
