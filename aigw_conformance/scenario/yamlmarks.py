"""YAML reading that keeps line numbers: plain Python data plus a map path → line.

`safeyaml.compose_all` gives nodes with marks (within the size, depth and alias limits); we build the
data ourselves so every mapping key and list item has a 1-based line, and duplicate keys (which PyYAML
silently merges) become errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from aigw_conformance.errors import ScenarioError
from aigw_conformance.safeyaml import YamlProblem, compose_all, dotted, read_text

Path_ = tuple[Any, ...]


class _Constructor(yaml.constructor.SafeConstructor):
    pass


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    nodes = compose_all(text)  # bounded: size, depth, alias expansion (safeyaml)
    if len(nodes) != 1:
        raise YamlProblem(f"expected exactly one YAML document, found {len(nodes)}",
                          nodes[1].start_mark.line + 1 if len(nodes) > 1 else 1)
    lines: dict[Path_, int] = {}
    ctor = _Constructor()
    data = _build(nodes[0], (), lines, ctor)
    return data, lines


def load_file_with_lines(path: Path | str, what: str = "the file") -> tuple[Any, dict[Path_, int]]:
    """A scenario-like file (suite, load workloads) read within safeyaml's limits, the size checked
    before it is read whole; any problem is a located ScenarioError."""
    file = str(path)
    try:
        return load_with_lines(read_text(path))
    except OSError as exc:
        raise ScenarioError(f"cannot read {what} ({exc.strerror})", file=file) from None
    except YamlProblem as exc:
        raise ScenarioError(exc.message, file=file, line=exc.line, field=dotted(exc.path) or None) from None


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int], ctor: _Constructor) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                raise YamlProblem("YAML merge keys (<<) are not supported", knode.start_mark.line + 1, path)
            key = ctor.construct_object(knode, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise YamlProblem("mapping keys must be plain scalars", knode.start_mark.line + 1, path)
            if key in out:
                raise YamlProblem(f"duplicate key {key!r}", knode.start_mark.line + 1, path + (key,))
            lines[path + (key,)] = knode.start_mark.line + 1
            out[key] = _build(vnode, path + (key,), lines, ctor)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(v, path + (i,), lines, ctor) for i, v in enumerate(node.value)]
    try:
        return ctor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid value: {getattr(exc, 'problem', exc)}", node.start_mark.line + 1, path) from None


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """The line of the deepest known prefix of path."""
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


def data_path(data: Any, loc: tuple[Any, ...]) -> Path_:
    """Turn a pydantic error location into a path through the data: union tags, model names and
    aliases that do not exist in the data are skipped."""
    out: list[Any] = []
    cur = data
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str) and part.endswith("_") and part[:-1] in cur:
            out.append(part[:-1])  # python-side name of an aliased field (json_, as_)
            cur = cur[part[:-1]]
        elif isinstance(part, str) and not isinstance(cur, (dict, list)):
            break
        elif isinstance(cur, dict) and isinstance(part, str) and not part[:1].isupper() \
                and "[" not in part and "-" not in part:
            out.append(part)  # a missing required key: name it, at the parent's line
            break
    return tuple(out)


__all__ = ["load_with_lines", "line_of", "data_path", "dotted", "YamlProblem"]
