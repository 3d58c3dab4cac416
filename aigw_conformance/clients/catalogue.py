"""The real client programs the live-clients profile runs: where each is, how it is started, and the
documented settings that turn its telemetry, update checks and auto-updaters off.

Versions are pinned in package.json (npm clients) and in pyproject.toml's `live-clients` extra
(the SDKs); `pinned_version()` reads the pin, `installed_version()` what is actually there, so a
run names exactly which client build it judged. Upgrading a client is a one-line change of the pin
followed by `aigw-conformance clients record`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from aigw_conformance import resources

DRIVERS = Path(__file__).with_name("drivers")


@dataclass(frozen=True)
class ClientProgram:
    name: str
    kind: str                         # "npm" (a package.json pin) or "python" (an SDK in the extra)
    package: str                      # npm package or PyPI distribution
    binary: str = ""                  # npm: the node_modules/.bin entry
    quiet_env: dict[str, str] = field(default_factory=dict)     # telemetry/updates off, always set
    quiet_args: tuple[str, ...] = ()  # the same, as documented command-line flags
    why_quiet: str = ""

    def default_args(self, prompt: str) -> list[str]:
        if self.name == "claude-code":
            return ["-p", prompt]
        if self.name == "codex":
            return ["exec", "--skip-git-repo-check", "--color", "never", prompt]
        if self.name == "copilot":
            return ["-p", prompt, "--allow-all-tools", "--stream", "off"]
        return [prompt]


CLIENTS: dict[str, ClientProgram] = {
    "claude-code": ClientProgram(
        "claude-code", "npm", "@anthropic-ai/claude-code", "claude",
        quiet_env={"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1",
                   "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1", "DISABLE_BUG_COMMAND": "1"},
        why_quiet="Claude Code settings docs: CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC and the DISABLE_* variables "
                  "(without them it resolves api.anthropic.com at start-up and sends a HEAD probe)"),
    "codex": ClientProgram(
        "codex", "npm", "@openai/codex", "codex",
        quiet_args=("-c", "check_for_update_on_startup=false", "-c", "analytics.enabled=false",
                    "-c", "feedback.enabled=false", "-c", 'otel.exporter="none"', "-c", 'otel.metrics_exporter="none"',
                    "-c", "features.plugins=false", "-c", "features.remote_plugin=false", "-c", "features.apps=false"),
        why_quiet="Codex config reference (-c overrides): without them it resolves ab.chatgpt.com (metrics), "
                  "chatgpt.com, github.com and api.github.com (plugins, update check) at start-up"),
    "copilot": ClientProgram(
        "copilot", "npm", "@github/copilot", "copilot",
        quiet_env={"COPILOT_OFFLINE": "true", "COPILOT_AUTO_UPDATE": "false"},
        quiet_args=("--no-auto-update", "--disable-client-telemetry"),
        why_quiet="`copilot help environment`: COPILOT_OFFLINE skips GitHub auth, telemetry and auto-update "
                  "(it needs COPILOT_PROVIDER_BASE_URL); --no-auto-update, --disable-client-telemetry"),
    # Copilot CLI on GitHub's own routing: cannot be driven here, the reason is recorded (COPILOT_GITHUB_REASON).
    "copilot-github": ClientProgram("copilot-github", "unavailable", "@github/copilot", "copilot"),
    "openai-python": ClientProgram("openai-python", "python", "openai"),
    "anthropic-python": ClientProgram("anthropic-python", "python", "anthropic"),
}


def node_bin_dirs() -> list[Path]:
    """Where npm clients are looked for: $AIGW_NODE_MODULES, then the checkout's node_modules."""
    dirs = []
    if os.environ.get("AIGW_NODE_MODULES"):
        dirs.append(Path(os.environ["AIGW_NODE_MODULES"]) / ".bin")
    top = resources.checkout_root()
    if top is not None:
        dirs.append(top / "node_modules" / ".bin")
    return dirs


def command(client: ClientProgram) -> list[str] | None:
    """The program to start (argv prefix), or None when the client is not installed."""
    if client.kind == "unavailable":
        return None
    if client.kind == "python":
        try:
            metadata.version(client.package)
        except metadata.PackageNotFoundError:
            return None
        return [sys.executable, str(DRIVERS / f"{client.package}_sdk.py")]
    for d in node_bin_dirs():
        exe = d / client.binary
        if exe.exists():
            return [str(exe)]
    return None


def missing_reason(client: ClientProgram) -> str:
    if client.kind == "unavailable":
        return f"not-supported: {COPILOT_GITHUB_REASON}"
    if client.kind == "python":
        return (f"not-supported: the {client.package} SDK is not installed "
                "(pip install 'aigw-conformance[live-clients]', or scripts/setup.sh test)")
    if shutil.which("node") is None:
        return f"not-supported: {client.name} needs Node.js (node is not on PATH)"
    return (f"not-supported: {client.name} ({client.package}) is not installed; run `npm ci` in the checkout "
            "(scripts/setup.sh test does) or point AIGW_NODE_MODULES at a node_modules folder")


def pinned_version(client: ClientProgram) -> str | None:
    top = resources.checkout_root()
    if top is None:   # an installed harness: the pins live in the checkout that built it
        return None
    if client.kind == "npm":
        try:
            pkg = json.loads((top / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        deps = {**pkg.get("dependencies", {}), **pkg.get("devDependencies", {})}
        return deps.get(client.package)
    try:
        import tomllib
        extra = tomllib.loads((top / "pyproject.toml").read_text(encoding="utf-8"))
        for req in extra["project"]["optional-dependencies"]["live-clients"]:
            name, _, version = req.partition("==")
            if name.strip() == client.package:
                return version.strip()
    except (OSError, KeyError, ValueError):
        return None
    return None


def installed_version(client: ClientProgram) -> str | None:
    if client.kind == "python":
        try:
            return metadata.version(client.package)
        except metadata.PackageNotFoundError:
            return None
    for d in node_bin_dirs():
        manifest = d.parent / client.package / "package.json"
        try:
            return json.loads(manifest.read_text(encoding="utf-8")).get("version")
        except (OSError, ValueError):
            continue
    return None


#: Why AUTH-CLIENT-010 cannot be run with the real Copilot CLI here (its provider mode is run instead).
COPILOT_GITHUB_REASON = (
    "GitHub Copilot's own routing (api.*.githubcopilot.com with a GitHub token, AUTH-CLIENT-010) needs a GitHub "
    "login: the CLI first exchanges the token at api.github.com, which no sealed run can reach and the canary does "
    "not emulate. Copilot CLI is therefore run in its documented BYOK provider mode (COPILOT_PROVIDER_BASE_URL, "
    "COPILOT_OFFLINE=true), where it is an OpenAI-compatible client of the gateway (AUTH-CLIENT-009).")


__all__ = ["CLIENTS", "ClientProgram", "command", "missing_reason", "pinned_version", "installed_version",
           "COPILOT_GITHUB_REASON", "node_bin_dirs"]
