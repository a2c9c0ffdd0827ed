"""The simulated web reached through a forward proxy (linkcheck.simweb.proxy), as behind a company proxy.

The client is given only the proxy and the simulated web's CA: it never resolves a target name
itself (its resolver knows no name at all), the proxy does, with the simulated web's routing.
"""

from __future__ import annotations

import asyncio
import socket
import ssl

import aiohttp
import pytest

from linkcheck.resolve import RoutingResolver
from linkcheck.simweb import SimulatedWeb, challenge
from linkcheck.simweb.proxy import ForwardProxy, proxy_in_thread
from linkcheck.sites import DEFAULT_HEADERS

ZL = "https://zhuanlan.zhihu.com"


def no_names(host: str, port: int) -> tuple[str, int] | None:
    """A resolver route that knows no name: any local lookup of a target would fail as NXDOMAIN."""
    return None


async def _get(web: SimulatedWeb, proxy: str, url: str) -> tuple[int, str]:
    connector = aiohttp.TCPConnector(resolver=RoutingResolver(no_names), ssl=web.client_ssl_context())
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(url, proxy=proxy, headers=DEFAULT_HEADERS, allow_redirects=False) as response,
    ):
        return response.status, await response.text()


def test_tunnels_https_and_forwards_plain_http_by_name(simweb: SimulatedWeb) -> None:
    with proxy_in_thread(simweb.route) as proxy:
        status, body = asyncio.run(_get(simweb, proxy.url, ZL + challenge.GATED_LIVE_P))
        assert status == 403 and 'id="zh-zse-ck"' in body  # the real Zhihu answer, TLS verified end to end
        status, _ = asyncio.run(_get(simweb, proxy.url, "http://behave.test/status/418?x=1"))
        assert status == 418
        records = [(r.method, r.target, r.status) for r in proxy.records]
    assert records == [
        ("CONNECT", "zhuanlan.zhihu.com:443", 200),
        ("GET", "http://behave.test/status/418?x=1", 200),
    ]
    assert proxy.hosts("CONNECT") == {"zhuanlan.zhihu.com"} and proxy.hosts() == {"zhuanlan.zhihu.com", "behave.test"}
    # The origin saw the real names, an origin-form request and no proxy headers.
    plain = [r for r in simweb.requests if r.host == "behave.test"]
    assert [(r.scheme, r.path_qs) for r in plain] == [("http", "/status/418?x=1")]
    assert "Proxy-Connection" not in plain[0].headers and plain[0].headers["Connection"] == "close"


def test_unknown_names_and_refusing_origins_are_bad_gateway(simweb: SimulatedWeb) -> None:
    with proxy_in_thread(simweb.route) as proxy:
        with pytest.raises(aiohttp.ClientHttpProxyError) as raised:
            asyncio.run(_get(simweb, proxy.url, "https://nosuch.invalid/"))
        assert raised.value.status == 502
        status, _ = asyncio.run(_get(simweb, proxy.url, "http://refused.test/"))
        assert status == 502
    assert [(r.method, r.host, r.status) for r in proxy.records] == [
        ("CONNECT", "nosuch.invalid", 502),
        ("GET", "refused.test", 502),
    ]
    assert proxy.hosts() == set()


def test_stop_ends_open_tunnels(simweb: SimulatedWeb) -> None:
    async def main() -> tuple[float, int]:
        async with ForwardProxy(simweb.route) as proxy:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(b"CONNECT behave.test:443 HTTP/1.1\r\nHost: behave.test:443\r\n\r\n")
            await writer.drain()
            assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200 ")
            loop = asyncio.get_running_loop()
            started = loop.time()
            await proxy.stop()
            assert await asyncio.wait_for(reader.read(), 5) == b""  # the tunnel was closed, not left open
            writer.close()
            return loop.time() - started, proxy.port

    took, port = asyncio.run(main())
    assert took < 5
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):  # nothing listens any more
        probe.connect(("127.0.0.1", port))


def test_the_simulated_web_process_serves_the_proxy_too(tmp_path) -> None:
    from linkcheck.simweb.process import spawn

    served = spawn(tmp_path / "ca.pem", "--proxy", duration=120)
    try:
        assert served.proxy_url is not None

        async def main() -> int:
            context = ssl.create_default_context(cafile=str(served.ca_file))
            connector = aiohttp.TCPConnector(resolver=RoutingResolver(no_names), ssl=context)
            async with (
                aiohttp.ClientSession(connector=connector) as session,
                session.get("https://behave.test/ok", proxy=served.proxy_url) as response,
            ):
                return response.status

        assert asyncio.run(main()) == 200
    finally:
        served.stop()
