"""The tunnel destination a proxy target may reach (feature tunnel-echo): the harness's own echo server."""

from __future__ import annotations

import dataclasses

from aigw_conformance.runner.tunnel_echo import TunnelEcho, start_tunnel_echo

from .kind import StartContext, StartedTarget
from .model import Target


def with_tunnel_echo(target: Target, ctx: StartContext, echo: TunnelEcho | None = None) -> StartedTarget:
    """`target` plus a running echo: its authority in the template view, its CA for the proxy runner."""
    echo = echo or start_tunnel_echo()
    ctx.stack.callback(echo.stop)
    view = {**target.extra_view, "tunnel_echo": echo.authority}
    return StartedTarget(dataclasses.replace(target, extra_view=view), extra_ca_pems=(echo.ca_pem,))
