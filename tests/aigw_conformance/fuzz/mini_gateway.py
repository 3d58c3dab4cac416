"""A small but real gateway for the fuzz tests: AUTH-HTTP-001 + AUTH-TOKEN-002 + a token REST API,
served by uvicorn on loopback. Faults mirror the reference's names so the tests can prove the
fuzzer finds them; the full reference (aigw_reference) is used by test_against_reference.py.
"""

from __future__ import annotations

import hashlib
import secrets
import socket
import string
import threading
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from aigw_conformance.fuzz.extract import go_fields, go_trim

ALNUM = string.digits + string.ascii_uppercase + string.ascii_lowercase
OPERATOR = "OPERATOR01-" + "o" * 22


def _rand(n: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


class Store:
    def __init__(self, faults: set[str]) -> None:
        self.faults = faults
        self.keys: dict[str, bytes] = {}
        self.plain: dict[str, str] = {}  # only the prefix-compare fault reads this

    def mint(self) -> str:
        key_id, secret = _rand(10), _rand(22)
        self.keys[key_id] = hashlib.sha256(secret.encode()).digest()
        self.plain[key_id] = secret
        return f"{key_id}-{secret}"

    def valid(self, token: str) -> bool:
        if "prefix-compare" in self.faults:
            # Fault: only the first 12 characters of the secret are compared.
            key_id, _, secret = token.partition("-")
            return key_id in self.keys and len(secret) >= 12 and secret[:12] == self.plain[key_id][:12]
        parts = token.split("-")
        if len(parts) != 2 or len(parts[0]) != 10 or len(parts[1]) != 22:
            return False
        if parts[0] not in self.keys:
            return False
        if "id-only" in self.faults:
            return True
        return secrets.compare_digest(self.keys[parts[0]], hashlib.sha256(parts[1].encode()).digest())


def first(request: Request, name: str) -> str | None:
    for k, v in request.headers.raw:
        if k.decode("latin-1").lower() == name:
            return v.decode("utf-8", "replace")
    return None


def extract(request: Request) -> str:
    gov = first(request, "x-coder-ai-governance-token")
    if gov is not None and go_trim(gov):
        return go_trim(gov)
    auth = first(request, "authorization")
    if auth is not None:
        f = go_fields(go_trim(auth))
        if len(f) == 2 and f[0].lower() == "bearer":
            return f[1]
    key = first(request, "x-api-key")
    if key is not None and go_trim(key):
        return go_trim(key)
    return ""


def build_app(faults: set[str]) -> Starlette:
    store = Store(faults)
    mint = store.mint
    names: dict[str, str] = {}
    seen: list[tuple] = []

    async def dataplane(request: Request) -> Response:
        seen.append(_shown(request, await request.body(), store))
        token = extract(request)
        if not token and "accept-no-token" not in faults:
            return PlainTextResponse("no authentication key provided\n", status_code=400)
        if "500-on-long-token" in faults and len(token) > 40:
            return PlainTextResponse("boom\n", status_code=500)
        if token and not store.valid(token):
            return PlainTextResponse("unauthorized\n", status_code=403)
        return JSONResponse({"object": "list", "data": []})

    def operator_ok(request: Request) -> bool:
        return request.headers.get("coder-session-token") == OPERATOR

    async def create(request: Request) -> Response:
        if not operator_ok(request):
            return JSONResponse({"message": "unauthorized"}, status_code=401)
        try:
            body = await request.json()
        except ValueError:
            body = {}
        name = body.get("token_name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            name = "auto-" + _rand(6)
        if name in names.values():
            return JSONResponse({"message": f"A token with name {name!r} already exists."}, status_code=409)
        tok = mint()
        names[tok.split("-")[0]] = name
        return JSONResponse({"key": tok}, status_code=201)

    async def delete(request: Request) -> Response:
        if not operator_ok(request):
            return JSONResponse({"message": "unauthorized"}, status_code=401)
        key_id = request.path_params["keyid"]
        if key_id not in store.keys:
            return JSONResponse({"message": "not found"}, status_code=404)
        if "accept-revoked" not in faults:  # fault: the key row survives its deletion
            del store.keys[key_id]
            del store.plain[key_id]
        names.pop(key_id, None)
        return Response(status_code=204)

    async def get_by_name(request: Request) -> Response:
        if not operator_ok(request):
            return JSONResponse({"message": "unauthorized"}, status_code=401)
        name = request.path_params["keyname"]
        for key_id, n in names.items():
            if n == name and key_id in store.keys:
                return JSONResponse({"id": key_id, "token_name": n})
        return JSONResponse({"message": "not found"}, status_code=404)

    async def get_key(request: Request) -> Response:
        if not operator_ok(request):
            return JSONResponse({"message": "unauthorized"}, status_code=401)
        key_id = request.path_params["keyid"]
        if key_id not in store.keys:
            return JSONResponse({"message": "not found"}, status_code=404)
        return JSONResponse({"id": key_id, "token_name": "t"})

    methods = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH"]
    routes = [Route("/api/v2/users/{user}/keys/tokens", create, methods=["POST"]),
              Route("/api/v2/users/{user}/keys/tokens/{keyname}", get_by_name, methods=["GET"]),
              Route("/api/v2/users/{user}/keys/{keyid}", delete, methods=["DELETE"]),
              Route("/api/v2/users/{user}/keys/{keyid}", get_key, methods=["GET"])]
    for prefix in ("/api/v2/aibridge", "/api/v2/ai-gateway"):
        routes.append(Route(prefix + "/{rest:path}", dataplane, methods=methods))
    app = Starlette(routes=routes)
    app.state.mint = mint
    app.state.seen = seen
    return app


# differ from one run to the next whatever the seed: the address, and schemathesis's case id
_UNSHOWN = {"host", "content-length", "x-schemathesis-testcaseid"}


def _shown(request: Request, body: bytes, store: Store) -> tuple:
    """A data-plane request as the fuzzer chose it: each run mints its own tokens, shown as <token>."""
    minted = [f"{k}-{s}" for k, s in store.plain.items()]

    def masked(text: str) -> str:
        for token in minted:
            text = text.replace(token, "<token>")
        return text

    headers = tuple(sorted((name, masked(value)) for name, value in request.headers.items() if name not in _UNSHOWN))
    return request.method, request.url.path, headers, masked(body.decode("latin-1"))


class Running:
    def __init__(self, faults: set[str]) -> None:
        self.app = build_app(faults)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="error", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    def mint(self) -> str:
        return self.app.state.mint()

    @property
    def seen(self) -> list[tuple]:
        """Every data-plane request so far (method, path, headers, body), tokens masked."""
        return self.app.state.seen

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)
