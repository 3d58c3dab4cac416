"""Starting and stopping the reference proxy: one mitmproxy master in the caller's asyncio loop."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from mitmproxy import options
from mitmproxy.addons import tlsconfig
from mitmproxy.master import Master

from aigw_common.mitm_addons import proxy_addons

from .auth import CoderProxyAuth
from .gate import PortGate
from .guard import LoopbackDialGuard
from .rewrite import Rewrite
from .settings import ProxySettings
from .state import ConnectRegistry
from .tunnel import TunnelPolicy

START_TIMEOUT = 10.0


@dataclass
class ProxyHandle:
    url: str
    ca_cert_pem: str
    master: Master
    task: asyncio.Task
    guard: LoopbackDialGuard
    stopped: bool = field(default=False)

    async def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        ps = self.master.addons.get("proxyserver")
        await ps.servers.update([])     # shutdown() alone leaves the listening socket open
        self.master.shutdown()
        try:
            await asyncio.wait_for(self.task, 5)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            self.task.cancel()


def _tls_certs(settings: ProxySettings, confdir: Path) -> list[str]:
    """mitmproxy wants the listener's cert and key in one PEM file, keyed by the name clients use."""
    if not settings.tls:
        return []
    combined = confdir / "listener.pem"
    combined.write_bytes(
        Path(settings.tls_cert_file).read_bytes() + b"\n" + Path(settings.tls_key_file).read_bytes()
    )
    combined.chmod(0o600)
    return [f"{settings.listen_host}={combined}", f"localhost={combined}"]


class GatewayTls(tlsconfig.TlsConfig):
    """mitmproxy's TLS addon, minus its start-up re-read of the CA folder: `running` re-runs the CA
    load (a workaround for masters whose options never named confdir, mitmproxy's FIXME), and here
    `certs` is always set before the master runs, so the CA made at this start is already loaded."""

    def running(self) -> None:
        pass


def gateway_proxy_addons() -> list:
    """mitmproxy's part of the gateway's proxy: `proxy_addons` with the MITM CA and verified outbound
    TLS. Not mitmproxy's DumpMaster: its other defaults cost each start about 0.2 s of imports, served
    the mitm.it onboarding page, which no real gateway serves, and its ErrorCheck exits the whole
    process when anything logs an error during start-up, which would take the gateway down with it
    (listener failures are detected below instead)."""
    return proxy_addons(GatewayTls())


async def start_proxy(settings: ProxySettings, *, gateway_url: str, state_dir: Path, router=None) -> ProxyHandle:
    """`router`: the [model-authz] ProviderRouter (reload.py); None = the static allow-list."""
    confdir = Path(state_dir) / "proxy-ca"
    shutil.rmtree(confdir, ignore_errors=True)   # a fresh MITM CA every start
    confdir.mkdir(parents=True)
    opts = options.Options(
        mode=[f"regular@{settings.listen_host}:{settings.port}"] if settings.port else ["regular@0"],
        listen_host=settings.listen_host,
        confdir=str(confdir),
    )
    master = Master(opts, with_termlog=False)
    master.addons.add(*gateway_proxy_addons())
    master.options.update(
        connection_strategy="lazy",     # eager would dial the real provider at CONNECT time
        upstream_cert=False,            # never ask a provider for its certificate
        ssl_insecure=False,             # AUTH-PROXY-008: outbound TLS is verified
        certs=_tls_certs(settings, confdir),
    )
    registry = ConnectRegistry()
    guard = LoopbackDialGuard()
    rewrite = Rewrite(settings, registry, gateway_url, router)
    master.addons.add(
        PortGate(settings),
        CoderProxyAuth(settings, registry, router),
        TunnelPolicy(settings, registry),
        rewrite,
        guard,
    )
    task = asyncio.create_task(master.run())
    ps = master.addons.get("proxyserver")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while not ps.listen_addrs():
        failure = next((str(i.last_exception) for i in ps.servers if i.last_exception), None)
        if failure or task.done() or loop.time() > deadline:
            await ps.servers.update([])
            master.shutdown()
            await asyncio.wait({task}, timeout=5)
            raise RuntimeError(
                f"the AI Gateway Proxy could not listen on {settings.listen_host}:{settings.port}: "
                f"{failure or 'no listener came up within %.0f s' % START_TIMEOUT}"
            )
        await asyncio.sleep(0.02)
    host, port = ps.listen_addrs()[0][:2]
    rewrite.listen_port = port
    scheme = "https" if settings.tls else "http"
    shown = f"[{host}]" if ":" in host else host
    ca_pem = (confdir / "mitmproxy-ca-cert.pem").read_text()
    return ProxyHandle(f"{scheme}://{shown}:{port}", ca_pem, master, task, guard)
