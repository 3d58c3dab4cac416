"""`kind: external`: a gateway someone else runs. Nothing to start but the harness's own tunnel echo,
when the target declares the tunnel-echo feature."""

from __future__ import annotations

from .kind import StartContext, StartedTarget, TargetKind
from .model import Target
from .tunnels import with_tunnel_echo


def start(declared: Target, ctx: StartContext) -> StartedTarget:
    import dataclasses

    target = dataclasses.replace(declared, era=ctx.era) if ctx.era else declared
    if target.proxy_url and target.has("tunnel-echo"):
        return with_tunnel_echo(target, ctx)
    return StartedTarget(target)


KIND = TargetKind(name="external", needs_base_url=True, start=start)
