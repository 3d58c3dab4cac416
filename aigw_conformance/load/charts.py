"""Latency charts of one workload as standalone SVG (no script, no network), for the HTML report.

One scatter of every request (time since start against latency, one colour per outcome), with the
moments that matter marked (a revocation's REST call returning, the flood starting), and a table of
p50 / p95 / p99 per outcome below it. Large runs are thinned evenly, never by outcome.
"""

from __future__ import annotations

from html import escape

from .records import Rec, percentile

COLOURS = {"admitted": "#2e7d32", "refused": "#1565c0", "rate-limited": "#ef6c00", "server-error": "#c62828",
           "timeout": "#6a1b9a", "transport-error": "#5d4037"}
MAX_POINTS = 4000
W, H, LEFT, TOP, PLOT_W, PLOT_H = 860, 420, 64, 30, 760, 300


def latency_svg(title: str, recs: tuple[Rec, ...] | list[Rec], t0: float, marks: list[tuple[float, str]] = ()) -> str:
    """marks: (epoch seconds, label) drawn as vertical lines."""
    if not recs:
        return _svg(f'<text x="{LEFT}" y="{TOP + 20}">{escape(title)}: no requests</text>', 80)
    step = max(1, len(recs) // MAX_POINTS)
    pts = list(recs)[::step]
    t_end = max(r.t for r in recs) - t0
    x_max = max(1.0, t_end * 1.02)
    y_max = max(1.0, (percentile([r.ms for r in recs], 99.5) or 1.0) * 1.15)

    def x(t: float) -> float:
        return LEFT + (t - t0) / x_max * PLOT_W

    def y(ms: float) -> float:
        return TOP + PLOT_H - min(ms, y_max) / y_max * PLOT_H

    parts = [f'<text x="{LEFT}" y="18" font-weight="bold">{escape(title)}</text>',
             f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}" fill="none" stroke="#999"/>']
    for i in range(6):
        v = y_max * i / 5
        parts.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.0f}</text>')
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>')
        s = x_max * i / 5
        parts.append(f'<text x="{x(t0 + s):.1f}" y="{TOP + PLOT_H + 16}" text-anchor="middle">{s:.1f} s</text>')
    parts.append(f'<text x="14" y="{TOP + PLOT_H / 2}" transform="rotate(-90 14 {TOP + PLOT_H / 2})" '
                 'text-anchor="middle">latency (ms)</text>')
    for r in pts:
        parts.append(f'<circle cx="{x(r.t):.1f}" cy="{y(r.ms):.1f}" r="2" fill="{COLOURS.get(r.outcome, "#000")}" '
                     'fill-opacity="0.6"/>')
    for i, (t, label) in enumerate(marks):
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{TOP}" y2="{TOP + PLOT_H}" stroke="#000" '
                     'stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{x(t) + 4:.1f}" y="{TOP + 12 + 14 * i}">{escape(label)}</text>')
    parts += _table([r for r in recs], TOP + PLOT_H + 40)
    return _svg("\n".join(parts), TOP + PLOT_H + 60 + 18 * (len({r.outcome for r in recs}) + 1))


def _table(recs: list[Rec], top: float) -> list[str]:
    groups: dict[str, list[float]] = {}
    for r in recs:
        groups.setdefault(r.outcome, []).append(r.ms)
    rows = [f'<text x="{LEFT}" y="{top}" font-weight="bold">outcome</text>'] + [
        f'<text x="{LEFT + 180 + 110 * i}" y="{top}" font-weight="bold">{h}</text>'
        for i, h in enumerate(("requests", "p50 ms", "p95 ms", "p99 ms"))]
    for n, (name, ms) in enumerate(sorted(groups.items()), start=1):
        yy = top + 18 * n
        rows.append(f'<circle cx="{LEFT + 5}" cy="{yy - 4}" r="5" fill="{COLOURS.get(name, "#000")}"/>')
        rows.append(f'<text x="{LEFT + 16}" y="{yy}">{escape(name)}</text>')
        vals = [str(len(ms))] + [f"{percentile(ms, p):.1f}" for p in (50, 95, 99)]
        rows += [f'<text x="{LEFT + 180 + 110 * i}" y="{yy}">{v}</text>' for i, v in enumerate(vals)]
    return rows


def _svg(body: str, height: float) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height:.0f}" '
            f'viewBox="0 0 {W} {height:.0f}" font-family="sans-serif" font-size="12">'
            f'<rect width="100%" height="100%" fill="#fff"/>\n{body}\n</svg>\n')


__all__ = ["latency_svg", "COLOURS"]
