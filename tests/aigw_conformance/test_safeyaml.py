"""Hostile YAML in every kind of input file: a located one-paragraph error, exit 2, fast, small.

Shapes: an alias bomb ("billion laughs": 9 levels of 9 aliases, 387 bytes that expand to ~4e8
nodes), an alias that contains itself, 5,000 levels of nested flow sequences and of flow mappings
(Python's recursion limit is 1,000), 25,000 list items in a small file (the node limit), and a file
of 8 MiB. Kinds: a suite, targets.yaml, and the fixture files requirements.yaml, routes.yaml and
malformed-tokens.yaml, each reached through the command a user would run (`validate` and its
options), plus the expected-failures file of `gate`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from aigw_conformance import cli, exitcodes
from aigw_conformance.errors import ConfigError
from aigw_conformance.report.expected_failures import load_expected_failures

from .sample_suite import GOOD_SCENARIO, HEAD

SECONDS = 2.0
# libyaml 0.2.5 has its own nesting limit (1,000) that its scanner may reach, scanning ahead, before
# the composer sees level 65 (seen with PyYAML 6.0.2 wheels on Python 3.12): still located, exit 2.
LIBYAML_DEPTH = "not valid YAML: exceeded maximum nesting depth"
MAX_RSS_MB = 200          # a whole `validate` process; the same command on a valid file uses ~60 MB
MAX_PEAK_MB = 20          # Python allocations of the in-process call

TINY_SUITE = HEAD + GOOD_SCENARIO

# A plausible head per kind, so the hostile part sits where a user's mistake (or attack) would.
HEADS = {
    "suite": "suite: hostile\nprofile: core\nscenarios: []\n",
    "targets": "targets:\n  reference: {kind: reference}\n",
    "requirements": "requirements:\n  AUTH-HTTP-001: {profile: core}\n",
    "routes": "routes:\n  openai.chat: {method: POST}\n",
    "malformed": "tokens:\n  - {name: empty, value: ''}\n",
    "expected-failures": "",
}


def bomb() -> tuple[str, str]:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join(f"*{prev}" for _ in range(9)) + "]\n"
        prev = name
    return text, "aliases expand to more than"


def self_alias() -> tuple[str, str]:
    return "x: &loop\n  - *loop\n", "refers to a node that contains it"


def deep_lists() -> tuple[str, str]:
    return "x: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 64 levels deep"


def deep_maps() -> tuple[str, str]:
    return "x: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", "nested more than 64 levels deep"


def many_nodes() -> tuple[str, str]:
    return "x:\n" + "  - a\n" * 25_000, "more than 20000 YAML nodes"


def huge() -> tuple[str, str]:
    return "x:\n" + "  - 'padding padding padding padding padding padding padding'\n" * 130_000, "too large"


SHAPES = {"bomb": bomb, "self-alias": self_alias, "deep-lists": deep_lists, "deep-maps": deep_maps,
          "many-nodes": many_nodes, "huge": huge}
# the line each shape is refused at, counted from the end of the head (None: the file as a whole)
LINES = {"bomb": 5, "self-alias": 2, "deep-lists": 1, "deep-maps": 1, "many-nodes": None, "huge": None}
FIELDS = {"bomb": "'e[", "self-alias": "'x[0]'", "deep-lists": "'x[0][0][0][0][0].…'",
          "deep-maps": "'x.a.a.a.a.a.…'", "many-nodes": "'x[", "huge": None}
KINDS = ("suite", "targets", "requirements", "routes", "malformed")


def write_hostile(tmp_path: Path, kind: str, shape: str) -> tuple[Path, str, int]:
    body, message = SHAPES[shape]()
    head = HEADS[kind]
    path = tmp_path / f"{kind}-{shape}.yaml"
    path.write_text(head + body, encoding="utf-8")
    return path, message, head.count("\n")


def argv(kind: str, path: Path, tiny: Path) -> list[str]:
    if kind == "suite":
        return ["validate", str(path)]
    option = {"targets": "--targets", "requirements": "--requirements", "routes": "--routes",
              "malformed": "--malformed"}[kind]
    return ["validate", str(tiny), option, str(path)]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.yaml"
    p.write_text(TINY_SUITE, encoding="utf-8")
    assert cli.main(["validate", str(p)]) == exitcodes.OK  # so only the hostile file can fail a check
    return p


def expected_location(path: Path, shape: str, head_lines: int) -> str:
    where = str(path)
    if LINES[shape] is not None:
        where += f", line {head_lines + LINES[shape]}"
    return where


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("kind", KINDS)
def test_hostile_file_is_a_located_input_error(kind, shape, tmp_path, tiny, capsys) -> None:
    path, message, head_lines = write_hostile(tmp_path, kind, shape)
    started = time.perf_counter()
    rc = cli.main(argv(kind, path, tiny))
    elapsed = time.perf_counter() - started
    err = capsys.readouterr().err
    assert rc == exitcodes.INVALID_INPUT, err
    assert elapsed < SECONDS, f"{kind}/{shape}: {elapsed:.2f} s"
    first = err.strip().splitlines()[0]
    assert first.startswith(f"{'' if kind == 'suite' else 'aigw-conformance: '}{expected_location(path, shape, head_lines)}")
    if LIBYAML_DEPTH in first and shape.startswith("deep"):
        return  # a newer libyaml refused it first, while scanning ahead: located, exit 2, but no field
    assert message in first
    if FIELDS[shape]:
        assert f"field {FIELDS[shape]}" in first, first
    assert "Traceback" not in err and "RecursionError" not in err and "internal error" not in err
    assert len(first) < 400  # one readable paragraph, not a dump of the path 5,000 levels deep

    tracemalloc.start()
    try:
        cli.main(argv(kind, path, tiny))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    capsys.readouterr()
    # the 8 MiB file is refused from its size, before it is read
    assert peak < MAX_PEAK_MB * 2**20, f"{kind}/{shape}: peak {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize("shape", list(SHAPES))
def test_expected_failures_file_of_gate(shape, tmp_path) -> None:
    path, message, head_lines = write_hostile(tmp_path, "expected-failures", shape)
    started = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        load_expected_failures(path)
    assert time.perf_counter() - started < SECONDS
    assert str(info.value).startswith(expected_location(path, shape, head_lines))
    assert message in str(info.value) or (shape.startswith("deep") and LIBYAML_DEPTH in str(info.value))


# The peak RSS of the command's own memory map (VmHWM), read by the process itself at exit. wait4's
# ru_maxrss would not do: Linux carries the forking parent's high-water mark over an exec, so under
# xdist a worker that ran a full conformance run before makes every child look that big.
_PEAK = """import atexit, sys
def _peak():
    hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'))
    open(sys.argv[1], 'w').write(hwm.split()[1])
atexit.register(_peak)
from aigw_conformance.cli import main
sys.exit(main(sys.argv[3:]))
"""


def _measure(cmd: list[str], cwd: Path) -> tuple[int, str, float, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    err_file, peak_file = cwd / "stderr.txt", cwd / "peak-kb.txt"
    assert cmd[1:3] == ["-m", "aigw_conformance"], cmd
    with err_file.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.run([cmd[0], "-c", _PEAK, str(peak_file), "--", *cmd[3:]], cwd=cwd, env=env,
                              stdout=subprocess.DEVNULL, stderr=err, timeout=60)
        wall = time.perf_counter() - started
    return proc.returncode, err_file.read_text(), wall, int(peak_file.read_text()) / 1024


@pytest.mark.parametrize("shape", list(SHAPES))
def test_validate_command_refuses_within_two_seconds_and_bounded_memory(shape, tmp_path, tiny) -> None:
    """The command as a user runs it: its own process, exit code, wall time, peak RSS.

    The wall time is compared with the same command on a small valid file, run just before: on a
    shared, loaded machine the interpreter's start-up alone can take a second or more, and that is
    not what the hostile file costs (about 0.5 s in all on a quiet machine)."""
    cmd = [sys.executable, "-m", "aigw_conformance", "validate"]
    base_rc, _, baseline, base_rss = _measure([*cmd, str(tiny)], tmp_path)
    assert base_rc == exitcodes.OK
    path, message, _ = write_hostile(tmp_path, "suite", shape)
    rc, err, wall, rss = _measure([*cmd, str(path)], tmp_path)
    assert rc == exitcodes.INVALID_INPUT, err
    assert (message in err or shape.startswith("deep") and LIBYAML_DEPTH in err) and "Traceback" not in err
    assert wall - baseline < SECONDS, f"{shape}: {wall:.2f} s, a valid file {baseline:.2f} s"
    assert rss < MAX_RSS_MB and rss - base_rss < 50, f"{shape}: {rss:.0f} MiB (a valid file {base_rss:.0f} MiB)"


def test_run_refuses_a_hostile_suite_before_starting_anything(tmp_path) -> None:
    path, message, _ = write_hostile(tmp_path, "suite", "bomb")
    cmd = [sys.executable, "-m", "aigw_conformance", "run", "--suites", str(path), "--capture", "off",
           "--report-dir", str(tmp_path / "reports")]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == exitcodes.INVALID_INPUT, out
    assert f"{path}, line 8, field 'e[5]': {message}" in out and "Traceback" not in out
    # pytest's own start-up is not the file's doing: time what the collection of the file took
    collected = re.search(r"1 error in ([0-9.]+)s", out)
    assert collected and float(collected.group(1)) < SECONDS, out
    assert not any((tmp_path / "reports").rglob("conformance.json")) if (tmp_path / "reports").exists() else True


def test_run_refuses_a_hostile_targets_file_as_input_not_as_an_unreachable_target(tmp_path, capsys) -> None:
    path, message, head_lines = write_hostile(tmp_path, "targets", "bomb")
    rc = cli.main(["run", "--targets-file", str(path), "--capture", "off", "--report-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert rc == exitcodes.INVALID_INPUT, err   # was 3: every scenario errored on the target's start
    assert err.startswith(f"aigw-conformance: {path}, line {head_lines + 5}, field 'e[") and message in err
    assert not (tmp_path / "r").exists()


def test_files_just_inside_the_limits_still_load(tmp_path) -> None:
    """The limits refuse hostile files, not big honest ones: 19,000 nodes, 60 levels, 900 aliases."""
    from aigw_conformance import safeyaml

    wide = "x:\n" + "  - a\n" * 18_990
    deep = "x: " + "[" * 60 + "]" * 60
    aliases = "a: &a [1, 2]\nb: [" + ", ".join(["*a"] * 900) + "]\n"
    for text in (wide, deep, aliases):
        started = time.perf_counter()
        safeyaml.load(text)
        assert time.perf_counter() - started < SECONDS
