"""Streaming: server-sent events (and other unsized bodies) pass the tap unbuffered.

mitmproxy buffers bodies by default, which would hand a client all SSE events at the end and change
what a streaming scenario observes. ``responseheaders`` switches such responses to streaming with a
tap function that forwards each chunk unchanged and keeps a bounded copy; the copy becomes the
recorded body of the flow at the final (empty) chunk, before the end-of-flow hooks run.
"""

from __future__ import annotations

from collections.abc import Callable

from mitmproxy import http

MAX_RECORDED = 8 * 1024 * 1024
META_STREAMED = "aigw_streamed"
META_TRUNCATED = "aigw_body_truncated"


def wants_streaming(response: http.Response) -> bool:
    ctype = response.headers.get("content-type", "").lower()
    if ctype.startswith("text/event-stream"):
        return True
    # Chunked without a length is open-ended: stream it too, buffering could hold it back.
    return "content-length" not in response.headers and "chunked" in response.headers.get(
        "transfer-encoding", ""
    ).lower()


def recording_tap(flow: http.HTTPFlow, limit: int = MAX_RECORDED, *, side: str = "response") -> Callable[[bytes], bytes]:
    chunks: list[bytes] = []
    size = 0

    def tap(data: bytes) -> bytes:
        nonlocal size
        if data:
            if size < limit:
                chunks.append(data[: limit - size])
                if size + len(data) > limit:
                    flow.metadata[META_TRUNCATED] = True
            size += len(data)
        elif (message := getattr(flow, side)) is not None:
            # End of stream: the chunks are the body as sent (still content-encoded).
            message.raw_content = b"".join(chunks)
        return data

    return tap


class StreamRecorder:
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        # A chunked request body is streamed too: buffering would re-frame it as one chunk, and the
        # chunk framing a client chose is part of what a scenario may send on purpose.
        if "chunked" in flow.request.headers.get("transfer-encoding", "").lower():
            flow.metadata[META_STREAMED] = True
            flow.request.stream = recording_tap(flow, side="request")

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None and wants_streaming(flow.response):
            flow.metadata[META_STREAMED] = True
            flow.response.stream = recording_tap(flow)
