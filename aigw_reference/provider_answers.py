"""What the canary answers, shaped like the hosted providers closely enough for the real clients to finish.

Every shape here was taken from what the pinned clients (fixtures/client-shapes/) asked for and what
they needed to print an answer, not guessed: Claude Code falls back to a second, non-streaming
request when the Messages stream lacks its block and delta events; Codex prints nothing unless the
Responses stream carries the output item and `response.completed` with usage; the OpenAI SDKs (and
Copilot CLI in provider mode) retry a chat stream that never sends a `finish_reason`.

The answer text is ANSWER everywhere, so a live scenario can check the client printed it.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from typing import Iterable

from starlette.responses import JSONResponse, Response, StreamingResponse

ANSWER = "canary"
SSE = "text/event-stream"

Event = tuple[str | None, dict]


def _stream(events: Iterable[Event], *, done: bool = False) -> StreamingResponse:
    async def gen():
        for name, data in events:
            yield (f"event: {name}\n" if name else "") + f"data: {json.dumps(data)}\n\n"
        if done:
            yield "data: [DONE]\n\n"
    return StreamingResponse(gen(), media_type=SSE, headers={"Cache-Control": "no-cache"})


def decode_body(raw: bytes, content_encoding: str | None) -> bytes:
    """The request body as the provider reads it: Codex sends zstd-compressed bodies (its
    enable_request_compression feature), which the hosted APIs accept. Undecodable stays raw."""
    enc = (content_encoding or "").strip().lower()
    try:
        if enc == "zstd":
            import zstandard
            return zstandard.ZstdDecompressor().decompressobj().decompress(raw)
        if enc == "gzip":
            return gzip.decompress(raw)
        if enc == "deflate":
            return zlib.decompress(raw)
        if enc == "br":
            import brotli
            return brotli.decompress(raw)
    except Exception:  # noqa: BLE001 - a corrupt body is recorded as it came
        return raw
    return raw


def _usage_words(body: dict) -> int:
    """A stable, small token estimate: one per 4 characters of the request body (at least 1)."""
    return max(1, len(json.dumps(body, separators=(",", ":"))) // 4)


# ----------------------------------------------------------------------------------- OpenAI
def openai_models() -> dict:
    now = int(time.time())
    return {"object": "list", "data": [{"id": m, "object": "model", "created": now, "owned_by": "canary"}
                                       for m in ("gpt-canary", "gpt-5-codex", "gpt-4o")]}


def _response_object(body: dict, status: str, output: list, usage: dict | None) -> dict:
    return {"id": "resp_canary", "object": "response", "created_at": int(time.time()), "status": status,
            "model": body.get("model", "gpt"), "output": output, "usage": usage, "error": None,
            "incomplete_details": None, "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}


def _message_item(status: str, text: str | None) -> dict:
    content = [] if text is None else [{"type": "output_text", "text": text, "annotations": []}]
    return {"id": "msg_canary", "type": "message", "status": status, "role": "assistant", "content": content}


def responses_answer(body: dict) -> Response:
    n_in = _usage_words(body)
    usage = {"input_tokens": n_in, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 1,
             "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": n_in + 1}
    done_item = _message_item("completed", ANSWER)
    if not body.get("stream"):
        return JSONResponse(_response_object(body, "completed", [done_item], usage))
    part = {"type": "output_text", "text": "", "annotations": []}
    ids = {"item_id": "msg_canary", "output_index": 0, "content_index": 0}
    events: list[Event] = [
        ("response.created", {"type": "response.created", "response": _response_object(body, "in_progress", [], None)}),
        ("response.in_progress", {"type": "response.in_progress",
                                  "response": _response_object(body, "in_progress", [], None)}),
        ("response.output_item.added", {"type": "response.output_item.added", "output_index": 0,
                                        "item": _message_item("in_progress", None)}),
        ("response.content_part.added", {"type": "response.content_part.added", **ids, "part": part}),
        ("response.output_text.delta", {"type": "response.output_text.delta", **ids, "delta": ANSWER}),
        ("response.output_text.done", {"type": "response.output_text.done", **ids, "text": ANSWER}),
        ("response.content_part.done", {"type": "response.content_part.done", **ids,
                                        "part": {**part, "text": ANSWER}}),
        ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": done_item}),
        ("response.completed", {"type": "response.completed",
                                "response": _response_object(body, "completed", [done_item], usage)}),
    ]
    return _stream((name, {**data, "sequence_number": i}) for i, (name, data) in enumerate(events))


def chat_answer(body: dict) -> Response:
    n_in = _usage_words(body)
    usage = {"prompt_tokens": n_in, "completion_tokens": 1, "total_tokens": n_in + 1}
    head = {"id": "chatcmpl-canary", "created": int(time.time()), "model": body.get("model", "gpt"),
            "system_fingerprint": "fp_canary"}
    if not body.get("stream"):
        return JSONResponse({**head, "object": "chat.completion", "usage": usage, "choices": [
            {"index": 0, "finish_reason": "stop", "logprobs": None,
             "message": {"role": "assistant", "content": ANSWER, "refusal": None}}]})
    chunk = {**head, "object": "chat.completion.chunk"}

    def choice(delta: dict, finish: str | None) -> dict:
        return {**chunk, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
    events: list[Event] = [(None, choice({"role": "assistant", "content": ""}, None)),
                           (None, choice({"content": ANSWER}, None)),
                           (None, choice({}, "stop"))]
    if (body.get("stream_options") or {}).get("include_usage"):
        events.append((None, {**chunk, "choices": [], "usage": usage}))
    return _stream(events, done=True)


def openai_answer(path: str, body: dict) -> Response:
    if path.startswith("/v1/models"):
        return JSONResponse(openai_models())
    if path == "/v1/responses":
        return responses_answer(body)
    if path == "/v1/chat/completions":
        return chat_answer(body)
    return JSONResponse({"object": "canary", "path": path})


# -------------------------------------------------------------------------------- Anthropic
def anthropic_models() -> dict:
    data = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
            for m in ("claude-canary", "claude-sonnet-4-5", "claude-opus-5-5")]
    return {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}


def messages_answer(body: dict) -> Response:
    n_in = _usage_words(body)
    msg = {"id": "msg_canary", "type": "message", "role": "assistant", "model": body.get("model", "claude"),
           "content": [{"type": "text", "text": ANSWER}], "stop_reason": "end_turn", "stop_sequence": None,
           "usage": {"input_tokens": n_in, "output_tokens": 1, "cache_creation_input_tokens": 0,
                     "cache_read_input_tokens": 0}}
    if not body.get("stream"):
        return JSONResponse(msg)
    start = {**msg, "content": [], "stop_reason": None, "usage": {**msg["usage"], "output_tokens": 0}}
    return _stream([
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": ANSWER}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                           "usage": {"output_tokens": 1}}),
        ("message_stop", {"type": "message_stop"}),
    ])


def anthropic_answer(path: str, body: dict) -> Response:
    if path.startswith("/v1/models"):
        return JSONResponse(anthropic_models())
    if path == "/v1/messages/count_tokens":
        return JSONResponse({"input_tokens": _usage_words(body)})
    if path == "/v1/messages":
        return messages_answer(body)
    return JSONResponse({"type": "canary", "path": path})
