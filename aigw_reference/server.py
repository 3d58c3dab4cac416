"""Build the apps, run several uvicorn servers on bound loopback sockets in one asyncio loop, write state."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import shutil
import signal
import socket
import tempfile
from pathlib import Path

import uvicorn

from .app import GatewayApp
from .canary import build_canary
from .catalog import Catalog
from .config import VENDOR_URLS, ReferenceConfig
from .store import Store

log = logging.getLogger("aigw_reference")
MAX_HEADER_BYTES = 1 << 20   # Go's http.DefaultMaxHeaderBytes


def bind(host: str, port: int = 0) -> socket.socket:
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only when it is
    # (base_events._set_nodelay). With proto 0 Nagle stays on, and a response written as headers then
    # body waits for the client's delayed ACK: 40 ms per kept-alive request. Set on the listener as
    # well, which Linux copies to every accepted socket.
    s = socket.socket(fam, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.bind((host, port))
    s.listen(1024)
    s.setblocking(False)
    return s


def url_of(s: socket.socket) -> str:
    host, port = s.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def uv_server(app, sock, keepalive: float = 5.0) -> uvicorn.Server:
    # ws="none": a WebSocket opening handshake stays an HTTP request the gateway answers itself
    # ([model-authz] 501, AUTH-HTTP-012) instead of uvicorn taking it over
    cfg = uvicorn.Config(app, http="h11", ws="none", lifespan="off", log_level="warning", access_log=False,
                         timeout_keep_alive=keepalive,
                         h11_max_incomplete_event_size=MAX_HEADER_BYTES, timeout_graceful_shutdown=2,
                         backlog=1024, limit_concurrency=None, proxy_headers=False,
                         server_header=False)
    server = uvicorn.Server(cfg)
    server.install_signal_handlers = lambda: None   # the loop owner handles signals
    return server


def seed(store: Store, cfg: ReferenceConfig, catalog: Catalog | None = None) -> tuple[str, dict[str, str]]:
    """Operator (Owner) with a token, the configured users, and static tokens the API cannot mint.

    [model-authz] the seeded users existed before the upgrade, so (but for the system user) they hold
    the grandfathering role ai-gateway-unrestricted (AUTH-MODEL-006); every user is in the default org."""
    catalog = catalog or Catalog(store)
    org = catalog.default_org()
    op = store.create_user(cfg.operator_username, roles=("owner", "member"))
    catalog.add_member(org, op.id)
    op_token, _ = store.create_key(op.id, lifetime_ns=cfg.max_admin_token_lifetime_ns, token_name="operator")
    static = {}
    for spec in cfg.users:
        grant = ("ai-gateway-unrestricted",) if cfg.era == "model-authz" and not spec.is_system else ()
        u = store.create_user(spec.username, status=spec.status, roles=tuple(spec.roles) + grant,
                              is_system=spec.is_system, deleted=spec.deleted)
        catalog.add_member(org, u.id)
        if spec.status == "dormant" or spec.is_system or spec.deleted:
            static[spec.username], _ = store.create_key(u.id, lifetime_ns=cfg.default_token_lifetime_ns,
                                                        token_name="static")
    return op_token, static


def write_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def seed_providers(catalog: Catalog, cfg: ReferenceConfig) -> None:
    """The configured providers as catalogue rows: the vendor's base URL (what the model-authz proxy
    intercepts) and the canary as where the reference really sends them."""
    for name in cfg.providers:
        key = cfg.central_keys.get(name)
        catalog.create_provider(name=name, type=name, base_url=VENDOR_URLS[name], enabled=True,
                                api_keys=(key,) if key else (), upstream=cfg.upstreams.get(name, ""))


async def _start_proxy(cfg: ReferenceConfig, gateway_url: str, state_dir: Path, host: str, router=None):
    try:
        from aigw_reference.proxy import start_proxy
        from aigw_reference.proxy.settings import ProxySettings
    except ImportError as exc:
        log.warning("proxy unavailable, running without it: %s", exc)
        return None
    settings = ProxySettings(listen_host=host, era=cfg.era, faults=cfg.faults,
                             allowed_ports=cfg.proxy_allowed_ports)
    return await start_proxy(settings, gateway_url=gateway_url, state_dir=state_dir, router=router)


def _stop_on_signals(stop: asyncio.Event | None) -> asyncio.Event:
    """SIGTERM/SIGINT set the event, so the servers close their sockets and the state is cleaned up."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass   # not the main thread (tests run serve() in a thread): the caller sets `stop`
    return stop


async def serve(cfg: ReferenceConfig, *, state_file: Path | None, host: str = "127.0.0.1", port: int = 0,
                proxy: bool = True, on_ready=None, stop: asyncio.Event | None = None) -> None:
    stop = _stop_on_signals(stop)
    work = Path(tempfile.mkdtemp(prefix="aigw-reference-"))
    try:
        await _serve(cfg, work, stop, state_file=state_file, host=host, port=port, proxy=proxy, on_ready=on_ready)
    finally:
        # the database, the proxy's CA key and its confdir: nothing of a stopped reference stays behind
        shutil.rmtree(work, ignore_errors=True)


async def _serve(cfg: ReferenceConfig, work: Path, stop: asyncio.Event, *, state_file: Path | None, host: str,
                 port: int, proxy: bool, on_ready) -> None:
    issued = cfg.issued_keys_file or os.environ.get("AIGW_REFERENCE_ISSUED_KEYS_FILE", "")
    if issued:
        Path(issued).touch(mode=0o600)
    store = Store(work / "reference.db", Path(issued) if issued else None)
    catalog = Catalog(store)
    op_token, static = seed(store, cfg, catalog)
    socks = {"gateway": bind(host, port), "byok-disabled": bind(host), "rate-limited": bind(host),
             "canary": bind(host)}
    canary_url = url_of(socks["canary"])
    ups = {"openai": canary_url + "/openai/v1", "anthropic": canary_url + "/anthropic",
           "copilot": canary_url + "/copilot", **cfg.upstreams}
    cfg = dataclasses.replace(cfg, upstreams=ups, canary_url=canary_url)
    seed_providers(catalog, cfg)
    router = None
    if cfg.era == "model-authz":
        from aigw_reference.proxy.reload import ProviderRouter
        router = ProviderRouter(cfg.proxy_allowed_ports)

    def providers_changed() -> None:
        if router is not None:
            router.reload(lambda: [(p.name, p.base_url, p.enabled) for p in catalog.providers()])

    proxy_ca: dict = {}
    apps = {"gateway": GatewayApp(cfg, store, proxy_ca, catalog, providers_changed),
            "byok-disabled": GatewayApp(dataclasses.replace(cfg, allow_byok=False), store, proxy_ca, catalog,
                                        providers_changed),
            "rate-limited": GatewayApp(dataclasses.replace(cfg, rate_limit=2), store, proxy_ca, catalog,
                                       providers_changed),
            "canary": build_canary()}
    # --keep-alive is the gateway's HTTP behaviour; the canary (the harness's provider double) keeps
    # uvicorn's default, so a short gateway keep-alive does not also cut the gateway's upstream leg
    servers = {name: uv_server(apps[name], socks[name], 5.0 if name == "canary" else cfg.keepalive_timeout_s)
               for name in socks}
    tasks = [asyncio.create_task(servers[n].serve(sockets=[socks[n]])) for n in servers]
    handle = None
    try:
        while not all(s.started for s in servers.values()):
            if any(t.done() for t in tasks):
                raise RuntimeError("a reference listener failed to start")
            await asyncio.sleep(0.02)
        base_url = url_of(socks["gateway"])
        if proxy:
            handle = await _start_proxy(cfg, base_url, work, host, router)
            if handle is not None:
                proxy_ca["pem"] = handle.ca_cert_pem
        providers_changed()      # the reload proxy starts empty and fills on its first Reload
        state = {"pid": os.getpid(), "base_url": base_url,
                 "endpoints": {"byok-disabled": url_of(socks["byok-disabled"]),
                               "rate-limited": url_of(socks["rate-limited"])},
                 "proxy_url": handle.url if handle else None, "ca_cert_pem": handle.ca_cert_pem if handle else None,
                 "canary_url": canary_url, "era": cfg.era, "sub_variant": cfg.sub_variant,
                 "faults": sorted(cfg.faults),
                 "operator": {"username": cfg.operator_username, "token": op_token},
                 "central_keys": dict(cfg.central_keys),
                 "static_tokens": {"user-dormant": static.get("user-dormant"),
                                   "user-system": static.get("user-system"), **static}}
        if state_file is not None:
            write_atomic(state_file, state)
        if on_ready is not None:
            on_ready(state)
        await stop.wait()
    finally:
        if handle is not None:
            await handle.stop()
        for s in servers.values():
            s.should_exit = True
        await asyncio.wait(tasks, timeout=5)
        for a in apps.values():
            if isinstance(a, GatewayApp):
                await a.forwarder.client.aclose()
        store.close()


async def serve_canary(host: str, port: int, on_ready=None, stop: asyncio.Event | None = None) -> None:
    stop = _stop_on_signals(stop)
    sock = bind(host, port)
    server = uv_server(build_canary(), sock)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if on_ready:
        on_ready(url_of(sock))
    await asyncio.wait([task, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await asyncio.wait([task], timeout=5)
