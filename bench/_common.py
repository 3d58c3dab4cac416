"""Shared parts of the hand-run benchmarks: the machine header, bounded subprocesses, verdicts, medians.

Every subprocess runs in its own session (process group) with a time bound; on timeout or exit the
whole group is ended, so a benchmark never leaves a gateway or a pytest worker behind. Everything
listens on and dials 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
TIMEOUT_S = 900.0          # one subprocess of a benchmark, at most
START_TIMEOUT_S = 30.0     # a gateway's state file / listening line, at most
VERDICT_EXITS = (0, 1)     # aigw-conformance: 0 conformant, 1 a MUST failed; 2/3/4 = no verdict


@dataclass(frozen=True)
class Timed:
    seconds: float
    rc: int
    tail: str          # pytest's summary line (or the last line), for the reader
    output: str = ""


# ------------------------------------------------------------------ the header every script prints
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions(*dists: str) -> str:
    base = [f"Python {platform.python_version()}", f"aigw-conformance {git_head()}"]
    return ", ".join(base + [f"{d} {version_of(d)}" for d in dists])


def git_head() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h"], capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def header(title: str, *dists: str) -> None:
    print(f"# {title}")
    print(f"# date      {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(f"# machine   {platform.node()}: {cpu_model()}, {os.cpu_count()} cores, "
          f"{platform.system()} {platform.release()}")
    print(f"# versions  {versions('pytest', 'httpx', *dists)}")
    print(f"# bytecode  {compile_checkout()}")
    print(f"# load avg  {loadavg()} (1, 5, 15 min) at start", flush=True)


PACKAGES = ("aigw_common", "aigw_conformance", "aigw_reference")


def compile_checkout() -> str:
    """Byte-compile the checkout's packages, as `pip install`/`pipx install` does for a wheel.

    Without it every measured process compiled the harness from source (about 0.16 s here, where
    PYTHONDONTWRITEBYTECODE=1 is set, as in `.ci/run`), a cost no installed copy pays and that
    Tavern's own venv, compiled by pip, never paid either."""
    import compileall

    ok = all(compileall.compile_dir(ROOT / pkg, quiet=1) for pkg in PACKAGES)
    return "the checkout's packages byte-compiled (as an installed wheel is)" if ok else "compile FAILED"


def footer() -> None:
    print(f"# load avg  {loadavg()} at end", flush=True)


# ------------------------------------------------------------------ bounded subprocesses
def _end_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM to the child's whole process group, SIGKILL after `grace` seconds."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)   # stragglers (xdist workers, a reference) of the same group
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait(grace)


def env_with(extra: dict[str, str] | None = None, *, checkout: bool = True) -> dict[str, str]:
    """The checkout's own code first on the path (not whatever is pip-installed), CI mode, no colour.
    `checkout=False`: a foreign tool (Tavern in its own venv) gets no PYTHONPATH of ours at all."""
    env = {**os.environ, "CI": "true", "NO_COLOR": "1"}
    if checkout:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    else:
        env.pop("PYTHONPATH", None)
    return {**env, **(extra or {})}


def timed(cmd: list[str], *, cwd: Path = ROOT, timeout: float = TIMEOUT_S, env: dict | None = None,
          checkout: bool = True) -> Timed:
    """Wall time of one whole process (interpreter start-up included), bounded; output captured."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env_with(env, checkout=checkout), start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        _end_group(proc)
        out, rc = f"timed out after {timeout:.0f} s", -1
    finally:
        _end_group(proc, grace=1.0)
    seconds = time.perf_counter() - start
    return Timed(seconds, rc, summary_line(out or ""), out or "")


def summary_line(out: str) -> str:
    lines = out.strip().splitlines()
    found = [ln for ln in lines if re.search(r"\d+ (passed|failed|errors?|tests? collected|skipped|deselected)", ln)]
    return (found or lines or [""])[-1].strip("= ").strip()


@contextmanager
def background(cmd: list[str], *, log: Path, env: dict | None = None, cwd: Path = ROOT) -> Iterator[subprocess.Popen]:
    """A server for the length of a `with` block, in its own process group, always ended after."""
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env_with(env),
                                start_new_session=True)
    try:
        yield proc
    finally:
        _end_group(proc)


def wait_for_file(path: Path, proc: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT_S) -> dict:
    """The JSON a server writes when it is up (atomically), or an error naming its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            try:
                return json.loads(path.read_text())
            except ValueError:
                pass          # not written completely yet
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    tail = log.read_text()[-2000:] if log.exists() else ""
    raise RuntimeError(f"the server did not start within {timeout:.0f} s (exit {proc.poll()}); log:\n{tail}")


@contextmanager
def reference(tmp: Path, *extra: str, code: Path | None = None) -> Iterator[dict]:
    """The embedded reference, standalone (`python -m aigw_reference serve`), its state as a dict.
    `code`: run the reference of another checkout (a before/after comparison) instead of this one."""
    state = tmp / "reference-state.json"
    log = tmp / "reference.log"
    cmd = [sys.executable, "-m", "aigw_reference", "serve", "--state-file", str(state), "--host", "127.0.0.1",
           "--port", "0", *extra]
    env = {"PYTHONPATH": str(code.resolve())} if code else None
    with background(cmd, log=log, env=env, cwd=code.resolve() if code else ROOT) as proc:
        data = wait_for_file(state, proc, log)
        data["_pid"] = proc.pid
        yield data


# ------------------------------------------------------------------ verdicts
def verdict_of(report_dir: Path) -> str | None:
    """The overall verdict of the one run written under `report_dir`, or None when there is none."""
    reports = sorted(report_dir.glob("*/conformance.json"))
    if not reports:
        return None
    try:
        data = json.loads(reports[-1].read_text())
    except (OSError, ValueError):
        return None
    result = (data.get("verdict") or {}).get("result")
    return str(result) if result else None


def has_verdict(t: Timed, report_dir: Path) -> str | None:
    """The verdict when the run reached one (exit 0/1 and a conformance.json with a result), else None."""
    if t.rc not in VERDICT_EXITS:
        return None
    return verdict_of(report_dir)


def refuse(why: str) -> int:
    print(f"NO RATIO: {why}")
    footer()
    return 2


# ------------------------------------------------------------------ figures
def median(xs: list[float]) -> float:
    return statistics.median(xs)


def fmt_runs(xs: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in xs)


def goal(ok: bool) -> str:
    return "meets the goal" if ok else "MISSES the goal"


def harness_cmd(*args: str) -> list[str]:
    """`aigw-conformance …` as this checkout's code (python -m, PYTHONPATH set by env_with)."""
    return [sys.executable, "-m", "aigw_conformance", *args]


def need(program: str, hint: str) -> str | None:
    return None if shutil.which(program) else f"{program} is not installed ({hint})"
