"""The ceiling for bench/reference_throughput.py: the reference's own HTTP stack doing nothing but a lookup.

The same uvicorn + h11 server configuration as the reference (aigw_reference.server.uv_server, the same
TCP_NODELAY listener), with an app that answers each request as the reference should, from a set of
valid tokens held in memory: for a valid token 200 and an OpenAI-style model list on the models route,
404 "route not supported: …" on any other; 403 "unauthorized\\n" for any other token. No store, no
middleware, no upstream. Its rate under the same load is what this machine's Python HTTP stack allows,
so "reference / ceiling" says how much of it the reference's real work costs, on any machine.

    python bench/ceiling_gateway.py STATE_FILE TOKENS_FILE      (writes {"base_url": ...} when listening)
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from aigw_reference.server import bind, url_of, uv_server, write_atomic

MODELS = json.dumps({"object": "list", "data": [{"id": "gpt-canary", "object": "model"}]},
                    separators=(",", ":")).encode()
JSON_HEADERS = [(b"content-type", b"application/json")]
TEXT_HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"x-content-type-options", b"nosniff")]
MAX_LIFETIME_S = 3600   # a forgotten ceiling server ends by itself


PREFIX = "/api/v2/ai-gateway"
MODELS_PATH = PREFIX + "/openai/v1/models"


def build_app(valid: frozenset[str]):
    async def app(scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        auth = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), "")
        if not (auth.startswith("Bearer ") and auth[7:] in valid):
            status, headers, body = 403, TEXT_HEADERS, b"unauthorized\n"
        elif scope["path"] == MODELS_PATH:
            status, headers, body = 200, JSON_HEADERS, MODELS
        else:
            sub = scope["path"][len(PREFIX):]
            status, headers, body = 404, TEXT_HEADERS, f"route not supported: {scope['method']} {sub}\n".encode()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
    return app


async def main(state_file: Path, tokens_file: Path) -> None:
    valid = frozenset(line.split()[1] for line in tokens_file.read_text().splitlines() if line.startswith("valid "))
    sock = bind("127.0.0.1")
    server = uv_server(build_app(valid), sock)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    write_atomic(state_file, {"base_url": url_of(sock), "pid": os.getpid()})
    await asyncio.wait([task], timeout=MAX_LIFETIME_S)
    server.should_exit = True


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
