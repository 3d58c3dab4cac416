"""The AI Gateway data plane: the middleware chain of AUTH-HTTP-006, then aibridged's ServeHTTP.

    LicenceGate -> ConcurrencyLimit -> RateLimit -> ByokGuard -> StripPrefix -> Aibridged -> Forwarder
"""

from __future__ import annotations

from ..authorize import Authorizer
from ..config import ReferenceConfig
from .forward import Forwarder
from .guards import ByokGuard, LicenceGate, StripPrefix
from .limits import ConcurrencyLimit, RateLimit
from .serve import Aibridged

PREFIXES = ("/api/v2/ai-gateway", "/api/v2/aibridge")


def build_dataplane(cfg: ReferenceConfig, authorizer: Authorizer, forwarder: Forwarder):
    app = Aibridged(forwarder, authorizer, cfg)
    app = StripPrefix(app, PREFIXES[:1] if "legacy-prefix-not-served" in cfg.faults else PREFIXES)
    app = ByokGuard(app, cfg)
    if cfg.rate_limit > 0:
        app = RateLimit(app, cfg)
    if cfg.max_concurrency > 0:
        app = ConcurrencyLimit(app, cfg.max_concurrency)
    return LicenceGate(app)


def is_dataplane_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PREFIXES)
