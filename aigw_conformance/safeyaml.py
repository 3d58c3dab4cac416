"""Reading YAML the harness did not write: bounded in size, nesting depth and alias expansion.

Every input file (suites, targets, the requirement catalogue, routes, the malformed-token catalogue,
expected failures) goes through here. PyYAML alone is unsafe on hostile input even with `safe_load`:
a "billion laughs" file of nested aliases is a few hundred bytes that expand to billions of nodes
for anything that walks the data, a few thousand `[` exceed Python's recursion limit in the
composer, and PyYAML's Python parser needs seconds per megabyte. The limits below are far above
what the project's own files need (the largest suite has about 1,200 nodes and 16 KB), and each
is checked while parsing, so a hostile file is refused within milliseconds of the point it crosses
one, with the line and the path of keys where it did.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 512 << 10        # 512 KiB: 25x the largest file in the repository
    max_nodes: int = 20_000           # distinct nodes parsed (~10 µs each with libyaml, 50 without)
    max_expanded: int = 50_000        # nodes with every alias expanded (what a walk of the data sees)
    max_depth: int = 64               # nesting of mappings and sequences
    max_aliases: int = 1_000          # alias uses (`*name`)


LIMITS = Limits()


class YamlProblem(Exception):
    """A file that is not acceptable YAML: the message, the 1-based line and the path of keys."""

    def __init__(self, message: str, line: int | None, path: Path_ = ()) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path

    @property
    def field(self) -> str | None:
        return dotted(self.path) or None


def dotted(path: Path_) -> str:
    """("scenarios", 0, "steps") → "scenarios[0].steps"."""
    s = ""
    for p in path:
        s += f"[{p}]" if isinstance(p, int) else (f".{p}" if s else str(p))
    return s


def read_text(path: Path | str, limits: Limits = LIMITS) -> str:
    """The file's text, refusing (before reading it all) a file larger than the limit."""
    p = Path(path)
    with p.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        data = fh.read(limits.max_bytes + 1)  # also bounds files whose size the OS does not report
    if size > limits.max_bytes or len(data) > limits.max_bytes:
        raise YamlProblem(f"the file is too large ({_size(max(size, len(data)))}; at most "
                          f"{_size(limits.max_bytes)}): split it", None)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise YamlProblem(f"not UTF-8 text (byte {exc.start})", line) from None


def compose_all(text: str, limits: Limits = LIMITS) -> list[yaml.Node]:
    """The documents of `text` as PyYAML nodes (marks kept), within the limits."""
    if len(text.encode("utf-8", errors="replace")) > limits.max_bytes:
        raise YamlProblem(f"the text is too large (at most {_size(limits.max_bytes)}): split it", None)
    loader = _BoundedLoader(text, limits)
    try:
        docs = []
        while loader.check_node():
            docs.append(loader.get_node())
        return docs
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlProblem(f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                          mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()


def load(text: str, limits: Limits = LIMITS) -> Any:
    """Plain data of a single-document file (None for an empty one), like yaml.safe_load."""
    docs = compose_all(text, limits)
    if len(docs) > 1:
        raise YamlProblem(f"expected one YAML document, found {len(docs)}", docs[1].start_mark.line + 1)
    if not docs:
        return None
    try:
        return yaml.constructor.SafeConstructor().construct_document(docs[0])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlProblem(f"invalid value: {getattr(exc, 'problem', None) or exc}",
                          mark.line + 1 if mark else None) from None


def load_file(path: Path | str, limits: Limits = LIMITS) -> Any:
    return load(read_text(path, limits), limits)


def load_config(path: Path | str, limits: Limits = LIMITS) -> Any:
    """load_file for a fixture or option file: a YAML problem becomes a located ConfigError."""
    from aigw_conformance.errors import ConfigError

    try:
        return load_file(path, limits)
    except YamlProblem as exc:
        raise ConfigError(exc.message, file=str(path), line=exc.line, field=exc.field) from None


class _BoundedComposer(yaml.composer.Composer):
    """PyYAML's composer with the limits checked in compose_node, before it recurses."""

    def _init_limits(self, limits: Limits) -> None:
        self._limits = limits
        self._depth = self._nodes = self._aliases = self._expanded = 0
        self._anchor_sizes: dict[str, int] = {}   # anchor → expanded size of its node
        self._open: set[str] = set()              # anchors whose node is being composed
        self._path: list[Any] = []

    def _refuse(self, message: str, event: yaml.Event) -> YamlProblem:
        path = tuple(self._path)
        if len(path) > 8:  # a path thousands of levels deep would fill the terminal
            path = path[:6] + ("…",)
        return YamlProblem(message, event.start_mark.line + 1, path)

    def compose_node(self, parent, index):
        if index is not None:
            self._path.append(index.value if isinstance(index, yaml.ScalarNode) else index)
        try:
            return self._compose(parent, index)
        finally:
            if index is not None:
                self._path.pop()

    def _compose(self, parent, index):
        event = self.peek_event()
        lim = self._limits
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > lim.max_aliases:
                raise self._refuse(f"more than {lim.max_aliases} alias uses (*name)", event)
            if event.anchor in self._open:
                raise self._refuse(f"alias *{event.anchor} refers to a node that contains it", event)
            self._count(self._anchor_sizes.get(event.anchor, 1), event)
            return super().compose_node(parent, index)
        self._nodes += 1
        if self._nodes > lim.max_nodes:
            raise self._refuse(f"more than {lim.max_nodes} YAML nodes: split the file", event)
        if self._depth >= lim.max_depth:
            raise self._refuse(f"nested more than {lim.max_depth} levels deep", event)
        anchor = getattr(event, "anchor", None)
        before = self._expanded
        self._count(1, event)
        self._depth += 1
        if anchor:
            self._open.add(anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
            self._open.discard(anchor)
        if anchor:
            self._anchor_sizes[anchor] = self._expanded - before
        return node

    def _count(self, n: int, event: yaml.Event) -> None:
        self._expanded += n
        if self._expanded > self._limits.max_expanded:
            raise self._refuse(f"aliases expand to more than {self._limits.max_expanded} YAML nodes "
                               "(an alias bomb?)", event)


if getattr(yaml, "__with_libyaml__", False):
    from yaml.cyaml import CParser

    class _BoundedLoader(_BoundedComposer, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """libyaml scans and parses (about 5x faster than PyYAML's Python parser); composing, where
        the limits are checked, stays in Python."""

        def __init__(self, text: str, limits: Limits) -> None:
            CParser.__init__(self, text)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._init_limits(limits)
else:  # pragma: no cover - PyYAML built without libyaml
    class _BoundedLoader(_BoundedComposer, yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
                         yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        def __init__(self, text: str, limits: Limits) -> None:
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._init_limits(limits)


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n / 1024:.0f} KiB"


__all__ = ["Limits", "LIMITS", "YamlProblem", "dotted", "read_text", "compose_all", "load", "load_file",
           "load_config"]
