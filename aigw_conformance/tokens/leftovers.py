"""The work of `clean`, per deployment of a target: one coder-api broker each, used only to find and
delete names with the harness's prefix (`CoderApiBroker.find_leftovers` / `cleanup_leftovers`).

Used by `aigw-conformance clean` (commands/clean.py).
"""

from __future__ import annotations

from aigw_common.netguard import NetworkPolicy
from aigw_common.redaction import Redactor
from aigw_conformance.targets.model import Target, TokenSourceSpec


def deployments(target: Target) -> dict[str, tuple[str, TokenSourceSpec | None]]:
    """The target's own deployment and each endpoint with a token source of its own."""
    return {"default": (target.base_url, target.token_source),
            **{name: (target.endpoints[name], spec) for name, spec in target.endpoint_tokens.items()}}


def _broker(target: Target, url: str, spec: TokenSourceSpec, redactor: Redactor):
    from aigw_conformance.tokens.malformed import load_malformed
    from aigw_conformance.tokens.sources import BrokerContext, build_broker

    ctx = BrokerContext(spec=spec, base_url=url, run_id="clean", redactor=redactor,
                        policy=NetworkPolicy(frozenset(target.allow_hosts)), timeouts=target.timeouts,
                        malformed=load_malformed(), target_name=target.name, era=target.era)
    return build_broker(ctx, redactor=redactor, malformed=ctx.malformed, target_name=target.name)


def clean_target(target: Target, prefix: str, redactor: Redactor, *, dry_run: bool) -> tuple[list[str], int]:
    """(lines to print, number of items removed or that would be)."""
    lines: list[str] = []
    total = 0
    many = len(deployments(target)) > 1
    for name, (url, spec) in deployments(target).items():
        where = f" ({name}: {url})" if many else ""
        if spec is None or spec.kind != "coder-api":
            why = "declares no token source" if spec is None else f"uses {spec.kind} tokens"
            lines.append(f"skipped{where}: it {why}; a run creates nothing there")
            continue
        broker = _broker(target, url, spec, redactor)
        if dry_run:
            found = [f"{kind} {item}" for kind, item, _ in broker.find_leftovers(prefix)]
        else:
            found = broker.cleanup_leftovers(prefix)
        lines += [f"{'would remove' if dry_run else 'removed'} {item}{where}" for item in found]
        total += len(found)
    return lines, total
