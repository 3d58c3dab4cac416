"""A run's terminal output is the harness's own: the deprecation noise of mitmproxy's dependencies
(ldap3, passlib) is filtered by exact message and module, nothing else is."""

from __future__ import annotations

import textwrap

import pytest

from aigw_conformance.commands import run
from aigw_conformance.pytest_plugin import THIRD_PARTY_WARNINGS

pytest_plugins = ["pytester"]


def test_only_the_known_third_party_warnings_are_filtered(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["aigw_conformance.pytest_plugin"]\n')
    pytester.makepyfile(test_noise=textwrap.dedent("""\
        import warnings

        def test_imports_like_mitmproxy_does():
            # what `from pyasn1.codec.ber.encoder import tagMap, typeMap` in ldap3 and
            # `from crypt import crypt` in passlib raise, attributed to the importing module
            for msg, mod in (("tagMap is deprecated. Please use TAG_MAP instead.", "ldap3.utils.asn1"),
                             ("typeMap is deprecated. Please use TYPE_MAP instead.", "ldap3.utils.asn1"),
                             ("'crypt' is deprecated and slated for removal in Python 3.13", "passlib.utils")):
                warnings.warn_explicit(msg, DeprecationWarning, mod.replace(".", "/") + ".py", 50, module=mod)
            warnings.warn_explicit("tagMap is deprecated", DeprecationWarning, "mine.py", 1, module="mine")
            warnings.warn("the harness's own deprecation", DeprecationWarning)
        """))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    out = result.stdout.str()
    assert result.ret == 0
    assert "ldap3" not in out and "passlib" not in out and "TYPE_MAP" not in out
    assert "mine.py:1: DeprecationWarning: tagMap is deprecated" in out     # same text, other module
    assert "the harness's own deprecation" in out and "2 warnings" in out


def test_filters_name_message_and_module() -> None:
    for line in THIRD_PARTY_WARNINGS:
        action, message, category, module = line.split(":")[:4]
        assert action == "ignore" and message and category == "DeprecationWarning" and module


def _run_namespace(passthrough: list[str]):
    """What the CLI parses for `aigw-conformance run` with defaults and these pytest options."""
    import argparse

    return argparse.Namespace(target="reference", targets_file=None, profile=[], report_dir="reports", run_id=None,
                              capture="off", enforce=False, expected_failures=None, era=None, suites=None,
                              passthrough=passthrough)


def test_run_leaves_foreign_plugins_out_and_reads_only_its_own_ini() -> None:
    args = run.pytest_args(_run_namespace([]), "r1")
    assert args[args.index("-c") + 1].endswith("aigw_conformance/run.ini")
    # no plugin is auto-loaded (main() sets the variable); the run names the ones it uses
    assert run.NO_AUTOLOAD == "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
    assert {"xdist.plugin", "allure_pytest.plugin", "aigw_conformance.pytest_plugin"} <= set(args)
    assert args[0] == args[args.index("--aigw-suites") + 1]


@pytest.mark.parametrize(("passthrough", "dist"), [(["-n", "2"], "worksteal"), ([], "worksteal"),
                                                  (["-n", "2", "--dist", "load"], "load")])
def test_run_distributes_by_work_stealing_unless_told(passthrough, dist, monkeypatch) -> None:
    """Parsed by pytest itself with the run's arguments: -n gets worksteal, a user's --dist wins."""
    from _pytest.config import _prepareconfig

    monkeypatch.setenv(run.NO_AUTOLOAD, "1")   # as `run` sets it: the run names its plugins
    config = _prepareconfig(run.pytest_args(_run_namespace(passthrough), "r1"))
    try:
        assert config.option.dist == dist
    finally:
        config._ensure_unconfigure()


def test_list_into_a_closed_pipe_is_not_an_internal_error(tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    # `true` exits at once without reading: by the time the listing is written, the pipe is closed
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; '{sys.executable}' -m aigw_conformance list | true"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "internal error" not in proc.stderr, proc.stderr


@pytest.mark.parametrize(("passthrough", "spawned"), [
    ([], ("newest", [], False)),
    (["-n", "2"], ("newest", [], True)), (["-n2", "-k", "x"], ("newest", [], True)),
    (["--numprocesses=auto"], ("newest", [], True)), (["-n", "2", "-n", "0"], ("newest", [], False)),
    (["--aigw-fault", "accept-expired", "--aigw-fault=skip-csrf", "--aigw-era", "older"],
     ("older", ["accept-expired", "skip-csrf"], False)),
    (["--tx", "2*popen"], None), (["--collect-only"], None), (["--co", "-n", "2"], None)])
def test_the_early_reference_is_the_one_the_run_will_take(passthrough, spawned, monkeypatch) -> None:
    """Spawned for the era and faults the workers or this process will ask for (else it would be
    ended unused and another booted), shared with -n workers; not when no scenario runs here or in a
    worker of this machine."""
    from types import SimpleNamespace

    from aigw_conformance.targets import reference

    calls = []
    monkeypatch.setattr(reference, "spawn_early", lambda era, faults=(), *, share=False:
                        calls.append((era, list(faults), share)))
    run._spawn_reference_early(_run_namespace(passthrough), SimpleNamespace(kind="reference", era=None))
    assert calls == ([spawned] if spawned else [])
