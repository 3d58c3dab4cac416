"""Run one workload: mint through the broker, hand the plan to Locust, revoke on time, collect the records.

The harness process keeps the broker (minting, revoking, cleanup, redaction); the Locust processes get
the tokens only through the 0600 plan file in a private folder, which is deleted when the run ends.
Locust's own CSV and HTML reports are copied into the workload's folder after redaction by value.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from aigw_conformance.errors import ConfigError, TargetError

from .model import Revocation, Workload
from .plan import build_roles, make_plan, write_private
from .processes import WORKER_WAIT_S, start_run
from .records import read_records
from .verdicts import Observed, Revoked

START_GRACE_S = 45.0     # Locust imports, workers connect, users spawn (a loaded machine is slow)
END_GRACE_S = 20.0
ARTEFACTS = ("locust.html", "locust_stats.csv", "locust_stats_history.csv", "locust_failures.csv",
             "locust_exceptions.csv")


@dataclass(frozen=True)
class Engine:
    """How Locust runs: local workers here, workers expected from other machines, the master's address,
    and the key a worker must present to get a plan (a fresh random one unless workers come from elsewhere)."""
    local_workers: int = 2
    remote_workers: int = 0
    bind_host: str = "127.0.0.1"
    port: int | None = None
    worker_key: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)


def support(w: Workload, target, broker) -> str:
    """Why the target cannot run this workload, or "" when it can."""
    from aigw_conformance.scenario.routes import load_routes
    route = load_routes().get(w.route)
    if route is not None and not target.has(route.feature):
        return f"the target lacks {route.feature} (route {w.route})"
    if w.endpoint != "default" and w.endpoint not in (target.endpoints or {}):
        return f"the target has no endpoint {w.endpoint!r} (feature endpoint:{w.endpoint})"
    if isinstance(w, Revocation) and not target.has("token-api"):
        return "revoking under load needs the token REST API (feature token-api)"
    ok = broker.supports("valid")
    return "" if ok is True else f"the token source cannot provide a valid token: {ok}"


def _wait_started(path: Path, procs, deadline: float) -> float | None:
    while time.monotonic() < deadline:
        if path.exists():
            try:
                return float(json.loads(path.read_text(encoding="utf-8"))["t"])
            except (ValueError, KeyError, OSError):
                pass
        if procs.procs and procs.procs[0].poll() is not None:
            return None
        time.sleep(0.02)
    return None


def _revoke_on_time(w: Revocation, minted, broker, t_start: float) -> list[Revoked]:
    at = t_start + w.revoke.at * w.duration_s
    time.sleep(max(0.0, at - time.time()))
    done = []
    for label, (token, how) in minted.to_revoke.items():
        t_call = time.time()
        broker.revoke(token, how)
        done.append(Revoked(label, how, t_call, time.time()))
    return done


def _copy_artefacts(private: Path, out_dir: Path, redact) -> list[str]:
    kept = []
    for name in ARTEFACTS + tuple(p.name for p in sorted(private.glob("locust-*.log"))):
        src = private / name
        if src.exists():
            (out_dir / name).write_text(redact(src.read_text(encoding="utf-8", errors="replace")), encoding="utf-8")
            kept.append(name)
    return kept


def _carriers_for(target) -> tuple[str, ...]:
    carriers = ["bearer", "x-api-key"]
    if target.has("mode:byok"):
        carriers.append("governance")   # the governance header is the BYOK carrier
    return tuple(carriers)


def run_workload(w: Workload, *, target, broker, routes, engine: Engine, out_dir: Path, redact,
                 last: bool = True) -> tuple[Observed, list[str]]:
    """Run it; returns what was observed and the artefact files kept in out_dir (after `redact`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    private = Path(tempfile.mkdtemp(prefix="aigw-load-"))     # 0700: the plan inside holds tokens
    procs = None
    try:
        endpoint_url = target.endpoint_url(w.endpoint)
        host = _host_of(endpoint_url)
        if not target.network_policy().permits(host):           # refuse before minting or starting anything
            raise ConfigError(f"refusing to send load to {host}: only loopback and the target's "
                              "network.allow_hosts may be reached (provider hosts never)",
                              file=target.file or None, line=target.line or None, field="network.allow_hosts")
        roles, minted = build_roles(w, target=target, broker=broker, route=routes.get(w.route),
                                    endpoint_url=endpoint_url, carriers_ok=_carriers_for(target))
        workers = engine.local_workers + engine.remote_workers
        plan = make_plan(w, roles, host=endpoint_url, allow_hosts=target.allow_hosts, workers=workers,
                         out_dir=out_dir, private_dir=private, last=last)
        (out_dir / "requests.jsonl").unlink(missing_ok=True)
        plan_path = write_private(plan, private)
        hard = w.duration_s + w.timeout_s + END_GRACE_S
        procs = start_run(plan_path=plan_path, users=plan.users, classes=sorted(roles), host=endpoint_url,
                          hard_limit_s=hard, private_dir=private, local_workers=engine.local_workers,
                          remote_workers=engine.remote_workers, bind_host=engine.bind_host, port=engine.port,
                          worker_key=engine.worker_key)
        wait_workers = WORKER_WAIT_S if not engine.remote_workers else 300.0
        t_start = _wait_started(Path(plan.started_path), procs, time.monotonic() + START_GRACE_S + wait_workers)
        if t_start is None:
            procs.stop()
            tail = _log_tail(private, redact)
            return Observed(read_records(out_dir / "requests.jsonl"), None, workers,
                            problem=f"Locust did not start the workload (workers connected? see the logs){tail}"), \
                _copy_artefacts(private, out_dir, redact)
        revoked: list[Revoked] = []
        problem = ""
        if isinstance(w, Revocation):
            try:
                revoked = _revoke_on_time(w, minted, broker, t_start)
            except TargetError as exc:      # the REST call failed: no verdict on this workload, the run goes on
                problem = f"the revocation call failed: {exc}"
        finished = procs.wait_all(max(1.0, t_start + hard - time.time()) + END_GRACE_S)
        if not finished:
            problem = problem or "Locust did not stop by itself within its bound; it was stopped"
        procs.stop()
        return Observed(read_records(out_dir / "requests.jsonl"), t_start, workers, tuple(revoked),
                        problem=problem), _copy_artefacts(private, out_dir, redact)
    finally:
        if procs is not None:
            procs.stop()
        shutil.rmtree(private, ignore_errors=True)


def _host_of(url: str) -> str:
    from urllib.parse import urlsplit
    return urlsplit(url).hostname or ""


def _log_tail(private: Path, redact) -> str:
    for log in sorted(private.glob("locust-*.log")):
        text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        errors = [line for line in text if "ERROR" in line or "Traceback" in line or "Error" in line]
        if errors:
            return f": {log.name}: {redact(errors[-1])[:300]}"
    return ""


__all__ = ["Engine", "run_workload", "support"]
