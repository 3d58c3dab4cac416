"""From options to a started `Run`: the target started by its kind, a broker per deployment, the
capture taps, the transports. Everything started is closed through one ExitStack, in reverse order,
also when start-up fails half way.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

from aigw_common.netguard import NetworkPolicy
from aigw_common.redaction import Redactor
from aigw_conformance.errors import ConfigError
from aigw_conformance.runner.breaker import Breaker
from aigw_conformance.runner.canary import CanaryReader
from aigw_conformance.runner.direct import DirectRunner
from aigw_conformance.runner.leaks import LeakWatch
from aigw_conformance.targets.kinds import KINDS, StartContext, StartedTarget
from aigw_conformance import resources
from aigw_conformance.targets.loader import load_targets
from aigw_conformance.targets.model import Target
from aigw_conformance.tokens.broker import TokenBroker, install_signal_cleanup
from aigw_conformance.tokens.mint_path import MintPath
from aigw_conformance.tokens.naming import run_prefix
from aigw_conformance.tokens.pool import TokenPool
from aigw_conformance.tokens.sources import BrokerContext, build_broker

from .options import RunOptions
from .record import Inputs, Run
from .proxy_ca import proxy_ca_pem


def declared_target(options: RunOptions, redactor: Redactor) -> Target:
    path = resources.targets_file(options.targets_file)  # --targets-file, ./targets.yaml, the shipped one
    targets = load_targets(path, only=options.target, secrets=redactor)
    if options.target not in targets:
        raise ConfigError(f"no target named {options.target!r} (known: {', '.join(sorted(targets))})",
                          file=str(path), field="targets")
    return targets[options.target]


def _preload_capture() -> threading.Thread:
    """Import the capture (mitmproxy, about 0.6 s) while the target boots: the taps need the target's
    URLs, the import does not, and the target's start mostly waits on another process."""
    def load() -> None:
        try:
            import aigw_conformance.capture.capture  # noqa: F401
        except Exception:  # noqa: BLE001 - the real import in _start_capture reports it
            pass
    thread = threading.Thread(target=load, name="aigw-capture-import", daemon=True)
    thread.start()
    return thread


def start_run(options: RunOptions, inputs: Inputs, redactor: Redactor, stack: ExitStack) -> Run:
    declared = declared_target(options, redactor)
    last = ExitStack()   # closed after the target has stopped: the capture's files are written meanwhile
    stack.callback(last.close)
    preload = _preload_capture() if options.capture else None
    started = KINDS[declared.kind].start(declared, StartContext(redactor=redactor, run_dir=options.run_dir,
                                                                 stack=stack, era=options.era,
                                                                 faults=options.faults))
    target = started.target
    policy = NetworkPolicy(frozenset(target.allow_hosts))
    brokers = _brokers(target, options, inputs, redactor, policy, stack)
    mint_path = MintPath(redactor, run_prefix(options.run_id), brokers["default"])
    endpoints = {"default": target.base_url, **target.endpoints}
    capture, notes = None, []
    if options.capture:
        preload.join()   # one import, finished before the taps use it
        capture = _start_capture(target, endpoints, options.run_dir, redactor, mint_path, policy, stack, last)
        endpoints = {**endpoints, **capture.endpoints}
    timeout = target.timeouts.request
    transports: dict = {"direct": DirectRunner(policy, timeout=timeout, target=target.name,
                                               tag=capture is not None)}
    stack.callback(transports["direct"].close)
    if target.proxy_url:
        from aigw_conformance.runner.proxy import ProxyRunner
        ca_pem = proxy_ca_pem(target, policy, redactor)
        proxy_url = capture.proxy_url if capture is not None and capture.proxy_url else target.proxy_url
        transports["proxy"] = ProxyRunner(proxy_url, ca_pem, timeout, policy, extra_ca_pems=started.extra_ca_pems)
    canary = None
    if target.canary_url:
        canary = CanaryReader(target.canary_url, policy)
        stack.callback(canary.close)
    source = target.token_source
    return Run(options=options, inputs=inputs, target=target, redactor=redactor, policy=policy,
               brokers=brokers, mint_path=mint_path, transports=transports, endpoints=endpoints,
               canary=canary, capture=capture, breaker=Breaker(), leaks=LeakWatch(),
               token_pool=TokenPool(), timeout=timeout,
               operator_token=source.operator_token if source is not None else None, notes=tuple(notes))


def _brokers(target: Target, options: RunOptions, inputs: Inputs, redactor: Redactor, policy: NetworkPolicy,
             stack: ExitStack) -> dict[str, TokenBroker]:
    """One broker per deployment: the target's, and one per endpoint that declares its own tokens."""
    out: dict[str, TokenBroker] = {}
    deployments = {"default": (target.base_url, target.token_source),
                   **{name: (target.endpoints[name], spec) for name, spec in target.endpoint_tokens.items()}}
    for name, (url, spec) in deployments.items():
        ctx = None if spec is None else BrokerContext(
            spec=spec, base_url=url, run_id=options.run_id, redactor=redactor, policy=policy,
            timeouts=target.timeouts, malformed=inputs.malformed, target_name=target.name, era=target.era)
        broker = build_broker(ctx, redactor=redactor, malformed=inputs.malformed, target_name=target.name)
        stack.callback(broker.cleanup)   # before the target stops: stack order is reverse
        out[name] = broker
    if threading.current_thread() is threading.main_thread():
        # tokens and users are deleted even on SIGTERM
        install_signal_cleanup(lambda: [b.cleanup() for b in out.values()])
    return out


def _start_capture(target: Target, endpoints: dict, run_dir: Path, redactor: Redactor, mint_path: MintPath,
                   policy: NetworkPolicy, stack: ExitStack, last: ExitStack):
    from aigw_conformance.capture import start_capture

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    out = run_dir / f"capture-{worker}" if worker else run_dir
    # HTTP endpoints get reverse taps; the proxy a raw TCP tap (CONNECT bytes untouched)
    capture = start_capture(endpoints, out, redactor, proxy_url=target.proxy_url, mint_path=mint_path,
                            policy=policy)
    # The taps run in a thread of this process: every request waits for them. With Python's default
    # 5 ms switch interval a thread woken by its socket may wait that long for the interpreter.
    sys.setswitchinterval(0.0005)
    stack.callback(capture.begin_stop)   # the taps stop before the clean-up and the target's stop
    last.callback(capture.stop)          # and the files are waited for after them
    return capture


__all__ = ["start_run", "declared_target"]
