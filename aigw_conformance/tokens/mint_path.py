"""The one path every token the run creates through the REST API goes through, whoever sends the
request (a scenario's own POST, a fuzz engine, the capture tap seeing it on the wire).

Before the request: the token's name must carry the run's prefix (`naming.run_prefix`), so a killed
run's leftovers can be found by `clean`; engines that invent names get the prefix put in front.
After the answer, before it is shown or recorded anywhere: the new key is registered with the run's
redactor and handed to the broker, which deletes it at the end.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable, Protocol

from aigw_common.redaction import Redactor

# POST …/keys/tokens mints a named token; POST …/keys (no body) a session-style key: both are tokens.
_CREATE = re.compile(r"/api/v2/users/([^/?#]+)/keys(/tokens)?/?$")
_KEY = re.compile(rb'"key"\s*:\s*"([0-9A-Za-z]{6,}-[0-9A-Za-z]{10,})"')


class Adopter(Protocol):
    def adopt(self, user: str, name: str, key_id: str) -> None: ...
    def adopt_user(self, user_id: str, username: str) -> None: ...
    def owner_of(self, credential: str) -> str | None: ...


_USERS = re.compile(r"/api/v2/users/?$")


class UnnamedMint(ValueError):
    """A scenario creates a token whose name does not carry the run prefix."""


def creates_token(method: str, path: str) -> str | None:
    """The `{user}` of a token-creation request, or None."""
    if method.upper() != "POST":
        return None
    m = _CREATE.search(path.split("?", 1)[0])
    return m.group(1) if m else None


def _names_token(path: str) -> bool:
    m = _CREATE.search(path.split("?", 1)[0])
    return bool(m and m.group(2))


@dataclass(frozen=True)
class MintPath:
    redactor: Redactor
    prefix: str
    adopter: Adopter | None = None

    def check_name(self, method: str, path: str, body: bytes) -> None:
        """Raise UnnamedMint when a token is created under a name without the run prefix."""
        if creates_token(method, path) is None or not _names_token(path):
            return
        name = _token_name(body)
        if name is not None and not name.startswith(self.prefix):
            raise UnnamedMint(f"the token name {name!r} does not start with the run prefix; write "
                              "token_name: \"{{ run.prefix }}…\" so the run can find and delete it")

    def prefixed(self, method: str, path: str, body: bytes) -> bytes:
        """For engines that invent names: the same body with the run prefix in front of the name."""
        if creates_token(method, path) is None or not _names_token(path):
            return body
        try:
            data = json.loads(body or b"null")
        except ValueError:
            return body
        if isinstance(data, dict) and isinstance(data.get("token_name"), str) \
                and not data["token_name"].startswith(self.prefix):
            data["token_name"] = self.prefix + data["token_name"]
            return json.dumps(data).encode()
        return body

    def answered(self, method: str, path: str, status: int, body: bytes,
                 credential: Callable[[], str | None] = lambda: None) -> list[str]:
        """Register every key an answer carries (any answer: a key is secret wherever it shows up);
        when the request created it, schedule its deletion. Returns the keys."""
        if method.upper() == "POST" and _USERS.search(path.split("?", 1)[0]) and status in (200, 201):
            self._adopt_user(body)   # a user a scenario created is deleted at the end like the broker's
        if b'"key"' not in body or not 200 <= status < 300:
            return []
        keys = [k.decode() for k in _KEY.findall(body)]
        for key in keys:
            self.redactor.add_token(key)
        user = creates_token(method, path)
        if user is not None and self.adopter is not None:
            name = _token_name_of_answer(body)
            owner = user
            if user == "me":
                cred = credential()
                owner = (self.adopter.owner_of(cred) if cred else None) or "me"
            for key in keys:
                self.adopter.adopt(owner, name or "", key.split("-", 1)[0])
        return keys


    def _adopt_user(self, body: bytes) -> None:
        try:
            data = json.loads(body)
        except ValueError:
            return
        if self.adopter is not None and isinstance(data, dict) and data.get("id"):
            self.adopter.adopt_user(str(data["id"]), str(data.get("username") or ""))


def _token_name(body: bytes) -> str | None:
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return None
    return data.get("token_name") if isinstance(data, dict) and isinstance(data.get("token_name"), str) else None


def _token_name_of_answer(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return str(data.get("token_name") or "") if isinstance(data, dict) else None


__all__ = ["MintPath", "UnnamedMint", "creates_token"]
