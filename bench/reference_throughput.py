"""The reference's authentication decisions per second: 200 concurrent loopback clients, valid and bogus
tokens mixed, every answer checked (goal: >= 2,000/s, 0 errors, 0 bogus token admitted).

    python3 bench/reference_throughput.py [--clients 200] [--duration 10] [--valid-every 2]
                                          [--workload decision|served|both] [--no-ceiling] [--profile FILE]

Load generator: wrk (Debian: `apt-get install wrk`) with bench/wrk_auth_mix.lua. wrk is C and
event-driven and needs a few per cent of a core at these rates, so on a 2-core machine the gateway, not
the generator, is what is measured; a Python client pool (asyncio + httpx costs about 1 ms of CPU per
request here, Locust ~0.4 ms) would spend as much CPU as the gateway it loads and measure itself.
Each wrk thread owns one connection (-t N -c N), so its Lua state sees request and answer strictly
alternate and checks every answer against its own token. A bogus token must get 403 "unauthorized\\n";
one that gets a valid token's answer, or any answer below 400, is "admitted". "Per second of gateway
CPU" divides the rate by the share of a core the gateway process got (from /proc): on a machine
shared with other work it says what a whole core would give. Any other answer, socket
error or timeout is an error (wrk counts a request older than 5 s once per 2 s), and a run with an
error or an admitted bogus token has no figure. `--fault accept-expired` (any fault of
aigw_reference/faults.py) shows the check at work: bogus tokens admitted, no figure.

Two workloads, the same tokens:
  decision  valid tokens on a provider path no route serves: the gateway authenticates, admits, and its
            provider handler answers 404 "route not supported: GET /openai/v1/…" (reached only after
            admission), so each answer is one whole authentication decision and nothing else. The row's goal.
  served    valid tokens on GET /openai/v1/models: admitted and relayed to the canary upstream, 200 with
            the canary's model list. A decision plus a provider round trip (two more HTTP exchanges in
            the reference's one process).
The bogus tokens are the ones a gateway must refuse after reading the store (unknown id, wrong secret
of a real id, revoked, expired, dormant user, system user) and a malformed one refused without a lookup.
`--valid-every 2` sends a valid token on every 2nd request of every client (50 %).

Runs back to back: the reference (`python -m aigw_reference serve --no-proxy`; the proxy takes no part
in data-plane decisions), then the ceiling (bench/ceiling_gateway.py: the same uvicorn/h11 server doing
only a set lookup), so "reference / ceiling" can be compared across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import httpx  # noqa: E402

from _common import (HERE, background, footer, goal, header, need, reference, refuse,  # noqa: E402
                     wait_for_file)

PREFIX = "/api/v2/ai-gateway"
GOAL_PER_S = 2000
LUA = HERE / "wrk_auth_mix.lua"


@dataclass(frozen=True)
class Workload:
    name: str
    path: str            # below the canonical prefix
    valid_status: int
    valid_marker: str    # must be in the body of a valid token's answer


WORKLOADS = {
    "decision": Workload("decision", "/openai/v1/aigw-bench-unrouted", 404,
                         "route not supported: GET /openai/v1/aigw-bench-unrouted"),
    "served": Workload("served", "/openai/v1/models", 200, '"id":"gpt-canary"'),
}


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def prepare_tokens(state: dict, folder: Path) -> Path:
    """Valid tokens minted through the REST API, and one token of each bogus kind; written 0600."""
    base, op = state["base_url"], state["operator"]["token"]
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {op}"}, trust_env=False, timeout=10) as c:
        def mint(name: str) -> str:
            r = c.post("/api/v2/users/me/keys/tokens", json={"token_name": f"bench-{name}"})
            r.raise_for_status()
            return r.json()["key"]

        valid = [mint(f"valid-{i}") for i in range(4)]
        revoked, expired = mint("revoked"), mint("expired")
        c.delete(f"/api/v2/users/me/keys/{revoked.split('-')[0]}").raise_for_status()
        c.put(f"/api/v2/users/me/keys/{expired.split('-')[0]}/expire").raise_for_status()
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    rand = lambda n: "".join(secrets.choice(alphabet) for _ in range(n))  # noqa: E731
    bogus = {"unknown-id": f"{rand(10)}-{rand(22)}", "wrong-secret": f"{valid[0][:10]}-{rand(22)}",
             "revoked": revoked, "expired": expired, "malformed": f"{rand(9)}-{rand(22)}",
             "dormant-user": state["static_tokens"]["user-dormant"],
             "system-user": state["static_tokens"]["user-system"]}
    path = folder / "tokens.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.writelines(f"valid {t}\n" for t in valid)
        f.writelines(f"bogus {k} {t}\n" for k, t in bogus.items())
    return path


def run_wrk(url: str, tokens: Path, pid: int, w: Workload, args, profile: Path | None = None) -> dict:
    """One wrk run; its checked counts, latencies, and the gateway's and wrk's CPU use."""
    cmd = ["wrk", f"-t{args.clients}", f"-c{args.clients}", f"-d{args.duration}s", "--timeout", "5s",
           "-s", str(LUA), url, "--", str(tokens), PREFIX + w.path, str(args.valid_every), str(w.valid_status),
           w.valid_marker]
    before, t0, ru0 = cpu_ticks(pid), time.monotonic(), os.times()
    spy = None
    if profile:
        # py-spy samples the gateway (not wrk) during the run: where its CPU goes
        spy = subprocess.Popen(["py-spy", "record", "-p", str(pid), "-d", str(max(1, args.duration - 2)), "-r", "200",
                                "-f", "raw", "-o", str(profile), "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 60)
        out, rc = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired:
        return {"error": "wrk did not finish in time"}
    finally:
        if spy is not None:
            try:
                spy.wait(30)
            except subprocess.TimeoutExpired:
                spy.kill()
                spy.wait(5)
    wall, ru1 = time.monotonic() - t0, os.times()
    gateway_cpu = (cpu_ticks(pid) - before) / os.sysconf("SC_CLK_TCK") / wall
    wrk_cpu = (ru1.children_user + ru1.children_system - ru0.children_user - ru0.children_system) / wall
    m = re.search(r"^AIGW-RESULT (\{.*\})$", out, re.M)
    if rc != 0 or not m:
        return {"error": f"wrk exit {rc}, no result line; output:\n{out[-1500:]}"}
    res = json.loads(m.group(1))
    res.update(gateway_cpu=gateway_cpu, wrk_cpu=wrk_cpu)
    return res


def report(name: str, w: Workload, r: dict) -> float | None:
    """Prints one run; its decisions per second, or None when the run does not count."""
    label = f"{name}, {w.name}"
    if "error" in r:
        print(f"{label:20}: no result ({r['error']})")
        return None
    secs = r["duration_us"] / 1e6
    errors = r["wrong"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
    rate = (r["ok_valid"] + r["ok_bogus"]) / secs
    per_core = rate / r["gateway_cpu"] if r["gateway_cpu"] > 0 else float("nan")
    print(f"{label:20}: {rate:6.0f} decisions/s, {per_core:5.0f} per second of gateway CPU  ({r['ok_valid']} valid -> {w.valid_status}, {r['ok_bogus']} bogus -> "
          f"403 in {secs:.1f} s; p50 {r['p50_us'] / 1000:.1f} ms, p99 {r['p99_us'] / 1000:.0f} ms, max {r['max_us'] / 1000:.0f} ms; "
          f"gateway CPU "
          f"{r['gateway_cpu'] * 100:.0f} % of a core, wrk {r['wrk_cpu'] * 100:.0f} %)")
    print(f"{'':20}  errors {errors} (wrong answers {r['wrong']}, connect {r['connect']}, read {r['read']}, "
          f"write {r['write']}, timeouts {r['timeout']}), bogus admitted {r['admitted']}"
          + (f"; first wrong answer: {r['first_wrong']}" if r["first_wrong"] else ""))
    if errors or r["admitted"]:
        print(f"{'':20}  NO FIGURE: a run with errors or an admitted bogus token does not count")
        return None
    return rate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--duration", type=int, default=10, help="seconds per run (at most 120)")
    ap.add_argument("--valid-every", type=int, default=2, help="a valid token on every Nth request (2 = 50 %%)")
    ap.add_argument("--workload", choices=("decision", "served", "both"), default="both")
    ap.add_argument("--no-ceiling", action="store_true", help="skip the ceiling runs")
    ap.add_argument("--fault", action="append", default=[], metavar="NAME",
                    help="start the reference with this fault (aigw_reference/faults.py): the check of the "
                         "benchmark itself, e.g. accept-expired must show bogus tokens admitted and no figure")
    ap.add_argument("--code", type=Path, default=None, metavar="CHECKOUT",
                    help="run the reference from another checkout (e.g. `git archive <rev> aigw_reference "
                         "aigw_common | tar -x -C DIR`), for a before/after comparison")
    ap.add_argument("--profile", type=Path, default=None,
                    help="sample the reference with py-spy (pip install py-spy) into FILE.<workload> (raw format)")
    args = ap.parse_args()
    args.duration = max(1, min(args.duration, 120))
    workloads = list(WORKLOADS.values()) if args.workload == "both" else [WORKLOADS[args.workload]]
    header(f"reference auth decisions/s: {args.clients} concurrent clients, 1 in {args.valid_every} tokens valid, "
           f"{args.duration} s per run" + (f", FAULTS {', '.join(args.fault)}" if args.fault else "")
           + (f", reference code from {args.code}" if args.code else ""),
           "uvicorn", "h11", "starlette")
    if why := need("wrk", "apt-get install wrk"):
        return refuse(why)
    if args.profile and (why := need("py-spy", "pip install py-spy")):
        return refuse(why)
    print(f"# generator wrk: {subprocess.run(['wrk', '-v'], capture_output=True, text=True).stdout.splitlines()[0]}, "
          f"{args.clients} threads x 1 connection", flush=True)
    results: dict[tuple[str, str], dict] = {}
    with tempfile.TemporaryDirectory(prefix="aigw-bench-tp-") as tmp:
        folder = Path(tmp)
        faults = [a for f in args.fault for a in ("--fault", f)]
        with reference(folder, "--no-proxy", *faults, code=args.code) as state:
            tokens = prepare_tokens(state, folder)
            for w in workloads:
                prof = Path(f"{args.profile}.{w.name}") if args.profile else None
                results["reference", w.name] = run_wrk(state["base_url"], tokens, state["_pid"], w, args, prof)
        if not args.no_ceiling:
            sfile, log = folder / "ceiling.json", folder / "ceiling.log"
            with background([sys.executable, str(HERE / "ceiling_gateway.py"), str(sfile), str(tokens)],
                            log=log) as proc:
                cstate = wait_for_file(sfile, proc, log)
                for w in workloads:
                    results["ceiling", w.name] = run_wrk(cstate["base_url"], tokens, proc.pid, w, args)
    rates = {key: report(key[0], WORKLOADS[key[1]], r) for key, r in results.items()}
    print()
    for w in workloads:
        rate, ceiling = rates[("reference", w.name)], rates.get(("ceiling", w.name))
        if rate is None:
            print(f"{w.name:8}: NO FIGURE (see the errors above)")
            continue
        vs = ""
        if ceiling:
            # per second of CPU each got: on a shared machine the two runs do not get the same share of a core
            per = [rate / results["reference", w.name]["gateway_cpu"], ceiling / results["ceiling", w.name]["gateway_cpu"]]
            vs = f"; reference / ceiling {rate / ceiling:.2f} (per second of CPU each got: {per[0] / per[1]:.2f})"
        print(f"{w.name:8}: {rate:6.0f} decisions/s{vs}" +
              (f" -> {goal(rate >= GOAL_PER_S)} (>= {GOAL_PER_S}/s, 0 errors, 0 bogus admitted)"
               if w.name == "decision" else " (informative: a decision plus a provider round trip)"))
    footer()
    main_rate = rates.get(("reference", "decision"), rates.get(("reference", workloads[0].name)))
    if main_rate is None:
        return 2
    return 0 if main_rate >= GOAL_PER_S else 1


if __name__ == "__main__":
    sys.exit(main())
