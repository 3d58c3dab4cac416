"""The per-process run context: options, the target, the token broker, runners and capture.

Built once in pytest_configure, started lazily by the first scenario item that runs (so `pytest
tests` starts nothing), stopped at session end. Under xdist every worker has its own context and
its own embedded reference. A failed start is remembered: every later item errors at once with
the same paragraph instead of retrying a dead target.
"""

from __future__ import annotations

import inspect
import importlib
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aigw_conformance import resources
from aigw_conformance.errors import AigwError, ConfigError, TargetError
from aigw_conformance.netguard import LOOPBACK_ONLY, NetworkPolicy
from aigw_conformance.redact import REDACTOR, redact


@dataclass
class Options:
    target: str = "reference"
    targets_file: Path | None = None
    profiles: tuple[str, ...] = ()
    report_dir: Path = Path("reports")
    run_id: str = ""
    capture: bool = True
    enforce: bool = False
    expected_failures: Path | None = None
    era: str | None = None
    catalogue: Path | None = None
    faults: tuple[str, ...] = ()


def _optional(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _call_matching(fn, **kwargs):
    """Call `fn` with the keyword arguments its signature accepts (the seam is young)."""
    params = inspect.signature(fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return fn(**kwargs)
    return fn(**{k: v for k, v in kwargs.items() if k in params})


@dataclass
class RunContext:
    options: Options
    run_dir: Path
    target: Any = None
    broker: Any = None
    capture: Any = None
    reference: Any = None
    policy: NetworkPolicy = LOOPBACK_ONLY
    runners: dict[str, Any] = field(default_factory=dict)
    canary: Any = None
    tunnel_echo: Any = None
    notes: list[str] = field(default_factory=list)
    _failure: AigwError | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _catalogue: Any = None

    # -- inputs ---------------------------------------------------------------------------
    def fixtures(self) -> dict:
        """Route table and malformed-token catalogue, read once per process (not once per file)."""
        if not hasattr(self, "_fixtures"):
            from aigw_conformance.scenario.routes import load_routes
            from aigw_conformance.tokens.malformed import load_malformed
            self._fixtures = {"routes": load_routes(), "malformed": load_malformed()}
        return self._fixtures

    def catalogue(self):
        if self._catalogue is None:
            from aigw_conformance.requirements import load_catalogue
            self._catalogue = load_catalogue(self.options.catalogue)
        return self._catalogue

    def targets_file(self) -> Path:
        return resources.targets_file(self.options.targets_file)  # --targets-file, ./targets.yaml, shipped

    def describe_target(self) -> dict:
        """The target as it goes into the report: names and URLs, never a secret."""
        t = self.target
        if t is None:
            return {"name": self.options.target}
        out = {"name": getattr(t, "name", self.options.target), "kind": getattr(t, "kind", ""),
               "base_url": getattr(t, "base_url", None), "era": getattr(t, "era", None),
               "features": sorted(getattr(t, "features", ()) or ())}
        claimed = getattr(t, "profiles", None)
        if claimed:
            out["claimedProfiles"] = sorted(claimed)
        return out

    # -- lifecycle ------------------------------------------------------------------------
    def ensure_started(self) -> None:
        with self._lock:
            if self._failure is not None:
                raise self._failure
            if self.target is not None:
                return
            try:
                self._start()
            except AigwError as exc:
                self._failure = exc
                raise
            except Exception as exc:  # noqa: BLE001 - a start failure is the target's error, shown once
                self._failure = TargetError(f"could not start target {self.options.target!r}: "
                                            f"{type(exc).__name__}: {exc}")
                raise self._failure from exc

    def _start(self) -> None:
        targets_mod = importlib.import_module("aigw_conformance.targets")
        targets = targets_mod.load_targets(self.targets_file(), only=self.options.target)
        if self.options.target not in targets:
            raise ConfigError(f"no target named {self.options.target!r} (known: {', '.join(sorted(targets))})",
                              file=str(self.targets_file()), field="targets")
        target = targets[self.options.target]
        if getattr(target, "kind", "") == "reference":
            target = self._start_reference(targets_mod, target)
        self.policy = NetworkPolicy(frozenset(getattr(target, "allow_hosts", None) or ()))
        self.target = target
        self.broker = self._make_broker(target)
        self._make_runners(target)

    def _start_reference(self, targets_mod, declared):
        launch = _optional("aigw_reference.launch")
        if launch is None or not hasattr(launch, "start_reference"):
            raise TargetError("the embedded reference gateway is not available "
                              "(aigw_reference.launch.start_reference is missing)", target=self.options.target)
        # The state file holds the operator token and provider keys: keep it out of the report
        # folder; only the (redacted) log is copied there at the end.
        self._ref_dir = Path(tempfile.mkdtemp(prefix="aigw-ref-"))
        era = self.options.era or getattr(declared, "era", None) or "newest"
        # The tunnel destination must be up before the reference starts: its proxy's port gate
        # (AUTH-PROXY-002) admits only the ports it was given, 80/443 plus this one.
        from aigw_conformance.runner.tunnel_echo import start_tunnel_echo
        self.tunnel_echo = start_tunnel_echo()
        self.reference = _call_matching(launch.start_reference, run_dir=self._ref_dir, era=era,
                                        faults=list(self.options.faults),
                                        proxy_allowed_ports=[self.tunnel_echo.port])
        state = self.reference.state
        op = (state.get("operator") or {}).get("token")
        for secret in [op, *(state.get("central_keys") or {}).values(), *(state.get("static_tokens") or {}).values()]:
            if secret:
                REDACTOR.add_token(secret)
        return targets_mod.Target.for_reference(state)

    def _make_broker(self, target):
        from aigw_conformance.tokens import broker as broker_mod
        broker = broker_mod.broker_for(target, self.options.run_id, malformed=self.fixtures()["malformed"])
        if threading.current_thread() is threading.main_thread():
            broker_mod.install_signal_cleanup(broker)   # tokens and users are deleted even on SIGTERM
        return broker

    def _make_runners(self, target) -> None:
        from aigw_conformance.runner.canary import CanaryReader
        from aigw_conformance.runner.direct import DirectRunner
        timeouts = getattr(target, "timeouts", None)
        self.timeout = float(min(getattr(timeouts, "read", 10.0), getattr(timeouts, "total", 10.0)))
        endpoints = {"default": target.base_url, **dict(getattr(target, "endpoints", {}) or {})}
        proxy_url = getattr(target, "proxy_url", None)
        self.endpoints = {**endpoints, "proxy": proxy_url} if proxy_url else dict(endpoints)
        if self.options.capture:
            cap = _optional("aigw_conformance.capture")
            if cap is not None and hasattr(cap, "start_capture"):
                worker = os.environ.get("PYTEST_XDIST_WORKER")
                out = self.run_dir / f"capture-{worker}" if worker else self.run_dir
                # HTTP endpoints get reverse taps; the proxy a raw TCP tap (CONNECT bytes untouched)
                self.capture = cap.start_capture(endpoints, out, REDACTOR, proxy_url=proxy_url)
                self.endpoints = {**endpoints, **dict(self.capture.endpoints)}
                if proxy_url and getattr(self.capture, "proxy_url", None):
                    self.endpoints["proxy"] = self.capture.proxy_url
            else:
                self.notes.append("--aigw-capture on, but the capture part (aigw_conformance.capture) is "
                                  "not available: no traffic was recorded")
        self.runners["direct"] = DirectRunner(self.policy, timeout=self.timeout, target=target.name)
        if proxy_url and self.tunnel_echo is None and "tunnel-echo" in (getattr(target, "features", ()) or ()):
            from aigw_conformance.runner.tunnel_echo import start_tunnel_echo
            self.tunnel_echo = start_tunnel_echo()
        if proxy_url:
            from aigw_conformance.runner.proxy import ProxyRunner
            ca = getattr(target, "proxy_ca", None)
            if ca and ca.lstrip().startswith("-----BEGIN"):
                ca_pem = ca                      # the reference hands over PEM text
            elif ca in (None, "endpoint"):
                ca_pem = _fetch_ca(target, self.policy) if ca == "endpoint" else None
            else:
                ca_pem = _read_pem(ca)
            extra = (self.tunnel_echo.ca_pem,) if self.tunnel_echo is not None else ()
            self.runners["proxy"] = ProxyRunner(self.endpoints["proxy"], ca_pem, self.timeout, self.policy,
                                                extra_ca_pems=extra)
        canary_url = getattr(target, "canary_url", None)
        if canary_url:
            self.canary = CanaryReader(canary_url, self.policy)

    def target_view(self) -> dict:
        """What scenarios read as {{ target.… }}: the target's view plus harness-provided parts."""
        view = getattr(self.target, "template_view", None)
        out = dict(view()) if callable(view) else {}
        if self.tunnel_echo is not None:
            out["tunnel_echo"] = self.tunnel_echo.authority
        return out

    def evidence(self, test_id: str) -> list[str]:
        if self.capture is None or not hasattr(self.capture, "evidence"):
            return []
        try:
            ev = self.capture.evidence(test_id)
        except Exception:  # noqa: BLE001 - evidence is best effort, the verdict does not depend on it
            return []
        return [str(e) for e in (ev if isinstance(ev, (list, tuple)) else [ev]) if e]

    def _keep_reference_log(self) -> None:
        ref_dir = getattr(self, "_ref_dir", None)
        if ref_dir is None:
            return
        log = ref_dir / "reference.log"
        try:
            if log.exists():
                self.run_dir.mkdir(parents=True, exist_ok=True)
                text = log.read_text(encoding="utf-8", errors="replace")
                (self.run_dir / f"reference-{os.getpid()}.log").write_text(redact(text), encoding="utf-8")
        finally:
            shutil.rmtree(ref_dir, ignore_errors=True)

    def stop(self) -> None:
        for obj, method in ((self.broker, "cleanup"), (self.capture, "stop"), (self.canary, "close"), (self.tunnel_echo, "stop"),
                            *((r, "close") for r in self.runners.values()), (self.reference, "stop")):
            if obj is not None and hasattr(obj, method):
                try:
                    getattr(obj, method)()
                except Exception:  # noqa: BLE001 - stopping must go on for the other parts
                    pass
        self._keep_reference_log()


def _read_pem(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the proxy CA: {exc.strerror}", file=str(path), field="proxy_ca") from None


def _fetch_ca(target, policy: NetworkPolicy) -> str | None:
    # proxy_ca: endpoint = the gateway serves the proxy's CA (PROTOCOL.md AUTH-PROXY-009).
    from aigw_conformance import netguard
    prefix = dict(getattr(target, "prefixes", {}) or {}).get("canonical", "/api/v2/ai-gateway")
    url = target.base_url.rstrip("/") + prefix + "/proxy/ca-cert.pem"
    try:
        with netguard.client(policy, timeout=5.0, trust_env=False) as c:
            resp = c.get(url)
        return resp.text if resp.status_code == 200 and "BEGIN CERTIFICATE" in resp.text else None
    except Exception as exc:  # noqa: BLE001 - reported as a target error
        raise TargetError(f"cannot fetch the proxy CA certificate: {exc}", url=url) from exc


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{int(time.time() * 1000) % 1000:03d}"
