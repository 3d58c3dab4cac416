"""`aigw-conformance run` and the reference do not import what they never use (trio, httpx's CLI),
and a run that loads plugins of its own (-p) keeps everything importable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent("""
    import json, os, sys
    from aigw_common.unused_imports import skip_for_run, skip_if_asked
    mode = sys.argv[1]
    if mode == "run":
        skip_for_run(sys.argv[2:])
    elif mode == "worker":
        skip_if_asked()
    import httpx, httpcore
    with httpx.Client(trust_env=False) as c:   # httpx still sends with both skipped
        try:
            c.get("http://127.0.0.1:9/", timeout=0.5)
        except httpx.HTTPError:
            pass
    print(json.dumps({"trio": sys.modules.get("trio") is not None,
                      "httpx_cli": sys.modules.get("httpx._main") is not None,
                      "env": os.environ.get("AIGW_SKIP_UNUSED_IMPORTS")}))
""")


def probe(*args: str, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60,
                         env={**os.environ, **(env or {})})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def installed(name: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(name) is not None


def test_a_run_loads_neither_trio_nor_httpx_cli_and_tells_its_workers():
    seen = probe("run", "run", "--target", "reference", "-q")
    assert seen == {"trio": False, "httpx_cli": False, "env": "1"}


def test_a_worker_skips_only_when_its_run_asked():
    assert probe("worker", env={"AIGW_SKIP_UNUSED_IMPORTS": "1"})["httpx_cli"] is False
    plain = probe("worker", env={"AIGW_SKIP_UNUSED_IMPORTS": ""})
    assert plain["httpx_cli"] is installed("click")   # httpx loads its CLI when click is there
    if installed("trio"):
        assert plain["trio"] is True                    # httpcore imports trio when it is installed


@pytest.mark.parametrize("plugin_arg", [["-p", "pytest_trio"], ["-pmyplugin"]])
def test_a_run_naming_its_own_plugins_skips_nothing(plugin_arg):
    seen = probe("run", "run", *plugin_arg)
    assert seen["env"] is None
    assert seen["httpx_cli"] is installed("click")
