"""One gateway listener: the data plane under both prefixes, everything else to the REST API."""

from __future__ import annotations

from .authorize import Authorizer
from .config import ReferenceConfig
from .dataplane import build_dataplane, is_dataplane_path
from .dataplane.forward import Forwarder
from .goerrors import text_error
from .restapi import RestApi
from .store import Store

CA_PATHS = ("/api/v2/ai-gateway/proxy/ca-cert.pem", "/api/v2/aibridge/proxy/ca-cert.pem")


class GatewayApp:
    def __init__(self, cfg: ReferenceConfig, store: Store, proxy_ca: dict) -> None:
        self.forwarder = Forwarder(cfg)
        self.dataplane = build_dataplane(cfg, Authorizer(store, cfg), self.forwarder)
        self.rest = RestApi(cfg, store, proxy_ca)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        try:
            path = scope["path"]
            if is_dataplane_path(path) and path not in CA_PATHS:
                await self.dataplane(scope, receive, send)
            else:
                await self.rest(scope, receive, send)
        except Exception:  # noqa: BLE001 - a bug must be a Go-style 500, never a traceback on the wire
            try:
                await text_error(500, "internal server error")(scope, receive, send)
            except Exception:  # noqa: BLE001 - response already started: nothing more to say
                pass
            raise
