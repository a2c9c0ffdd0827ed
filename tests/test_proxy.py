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

from linkcheck.models import Outcome, Verdict
from linkcheck.net.resolve import RoutingResolver
from linkcheck.net.transport import Fetcher, FetchSettings, proxy_plan
from linkcheck.scan.canonical import canonicalize
from linkcheck.simweb import SimulatedWeb, by_id, challenge
from linkcheck.simweb import pages as P
from linkcheck.simweb.proxy import ForwardProxy, proxy_in_thread
from linkcheck.sites import DEFAULT_HEADERS
from tests.support import fast_politeness, fast_settings

ZL = "https://zhuanlan.zhihu.com"
# Cleared where a test sets its own (the machine running the tests may be behind a proxy itself).
PROXY_VARIABLES = (
    *("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"),
    *("http_proxy", "https_proxy", "all_proxy", "no_proxy"),
)


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


# --------------------------------------------------------------------------------------------
# linkcheck's HTTP client behind the proxy
# --------------------------------------------------------------------------------------------

WX = "https://mp.weixin.qq.com"


def only_localhost(host: str, port: int) -> tuple[str, int] | None:
    """The machine's own resolver as far as these tests need it: ``localhost`` and no other name."""
    return ("127.0.0.1", port) if host == "localhost" else None


async def _check(web: SimulatedWeb, urls: list[str], **overrides) -> dict[str, Outcome]:
    hosts = {canonicalize(u).host for u in urls}
    settings = fast_settings(web, allow_private=False, politeness_overrides=fast_politeness(hosts), **overrides)
    async with Fetcher(settings, resolver=RoutingResolver(only_localhost)) as fetcher:
        outcomes = await asyncio.gather(*(fetcher.check(canonicalize(u).canonical) for u in urls))
    return dict(zip(urls, outcomes, strict=True))


EXPECTED_HTTP = {
    WX + "/s/" + P.WX_LIVE_ID: (Verdict.ALIVE, "live-marker"),
    by_id("WX-DEL").url: (Verdict.DEAD, "tombstone:weixin-deleted"),
    ZL + challenge.GATED_LIVE_P: (Verdict.BLOCKED, "antibot:zhihu-403"),  # a plain client meets the challenge
    "https://behave.test/status/404": (Verdict.DEAD, "http-404"),
    "http://behave.test/ok": (Verdict.ALIVE, "http-200"),
}


def test_http_client_through_a_proxy_named_localhost_with_the_guard_on(simweb: SimulatedWeb) -> None:
    """``--proxy http://localhost:PORT`` without --allow-private: the proxy is the operator's choice,
    so the SSRF guard lets its name resolve to loopback (issue #22 item 1); targets are never
    resolved locally (the resolver knows no other name), the proxy resolves them."""
    with proxy_in_thread(simweb.route) as proxy:
        outcomes = asyncio.run(_check(simweb, list(EXPECTED_HTTP), proxy=f"http://localhost:{proxy.port}"))
        reached = proxy.hosts()
    assert {url: (o.verdict, o.reason) for url, o in outcomes.items()} == EXPECTED_HTTP
    assert reached == {"mp.weixin.qq.com", "zhuanlan.zhihu.com", "behave.test"}


def test_http_client_takes_the_proxy_and_no_proxy_from_the_environment(
    simweb: SimulatedWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    with proxy_in_thread(simweb.route) as proxy:
        for name in PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", f"http://localhost:{proxy.port}")
        monkeypatch.setenv("HTTP_PROXY", f"http://localhost:{proxy.port}")
        monkeypatch.setenv("NO_PROXY", "example.org,.behave.test")  # behave.test goes direct: NXDOMAIN here
        plan = proxy_plan(fast_settings(simweb))
        outcomes = asyncio.run(_check(simweb, [WX + "/s/" + P.WX_LIVE_ID, "https://behave.test/ok"]))
        reached = proxy.hosts()
    assert plan.proxies == {"http": f"http://localhost:{proxy.port}", "https": f"http://localhost:{proxy.port}"}
    assert plan.for_url(WX + "/s/x") == f"http://localhost:{proxy.port}" and plan.hosts == {"localhost"}
    assert plan.for_url("https://behave.test/ok") is None and plan.for_url("https://www.example.org/") is None
    assert (outcomes[WX + "/s/" + P.WX_LIVE_ID].verdict, outcomes["https://behave.test/ok"].reason) == (
        Verdict.ALIVE,
        "dns",
    )
    assert reached == {"mp.weixin.qq.com"}


def test_proxy_plan_explicit_environment_or_none(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert proxy_plan(FetchSettings()).proxies == {}
    monkeypatch.setenv("HTTPS_PROXY", "http://user:secret@proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    from_env = proxy_plan(FetchSettings())
    assert from_env.proxies == {"https": "http://user:secret@proxy.corp:3128"}  # http:// URLs go direct
    assert from_env.for_url("http://a.example/") is None and from_env.for_url("https://wiki.internal.example/") is None
    # An explicit proxy wins, for every URL, with no bypass (as aiohttp's proxy= argument).
    explicit = proxy_plan(FetchSettings(proxy="http://localhost:8080"))
    assert explicit.for_url("http://a.example/") == explicit.for_url("https://wiki.internal.example/")
    assert explicit.for_url("http://a.example/") == "http://localhost:8080" and explicit.hosts == {"localhost"}


def test_http_client_authenticates_to_the_proxy_with_the_urls_credentials(simweb: SimulatedWeb) -> None:
    with proxy_in_thread(simweb.route, credentials=("lc user", "s3cr:t")) as proxy:
        url = WX + "/s/" + P.WX_LIVE_ID
        good = asyncio.run(_check(simweb, [url], proxy=f"http://lc%20user:s3cr%3At@localhost:{proxy.port}"))
        bad = asyncio.run(_check(simweb, [url], proxy=f"http://localhost:{proxy.port}", max_attempts=1))
        statuses = [r.status for r in proxy.records]
    assert (good[url].verdict, good[url].reason) == (Verdict.ALIVE, "live-marker")
    assert bad[url].verdict is Verdict.ERROR and "407" in (bad[url].error or "")
    assert statuses == [200, 407]
