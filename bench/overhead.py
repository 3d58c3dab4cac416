"""The harness's per-request overhead against a bare httpx loop sending the same requests.

Both hit the same kind of reference gateway on loopback with `GET …/openai/v1/models` and a valid token.
The harness side is measured differentially (a suite of N and of 2N scenarios, capture off), so
pytest start-up and the reference's start cancel out: per scenario = (T(2N) - T(N)) / N.
Each harness scenario also mints its token through the REST API (the bare loop reuses one token),
which is part of what a scenario costs.

    python3 bench/overhead.py [N]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from _common import ROOT, engine_missing, header, scenario_cmd, timed, write_suite

START_TIMEOUT_S = 30


def bare_loop(n: int, tmp: Path) -> float:
    """Seconds per request of a plain httpx.Client loop against a standalone reference."""
    state = tmp / "ref.json"
    proc = subprocess.Popen([sys.executable, "-m", "aigw_reference", "serve", "--state-file", str(state),
                             "--host", "127.0.0.1", "--port", "0", "--no-proxy"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not state.exists():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the reference did not start")
            time.sleep(0.05)
        ref = json.loads(state.read_text())
        url = ref["base_url"] + "/api/v2/ai-gateway/openai/v1/models"
        headers = {"Authorization": f"Bearer {ref['operator']['token']}"}
        with httpx.Client(timeout=10, trust_env=False) as client:
            assert client.get(url, headers=headers).status_code == 200  # warm-up and sanity
            start = time.perf_counter()
            for _ in range(n):
                client.get(url, headers=headers)
            return (time.perf_counter() - start) / n
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(n: int) -> int:
    header(f"per-request overhead, harness vs bare httpx, N={n}")
    if why := engine_missing():
        print(f"SKIPPED: {why}")
        return 1
    with tempfile.TemporaryDirectory(prefix="aigw-bench-") as tmp:
        t = Path(tmp)
        bare = bare_loop(n, t)
        runs = {}
        for k in (n, 2 * n):
            suite = write_suite(t / f"s{k}", k)
            runs[k] = timed(scenario_cmd(str(suite), "--aigw-capture", "off", "--aigw-report-dir", f"{tmp}/r{k}"))
            print(f"harness, {k:5} scenarios: {runs[k].seconds:8.2f} s  (exit {runs[k].rc}: {runs[k].tail})")
    if any(t.rc not in (0, 1) for t in runs.values()):
        print("INVALID: a run did not reach a verdict, no ratio")
        return 1
    per = (runs[2 * n].seconds - runs[n].seconds) / n
    print(f"bare httpx per request   : {bare * 1000:8.2f} ms")
    print(f"harness per scenario     : {per * 1000:8.2f} ms  (token mint + request + checks + reports)")
    print(f"ratio harness / bare     : {per / bare:8.1f}x")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
