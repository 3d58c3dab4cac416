"""The request rate Locust reaches against the embedded reference with 1 and with 2 local workers.

    python3 bench/load_rate.py [SECONDS] [USERS] [REPEAT]     (defaults: 6 s, 40 users, 3 rounds)

One mixed workload of refused tokens (unknown-id in Authorization: Bearer, the gateway's cheapest
answer: one SQLite lookup and a 403) asked for far more than can be reached, so the rate measured is
what the generator and the reference together deliver on this machine. The 1-worker and 2-worker runs
alternate for REPEAT rounds and the medians are compared, because on a shared machine one pair of
runs says little. Everything is on 127.0.0.1 and bounded: each run lasts SECONDS, at most 10 minutes.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = """\
workloads:
  - id: LOAD-BENCH
    kind: mixed
    requirement: [AUTH-VALIDATE-002]
    title: as many refused requests as the generator can send
    users: {users}
    rate: 20000
    duration_s: {seconds}
    max_requests: 2000000
    mix:
      - {{token: unknown-id, carriers: [bearer]}}
"""


def run(workers: int, seconds: float, users: int, tmp: Path) -> dict:
    tmp.mkdir(parents=True, exist_ok=True)
    wl = tmp / "bench-workloads.yaml"
    wl.write_text(WORKLOADS.format(users=users, seconds=seconds))
    run_id = f"w{workers}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "aigw_conformance", "load", "--workloads", str(wl),
                           "--workers", str(workers), "--report-dir", str(tmp), "--run-id", run_id],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    wall = time.monotonic() - t0
    try:
        report = json.loads((tmp / run_id / "conformance.json").read_text())
    except OSError:
        sys.exit(f"workers={workers}: no report (exit {proc.returncode}):\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
    w = report["load"]["workloads"][0]
    f = w["figures"]
    return {"workers": workers, "rate": f.get("rate_reached", 0.0), "requests": f.get("requests", 0),
            "p50": f["latency_ms"].get("refused", {}).get("p50"), "p99": f["latency_ms"].get("refused", {}).get("p99"),
            "cpu": f.get("generator_cpu_max", 0.0), "outcome": w["outcome"], "wall": wall}


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 6.0
    users = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    print(f"# bench/load_rate.py  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {platform.platform()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}; {seconds:g} s per run, {users} users; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="aigw-bench-load-") as tmp:
        rows = [run(k, seconds, users, Path(tmp) / f"r{i}") for i in range(repeat) for k in (1, 2)]
    print(f"{'workers':>7} {'req/s':>8} {'requests':>9} {'p50 ms':>7} {'p99 ms':>7} {'worker CPU %':>12} "
          f"{'req/s per busy core':>19} {'wall s':>7}")
    for r in rows:
        # the peak CPU of one worker, in % of a core, applied to all: an upper bound on the generator's use
        per_core = r["rate"] / (r["workers"] * r["cpu"] / 100.0) if r["cpu"] else 0.0
        print(f"{r['workers']:>7} {r['rate']:>8.1f} {r['requests']:>9} {r['p50'] or 0:>7.1f} {r['p99'] or 0:>7.1f} "
              f"{r['cpu']:>12.0f} {per_core:>19.0f} {r['wall']:>7.1f}")
    med = {k: statistics.median(r["rate"] for r in rows if r["workers"] == k) for k in (1, 2)}
    print(f"median req/s: 1 worker {med[1]:.0f}, 2 workers {med[2]:.0f}; two / one: {med[2] / med[1]:.2f}x"
          if med[1] else "no rate measured")


if __name__ == "__main__":
    main()
