"""Shared helpers of the hand-run benchmarks: generated suites, timed subprocesses, engine checks.

Every subprocess is bounded in time, and every server is on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 1800


@dataclass
class Timed:
    seconds: float
    rc: int
    tail: str


def engine_missing() -> str | None:
    """Why the engine cannot be benchmarked yet, or None."""
    for mod in ("aigw_conformance.pytest_plugin", "aigw_conformance.commands.run",
                "aigw_conformance.scenario.loader", "aigw_conformance.targets.reference_process"):
        if importlib.util.find_spec(mod) is None:
            return f"{mod} is not there yet"
    return None


def timed(cmd: list[str], *, cwd: Path = ROOT, timeout: float = TIMEOUT_S, env: dict | None = None) -> Timed:
    full_env = {**os.environ, "CI": "true", **(env or {})}
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=full_env)
        rc, out = proc.returncode, (proc.stdout + proc.stderr)
    except subprocess.TimeoutExpired:
        rc, out = -1, f"timed out after {timeout} s"
    lines = out.strip().splitlines()
    # pytest's summary line, not shutdown noise printed after it
    summary = [ln for ln in lines if re.search(r"\d+ (passed|failed|error|tests? collected|skipped)", ln)]
    return Timed(time.perf_counter() - start, rc, (summary or lines or [""])[-1].strip("= "))


def first_requirement(profile: str = "core") -> str:
    data = yaml.safe_load((ROOT / "fixtures" / "requirements.yaml").read_text())
    if isinstance(data, dict):
        data = data.get("requirements", data)
    items = data if isinstance(data, list) else [{"id": k, **(v or {})} for k, v in data.items()]
    musts = [r for r in items if r.get("profile") == profile and r.get("level", "MUST") == "MUST"]
    return str((musts or items)[0]["id"])


def write_suite(folder: Path, n: int, *, name: str = "bench-gen") -> Path:
    """n identical scenarios: mint a valid token, GET the OpenAI models route, expect 200."""
    req = first_requirement()
    scenarios = [{
        "id": f"BENCH-{i:05d}", "requirement": [req], "title": f"bench request {i}",
        "requires": ["provider:openai"], "tokens": {"token": "valid"},
        "steps": [{"request": {"route": "openai.models",
                               "headers": {"Authorization": "Bearer {{ token }}"}},
                   "expect": {"status": 200}}],
    } for i in range(n)]
    path = folder / "suites" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"suite": name, "profile": "core", "scenarios": scenarios}, sort_keys=False))
    return path


def pytest_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]


def scenario_cmd(*args: str) -> list[str]:
    """pytest on generated suites outside the repository: load the plugin and keep the repo as rootdir."""
    return pytest_cmd("-p", "aigw_conformance.pytest_plugin", f"--rootdir={ROOT}", *args)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def header(title: str) -> None:
    print(f"# {title}\n# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {machine()}")
