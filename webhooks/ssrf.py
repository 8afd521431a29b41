"""Where a webhook may be sent: the SSRF guard.

The endpoint's host is resolved once; every address it resolves to must be a global unicast
address (or lie in WEBHOOK_ALLOWED_NETWORKS), and the request then goes to that vetted address
with the name kept for the Host header and TLS (SNI and certificate check), so a DNS answer that
changes between the check and the connection (rebinding) cannot reach inside.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not global, although Python's is_global may say so for some of them.
_NEVER = [
    ipaddress.ip_network("100.64.0.0/10"),  # CGNAT (shared address space)
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64: would reach IPv4 addresses behind it
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("2002::/16"),  # 6to4: embeds an IPv4 address
    ipaddress.ip_network("2001::/32"),  # Teredo: likewise
]


class Refused(Exception):
    """The URL may not be called; the message says why, for the endpoint's page."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # the name, for Host and SNI
    port: int
    address: IPAddress  # the vetted address to connect to
    path: str  # path and query

    def connect_url(self) -> str:
        literal = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.scheme}://{literal}:{self.port}{self.path}"

    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def refusal(address: IPAddress) -> str | None:
    """Why `address` may not be reached (None: it may)."""
    if any(address in ipaddress.ip_network(net) for net in settings.WEBHOOK_ALLOWED_NETWORKS):
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"{address} is an IPv4-mapped IPv6 address"
    checks = [
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not global", any(address in net for net in _NEVER) or not address.is_global),
    ]
    for name, hit in checks:
        if hit:
            return (
                f"{address} is a {name} address"
                if name != "not global"
                else (f"{address} is not a global address")
            )
    return None


def check_url(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and path of a URL we may send to, as far as the URL alone says."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"The URL is malformed: {exc}.") from None
    scheme = parts.scheme.lower()
    allowed = ("https",) if settings.HTTPS else ("https", "http")
    if scheme not in allowed:
        raise Refused(
            "The URL must start with https://."
            if settings.HTTPS
            else "The URL must start with https:// or http://."
        )
    if not parts.hostname:
        raise Refused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise Refused("The URL may not contain a user name or password.")
    if parts.fragment:
        raise Refused("The URL may not contain a fragment (#...).")
    host = parts.hostname
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def resolve(url: str) -> Target:
    """Vet `url` and resolve its host once; raise Refused when it may not be called."""
    scheme, host, port, path = check_url(url)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise Refused(f"{host} could not be resolved ({exc}).") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise Refused(f"{host} resolved to no address.")
    for address in addresses:
        why = refusal(address)
        if why is not None:
            raise Refused(f"Refused: {host} resolves to a non-public address ({why}).")
    return Target(scheme=scheme, host=host, port=port, address=addresses[0], path=path)
