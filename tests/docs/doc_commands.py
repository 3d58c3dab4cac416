"""Every `aigw-conformance …` command the documentation shows, as argv lists.

Sources: inline code spans and shell code blocks of README.md, docs/**/*.md and bench/README.md,
and the shell lines of the CI recipes in docs/ci/. A shell line is split at `&&`, `||`, `;` and
`|`; comments and a trailing `&` are dropped. Synopses (`[--target NAME]`, `ID`, `…`) are turned into
a concrete command with sample values, so their options are checked against the parser too.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROG = "aigw-conformance"
# Sample values for placeholders and for the CI recipes' shell variables.
PLACEHOLDERS = {"NAME": "reference", "P": "core", "N": "2", "R": "5", "S": "2", "K": "1", "E": "newest", "ID": "AUTH-HTTP-001", "RUN_DIR": "reports/latest", "PATH": "my-checks",
                "<requirement>": "AUTH-HTTP-001", "<run-id>": "latest", "suites/…": "suites"}
SHELL_VARS = {"TARGET": "reference", "args": "--profile core --profile lifecycle"}


@dataclass(frozen=True)
class DocCommand:
    file: str          # relative to the repository top
    line: int
    text: str          # as written
    argv: tuple[str, ...]
    synopsis: bool     # written with placeholders ([…], NAME, …)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), ROOT / "bench" / "README.md",
            *sorted((ROOT / "docs" / "ci").glob("*.yml"))]


def commands() -> list[DocCommand]:
    out: list[DocCommand] = []
    for path in doc_files():
        text = path.read_text(encoding="utf-8")
        snippets = _yaml_lines(text) if path.suffix == ".yml" else _markdown_snippets(text)
        for line, snippet in snippets:
            for segment in _segments(snippet):
                cmd = _command(path, line, segment)
                if cmd is not None:
                    out.append(cmd)
    return out


def _markdown_snippets(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    fence = None
    pending: tuple[int, str] | None = None   # a shell line continued with a trailing backslash
    for i, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fence = None if fence is not None else line.strip().strip("`")
            continue
        if fence is not None:
            if fence in ("", "sh", "bash", "shell", "console"):
                part = line.strip().removeprefix("$ ")
                start, joined = pending if pending else (i, "")
                joined = f"{joined} {part}".strip()
                if part.endswith("\\"):
                    pending = (start, joined[:-1].rstrip())
                    continue
                pending = None
                out.append((start, joined))
            continue
    prose = _without_fences(text)
    for m in re.finditer(r"(?<!`)`([^`]+)`(?!`)", prose):
        if m.group(1).lstrip().startswith(PROG + " "):
            out.append((prose.count("\n", 0, m.start()) + 1, " ".join(m.group(1).split())))
    return out


def _without_fences(text: str) -> str:
    """The text with fenced blocks blanked (same line count), so inline spans are not read twice."""
    lines, fence = text.splitlines(keepends=True), False
    for i, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fence = not fence
            lines[i] = "\n"
        elif fence:
            lines[i] = "\n"
    return "".join(lines)


def _yaml_lines(text: str) -> list[tuple[int, str]]:
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        body = line.strip().removeprefix("- ").removeprefix("run: ").strip("'")
        if PROG + " " in body and not body.startswith("#"):
            out.append((i, body))
    return out


def _segments(snippet: str) -> list[str]:
    parts = re.split(r"\s(?:&&|\|\||;|\|)\s|;\s*|\s&$", snippet)
    return [p.strip() for p in parts if p and p.strip().startswith(PROG + " ")]


def _command(path: Path, line: int, segment: str) -> DocCommand | None:
    text = segment
    synopsis = bool(re.search(r"\[|…|\b(NAME|ID|RUN_DIR|PATH|P)\b|<[a-z-]+>", text))
    concrete = re.sub(r"\[pytest args…\]", "", text)
    concrete = re.sub(r"\[([^\]]*)\]", r"\1", concrete)          # optional parts: check them too
    concrete = concrete.replace("…", " ")
    for key, value in PLACEHOLDERS.items():
        concrete = re.sub(rf"(?<![\w-]){re.escape(key)}(?![\w-])", value, concrete)
    for var, value in SHELL_VARS.items():
        concrete = re.sub(rf'"?\${var}\b"?', value, concrete)
    if "$" in concrete:
        raise AssertionError(f"{path.name}:{line}: a shell variable the test has no sample for: {segment}")
    argv = tuple(shlex.split(concrete, comments=True))
    return DocCommand(str(path.relative_to(ROOT)), line, segment, argv[1:], synopsis)


def documented_targets() -> dict[str, dict]:
    """The target entries the guides tell the user to add (```yaml blocks with `targets:`)."""
    import yaml

    out: dict[str, dict] = {}
    for path in sorted((ROOT / "docs").glob("*.md")):
        for block in re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            data = yaml.safe_load(block)
            if isinstance(data, dict) and isinstance(data.get("targets"), dict):
                out.update(data["targets"])
    return out
