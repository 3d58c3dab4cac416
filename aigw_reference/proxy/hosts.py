"""Host and address rules shared by the CONNECT addons: no DNS lookups, ever.

A name other than ``localhost`` is never resolved: resolving would already be traffic leaving the
machine, and the reference must never leave loopback.
"""

from __future__ import annotations

import ipaddress

_LOCALHOST = {"localhost", "localhost."}


def split_authority(authority: str) -> tuple[str, str]:
    """'Host:port' → ('Host', 'port') keeping case; '[::1]:443' → ('::1', '443'); no port → ''."""
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else ""
    host, sep, port = authority.rpartition(":")
    if not sep:
        return authority, ""
    return host, port


def loopback_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address if `host` is localhost or a loopback IP literal, else None."""
    h = host.strip("[]").lower()
    if h in _LOCALHOST:
        return ipaddress.ip_address("127.0.0.1")
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        return None
    return ip if ip.is_loopback else None


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_private(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # blockedIPRanges of the real proxy: private, loopback, link-local, reserved, unspecified, CGNAT…
    return not ip.is_global


def in_cidrs(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, cidrs: tuple[str, ...]) -> bool:
    for c in cidrs:
        net = ipaddress.ip_network(c, strict=False)
        if ip.version == net.version and ip in net:
            return True
    return False
