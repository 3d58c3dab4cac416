"""Shared by every test of the project itself."""

# The proxy tests of the harness and of the reference share one in-process mitmproxy (one master per
# process), so their fixtures are registered once, here, not in a conftest of each folder.
pytest_plugins = ["tests.proxy_fixtures"]

# pytester's in-process runs restore sys.modules afterwards, so a module first imported inside one
# run is imported anew in the next. httpx imports httpcore lazily and caches its exception map by
# httpcore's classes: a second httpcore would let raw httpcore errors escape httpx's mapping.
# Importing it here keeps one httpcore for the whole session.
import httpcore  # noqa: F401
# The same for cryptography: its hash algorithms are checked by class, and the harness's tunnel echo
# signs a certificate at start-up inside such runs.
import cryptography.x509  # noqa: F401,E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: F401,E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: F401,E402

