"""``hostile.test``: servers that misbehave on purpose, for the reliability suite.

Each path is one way a stranger's server can hurt an unattended checker: bodies that never end or
trickle forever, a gzip bomb, a Content-Length that never arrives, broken or huge headers,
HTTP/1.0 without a length, 50-hop redirect chains, redirects to non-web schemes, and a server that
accepts and never answers. The TLS variants are separate host names (see ``TLS_HOSTS``).

Raw responses are written straight to the transport, since a well-behaved server library refuses
to produce them.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.web_request import BaseRequest

if TYPE_CHECKING:
    from linkcheck.simweb.server import SimulatedWeb

HOSTILE_HOST = "hostile.test"
# TLS trouble, by host name: the simulated web issues these certificates itself.
EXPIRED_HOST = "expired.test"  # a certificate from the trusted CA that expired in 2020
WRONGHOST_HOST = "wronghost.test"  # a valid certificate, but for another name
SELFSIGNED_HOST = "selfsigned.test"  # a certificate from a CA nobody trusts
TLS_HOSTS = (EXPIRED_HOST, WRONGHOST_HOST, SELFSIGNED_HOST)

CHUNK = b"x" * 65536
FOREVER_S = 300.0  # every endless behaviour still ends by itself, or at the server's stop
ENDLESS_MAX_BYTES = 1 << 30  # "endless" = far beyond any cap a client should read (64 KB / 2 MB)


def _gone(request: BaseRequest) -> bool:
    """The client hung up (it read its cap, or timed out): stop producing."""
    return request.transport is None or request.transport.is_closing()


def _raw(request: BaseRequest, data: bytes, *, close: bool = True) -> web.Response:
    """Write raw bytes as the whole response and (by default) close the connection."""
    transport = request.transport
    if transport is not None:
        transport.write(data)
        if close:
            transport.close()
    return web.Response(status=500)  # never reaches the client: the transport is ours


async def _endless(web_: SimulatedWeb, request: BaseRequest) -> web.StreamResponse:
    """200 with no length, streaming as fast as the client reads, until the server stops."""
    resp = web.StreamResponse(headers={"Content-Type": "text/html"})
    await resp.prepare(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FOREVER_S
    sent = 0
    # Bounded all the same: over TLS a vanished client is not always visible to the handler, and
    # writes into a dead connection return at once — an unbounded loop would starve the server.
    while loop.time() < deadline and sent < ENDLESS_MAX_BYTES and not web_.stopping and not _gone(request):
        try:
            await resp.write(CHUNK)
        except (ConnectionError, RuntimeError):
            break
        sent += len(CHUNK)
    return resp


async def _slow_drip(web_: SimulatedWeb, request: BaseRequest) -> web.StreamResponse:
    """Headers at once, then one byte a second, forever (a slowloris in reverse)."""
    resp = web.StreamResponse(headers={"Content-Type": "text/html"})
    await resp.prepare(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FOREVER_S
    while loop.time() < deadline and not _gone(request):
        try:
            await resp.write(b".")
        except (ConnectionError, RuntimeError):
            break
        if await web_.pause(1.0):
            break
    return resp


def _bomb() -> bytes:
    """~1 MB of gzip (1,024 concatenated members of 1 MiB of zeros) inflating to 1 GiB."""
    if not _BOMB:
        _BOMB.append(gzip.compress(b"\0" * (1 << 20), compresslevel=9) * 1024)
    return _BOMB[0]


_BOMB: list[bytes] = []


async def _gzip_bomb(web_: SimulatedWeb, request: BaseRequest) -> web.Response:
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    return web.Response(body=_bomb(), headers=headers)


async def _huge_length(web_: SimulatedWeb, request: BaseRequest) -> web.Response:
    """Announces 5 GB, sends a little, then stalls with the connection open."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000000000\r\n\r\n<html>"
    _raw(request, head, close=False)
    await web_.pause(FOREVER_S)
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=500)


async def _dropped(web_: SimulatedWeb, request: BaseRequest) -> web.Response:
    """A length of 100 KB, half of it sent, then the connection is dropped."""
    _raw(request, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 102400\r\n\r\n" + b"y" * 51200)
    return web.Response(status=500)


async def _bad_header(web_: SimulatedWeb, request: BaseRequest) -> web.Response:
    """A header line with no colon and a control character: not HTTP."""
    return _raw(request, b"HTTP/1.1 200 OK\r\nContent-Type text/html\r\nX-\x01Bad: \x00\r\nContent-Length: 2\r\n\r\nok")


async def _huge_header(web_: SimulatedWeb, request: BaseRequest) -> web.Response:
    """A single 1 MB header value."""
    return _raw(request, b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (1 << 20) + b"\r\nContent-Length: 2\r\n\r\nok")


async def _many_headers(web_: SimulatedWeb, request: BaseRequest) -> web.Response:
    """Ten thousand headers."""
    lines = b"".join(b"X-H%d: v\r\n" % i for i in range(10000))
    return _raw(request, b"HTTP/1.1 200 OK\r\n" + lines + b"Content-Length: 2\r\n\r\nok")


async def _http10(web_: SimulatedWeb, request: BaseRequest) -> web.Response:
    """HTTP/1.0, no Content-Length: the body ends when the connection closes."""
    return _raw(request, b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body>old server</body></html>")


async def _garbage(web_: SimulatedWeb, request: BaseRequest) -> web.Response:
    """Not HTTP at all."""
    return _raw(request, b"\x16\x03\x01garbage that is not a status line\r\n\r\n")


async def _never(web_: SimulatedWeb, request: BaseRequest) -> web.Response:
    """Accepts the request and never answers (until the server stops)."""
    await web_.pause(FOREVER_S)
    return web.Response(status=504)


async def _chain(web_: SimulatedWeb, request: BaseRequest) -> web.Response:
    """/chain/N redirects to /chain/N-1 … /chain/0 is a live page: 50 hops from /chain/50."""
    try:
        n = int(request.path.rsplit("/", 1)[1])
    except ValueError:
        n = 0
    if n <= 0:
        return web.Response(text="<html>end of the chain</html>", content_type="text/html")
    raise web.HTTPFound(f"/chain/{n - 1}")


def _to(location: str) -> Callable[[SimulatedWeb, BaseRequest], Awaitable[web.Response]]:
    async def redirect(web_: SimulatedWeb, request: BaseRequest) -> web.Response:
        return web.Response(status=302, headers={"Location": location})

    return redirect


ROUTES: dict[str, Callable[[SimulatedWeb, BaseRequest], Awaitable[web.StreamResponse]]] = {
    "endless": _endless,
    "slow-drip": _slow_drip,
    "gzip-bomb": _gzip_bomb,
    "huge-length": _huge_length,
    "dropped": _dropped,
    "bad-header": _bad_header,
    "huge-header": _huge_header,
    "many-headers": _many_headers,
    "http10": _http10,
    "garbage": _garbage,
    "never": _never,
    "chain": _chain,
    "to-file": _to("file:///etc/passwd"),
    "to-ftp": _to("ftp://ftp.example.org/pub/"),
    "to-javascript": _to("javascript:alert(1)"),
    "to-loopback": _to("http://127.0.0.1:9/admin"),
    "to-private": _to("http://192.168.1.1/"),
    "to-metadata": _to("http://169.254.169.254/latest/meta-data/"),
}


async def handle(web_: SimulatedWeb, request: BaseRequest, host: str) -> web.StreamResponse:
    if host in TLS_HOSTS:
        return web.Response(text="<html>reached over bad TLS</html>", content_type="text/html")
    name = request.path.strip("/").split("/", 1)[0]
    route = ROUTES.get(name)
    if route is None:
        return web.Response(status=404, text="no such hostile behaviour")
    return await route(web_, request)
