"""Root conftest: stays thin, the plugin lives in the package (see aigw_conformance.pytest_plugin)."""

pytest_plugins = ["aigw_conformance.pytest_plugin"]
