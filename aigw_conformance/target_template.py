"""A commented targets.yaml entry for a new external target, and adding it to a targets file.

The entry holds no secret and no placeholder that would load as a wrong value: what the QA engineer
must supply is either given on the command line (the base URL) or a `${VAR}` read from the
environment when the target is used, so the file loads with `targets.load_targets` as soon as its
variables are set. The entry is inserted at the end of the existing `targets:` mapping (after any
commented examples there), never by rewriting the file through a YAML dumper, which would drop the
comments people keep in it. A new file starts as a copy of the shipped targets.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from aigw_conformance import resources
from aigw_conformance.errors import ConfigError
from aigw_conformance.safeyaml import YamlProblem, compose_all, load, read_text

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
LOOPBACK = ("127.0.0.1", "::1", "localhost")
STATIC_KINDS = ("valid", "valid@second", "expired", "revoked-delete", "user-suspended", "user-dormant")


@dataclass(frozen=True)
class NewTarget:
    name: str
    base_url: str | None = None        # None: read from ${<PREFIX>_BASE_URL}
    tokens: str = "coder-api"          # coder-api | static

    @property
    def prefix(self) -> str:
        return "AIGW_" + re.sub(r"[^A-Z0-9]", "_", self.name.upper())

    def variables(self) -> list[str]:
        """The environment variables the entry needs before it loads."""
        out = [] if self.base_url else [f"{self.prefix}_BASE_URL", f"{self.prefix}_HOST"]
        return out + ([f"{self.prefix}_OPERATOR_TOKEN"] if self.tokens == "coder-api" else [])


def entry(t: NewTarget) -> str:
    """The entry's YAML text, indented as a mapping at column 0 (the caller indents it)."""
    p = t.prefix
    base = t.base_url or f"${{{p}_BASE_URL}}"
    host = urlsplit(t.base_url).hostname if t.base_url else f"${{{p}_HOST}}"
    hosts = "[]" if host in LOOPBACK else f'["{host}"]'
    head = [
        f"# --- {t.name}: written by `aigw-conformance init`. Fill it in, check it with",
        f"#     `aigw-conformance validate --targets targets.yaml`, run `aigw-conformance run --target {t.name}`.",
        "#     No secret goes in this file: ${VAR} is read from the environment when the target is used.",
        f"{t.name}:",
    ]
    body = [
        ("  kind: external", ""),
        (f"  description: {t.name} (the deployment, its version, who owns it)", ""),
        (f"  base_url: {base}", "the Coder deployment that serves the AI Gateway"),
        ("  era: newest", "newest | older: the documented behaviour the build follows"),
        ("  profiles: [core, lifecycle, credential-modes]", "the profiles it claims (add proxy below)"),
        ("  credential_modes: [centralized, byok]", "the modes the deployment has enabled"),
        ("  providers: {openai: {}, anthropic: {}}", "a renamed provider: {openai: {name: oai}}"),
        *_tokens(t),
        (f"  network: {{allow_hosts: {hosts}}}", "the only non-loopback hosts the run may dial"),
        ("  timeouts: {connect: 5, read: 30, total: 60}", "seconds"),
        ("  # Uncomment what the deployment has:", ""),
        ("  # canary_url: http://127.0.0.1:18080", "`aigw-conformance reference canary --port 18080`,"),
        ("  #", "with the gateway's provider base URLs pointed at it"),
        ("  # proxy_url: http://coder.example.com:8888", "the AI Gateway Proxy (aibridgeproxyd)"),
        ("  # proxy_ca: endpoint", "the proxy's MITM CA from the deployment, or a PEM path"),
        ("  # endpoints: {byok-disabled: https://nobyok.example.com}", "a second deployment, BYOK off"),
        (f'  # central_keys: {{openai: "${{{p}_OPENAI_KEY}}"}}', "the centralized provider keys, if shared"),
    ]
    width = max(len(code) for code, note in body if note) + 2
    lines = head + [f"{code.ljust(width)}# {note}" if note else code for code, note in body]
    return "\n".join(lines) + "\n"


def _tokens(t: NewTarget) -> list[tuple[str, str]]:
    if t.tokens == "coder-api":
        return [("  tokens:", ""),
                ("    source: coder-api", "minted tokens carry the run id and are deleted at the end"),
                (f"    operator_token_env: {t.prefix}_OPERATOR_TOKEN", "an Owner's API token: the variable's name")]
    env = [(f"      {kind}: {t.prefix}_TOKEN_{re.sub(r'[^A-Z0-9]', '_', kind.upper())}", "")
           for kind in STATIC_KINDS]
    return [("  tokens:", ""),
            ("    source: static", "pre-made tokens; a kind whose variable is unset is not-supported"),
            ("    env:", "token kind → environment variable"),
            *env]


def add_to_file(path: Path, t: NewTarget) -> int:
    """Add the entry to `path` (created when missing); the 1-based line where it starts."""
    if not NAME.match(t.name):
        raise ConfigError(f"not a valid target name {t.name!r} (letters, digits, . _ -)", field="NAME")
    if t.tokens not in ("coder-api", "static"):
        raise ConfigError("--tokens must be coder-api or static", field="--tokens")
    # A new file starts as the shipped one: ./targets.yaml replaces it for `run`, so it keeps the
    # embedded `reference` target (the default) and the commented examples.
    text = read_text(path) if path.exists() else read_text(resources.default_targets_file())
    new, line = _insert(text, t, str(path))
    try:
        written = load(new)
    except YamlProblem as exc:  # the file's own layout defeated the insertion
        raise ConfigError(f"could not add the entry without breaking the file ({exc}); add it by hand",
                          file=str(path)) from None
    if not isinstance(written, dict) or not isinstance((written.get("targets") or {}).get(t.name), dict):
        raise ConfigError("could not add the entry under `targets:`; add it by hand", file=str(path))
    path.write_text(new, encoding="utf-8")
    return line


def _insert(text: str, t: NewTarget, file: str) -> tuple[str, int]:
    try:
        docs = compose_all(text)
    except YamlProblem as exc:
        raise ConfigError(exc.message, file=file, line=exc.line, field=exc.field) from None
    root = docs[0] if docs else None
    if root is None or (isinstance(root, yaml.ScalarNode) and root.value == ""):
        head = text + ("" if text.endswith("\n") or not text else "\n")
        return head + "targets:\n" + _indent(entry(t), 2), head.count("\n") + 2
    if len(docs) != 1 or not isinstance(root, yaml.MappingNode):
        raise ConfigError("expected a mapping with `targets:` (name → settings)", file=file, line=1)
    targets = next((v for k, v in root.value if k.value == "targets"), None)
    if targets is None:
        raise ConfigError("the file has no `targets:` mapping to add to", file=file, line=1)
    if not isinstance(targets, yaml.MappingNode) or targets.flow_style:
        raise ConfigError("`targets:` is not a block mapping; add the entry by hand", file=file,
                          line=targets.start_mark.line + 1, field="targets")
    for key, _ in targets.value:
        if key.value == t.name:
            raise ConfigError(f"a target named {t.name!r} already exists; choose another name or edit it",
                              file=file, line=key.start_mark.line + 1, field=f"targets.{t.name}")
    indent = targets.value[0][0].start_mark.column if targets.value else 2
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    end = targets.end_mark
    at = end.line if end.column == 0 or end.line >= len(lines) else end.line + 1
    at = min(at, len(lines))
    block = ["\n", *_indent(entry(t), indent).splitlines(keepends=True)]
    return "".join(lines[:at] + block + lines[at:]), at + 2


def _indent(text: str, n: int) -> str:
    pad = " " * n
    return "".join(pad + line if line.strip() else line for line in text.splitlines(keepends=True))


__all__ = ["NewTarget", "entry", "add_to_file", "STATIC_KINDS"]
