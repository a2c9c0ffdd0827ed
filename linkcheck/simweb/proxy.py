"""An HTTP forward proxy on loopback in front of the simulated web (a company proxy, in miniature).

Clients configured with ``http://127.0.0.1:PORT`` as their proxy (``--proxy``, ``HTTPS_PROXY``,
Chromium's ``--proxy-server``) reach the simulated web *through it* instead of through a routing
resolver: the proxy, not the client, turns ``zhuanlan.zhihu.com`` into an address, with the same
``route(host, port)`` function the resolver uses (:meth:`SimulatedWeb.route`).

It speaks what HTTP clients send a forward proxy:

* ``CONNECT host:443`` — a TCP tunnel (TLS stays end to end: the client verifies the simulated web's
  certificate for the real name, as behind a company proxy whose CA the client trusts);
* ``GET http://host/path HTTP/1.1`` (absolute form) — forwarded in origin form, one request per
  connection (``Connection: close``), hop-by-hop and proxy headers dropped.

A name ``route`` does not know, or an address that refuses, is answered ``502 Bad Gateway``, as a
real proxy does. With ``credentials`` it asks for Basic authentication (``407`` with
``Proxy-Authenticate``) until a request carries them. Every request is recorded
(:attr:`ForwardProxy.records`), so a test can assert that a client really went through the proxy,
and for which hosts.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from linkcheck.simweb.background import running_in_thread

Route = Callable[[str, int], "tuple[str, int] | None"]

# Request headers meant for the proxy or for one hop only: never passed on to the origin.
_HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "upgrade"}
)
_HEAD_LIMIT = 64 * 1024  # longest request head accepted (a real browser's is a few KiB)
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class ProxyRecord:
    """One request the proxy received."""

    method: str  # CONNECT, GET, HEAD …
    host: str  # the origin's name, lower-case
    port: int
    target: str  # "host:port" for CONNECT, the absolute URL otherwise
    status: int  # what the proxy answered itself: 200 (tunnel open / forwarded), 400, 407, 502
    started: float  # time.monotonic()


class ForwardProxy:
    """``async with ForwardProxy(web.route) as proxy: … proxy.url …`` (or start()/stop())."""

    def __init__(
        self,
        route: Route,
        *,
        port: int = 0,
        connect_timeout: float = 5.0,
        idle_timeout: float = 60.0,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.route = route
        self.credentials = credentials  # (user, password) the proxy requires, Basic scheme
        self.port = port
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout  # a head not received, or a tunnel silent, this long: closed
        self.records: list[ProxyRecord] = []
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """The proxy URL clients are given: ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def hosts(self, method: str | None = None) -> set[str]:
        """Origin hosts the proxy opened a connection to (for ``method`` only, e.g. ``CONNECT``)."""
        return {r.host for r in self.records if r.status == 200 and (method is None or r.method == method)}

    def reset(self) -> None:
        self.records.clear()

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, limit=_HEAD_LIMIT)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._connections):
            task.cancel()  # open tunnels end with the proxy
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=5)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), timeout=5)

    async def __aenter__(self) -> ForwardProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- one client connection ---------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            pass  # the client went away or sent garbage: nothing to answer
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:  # until a request carries the credentials (a client retries on the same connection)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.idle_timeout)
            request_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
            method, target, version = request_line.split(" ", 2)
            started = time.monotonic()
            if self._authorized(header_lines):
                break
            self._record(method, "", 0, target, 407, started)
            writer.write(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="simweb"\r\nContent-Length: 0\r\n\r\n'
            )
            await writer.drain()
        if method.upper() == "CONNECT":
            host, _, port_text = target.rpartition(":")
            host, port = host.strip("[]").lower(), int(port_text)
            upstream = await self._upstream(writer, method, host, port, target, started)
            if upstream is None:
                return
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await writer.drain()
            await self._pipe(reader, writer, *upstream)
            return
        parts = urlsplit(target)
        if parts.scheme.lower() != "http" or not parts.hostname:
            # Origin-form or https:// in absolute form: not something a client sends a forward proxy.
            self._record(method, parts.hostname or "", parts.port or 80, target, 400, started)
            await self._answer(writer, 400, "Bad Request")
            return
        host, port = parts.hostname.lower(), parts.port or 80
        upstream = await self._upstream(writer, method, host, port, target, started)
        if upstream is None:
            return
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kept = [line for line in header_lines if line.partition(":")[0].strip().lower() not in _HOP_HEADERS]
        if not any(line.partition(":")[0].strip().lower() == "host" for line in kept):
            kept.insert(0, f"Host: {parts.netloc.rpartition('@')[2]}")
        # One request per connection: the origin closes after its answer, and so does the client.
        forwarded = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""])
        upstream_writer = upstream[1]
        upstream_writer.write(forwarded.encode("latin-1"))
        await self._pipe(reader, writer, *upstream)

    async def _open(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """A connection to where ``route`` sends ``host:port``, or None (unknown name, refused)."""
        target = self.route(host, port)
        if target is None or target[0] == "nxdomain":
            return None
        try:
            return await asyncio.wait_for(asyncio.open_connection(*target), self.connect_timeout)
        except (OSError, TimeoutError):
            return None

    async def _pipe(
        self,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
        upstream_reader: asyncio.StreamReader,
        upstream_writer: asyncio.StreamWriter,
    ) -> None:
        """Copy both ways until both sides are done (or one is silent for ``idle_timeout``)."""

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await asyncio.wait_for(source.read(_CHUNK), self.idle_timeout):
                    sink.write(data)
                    await sink.drain()
                if sink.can_write_eof():
                    sink.write_eof()  # half-close: the other direction may still be talking
            except (ConnectionError, TimeoutError, OSError):
                sink.close()

        try:
            await asyncio.gather(copy(client_reader, upstream_writer), copy(upstream_reader, client_writer))
        finally:
            upstream_writer.close()
            with contextlib.suppress(Exception):
                await upstream_writer.wait_closed()

    def _authorized(self, header_lines: list[str]) -> bool:
        if self.credentials is None:
            return True
        expected = "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode("ascii")
        return any(
            name.strip().lower() == "proxy-authorization" and value.strip() == expected
            for name, _, value in (line.partition(":") for line in header_lines)
        )

    async def _upstream(
        self, writer: asyncio.StreamWriter, method: str, host: str, port: int, target: str, started: float
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The connection to the origin (the request recorded as 200), or None once the client has
        been answered 502 (recorded as such)."""
        upstream = await self._open(host, port)
        self._record(method, host, port, target, 200 if upstream is not None else 502, started)
        if upstream is None:
            await self._answer(writer, 502, "Bad Gateway")
        return upstream

    def _record(self, method: str, host: str, port: int, target: str, status: int, started: float) -> None:
        self.records.append(ProxyRecord(method.upper(), host, port, target, status, started))

    @staticmethod
    async def _answer(writer: asyncio.StreamWriter, status: int, reason: str) -> None:
        writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()


@contextlib.contextmanager
def proxy_in_thread(route: Route, **kwargs: Any) -> Iterator[ForwardProxy]:
    """Run a :class:`ForwardProxy` on its own event loop in a daemon thread; yield it started
    (sync tests and the CLI under test can then use it from any loop or process)."""
    proxy = ForwardProxy(route, **kwargs)
    with running_in_thread(proxy.start, proxy.stop, loop=asyncio.new_event_loop(), name="simweb-proxy"):
        yield proxy
