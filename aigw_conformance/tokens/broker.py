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
    """Make sure `cleanup()` runs on SIGTERM. Call from the main thread, after registering `cleanup`
    where the process unwinds (an ExitStack).

    When a handler is installed already (the run's and the load command's raise KeyboardInterrupt,
    interrupts.py), the process unwinds and runs `cleanup` there: it is not called from the handler
    too, because the handler interrupts the main thread anywhere, also inside the broker's own HTTP
    client, and a request made from the handler could then wait forever on that client's pool lock.
    Without one (the default action would end the process at once), `cleanup()` runs in the handler,
    then the process exits 128 + SIGTERM."""
    import signal

    previous = signal.getsignal(signal.SIGTERM)
    if callable(previous):
        return

    def handler(signum, frame):  # noqa: ANN001
        cleanup()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)

__all__ = ["TokenBroker", "Token", "install_signal_cleanup"]
