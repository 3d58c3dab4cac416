"""One gateway listener: coderd's root CSRF middleware, then the data plane under both prefixes and
everything else to the REST API.

The provider handler is the era's: `Forwarder` ([older], [newest]: fixed providers) or the
[model-authz] `Bridge` (providers from the catalogue, model authorization, the bridge error table).
"""

from __future__ import annotations

from .authorize import Authorizer
from .catalog import Catalog
from .config import ReferenceConfig
from .csrf import Csrf
from .dataplane import build_dataplane, is_dataplane_path
from .dataplane.bridge import Bridge
from .dataplane.forward import Forwarder
from .goerrors import text_error
from .modelauthz import ModelAuthorizer
from .restapi import RestApi
from .store import Store

CA_PATHS = ("/api/v2/ai-gateway/proxy/ca-cert.pem", "/api/v2/aibridge/proxy/ca-cert.pem")


class GatewayApp:
    def __init__(self, cfg: ReferenceConfig, store: Store, proxy_ca: dict, catalog: Catalog | None = None,
                 on_providers_changed=None) -> None:
        catalog = catalog if catalog is not None else Catalog(store)
        if cfg.era == "model-authz":
            models = ModelAuthorizer(catalog, decision=cfg.decision, faults=cfg.faults)
            authorizer = Authorizer(store, cfg, models)
            self.forwarder = Bridge(cfg, catalog, authorizer)
        else:
            authorizer = Authorizer(store, cfg)
            self.forwarder = Forwarder(cfg)
        self.dataplane = build_dataplane(cfg, authorizer, self.forwarder)
        self.rest = RestApi(cfg, store, proxy_ca, catalog, on_providers_changed)
        # the embedded gateway: coderd's root router runs CSRF before everything (AUTH-HTTP-011)
        self.app = Csrf(self._route, cfg.faults)

    async def _route(self, scope, receive, send) -> None:
        path = scope["path"]
        if is_dataplane_path(path) and path not in CA_PATHS:
            await self.dataplane(scope, receive, send)
        else:
            await self.rest(scope, receive, send)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        try:
            await self.app(scope, receive, send)
        except Exception:  # noqa: BLE001 - a bug must be a Go-style 500, never a traceback on the wire
            try:
                await text_error(500, "internal server error")(scope, receive, send)
            except Exception:  # noqa: BLE001 - response already started: nothing more to say
                pass
            raise
