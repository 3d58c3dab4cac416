"""A loopback port that refuses every connection, for as long as a test holds it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def refusing_port() -> Iterator[int]:
    """Yield a port on 127.0.0.1 that answers every connect with a reset (connection refused).

    A port found free and then closed is the kernel's to hand to the next bind(0): in another
    xdist worker, a gateway that answers. CI once saw a "down" target fail 201 scenarios that
    way. A socket bound but not listening keeps the port: a connect to it is refused, nobody else
    can bind it, and the kernel never picks it as the source port of a connect (no TCP
    self-connect).
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
