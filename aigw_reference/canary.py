"""The canary upstream (architecture Seam 2): answers like OpenAI and Anthropic and records every request.

    GET    /_canary/requests?tracking_id=ID | ?since=SEQ   -> {"requests": [record, ...]}
    DELETE /_canary/requests                              -> clears
"""

from __future__ import annotations

import json
import re
import threading
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

# what the canary answers lives in its own module; re-exported here for callers of the old names
from .provider_answers import anthropic_answer, decode_body, openai_answer  # noqa: F401

TRACKING_RE = re.compile(r"aigw-trk-[0-9a-f]{32}")
BODY_LIMIT = 64 * 1024
TRACKING_SCAN_LIMIT = 8 * 1024 * 1024
MAX_RECORDS = 20000


def tracking_id(headers: list[tuple[str, str]], query: dict, body: str) -> str | None:
    for k, v in headers:
        if k.lower() == "x-aigw-tracking-id" and TRACKING_RE.fullmatch(v.strip()):
            return v.strip()
    q = query.get("aigw_tracking_id", "")
    if TRACKING_RE.fullmatch(q):
        return q
    m = TRACKING_RE.search(body)
    return m.group(0) if m else None


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[dict] = []
        self._seq = 0

    def add(self, rec: dict) -> dict:
        with self._lock:
            self._seq += 1
            rec["seq"] = self._seq
            self._records.append(rec)
            del self._records[:-MAX_RECORDS]
            return rec

    def query(self, tracking: str | None, since: int) -> list[dict]:
        with self._lock:
            return [r for r in self._records
                    if r["seq"] > since and (tracking is None or r["tracking_id"] == tracking)]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


def build_canary(recorder: Recorder | None = None) -> Router:
    rec = recorder or Recorder()

    async def provider(request: Request) -> Response:
        raw = decode_body(await request.body(), request.headers.get("content-encoding"))
        text = raw[:BODY_LIMIT].decode("utf-8", "replace")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]]
        query = dict(request.query_params)
        name, path = request.path_params["provider"], "/" + request.path_params["path"]
        # The id is looked for in the whole body (real clients put the prompt last, after 64 KiB of tools),
        # the record keeps the first BODY_LIMIT bytes.
        found = tracking_id(headers, query, raw[:TRACKING_SCAN_LIMIT].decode("utf-8", "replace"))
        rec.add({"time": time.time(), "tracking_id": found, "method": request.method,
                 "path": request.url.path, "query": request.url.query, "headers": [list(h) for h in headers],
                 "body": text})
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        return (openai_answer if name == "openai" else anthropic_answer)(path, body)

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            rec.clear()
            return Response(status_code=204)
        try:
            since = int(request.query_params.get("since", "0"))
        except ValueError:
            return JSONResponse({"message": "since must be an integer"}, status_code=400)
        return JSONResponse({"requests": rec.query(request.query_params.get("tracking_id"), since)})

    router = Router(routes=[
        Route("/_canary/requests", requests, methods=["GET", "DELETE"]),
        Route("/{provider:str}/{path:path}", provider,
              methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    ])
    router.recorder = rec
    return router
