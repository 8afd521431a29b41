"""Small request helpers shared by pages, admin actions, the API and the device gateway."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

API_PREFIX = "/api/"
DEVICE_API_PREFIX = "/device-api/"

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


# --- Which part of the site a request is for ---------------------------------------------------
# Every path check goes through these two, on `path_info`: the path as routing sees it, already
# percent-decoded by the server (WSGI PATH_INFO, ASGI scope["path"]), without the script prefix.
# So /%61pi/v1/version is /api/v1/version everywhere, never a portal page in one place and an API
# call in another.


def is_api_request(request: HttpRequest) -> bool:
    """Under /api/ or /device-api/ (problem+json errors, no portal session)."""
    return request.path_info.startswith((API_PREFIX, DEVICE_API_PREFIX))


def is_customer_api_request(request: HttpRequest) -> bool:
    """Under /api/ (bearer secrets: the portal's session middleware steps aside)."""
    return request.path_info.startswith(API_PREFIX)


# --- The client's address ----------------------------------------------------------------------


@lru_cache(maxsize=8)
def _trusted(networks: tuple[str, ...]) -> tuple[_Network, ...]:
    return tuple(ipaddress.ip_network(n) for n in networks)


def _address(text: str) -> _Address | None:
    """An address from REMOTE_ADDR or an X-Forwarded-For hop ('1.2.3.4:5', '[::1]:5' too)."""
    text = text.strip()
    if text.startswith("["):  # [IPv6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4:port
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1 (dual-stack sockets)
    return address


def _is_trusted(address: _Address, networks: tuple[_Network, ...]) -> bool:
    return any(address in network for network in networks)


def address_in(ip: str | None, networks: Iterable[_Network]) -> bool:
    """Is the client address `ip` in one of `networks`? An IPv4 peer of a dual-stack socket
    (::ffff:a.b.c.d) counts as its IPv4 address; no address or a malformed one is in none."""
    address = _address(ip) if ip else None
    return address is not None and any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address: for audit entries, last use, rate limits and allowed addresses.

    The one place that decides it, for both pools (WSGI and ASGI: uvicorn's own X-Forwarded-For
    handling is switched off, see README "Deploying"). REMOTE_ADDR is the client unless it is one
    of settings.TRUSTED_PROXIES; then X-Forwarded-For is walked from the right (the hop that
    proxy appended), skipping further trusted proxies, and the first untrusted address is the
    client. Anything left of it was written by the client and is never believed. A malformed hop
    stops the walk at the last proxy, which is what can be vouched for.
    """
    return client_address(
        request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR", "")
    )


def client_address(remote: str | None, forwarded_for: str) -> str | None:
    """`client_ip` from the raw values: the connecting peer and the X-Forwarded-For header
    (the lean gateway path, gateway/lean.py, has no Django request)."""
    remote = remote or None
    if not settings.TRUSTED_PROXIES or remote is None:
        return remote
    networks = _trusted(tuple(settings.TRUSTED_PROXIES))
    nearest = _address(remote)
    if nearest is None or not _is_trusted(nearest, networks):
        return remote
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            break
        nearest = address
        if not _is_trusted(address, networks):
            break
    return str(nearest)


def limit_key(address: str | None) -> str | None:
    """The client as rate limits and sign-in lockouts count it: an IPv4 address as it is (also
    when written IPv4-mapped), an IPv6 one as its network of settings.IPV6_LIMIT_PREFIX bits
    (`2001:db8:1:2::/64`), since a subscriber picks any address of its /64 at will. Audit
    entries and logs keep the full address (`client_ip`)."""
    if address is None:
        return None
    return _limit_key(address, settings.IPV6_LIMIT_PREFIX)


@lru_cache(maxsize=4096)
def _limit_key(address: str, prefix: int) -> str:
    parsed = _address(address)
    if parsed is None:
        return address
    if isinstance(parsed, ipaddress.IPv4Address):
        return str(parsed)
    return str(ipaddress.IPv6Network((parsed, prefix), strict=False))


def bearer_value(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None if it is not one."""
    parts = (header or "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]
