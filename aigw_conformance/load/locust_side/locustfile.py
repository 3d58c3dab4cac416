"""The Locust side of `aigw-conformance load`: user classes, the network guard, request records.

Runs only inside Locust's own processes (master and workers), never in the harness: importing Locust
monkey-patches the process with gevent. The master reads the plan file named by AIGW_LOAD_PLAN and
hands the plan to each worker as it connects; workers send one record per request back to the master
(no token values: names, kinds, carriers, labels and times), which writes them as JSON lines for the
harness to judge. The master conducts the run: it marks the start, halts the workers after the
planned duration, waits (bounded) for their last records and quits.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import random
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, constant_throughput, events, task
from locust.runners import MasterRunner, WorkerRunner

from aigw_common.netguard import NetworkPolicy

PLAN_ENV = "AIGW_LOAD_PLAN"
WORKER_DIR_ENV = "AIGW_LOAD_WORKER_DIR"
KEY_ENV = "AIGW_LOAD_WORKER_KEY"      # the same names as in processes.py (which this file cannot import)
FLUSH_EVERY_S = 1.0
FINALS_GRACE_S = 5.0
PLAN_WAIT_S = 60.0


@dataclass
class Shared:
    """Per-process state of this Locust process, kept on the environment (no module globals)."""
    plan: dict | None = None
    policy: NetworkPolicy | None = None
    records: list = field(default_factory=list)
    sent: int = 0
    in_flight: int = 0
    halted: bool = False
    counters: dict = field(default_factory=dict)
    finals: set = field(default_factory=set)
    cpu_max: float = 0.0
    budget: int = 0
    conducting: bool = False
    cpu_mark: tuple = ()      # (wall, process CPU) at the last batch

    def cpu_since_last(self) -> float:
        """This process's CPU use since the last batch, in % of one core (Locust's own figure is sampled
        every few seconds and reads 0 at first, too late for a short workload)."""
        now = (time.monotonic(), time.process_time())
        before, self.cpu_mark = self.cpu_mark, now
        if not before or now[0] - before[0] < 0.2:
            return 0.0
        return 100.0 * (now[1] - before[1]) / (now[0] - before[0])

    def take(self, plan: dict, worker_index: int = 0) -> None:
        self.plan = plan
        _mark_seen(plan)
        self.policy = NetworkPolicy(frozenset(plan["allow_hosts"]))
        workers = max(1, int(plan["workers"]))
        share, rest = divmod(int(plan["max_requests"]), workers)
        self.budget = share + (1 if worker_index < rest else 0)
        for cls in _ROLE_CLASSES.values():
            cls.network_timeout = cls.connection_timeout = float(plan["timeout_s"])


def _mark_seen(plan: dict) -> None:
    """On a machine that only runs workers: tell `aigw-conformance load --master-host` what came (ids only)."""
    folder = os.environ.get(WORKER_DIR_ENV)
    if folder:
        with open(os.path.join(folder, "seen"), "a", encoding="utf-8") as fh:
            fh.write(plan["workload"] + "\n")
        if plan.get("last"):
            open(os.path.join(folder, "last"), "w").close()


def _state(environment) -> Shared:
    return environment.aigw  # set in on_init before any user exists


@events.init.add_listener
def on_init(environment, runner=None, **_kw):
    environment.aigw = st = Shared()
    if isinstance(runner, WorkerRunner):
        runner.register_message("aigw_plan", lambda environment, msg, **_: st.take(msg.data, runner.worker_index))
        runner.register_message("aigw_halt", lambda environment, msg, **_: gevent.spawn(_finish_worker, environment))
        gevent.spawn(_ask_for_plan, environment)
        gevent.spawn(_flusher, environment)
        return
    with open(os.environ[PLAN_ENV], encoding="utf-8") as fh:
        plan = json.load(fh)
    st.take(plan)
    for name, role in plan["roles"].items():
        _ROLE_CLASSES[name].fixed_count = int(role["users"])
    if isinstance(runner, MasterRunner):
        runner.register_message("aigw_records", lambda environment, msg, **_: _store(environment, msg.node_id, msg.data))
        # only to a worker that presents the run's worker key: anything reaching the master's port can
        # connect as a Locust worker, and the plan holds tokens
        runner.register_message("aigw_plan_request", lambda environment, msg, **_: _hand_plan(runner, plan, msg))
    events.spawning_complete.add_listener(lambda user_count, **_: gevent.spawn(_conduct, environment))


# ------------------------------------------------------------------ master: conduct and store
def _hand_plan(runner, plan: dict, msg) -> None:
    key = os.environ.get(KEY_ENV, "")
    given = str((msg.data or {}).get("key", ""))
    if key and hmac.compare_digest(given.encode(), key.encode()):
        runner.send_message("aigw_plan", plan, msg.node_id)
    else:
        logging.getLogger("aigw.load").warning("worker %s asked for the plan without the run's worker key; refused",
                                               msg.node_id)



def _store(environment, node_id: str, data: dict) -> None:
    st = _state(environment)
    with open(st.plan["records_path"], "a", encoding="utf-8") as fh:
        for rec in data["records"]:
            fh.write(json.dumps(rec) + "\n")
        fh.write(json.dumps({"meta": {"worker": data["worker"], "cpu_max": data["cpu_max"],
                                      "final": data["final"]}}) + "\n")
    if data["final"]:
        st.finals.add(node_id)


def _conduct(environment) -> None:
    st = _state(environment)
    if st.conducting:
        return
    st.conducting = True
    start = time.time()
    tmp = st.plan["started_path"] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"t": start}, fh)
    os.replace(tmp, st.plan["started_path"])
    gevent.sleep(max(0.0, start + float(st.plan["duration_s"]) - time.time()))
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        expected = {c.id for c in runner.clients.all}
        runner.send_message("aigw_halt")
        deadline = time.monotonic() + float(st.plan["timeout_s"]) + FINALS_GRACE_S
        while not expected <= st.finals and time.monotonic() < deadline:
            gevent.sleep(0.05)
    else:   # one local process (--workers 0): the records are ours
        _halt_and_drain(environment)
        _store(environment, "local", _batch(environment, final=True))
    runner.quit()


# ------------------------------------------------------------------ worker: halt and report
def _halt_and_drain(environment) -> None:
    st = _state(environment)
    st.halted = True
    deadline = time.monotonic() + (float(st.plan["timeout_s"]) if st.plan else 0.0) + 1.0
    while st.in_flight and time.monotonic() < deadline:
        gevent.sleep(0.02)


def _batch(environment, final: bool) -> dict:
    st = _state(environment)
    records, st.records = st.records, []
    st.cpu_max = max(st.cpu_max, st.cpu_since_last(),
                     float(getattr(environment.runner, "current_cpu_usage", 0.0) or 0.0))
    return {"records": records, "final": final, "cpu_max": st.cpu_max,
            "worker": getattr(environment.runner, "worker_index", 0)}


def _finish_worker(environment) -> None:
    _halt_and_drain(environment)
    environment.runner.send_message("aigw_records", _batch(environment, final=True))


def _ask_for_plan(environment) -> None:
    st = _state(environment)
    st.cpu_since_last()   # the first mark
    deadline = time.monotonic() + PLAN_WAIT_S
    while st.plan is None and time.monotonic() < deadline:
        try:
            environment.runner.send_message("aigw_plan_request", {"key": os.environ.get(KEY_ENV, "")})
        except Exception:  # noqa: BLE001 - not connected yet: ask again shortly
            pass
        gevent.sleep(0.25)


def _flusher(environment) -> None:
    st = _state(environment)
    while not st.halted:
        gevent.sleep(FLUSH_EVERY_S)
        if st.records and not st.halted:
            environment.runner.send_message("aigw_records", _batch(environment, final=False))


# ------------------------------------------------------------------ users
class _RoleUser(FastHttpUser):
    abstract = True
    role = ""
    insecure = False          # FastHttpUser skips TLS verification unless told otherwise
    max_redirects = 0         # a redirect could lead off the target's hosts
    host = "http://127.0.0.1"  # replaced by --host; every request uses the plan's absolute URLs

    def on_start(self) -> None:
        st = _state(self.environment)
        deadline = time.monotonic() + PLAN_WAIT_S
        while st.plan is None and time.monotonic() < deadline:   # the plan precedes the spawn message
            gevent.sleep(0.02)
        spec = st.plan["roles"][self.role]
        n = st.counters.get(self.role, 0)
        st.counters[self.role] = n + 1
        index = n * max(1, int(st.plan["workers"])) + max(0, getattr(self.environment.runner, "worker_index", 0))
        self.requests = spec["request_sets"][index % len(spec["request_sets"])]
        self.weights = [r["weight"] for r in self.requests]
        self.rate = float(spec["rate_per_user"])
        # a random phase, so users spawned together do not send in lockstep
        self.begin = time.monotonic() + float(spec["start_after_s"]) + random.uniform(0, 1.0 / max(self.rate, 0.1))
        self.user_id = f"{self.role}-{index}"
        self._pace = constant_throughput(self.rate)

    def wait_time(self) -> float:
        return self._pace(self)

    @task
    def send(self) -> None:
        st = _state(self.environment)
        if st.halted or st.sent >= st.budget:
            gevent.sleep(0.2)
            return
        if time.monotonic() < self.begin:
            gevent.sleep(min(0.05, self.begin - time.monotonic()))
            return
        req = random.choices(self.requests, weights=self.weights)[0]
        host = urlsplit(req["url"]).hostname or ""
        st.policy.check(host)     # the target's network policy, before any byte is sent
        st.sent += 1
        st.in_flight += 1
        t_send = time.time()
        try:
            with self.client.request(req["method"], req["url"], name=req["name"], headers=req["headers"],
                                     data=req["body"], catch_response=True, allow_redirects=False) as resp:
                status = int(resp.status_code or 0)
                error = "" if status else _error_kind(resp.error)
                rec = {"t": t_send, "ms": round((time.time() - t_send) * 1000.0, 3), "status": status,
                       "error": error, "name": req["name"], "kind": req["token_kind"], "carrier": req["carrier"],
                       "label": req["token_label"], "user": self.user_id, "role": self.role,
                       "expected": status in req["expect"]}
                if status == 429:
                    rec["retry_after"] = resp.headers.get("Retry-After") if resp.headers else None
                if rec["expected"]:
                    resp.success()
                else:
                    resp.failure(f"expected {'/'.join(map(str, req['expect']))}, got {status or error}")
        finally:
            st.in_flight -= 1
        st.records.append(rec)   # also after a halt: drained before the final batch goes


def _error_kind(exc) -> str:
    text = f"{type(exc).__name__}: {exc}".lower() if exc is not None else "no response"
    return "timeout" if "timeout" in text or "timed out" in text else "transport: " + text[:120]


class MixedUser(_RoleUser):
    role = "MixedUser"


class RevocationUser(_RoleUser):
    role = "RevocationUser"


class FloodValidUser(_RoleUser):
    role = "FloodValidUser"


class FloodBogusUser(_RoleUser):
    role = "FloodBogusUser"


class RateUnderUser(_RoleUser):
    role = "RateUnderUser"


class RateOverUser(_RoleUser):
    role = "RateOverUser"


_ROLE_CLASSES = {c.role: c for c in (MixedUser, RevocationUser, FloodValidUser, FloodBogusUser,
                                      RateUnderUser, RateOverUser)}
