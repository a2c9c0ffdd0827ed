"""Name resolution: the transport seam and the SSRF guard.

The checker always resolves through a resolver from this module. In production that is the system
resolver (:class:`SystemResolver`, getaddrinfo) wrapped by :class:`GuardedResolver`, which refuses
addresses a public link must never lead to (loopback, private, link-local, multicast) *after*
resolution, so a public name pointing at 127.0.0.1 is refused too. Tests, benchmarks and
``linkcheck demo`` pass a :class:`RoutingResolver` that sends the real host names
(``mp.weixin.qq.com`` …) to the simulated web on loopback — the rest of the client path (TLS with
SNI, Host header, redirects, retries) is exactly what users run.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from linkcheck.scan.canonical import address_refusal

Route = Callable[[str, int], tuple[str, int] | None]


class BlockedAddressError(OSError):
    """The name resolved only to addresses linkcheck refuses to contact."""

    def __init__(self, host: str, address: str, why: str) -> None:
        super().__init__(f"{host} resolves to {address} ({why}); refused")
        self.host = host
        self.address = address
        self.why = why


def _result(host: str, address: str, port: int) -> ResolveResult:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return ResolveResult(hostname=host, host=address, port=port, family=family, proto=0, flags=socket.AI_NUMERICHOST)


class SystemResolver(ThreadedResolver):
    """The operating system's resolver (getaddrinfo: /etc/hosts, nsswitch, the configured DNS),
    whatever else is installed.

    aiohttp's ``DefaultResolver`` turns into aiodns's ``AsyncResolver`` as soon as ``aiodns`` is
    importable (another package may pull it in), and that one reports a missing name as an
    ``OSError`` with no errno: NXDOMAIN would then be ``error:dns`` instead of ``dead`` — a verdict
    depending on what happens to be installed. Pinned here, a name that does not exist is
    ``EAI_NONAME`` everywhere.
    """


class RoutingResolver(AbstractResolver):
    """Resolves through a routing function: ``route(host, port) -> (address, port)`` or None.

    None means the name does not exist (NXDOMAIN), as for an unknown host on the simulated web.
    The returned port replaces the URL's port, which is how https://mp.weixin.qq.com/ (port 443)
    reaches the simulated web's TLS listener on an ephemeral loopback port.
    """

    def __init__(self, route: Route, *, system_fallback: bool = False) -> None:
        self._route = route
        self._system_fallback = system_fallback
        self._fallback: AbstractResolver | None = None

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        target = self._route(host, port)
        if target is None:
            if self._system_fallback:
                if self._fallback is None:
                    self._fallback = SystemResolver()
                return await self._fallback.resolve(host, port, family)
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: name not known (routing resolver)")
        address, target_port = target
        if address == NXDOMAIN:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: name not known (routing resolver)")
        return [_result(host, address, target_port)]

    @property
    def route_function(self) -> Route:
        """The routing function (the browser re-check maps the same names for Chromium)."""
        return self._route

    @property
    def system_fallback(self) -> bool:
        """Whether names the routing function does not know go to the system resolver."""
        return self._system_fallback

    async def close(self) -> None:
        if self._fallback is not None:
            await self._fallback.close()


NXDOMAIN = "nxdomain"


def parse_resolve_rules(rules: list[str]) -> RoutingResolver:
    """curl-style ``--resolve HOST:PORT:ADDRESS[:TARGET_PORT]`` rules as a resolver.

    HOST and PORT may be ``*``; ADDRESS may be ``nxdomain``. IPv6 addresses go in brackets.
    Names no rule covers go to the system resolver.
    """
    table: dict[tuple[str, str], tuple[str, int | None]] = {}
    for rule in rules:
        match = _RULE.fullmatch(rule.strip())
        if match is None:
            raise ValueError(f"--resolve {rule!r}: expected HOST:PORT:ADDRESS[:TARGET_PORT]")
        host, port, address, target = match.group("host", "port", "address", "target")
        address = address.strip("[]")
        # Checked now: a typo would otherwise route a name nowhere, and its links end as errors.
        if address != NXDOMAIN:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise ValueError(f"--resolve {rule!r}: {address!r} is not an IP address (or nxdomain)") from None
        for number in (port, target):
            if number not in (None, "*") and not 0 < int(number) < 65536:
                raise ValueError(f"--resolve {rule!r}: port {number} is not in 1-65535")
        table[(host.lower(), port)] = (address, int(target) if target else None)

    def route(host: str, port: int) -> tuple[str, int] | None:
        host = host.lower()
        for key in ((host, str(port)), (host, "*"), ("*", str(port)), ("*", "*")):
            found = table.get(key)
            if found is not None:
                return found[0], found[1] if found[1] is not None else port
        return None

    return RoutingResolver(route, system_fallback=True)


_RULE = re.compile(r"(?P<host>[^:\s]+):(?P<port>\d+|\*):(?P<address>\[[0-9a-fA-F:.]+\]|[^:\s]+)(?::(?P<target>\d+))?")


class GuardedResolver(AbstractResolver):
    """Wraps a resolver and drops refused addresses; raises when nothing acceptable is left."""

    def __init__(
        self,
        inner: AbstractResolver | None = None,
        *,
        allow_private: bool = False,
        trusted_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self._inner = inner
        self.allow_private = allow_private
        self.trusted_hosts = trusted_hosts

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = SystemResolver()
        results = await self._inner.resolve(host, port, family)
        if self.allow_private or host in self.trusted_hosts:
            return results
        kept: list[ResolveResult] = []
        refused: tuple[str, str] | None = None
        for item in results:
            why = address_refusal(item["host"])
            if why is None:
                kept.append(item)
            elif refused is None:
                refused = (item["host"], why)
        if not kept and refused is not None:
            raise BlockedAddressError(host, *refused)
        return kept

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()


def is_blocked_address_error(exc: BaseException | Any) -> BlockedAddressError | None:
    """Find a BlockedAddressError inside aiohttp's wrapping of connector errors."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, BlockedAddressError):
            return exc
        exc = getattr(exc, "os_error", None) or exc.__cause__ or exc.__context__
        seen += 1
    return None
