"""Import only the mitmproxy addons a master uses (the harness's taps, the reference's proxy).

``mitmproxy/addons/__init__.py`` imports every one of its ~30 addons on first touch of the package,
Flask (onboarding), ldap3 and passlib (proxy auth) among them: about 0.15 s of start-up, for the five
or six addons either master loads. `defer_package_init` registers the package without running its
``__init__``, so ``import mitmproxy.addons.proxyserver`` loads just that module. The first use of a
name the ``__init__`` itself defines (``default_addons``, as mitmproxy's own DumpMaster calls it)
runs the ``__init__`` then, so nothing else in the process sees a difference.
"""

from __future__ import annotations

import importlib.util
import sys
import threading

PACKAGE = "mitmproxy.addons"
_lock = threading.Lock()


def defer_package_init() -> None:
    with _lock:
        if PACKAGE in sys.modules:
            return
        spec = importlib.util.find_spec(PACKAGE)
        pkg = importlib.util.module_from_spec(spec)
        done = threading.Lock()

        def __getattr__(name: str):
            if name.startswith("__") or importlib.util.find_spec(f"{PACKAGE}.{name}") is not None:
                raise AttributeError(name)   # a submodule: the import system loads just that one
            with done:
                if "__getattr__" in pkg.__dict__:
                    del pkg.__dict__["__getattr__"]
                    spec.loader.exec_module(pkg)
            return getattr(pkg, name)

        pkg.__getattr__ = __getattr__
        sys.modules[PACKAGE] = pkg
        import mitmproxy
        mitmproxy.addons = pkg


def proxy_addons(tls) -> list:
    """mitmproxy's own addons every master of this project needs (the taps' and the reference's
    proxy): options core, listeners, layers, the given TLS addon, and the one default that acts on
    traffic unasked (h2c upgrades refused). The other defaults (playback, maps, blocklists, proxy
    auth, the mitm.it onboarding page, Alt-Svc rewriting) would only answer every hook of every flow."""
    # The callers' packages ran defer_package_init already: only these modules are imported.
    from mitmproxy.addons import core, disable_h2c, next_layer, proxyserver

    return [core.Core(), disable_h2c.DisableH2C(), proxyserver.Proxyserver(), next_layer.NextLayer(), tls]
