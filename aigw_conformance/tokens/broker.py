"""Token brokers: where a scenario's tokens come from, and how they are revoked and cleaned up.

`CoderApiBroker` (tokens/coderapi.py) mints through the token REST API with an operator token;
`StaticBroker` (tokens/static.py) hands out tokens supplied through the environment. Both derive the
kinds that need no server (unknown-id, wrong-secret, malformed:*, none). Every real token is
registered with the run's redactor before it is returned. Which broker a target gets is decided by
its token source (`tokens.sources.SOURCES`).
"""

from __future__ import annotations

from typing import Protocol

from aigw_conformance.tokens.token import Token


class TokenBroker(Protocol):
    def get(self, kind: str, *, user: str | None = None, label: str) -> Token: ...
    def revoke(self, token: Token, how: str = "delete") -> None: ...
    def mint(self, label: str, kind: str = "valid") -> Token: ...
    def supports(self, kind: str) -> bool | str: ...
    def adopt(self, user: str, name: str, key_id: str) -> None: ...
    def adopt_user(self, user_id: str, username: str) -> None: ...
    def owner_of(self, credential: str) -> str | None: ...
    def cleanup(self) -> list[str]: ...


def install_signal_cleanup(cleanup) -> None:
    """Run `cleanup()` on SIGTERM, then the previous handler. Call from the main thread."""
    import signal

    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum, frame):  # noqa: ANN001
        cleanup()
        if callable(previous):
            previous(signum, frame)
        else:
            raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


__all__ = ["TokenBroker", "Token", "install_signal_cleanup"]
