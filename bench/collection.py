"""Collection time for 10,000 generated scenarios, against pytest collecting 10,000 plain tests.

    python3 bench/collection.py [N]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import engine_missing, header, pytest_cmd, scenario_cmd, timed, write_suite

PLAIN = '''
import pytest
@pytest.mark.parametrize("i", range({n}))
def test_plain(i):
    pass
'''


def main(n: int) -> int:
    header(f"collection of {n} scenarios")
    with tempfile.TemporaryDirectory(prefix="aigw-bench-") as tmp:
        plain = Path(tmp) / "plain" / "test_plain.py"
        plain.parent.mkdir()
        plain.write_text(PLAIN.replace("{n}", str(n)))
        base = timed(pytest_cmd("--collect-only", "--noconftest", str(plain)), cwd=plain.parent)
        print(f"pytest, {n} parametrized tests : {base.seconds:7.2f} s  ({base.tail})")
        if why := engine_missing():
            print(f"SKIPPED scenario collection: {why}")
            return 1
        suite = write_suite(Path(tmp), n)
        yaml_t = timed(scenario_cmd("--collect-only", str(suite)))
    print(f"aigw, {n} YAML scenarios       : {yaml_t.seconds:7.2f} s  (exit {yaml_t.rc}: {yaml_t.tail})")
    if yaml_t.rc != 0:
        print("INVALID: collection did not succeed, no figure")
        return 1
    print(f"per 1,000 scenarios            : {yaml_t.seconds / n * 1000:7.2f} s")
    print(f"ratio aigw / plain pytest      : {yaml_t.seconds / base.seconds:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
