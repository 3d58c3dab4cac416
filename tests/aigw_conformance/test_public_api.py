"""The public surface other parts code against, the repository's own input files, and SIGTERM cleanup."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from aigw_conformance import features, requirements, targets
from aigw_conformance.scenario import expand, loader, model, routes, templating
from aigw_conformance.tokens import broker, malformed, sources


def test_exported_members():
    assert set(requirements.__all__) >= {"Catalogue", "Requirement", "load_catalogue"}
    assert set(loader.__all__) >= {"load_suites", "check_suites", "suite_paths"}
    assert set(model.__all__) >= {"Suite", "Scenario", "Step", "RequestStep", "ActionStep", "FuzzStep", "Request",
                                  "Expect"}
    assert set(expand.__all__) >= {"Case", "expand"}
    assert set(templating.__all__) >= {"render", "TemplateError"}
    assert set(routes.__all__) >= {"load_routes", "resolve", "Route"}
    assert set(targets.__all__) >= {"Target", "load_targets"}
    assert set(broker.__all__) >= {"TokenBroker", "install_signal_cleanup"}
    assert set(sources.__all__) >= {"SOURCES", "build_broker"} and set(sources.SOURCES) == {"coder-api", "static"}
    assert set(malformed.__all__) >= {"load_malformed"}
    assert "proxy" in features.FEATURES and all(features.FEATURES.values())


def test_repository_inputs_load():
    cat = requirements.load_catalogue()
    assert len(cat) > 10 and "core" in cat.profiles()
    assert "openai.chat" in routes.load_routes()
    assert malformed.load_malformed().names()
    assert targets.load_targets()["reference"].kind == "reference"


def test_sigterm_runs_cleanup_before_exit(tmp_path):
    marker = tmp_path / "cleaned"
    code = textwrap.dedent(f"""
        import os, signal, time
        from aigw_conformance.tokens.broker import install_signal_cleanup

        def cleanup():
            open({str(marker)!r}, "w").write("done")
            return []

        install_signal_cleanup(cleanup)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    """)
    proc = subprocess.run([sys.executable, "-c", code], timeout=30, capture_output=True)
    assert marker.read_text() == "done"
    assert proc.returncode == 128 + 15
