"""Which network addresses the crawler may contact, checked on the RESOLVED address.

A page can link or redirect anywhere, including to the machine's own services
(http://127.0.0.1:6379/, http://169.254.169.254/ ...). So every request's host is resolved
first and refused unless each address is global unicast, with two exceptions: the host of the
start URL (the user named it, so a crawl of http://127.0.0.1:PORT/ works) and the hosts,
addresses or networks listed in `settings.crawl_allowed_private_hosts`. IPv4-mapped IPv6
addresses (::ffff:127.0.0.1) are judged as the IPv4 address they carry.

DNS rebinding (an answer that changes between the check and the connection) is defeated by
connecting to the address that was checked: `AddressPolicy.resolve` returns it, and
`scrapers.fetch` sends the request to that IP (Host header and TLS SNI keep the name).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]


class AddressRefused(Exception):
    """The host resolves to an address the crawler must not contact (or does not resolve)."""


class HostUnresolved(AddressRefused):
    """The host name has no address (DNS): nothing is listening under that name."""


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses of `host` from the system resolver (socket.getaddrinfo), in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def plain_address(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped IPv6 address, else the address itself."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_public(ip: IPAddress) -> bool:
    """Global unicast: not private, loopback, link-local, reserved, multicast or unspecified."""
    ip = plain_address(ip)
    return ip.is_global and not ip.is_multicast


class AddressPolicy:
    """Decides, per host, whether and where the crawler may connect."""

    def __init__(
        self,
        trusted_hosts: Iterable[str],
        allowed: Iterable[str] = (),
        resolver: Resolver = system_resolver,
    ) -> None:
        """`trusted_hosts`: host names trusted whatever they resolve to (the start host).

        `allowed`: settings.crawl_allowed_private_hosts: host names, addresses or networks
        (CIDR) that may be contacted although not public.
        """
        self._trusted = {_host_key(h) for h in trusted_hosts}
        self._networks: list[IPNetwork] = []
        for entry in allowed:
            try:
                self._networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                self._trusted.add(_host_key(entry))
        self._resolver = resolver

    def resolve(self, host: str, port: int) -> str:
        """The address to connect to for `host`; raise AddressRefused with the reason.

        Every address the host resolves to must be allowed (an attacker's name could list a
        public address and a private one); the first is returned.
        """
        try:
            found = self._resolver(host.strip("[]"), port)
        except (OSError, UnicodeError) as exc:
            raise HostUnresolved(f"{host} does not resolve: {exc}") from None
        if not found:
            raise HostUnresolved(f"{host} does not resolve")
        if _host_key(host) in self._trusted:
            return found[0]
        for text in found:
            ip = ipaddress.ip_address(text.split("%")[0])
            if is_public(ip) or self._listed(ip):
                continue
            raise AddressRefused(
                f"{host} resolves to the non-public address {text}, which is not the start "
                "host and not in crawl_allowed_private_hosts"
            )
        return found[0]

    def _listed(self, ip: IPAddress) -> bool:
        plain = plain_address(ip)
        if str(plain) in self._trusted or str(ip) in self._trusted:
            return True
        return any(plain in net or ip in net for net in self._networks)


def _host_key(host: str) -> str:
    host = host.strip().strip("[]").lower().rstrip(".")
    try:
        return str(plain_address(ipaddress.ip_address(host)))
    except ValueError:
        return host
