"""The `forward-denied-late` fault: answer the denial, then send the request upstream anyway.

A gateway that authorizes in one task and forwards in another can do exactly this; the harness's
check at answer time cannot see it, its end-of-run sweep (aigw_conformance/runner/leaks.py) must.
Only the head travels (the tracking header is what the canary keys on): the body is unread.
"""

from __future__ import annotations

import asyncio

from aigw_common import netguard

from ..config import ReferenceConfig
from .forward import route, upstream_path

DELAY_SECONDS = 0.2
_pending: set[asyncio.Task] = set()   # strong references, or the loop may collect a running task


def forward_later(scope, cfg: ReferenceConfig) -> None:
    r = route(scope["path"], scope["method"], cfg.era)
    if r is None or r[0] not in cfg.upstreams:
        return
    url = cfg.upstreams[r[0]].rstrip("/") + upstream_path(r[0], r[1])
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]
               if k.lower() not in (b"host", b"content-length", b"transfer-encoding")]
    task = asyncio.get_running_loop().create_task(_send(url, scope["method"], headers, cfg))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _send(url: str, method: str, headers: list[tuple[str, str]], cfg: ReferenceConfig) -> None:
    await asyncio.sleep(DELAY_SECONDS)
    async with netguard.async_client(timeout=cfg.upstream_timeout_s) as client:
        try:
            await client.request(method, url, headers=headers)
        except Exception:   # the fault's send is best effort: the canary may be gone at shutdown
            pass
