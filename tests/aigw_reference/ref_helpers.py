"""Small helpers for the reference tests: an operator REST client and data-plane request helpers."""

from __future__ import annotations

import uuid

import httpx

from aigw_common import netguard

OPENAI_CHAT = "/api/v2/ai-gateway/openai/v1/chat/completions"
ANTHROPIC_MSG = "/api/v2/ai-gateway/anthropic/v1/messages"
GOV = "X-Coder-AI-Governance-Token"
TOKEN_RE = r"^[0-9A-Za-z]{10}-[0-9A-Za-z]{22}$"


def tracking() -> str:
    return "aigw-trk-" + uuid.uuid4().hex


def chat_body(trk: str, stream: bool = False) -> dict:
    return {"model": "gpt-4o", "stream": stream, "messages": [{"role": "user", "content": trk}]}


def msg_body(trk: str, stream: bool = False) -> dict:
    return {"model": "claude", "max_tokens": 5, "stream": stream, "messages": [{"role": "user", "content": trk}]}


class Api:
    """Operator-authenticated REST client plus a plain data-plane client."""

    def __init__(self, state: dict) -> None:
        self.state = state
        self.base = state["base_url"]
        self.op = state["operator"]["token"]
        self.c = netguard.client(base_url=self.base, timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.c.close()

    def rest(self, method: str, path: str, token: str | None = None, **kw) -> httpx.Response:
        return self.c.request(method, path, headers={"Coder-Session-Token": token or self.op}, **kw)

    def new_user(self, status: str = "active") -> str:
        name = "u" + uuid.uuid4().hex[:12]
        r = self.rest("POST", "/api/v2/users", json={"username": name, "email": f"{name}@x.test"})
        assert r.status_code == 201, r.text
        if status == "suspended":
            assert self.rest("PUT", f"/api/v2/users/{name}/status/suspend").status_code == 200
        return name

    def mint(self, user: str = "member", **body) -> str:
        r = self.rest("POST", f"/api/v2/users/{user}/keys/tokens", json=body)
        assert r.status_code == 201, r.text
        return r.json()["key"]

    def send(self, path: str, headers: dict | None = None, method: str = "POST", base: str | None = None,
             **kw) -> httpx.Response:
        url = (base or self.base) + path
        return self.c.request(method, url, headers=headers or {}, **kw)

    def upstream(self, trk: str) -> list[dict]:
        r = self.c.get(self.state["canary_url"] + "/_canary/requests", params={"tracking_id": trk})
        return r.json()["requests"]


def hdr(record: dict, name: str) -> list[str]:
    return [v for k, v in record["headers"] if k.lower() == name.lower()]
