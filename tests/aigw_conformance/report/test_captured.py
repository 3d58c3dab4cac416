"""pytest's captured log, stdout and stderr reach allure's attachments and the terminal redacted,
also from a logger that does not propagate (pytest 9.1 and later capture those too)."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

SECRET = "AbCdEf1234-s3cr3tTokenSecretValue99"


def test_captured_sections_are_redacted_before_allure_and_the_terminal(pytester: pytest.Pytester, monkeypatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")   # as `run` does: the plugins are named
    pytester.makeconftest(textwrap.dedent(f"""\
        from aigw_common.redaction import Redactor
        from aigw_conformance.report.captured import RedactCaptured

        def pytest_configure(config):
            r = Redactor()
            r.add_token({SECRET!r})
            config.pluginmanager.register(RedactCaptured(r.redact), "redact-captured")
        """))
    pytester.makepyfile(test_leaky=textwrap.dedent(f"""\
        import logging, sys

        quiet = logging.getLogger("like.mitmproxy")
        quiet.propagate = False          # as the capture's taps set theirs
        quiet.setLevel(logging.INFO)

        TOKEN = {SECRET[:20]!r} + {SECRET[20:]!r}   # the traceback shows this source, not the value

        def test_logs_and_prints_a_token():
            quiet.warning("Invalid header line: b'%s'", TOKEN)
            logging.getLogger("other").error("token %s", TOKEN)
            print("stdout", TOKEN)
            print("stderr", TOKEN, file=sys.stderr)
            assert False
        """))
    result = pytester.runpytest_subprocess("-p", "allure_pytest.plugin", "--alluredir", "allure", "-p", "no:cacheprovider",
                                           "-p", "no:randomly")
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 1
    assert "Captured log call" in out and "Captured stdout call" in out and "AbCdEf1234-<redacted:" in out
    texts = [p.read_text() for p in (pytester.path / "allure").glob("*-attachment*")]
    assert any("Invalid header line" in t for t in texts) and any("stdout" in t for t in texts)
    assert "s3cr3tTokenSecretValue99" not in out
    assert not any("s3cr3tTokenSecretValue99" in t for t in texts)
