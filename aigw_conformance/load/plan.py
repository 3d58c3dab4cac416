"""Turn one workload into a Locust plan: concrete URLs, headers with the broker's tokens, rates per user.

The plan is the only thing the Locust processes learn about the run. It holds token values, so it is
written with mode 0600 into a private (0700) temp folder and never into the run folder or argv; the
master reads it and hands it to its workers over Locust's own channel.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aigw_conformance.scenario.routes import resolve

from .model import Flood, Mixed, RateLimit, Revocation, Workload, request_budget

CARRIER_HEADER = {"bearer": ("Authorization", "Bearer {}"), "x-api-key": ("X-Api-Key", "{}"),
                  "governance": ("X-Coder-AI-Governance-Token", "{}")}
TRACKING = "aigw-trk-" + "0" * 32     # load requests are not matched at the canary one by one


@dataclass(frozen=True)
class RequestSpec:
    name: str                          # Locust's request name: "<token kind> via <carrier>"
    method: str
    url: str
    headers: dict[str, str] = field(repr=False)
    body: str | None
    expect: tuple[int, ...]
    token_kind: str
    carrier: str
    token_label: str
    weight: float = 1.0


@dataclass(frozen=True)
class Role:
    users: int
    rate_per_user: float
    request_sets: list[list[RequestSpec]]   # a user takes set (its index mod len)
    start_after_s: float = 0.0               # the flood's bogus users wait for the baseline


@dataclass(frozen=True)
class Plan:
    workload: str
    kind: str
    host: str
    allow_hosts: list[str]
    duration_s: float
    timeout_s: float
    max_requests: int
    workers: int
    roles: dict[str, Role]
    records_path: str
    started_path: str
    last: bool = True                  # the last workload of the run (workers on other machines stop then)

    @property
    def users(self) -> int:
        return sum(r.users for r in self.roles.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self))


@dataclass(frozen=True)
class Minted:
    """Tokens the harness holds for one workload: what revocation acts on, by label."""
    to_revoke: dict[str, Any] = field(default_factory=dict)   # label → (Token, how)


def default_expect(kind: str) -> tuple[int, ...]:
    if kind in ("valid", "scoped"):
        return (200,)
    if kind == "none" or kind == "malformed:empty":
        return (400,)
    return (403,)


def _spec(route, target, endpoint_url: str, token, kind: str, carrier: str, expect, label: str,
          weight: float = 1.0, name: str | None = None) -> RequestSpec:
    rr = resolve(route, target, base_url=endpoint_url)
    headers = {"User-Agent": "aigw-conformance-load", "Accept": "application/json"}
    if kind != "none" and str(token):
        h, fmt = CARRIER_HEADER[carrier]
        headers[h] = fmt.format(token)
    body = route.default_body({"tracking_id": TRACKING}).decode() or None
    if body:
        headers["Content-Type"] = "application/json"
    return RequestSpec(name=name or f"{kind} via {carrier}", method=rr.method, url=rr.url, headers=headers,
                       body=body, expect=tuple(expect), token_kind=kind, carrier=carrier, token_label=label,
                       weight=weight)


def build_roles(w: Workload, *, target, broker, route, endpoint_url: str,
                carriers_ok: tuple[str, ...]) -> tuple[dict[str, Role], Minted]:
    """Mint what the workload needs and lay out its roles. Tokens come only from the broker."""
    def carriers(cs):
        return [c for c in cs if c in carriers_ok] or [carriers_ok[0]]

    def mint(kind: str, label: str):
        return broker.get(kind, label=label)

    if isinstance(w, Mixed):
        specs = []
        for i, m in enumerate(w.mix):
            tok = mint(m.token, f"{w.id}-{i}")
            cs = carriers(m.carriers) if m.token != "none" else [m.carriers[0] if m.carriers else "bearer"]
            for c in cs:
                specs.append(_spec(route, target, endpoint_url, tok, m.token, c, m.expect or default_expect(m.token),
                                   f"{w.id}-{i}", m.weight / len(cs)))
        return {"MixedUser": Role(w.users, w.rate / w.users, [specs])}, Minted()
    if isinstance(w, Revocation):
        sets, revoke = [], {}
        for j, how in enumerate(w.revoke.how):
            label = f"revoke-{how}-{j}"
            tok = mint("valid", f"{w.id}-{label}")
            revoke[label] = (tok, how)
            sets.append([_spec(route, target, endpoint_url, tok, "valid", c, (200, 403), label,
                               name=f"{label} via {c}") for c in carriers(w.carriers)])
        return {"RevocationUser": Role(w.users, w.rate / w.users, sets)}, Minted(revoke)
    if isinstance(w, Flood):
        valid = mint("valid", f"{w.id}-valid")
        vspecs = [_spec(route, target, endpoint_url, valid, "valid", c, (200,), "valid") for c in carriers(w.carriers)]
        bspecs = []
        for i, kind in enumerate(w.bogus.tokens):
            tok = mint(kind, f"{w.id}-bogus-{i}")
            bspecs += [_spec(route, target, endpoint_url, tok, kind, c, default_expect(kind), f"bogus-{i}",
                             name=f"bogus {kind} via {c}") for c in carriers(w.carriers)]
        bogus_rate = w.valid.rate * w.bogus.factor
        return {"FloodValidUser": Role(w.valid.users, w.valid.rate / w.valid.users, [vspecs]),
                "FloodBogusUser": Role(w.bogus.users, bogus_rate / w.bogus.users, [bspecs],
                                       start_after_s=w.baseline * w.duration_s)}, Minted()
    if isinstance(w, RateLimit):
        roles = {}
        for role, group in (("RateUnderUser", w.under), ("RateOverUser", w.over)):
            sets = []
            # one token per user (the limiter keys by token), with spares for an uneven spread
            for j in range(group.users * 2):
                label = f"{'under' if role == 'RateUnderUser' else 'over'}-{j}"
                tok = mint("valid", f"{w.id}-{label}")
                sets.append([_spec(route, target, endpoint_url, tok, "valid", c, (200, 429), label,
                                   name=f"{label.split('-')[0]} via {c}") for c in carriers(w.carriers)])
            roles[role] = Role(group.users, group.rate_per_user, sets)
        return roles, Minted()
    raise TypeError(f"unknown workload kind {type(w).__name__}")


def make_plan(w: Workload, roles: dict[str, Role], *, host: str, allow_hosts, workers: int,
              out_dir: Path, private_dir: Path, last: bool = True) -> Plan:
    return Plan(workload=w.id, kind=w.kind, host=host, allow_hosts=sorted(allow_hosts), duration_s=w.duration_s,
                timeout_s=w.timeout_s, max_requests=request_budget(w), workers=workers, roles=roles,
                records_path=str(out_dir / "requests.jsonl"), started_path=str(private_dir / "started.json"),
                last=last)


def write_private(plan: Plan, private_dir: Path) -> Path:
    """The plan as a 0600 file (created with that mode: never readable by others, not even briefly)."""
    path = private_dir / "plan.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(plan.to_json())
    return path


__all__ = ["Plan", "Role", "RequestSpec", "Minted", "build_roles", "make_plan", "write_private", "default_expect"]
