"""The reference AI Gateway Proxy (PROTOCOL.md AUTH-PROXY), built on mitmproxy.

    handle = await start_proxy(ProxySettings(...), gateway_url="http://127.0.0.1:PORT", state_dir=dir)
    handle.url            # "http://127.0.0.1:PORT" ("https://…" when tls cert and key are set)
    handle.ca_cert_pem    # the MITM CA certificate generated at this start (never the key)
    await handle.stop()   # frees the listening port

One mitmproxy master runs in the caller's event loop (one per process). Addons, one per concern,
in hook order: PortGate (AUTH-PROXY-002), CoderProxyAuth (003/004/005), TunnelPolicy (003),
Rewrite (006/007), LoopbackDialGuard (nothing leaves loopback). `wire` holds the exact answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aigw_common.mitm_addons import defer_package_init

from .settings import DEFAULT_DOMAINS, PROXY_FAULTS, ProxySettings

if TYPE_CHECKING:
    from .server import ProxyHandle

# Whatever module of the package comes first: only the addons `server.proxy_addons` names get loaded.
defer_package_init()

__all__ = ["DEFAULT_DOMAINS", "PROXY_FAULTS", "ProxyHandle", "ProxySettings", "start_proxy"]


async def start_proxy(settings: ProxySettings, *, gateway_url: str, state_dir: Any, router=None) -> "ProxyHandle":
    # Imported lazily: importing settings must not pull in mitmproxy.
    from .server import start_proxy as _start

    return await _start(settings, gateway_url=gateway_url, state_dir=state_dir, router=router)


def __getattr__(name: str) -> Any:
    if name == "ProxyHandle":
        from .server import ProxyHandle

        return ProxyHandle
    raise AttributeError(name)
