import ast
import subprocess
import sys

from aigw_conformance import cli, exitcodes
from aigw_conformance.errors import Mismatch, MismatchDetail, ScenarioError, TargetError


def test_scenario_error_paragraph_names_file_line_field():
    e = ScenarioError("unknown key 'stauts'", file="suites/x.yaml", line=12, field="scenarios[0].expect.stauts")
    assert str(e) == "suites/x.yaml, line 12, field 'scenarios[0].expect.stauts': unknown key 'stauts'"


def test_mismatch_is_an_assertion_error_with_requirement_expected_observed():
    m = Mismatch("HDR-1", ["AUTH-HTTP-001"], [MismatchDetail("status", "403", "200", step="call")],
                 evidence="reports/r/traffic.mitm#f1")
    assert isinstance(m, AssertionError)
    text = str(m)
    assert "AUTH-HTTP-001" in text and "expected 403" in text and "observed 200" in text
    assert "traffic.mitm#f1" in text


def test_target_error_message():
    assert "unreachable" in str(TargetError("unreachable", target="staging", url="http://127.0.0.1:1"))


def test_exit_codes_distinct():
    codes = [exitcodes.OK, exitcodes.NONCONFORMANT, exitcodes.INVALID_INPUT,
             exitcodes.TARGET_UNREACHABLE, exitcodes.INTERNAL_ERROR, exitcodes.INTERRUPTED]
    assert len(set(codes)) == len(codes)


def test_cli_without_command_is_usage_error(capsys):
    assert cli.main([]) == exitcodes.INVALID_INPUT


def test_cli_never_shows_traceback(monkeypatch, capsys):
    import argparse

    def boom(args):
        raise RuntimeError("kaboom")

    parser = argparse.ArgumentParser(prog="aigw-conformance")
    parser.add_subparsers(dest="command").add_parser("boom")
    monkeypatch.setattr(cli, "build_parser", lambda argv=None: (parser, {"boom": boom}))
    rc = cli.main(["boom"])
    err = capsys.readouterr().err
    assert rc == exitcodes.INTERNAL_ERROR
    assert "Traceback" not in err and "kaboom" in err


def test_cli_maps_scenario_error_to_invalid_input(monkeypatch, capsys):
    import argparse

    def bad(args):
        raise ScenarioError("unknown key", file="suites/a.yaml", line=3, field="x")

    parser = argparse.ArgumentParser(prog="aigw-conformance")
    parser.add_subparsers(dest="command").add_parser("bad")
    monkeypatch.setattr(cli, "build_parser", lambda argv=None: (parser, {"bad": bad}))
    assert cli.main(["bad"]) == exitcodes.INVALID_INPUT
    assert "suites/a.yaml, line 3" in capsys.readouterr().err


def test_a_command_loads_its_own_module_only():
    """`run` pays for no other command's imports; the top-level help still lists every command."""
    code = ("import sys; from aigw_conformance import cli; parser, mains = cli.build_parser(['run']); "
            "print(sorted(mains)); print(sorted(m for m in sys.modules if m.startswith('aigw_conformance.commands.'))); "
            "print(sorted(cli.build_parser([])[1]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    only, loaded, every = proc.stdout.splitlines()
    assert only == "['run']" and loaded == "['aigw_conformance.commands.run']", proc.stdout
    assert {"run", "list", "gate", "reference", "validate"} <= set(ast.literal_eval(every))
