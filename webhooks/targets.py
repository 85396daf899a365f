"""Where a webhook may be sent: SSRF protection, checked when an endpoint is saved and again at send time.

Only `https` URLs, on hosts that resolve exclusively to public addresses: private, loopback,
link-local (cloud metadata lives there), shared, multicast, reserved and unspecified addresses are
refused, including IPv4 addresses mapped into IPv6. `WEBHOOKS_ALLOW_LOOPBACK` (development and
tests only) lets `http` or `https` URLs reach loopback addresses. The send path connects to the very
address it checked (see `transport.py`), so a DNS answer that changes in between (rebinding) cannot
redirect a delivery into the network.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeTargetError(Exception):
    """The URL is malformed or points somewhere webhooks must not go."""


class UnresolvableTargetError(UnsafeTargetError):
    """The host name does not resolve (at the moment)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address the connection must go to


def _allowed(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return bool(settings.WEBHOOKS_ALLOW_LOOPBACK)
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (a literal address resolves to itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableTargetError(f"The host {host} does not resolve ({exc}).") from None
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


def _parse(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTargetError("The URL must be an absolute https:// URL.")
    if parts.username or parts.password:
        raise UnsafeTargetError("The URL must not contain a user name or password.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise UnsafeTargetError("The URL's port is not valid.") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port, path


def _check_addresses(scheme: str, host: str, addresses: list[IPAddress]) -> None:
    refused = [address for address in addresses if not _allowed(address)]
    if refused:
        raise UnsafeTargetError(
            f"The host {host} resolves to {refused[0]}, a private, loopback, link-local or otherwise "
            "non-public address; webhooks are only sent to the public internet."
        )
    if scheme != "https" and not all(address.is_loopback for address in addresses):
        raise UnsafeTargetError("The URL must use https.")


def validate_url(url: str) -> None:
    """Refuse (UnsafeTargetError) a URL that is not https or resolves to a non-public address.

    A host that does not resolve right now is accepted: it is checked again before every send.
    """
    scheme, host, port, _ = _parse(url)
    try:
        addresses = resolve(host, port)
    except UnresolvableTargetError:
        if scheme != "https":
            raise UnsafeTargetError("The URL must use https.") from None
        return
    _check_addresses(scheme, host, addresses)


def resolve_target(url: str) -> Target:
    """Resolve and check `url` now, at send time; the returned `address` is where to connect."""
    scheme, host, port, path = _parse(url)
    addresses = resolve(host, port)
    _check_addresses(scheme, host, addresses)
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))
