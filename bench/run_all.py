"""Run every benchmark once, in one process tree, and print their figures (for bench/README.md).

    python3 bench/run_all.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCRIPTS = ["collection.py", "overhead.py", "capture_onoff.py", "full_run.py"]

if __name__ == "__main__":
    rc = 0
    for script in SCRIPTS:
        rc |= subprocess.run([sys.executable, str(HERE / script)], timeout=3600).returncode
        print()
    sys.exit(rc)
