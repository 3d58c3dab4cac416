"""The `{{ expr }}` mini-language of scenario files, parsed by hand (never eval).

    expr    := primary ('~' primary)*            ~ joins the str() of both sides
    primary := 'string' | integer | NAME '(' [expr (',' expr)*] ')' | NAME ('.' NAME)*

Names resolve against the context dict (token, tokens, variant, saved, target, tracking_id …);
`.attr` reads a dict key or a public, non-callable attribute (so `token.secret` works on Token
objects and `target.central_keys.openai` on a dict). A string that is exactly one `{{ … }}` keeps
the value's type; otherwise the pieces are joined as text.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from pydantic import BaseModel

from aigw_conformance.errors import ScenarioError

M = TypeVar("M", bound=BaseModel)

ROOT_NAMES = frozenset({"token", "tokens", "variant", "saved", "target", "tracking_id", "run"})
MAX_REPEAT = 1_000_000  # bounded: a typo must not allocate gigabytes

_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.S)
_TOKEN = re.compile(r"""\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)
                        |(?P<op>[~().,]))""", re.X)


class TemplateError(ScenarioError):
    """A template that cannot be parsed or evaluated; `field` carries the template text."""


def _to_str(v: Any) -> str:
    return "" if v is None else str(v)


def _repeat(x: Any, n: Any) -> str:
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_REPEAT:
        raise ValueError(f"repeat count must be an integer between 0 and {MAX_REPEAT}")
    return _to_str(x) * n


FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "b64": (1, lambda x: base64.b64encode(_to_str(x).encode()).decode()),
    "b64url": (1, lambda x: base64.urlsafe_b64encode(_to_str(x).encode()).decode()),
    "b64nopad": (1, lambda x: base64.b64encode(_to_str(x).encode()).decode().rstrip("=")),
    "repeat": (2, _repeat),
    "upper": (1, lambda x: _to_str(x).upper()),
    "lower": (1, lambda x: _to_str(x).lower()),
}


# ------------------------------------------------------------------ parse tree
@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Name:
    path: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Concat:
    parts: tuple[Any, ...]


def _lex(src: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(src):
        if src[pos:].strip() == "":
            break
        m = _TOKEN.match(src, pos)
        if not m or m.end() == pos:
            raise ValueError(f"unexpected character {src[pos:].lstrip()[:1]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, src: str) -> None:
        self.toks = _lex(src)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ValueError(f"expected {value!r}" if value else "unexpected end of expression")
        self.i += 1
        return tok

    def parse(self) -> Any:
        if not self.toks:
            raise ValueError("empty expression")
        node = self.expr()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def expr(self) -> Any:
        parts = [self.primary()]
        while self.peek() == ("op", "~"):
            self.take()
            parts.append(self.primary())
        return parts[0] if len(parts) == 1 else Concat(tuple(parts))

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            return Lit(re.sub(r"\\(.)", r"\1", text[1:-1]))
        if kind == "num":
            return Lit(int(text))
        if kind != "name":
            raise ValueError(f"unexpected {text!r}")
        if self.peek() == ("op", "("):
            return self.call(text)
        path = [text]
        while self.peek() == ("op", "."):
            self.take()
            k, seg = self.take()
            if k != "name":
                raise ValueError(f"expected a name after '.', got {seg!r}")
            path.append(seg)
        if path[0] not in ROOT_NAMES:
            raise ValueError(f"unknown name {path[0]!r}; known: {', '.join(sorted(ROOT_NAMES))}")
        return Name(tuple(path))

    def call(self, func: str) -> Call:
        if func not in FUNCTIONS:
            raise ValueError(f"unknown function {func}(); known: {', '.join(FUNCTIONS)}")
        self.take("(")
        args = []
        if self.peek() != ("op", ")"):
            args.append(self.expr())
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.expr())
        self.take(")")
        if len(args) != FUNCTIONS[func][0]:
            raise ValueError(f"{func}() takes {FUNCTIONS[func][0]} argument(s), got {len(args)}")
        return Call(func, tuple(args))


def parse(expr: str) -> Any:
    try:
        return _Parser(expr).parse()
    except ValueError as exc:
        raise TemplateError(f"invalid template expression {{{{{expr}}}}}: {exc}",
                            field=expr.strip()) from None


# ------------------------------------------------------------------ evaluation
def _attr(obj: Any, name: str, where: str) -> Any:
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        raise ValueError(f"{where} has no key {name!r}" + (f" (has: {', '.join(map(str, obj))})" if obj else ""))
    if name.startswith("_") or not hasattr(obj, name):
        raise ValueError(f"{where} has no attribute {name!r}")
    value = getattr(obj, name)
    if callable(value):
        raise ValueError(f"{where}.{name} is not a value")
    return value


def _eval(node: Any, ctx: dict) -> Any:
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Concat):
        return "".join(_to_str(_eval(p, ctx)) for p in node.parts)
    if isinstance(node, Call):
        return FUNCTIONS[node.func][1](*(_eval(a, ctx) for a in node.args))
    if node.path[0] not in ctx:
        raise ValueError(f"{node.path[0]!r} is not available in this scenario")
    value = ctx[node.path[0]]
    for i, seg in enumerate(node.path[1:], start=1):
        value = _attr(value, seg, ".".join(node.path[:i]))
    return value


def evaluate(expr: str, ctx: dict) -> Any:
    tree = parse(expr)
    try:
        return _eval(tree, ctx)
    except ValueError as exc:
        raise TemplateError(f"cannot evaluate {{{{{expr}}}}}: {exc}", field=expr.strip()) from None


def render_str(text: str, ctx: dict) -> Any:
    whole = _TEMPLATE.fullmatch(text.strip()) if text.strip().startswith("{{") else None
    if whole and text.strip().count("{{") == 1:
        return evaluate(whole.group(1), ctx)
    if "{{" not in text:
        return text
    return _TEMPLATE.sub(lambda m: _to_str(evaluate(m.group(1), ctx)), text)


def render(value: Any, ctx: dict) -> Any:
    """Render every template inside strings, dicts (keys and values), lists and tuples."""
    if isinstance(value, str):
        return render_str(value, ctx)
    if isinstance(value, dict):
        return {render(k, ctx): render(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, ctx) for v in value]
    if isinstance(value, tuple):
        return tuple(render(v, ctx) for v in value)
    return value


def render_model(model: M, ctx: dict) -> M:
    """The same validated model with every template in the fields the file set rendered.

    Field by field, never through a dict: defaults stay the model's, and a value that has no
    template is the very object the loader validated. Rendered text stays text (a `{{ token }}`
    header is the token's string), except in fields typed `Any` (JSON bodies), where a template
    that is a whole value keeps the value's type."""
    updates = {}
    for name in model.model_fields_set:
        value = getattr(model, name)
        keep = type(model).model_fields[name].annotation is Any
        rendered = _render_any(value, ctx, keep)
        if rendered is not value:
            updates[name] = rendered
    return model.model_copy(update=updates) if updates else model


def _render_any(value: Any, ctx: dict, keep: bool) -> Any:
    if isinstance(value, BaseModel):
        return render_model(value, ctx)
    if not _has_template(value):
        return value
    if isinstance(value, str):
        out = render_str(value, ctx)
        return out if keep or isinstance(out, str) else _to_str(out)
    if isinstance(value, dict):
        return {_render_any(k, ctx, False): _render_any(v, ctx, keep) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_render_any(v, ctx, keep) for v in value)
    return value


def _has_template(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, dict):
        return any(_has_template(k) or _has_template(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_template(v) for v in value)
    return False


def check(value: Any) -> list[str]:
    """Parse (without evaluating) every template in a value; returns the problems found.
    Used at load time, so a typo is reported with the file and line before anything runs."""
    problems: list[str] = []
    if isinstance(value, str):
        if value.count("{{") != len(_TEMPLATE.findall(value)):
            problems.append(f"unclosed '{{{{' in {value!r}")
        for m in _TEMPLATE.finditer(value):
            try:
                parse(m.group(1))
            except TemplateError as exc:
                problems.append(exc.message)
    elif isinstance(value, dict):
        for k, v in value.items():
            problems += check(k) + check(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            problems += check(v)
    return problems


def names_used(value: Any) -> set[tuple[str, ...]]:
    """Dotted names a value's templates read (e.g. ('variant', 'scheme')), for load-time checks."""
    found: set[tuple[str, ...]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Name):
            found.add(node.path)
        elif isinstance(node, Concat):
            for p in node.parts:
                walk(p)
        elif isinstance(node, Call):
            for a in node.args:
                walk(a)

    if isinstance(value, str):
        for m in _TEMPLATE.finditer(value):
            try:
                walk(parse(m.group(1)))
            except TemplateError:
                pass
    elif isinstance(value, dict):
        for k, v in value.items():
            found |= names_used(k) | names_used(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            found |= names_used(v)
    return found


__all__ = ["render", "render_model", "render_str", "evaluate", "parse", "check", "names_used", "TemplateError",
           "FUNCTIONS", "ROOT_NAMES"]
