"""Would the capture tap be cheaper in a process of its own? Latency per request, three ways.

    python3 bench/tap_process.py [N=300] [--rounds 5] [--work-ms 3]

The capture's mitmproxy runs in a thread of the harness process, so the tap and the harness share
one GIL. This measures what a separate process would buy: N requests to bench/fast_gateway.py
(kept-alive httpx client, the harness's 0.5 s keep-alive) sent directly, through a tap started in
this process (`start_capture`, as a run does), and through the same tap started in a child process;
after every request the client does WORK_MS of pure-Python work and writes a small file, as the
harness does between requests (evidence, allure, pytest's reporting), so a tap holding the GIL after
its answer shows up as latency. Rounds alternate the sides; medians of ms per request are printed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _checks import MODELS, external_gateway  # noqa: E402
from _common import ROOT, env_with, footer, header, median  # noqa: E402

sys.path.insert(0, str(ROOT))   # this checkout's code, as the child gets it through env_with

CHILD = """
import sys, time
from pathlib import Path
from aigw_common.redaction import Redactor
from aigw_conformance.capture import start_capture
cap = start_capture({"default": sys.argv[1]}, Path(sys.argv[2]), Redactor())
print(cap.endpoints["default"], flush=True)
sys.stdin.read()          # until the parent closes our stdin
cap.stop()
"""


def per_request_ms(url: str, token: str, n: int, work_ms: float, scratch: Path) -> float:
    from aigw_common import netguard

    def work() -> None:
        end = time.perf_counter() + work_ms / 1000
        while time.perf_counter() < end:
            sum(range(100))
        (scratch / "evidence.txt").write_text("x")

    with netguard.client(timeout=10, trust_env=False) as c:
        for _ in range(20):                      # warm: the connection, the tap's first flows
            c.get(url + MODELS, headers={"Authorization": f"Bearer {token}"})
        start = time.perf_counter()
        for _ in range(n):
            r = c.get(url + MODELS, headers={"Authorization": f"Bearer {token}"})
            if r.status_code != 200:
                raise SystemExit(f"NO RATIO: {url} answered {r.status_code}")
            work()
        return (time.perf_counter() - start) / n * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", nargs="?", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--work-ms", type=float, default=3.0)
    args = ap.parse_args()
    header(f"tap latency per request: direct, tap in this process, tap in its own process "
           f"({args.n} requests, {args.work_ms} ms of work after each, medians of {args.rounds})", "mitmproxy")
    from aigw_common.redaction import Redactor
    from aigw_conformance.capture import start_capture

    with tempfile.TemporaryDirectory(prefix="aigw-bench-tapproc-") as tmp:
        folder = Path(tmp)
        with external_gateway(folder) as ext:
            cap = start_capture({"default": ext.base_url}, folder / "in-process", Redactor())
            child = subprocess.Popen([sys.executable, "-c", CHILD, ext.base_url, str(folder / "own-process")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env_with())
            try:
                own = child.stdout.readline().strip()
                if not own.startswith("http://127.0.0.1:"):
                    print(f"NO RATIO: the tap process did not start ({own!r})")
                    return 2
                sides = {"direct": ext.base_url, "tap, this process": cap.endpoints["default"], "tap, own process": own}
                ms: dict[str, list[float]] = {k: [] for k in sides}
                for i in range(args.rounds):
                    row = {k: per_request_ms(u, ext.token, args.n, args.work_ms, folder) for k, u in sides.items()}
                    for k, v in row.items():
                        ms[k].append(v)
                    print(f"round {i + 1}: " + ", ".join(f"{k} {v:5.2f} ms" for k, v in row.items()), flush=True)
            finally:
                child.stdin.close()
                child.wait(30)
                cap.stop()
    m = {k: median(v) for k, v in ms.items()}
    for k, v in m.items():
        print(f"{k:18}: median {v:5.2f} ms per request + work")
    print(f"tap cost per request: this process {m['tap, this process'] - m['direct']:+.2f} ms, "
          f"own process {m['tap, own process'] - m['direct']:+.2f} ms")
    footer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
