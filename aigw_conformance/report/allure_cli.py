"""Finding Allure Report 3 (an npm package, run by Node.js) and saying in one line what to install.

In a checkout `npm ci` puts it in node_modules/ at the repository top (package.json pins it); an
installed harness uses an `allure` 3.x on PATH (`npm install -g`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from aigw_conformance import resources

ALLURE_NPM = "allure@3.18.0"   # the version package.json pins (a test keeps them equal)
NODE_HINT = "install Node.js 20 or newer (Debian/Ubuntu: `apt-get install nodejs npm`)"


def find_allure(root: Path | None = None) -> Path | None:
    """The ``allure`` executable installed by ``npm ci`` at the repository top, else one on PATH."""
    root = root or resources.checkout_root()
    if root is not None:
        local = root / "node_modules" / ".bin" / "allure"
        if local.exists():
            return local
    found = shutil.which("allure")
    # An Allure 2 (Java) `allure` on PATH has another CLI; only trust it if it says it is 3.x.
    if found and _major_version(Path(found)) == 3:
        return Path(found)
    return None


def missing_here(allure: Path | None) -> str | None:
    """missing_hint for this machine: Node.js on PATH, the checkout this package runs from."""
    return missing_hint(allure, node=shutil.which("node") or "", checkout=resources.checkout_root())


def missing_hint(allure: Path | None, *, node: str, checkout: Path | None) -> str | None:
    """One line saying what to install so `aigw-conformance report` can run, or None when nothing."""
    get_allure = (f"run `npm ci` at the repository top ({checkout})" if checkout is not None
                  else f"run `npm install -g {ALLURE_NPM}`")
    if not node:
        return f"Node.js is not installed, and the HTML report needs it: {NODE_HINT}, then {get_allure}"
    if allure is None:
        return f"Allure Report 3 (npm package `allure`) is not installed: {get_allure}"
    return None


def _major_version(exe: Path) -> int | None:
    try:
        out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+)\.\d+", out)
    return int(m.group(1)) if m else None


__all__ = ["ALLURE_NPM", "find_allure", "missing_here", "missing_hint"]
