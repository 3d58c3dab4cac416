"""The capture loads only the mitmproxy addons its taps use, and the rest of mitmproxy still works."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import aigw_conformance.capture.capture
from aigw_conformance.capture.master import tap_addons
loaded = sorted(m for m in sys.modules if m.startswith("mitmproxy.addons."))
print(len(tap_addons()), "flask" in sys.modules, "passlib" in sys.modules, "mitmproxy.addons.onboarding" in loaded)
from mitmproxy import addons                # what mitmproxy's own masters do
print(len(addons.default_addons()) > 20, "mitmproxy.addons.onboarding" in sys.modules)
from mitmproxy.tools.dump import DumpMaster  # noqa: F401 - a full master imports after the taps
"""


def test_the_taps_import_five_addons_and_default_addons_still_loads_them_all():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["5 False False False", "True True"]
