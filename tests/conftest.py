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


# Nothing the project's machinery creates may stay behind (the brief: "nothing the run created may be
# left"). Every process of this session, xdist workers and every reference, tap and run they start,
# gets a temporary folder of the session's own (inherited TMPDIR), so what stays there when the
# session ends was left by this session and no one else: the session fails and names it.
import os  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

_SESSION_TMP = pytest.StashKey[Path]()


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):     # an xdist worker: its controller's folder, inherited
        return
    folder = config._tmp_path_factory.getbasetemp() / "tmp"
    folder.mkdir()
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None                # gettempdir() caches its first answer
    config.stash[_SESSION_TMP] = folder


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    folder = session.config.stash.get(_SESSION_TMP, None)
    if folder is None:
        return
    # pytest's own folders (a subprocess pytest's basetemp) are kept on pytest's retention policy
    left = sorted(p.name for p in folder.iterdir() if not p.name.startswith("pytest-of-"))
    if left:
        session.config.get_terminal_writer().line(
            f"LEFT BEHIND in this session's temporary folder {folder}: {', '.join(left)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
