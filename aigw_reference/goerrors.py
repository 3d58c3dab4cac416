"""The two error body formats of PROTOCOL.md §0, byte exact."""

from __future__ import annotations

import json

from starlette.responses import Response


def text_error(status: int, msg: str, headers: dict[str, str] | None = None) -> Response:
    """Go http.Error: text/plain; charset=utf-8, nosniff, body msg + newline."""
    h = {"X-Content-Type-Options": "nosniff", **(headers or {})}
    r = Response(msg + "\n", status_code=status, headers=h)
    r.headers["content-type"] = "text/plain; charset=utf-8"
    return r


def json_error(status: int, message: str, detail: str = "", validations: list | None = None,
               headers: dict[str, str] | None = None) -> Response:
    """Coder httpapi.Write(codersdk.Response): detail and validations omitted when empty."""
    body: dict = {"message": message}
    if detail:
        body["detail"] = detail
    if validations:
        body["validations"] = validations
    return json_response(status, body, headers)


def json_response(status: int, body, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body) + "\n", status_code=status, headers=headers,
                    media_type="application/json")
