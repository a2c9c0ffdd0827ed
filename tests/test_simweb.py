"""The simulated web itself, driven by a plain aiohttp client over TLS with an inline resolver."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from linkcheck.simweb import FIXTURES, Fixture, SimulatedWeb, by_id, serve_in_thread
from linkcheck.simweb import pages as P
from linkcheck.sites import DEFAULT_HEADERS, profile_for

T = TypeVar("T")
BROWSER = dict(DEFAULT_HEADERS)


class SimResolver(AbstractResolver):
    """Every simulated host → 127.0.0.1 and the simulated web's port; the rest → NXDOMAIN."""

    def __init__(self, web: SimulatedWeb) -> None:
        self.web = web

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        target = self.web.route(host, port)
        if target is None:
            raise OSError(socket.EAI_NONAME, f"Name or service not known: {host}")
        addr, real_port = target
        return [
            ResolveResult(
                hostname=host,
                host=addr,
                port=real_port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        pass


def session(web: SimulatedWeb, **kw: Any) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(resolver=SimResolver(web), ssl=web.client_ssl_context())
    return aiohttp.ClientSession(connector=connector, headers=BROWSER, **kw)


def run(web: SimulatedWeb, body: Callable[[aiohttp.ClientSession], Awaitable[T]], **kw: Any) -> T:
    async def main() -> T:
        async with session(web, **kw) as s:
            return await body(s)

    return asyncio.run(main())


async def get(s: aiohttp.ClientSession, url: str, **kw: Any) -> tuple[int, aiohttp.ClientResponse, bytes]:
    async with s.get(url, **kw) as r:
        return r.status, r, await r.read()


def fetch(web: SimulatedWeb, url: str, **kw: Any) -> tuple[int, aiohttp.ClientResponse, bytes]:
    return run(web, lambda s: get(s, url, **kw))


# --- WeChat -------------------------------------------------------------------------------------


def test_wx_live_has_live_markers(simweb: SimulatedWeb) -> None:
    status, r, body = fetch(simweb, by_id("WX-LIVE").url)
    text = body.decode()
    assert status == 200 and r.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert f'<meta property="og:title" content="{P.WX_LIVE_TITLE}" />' in text
    assert 'id="js_content"' in text and "var msg_title = " in text
    assert 'data-src="https://mmbiz.qpic.cn/mmbiz_png/' in text
    assert 100_000 < len(body) < 400_000
    assert profile_for("mp.weixin.qq.com").is_live(text)


def test_wx_deleted_localised(simweb: SimulatedWeb) -> None:
    _, _, zh = fetch(simweb, by_id("WX-DEL").url)
    _, _, en = fetch(simweb, by_id("WX-DEL-EN").url, headers={"Accept-Language": "en-US,en;q=0.8"})
    assert '<div class="weui-msg__title warn">该内容已被发布者删除</div>' in zh.decode()
    assert "The content has been deleted by the author." in en.decode()
    assert "og:title" not in zh.decode()


def test_wx_captcha_redirect(simweb: SimulatedWeb) -> None:
    status, r, _ = fetch(simweb, by_id("WX-CAPTCHA-302").url, allow_redirects=False)
    assert status == 302
    assert r.headers["Location"].startswith("/mp/wappoc_appmsgcaptcha?poc_token=HBAbc&target_url=https%3A%2F%2F")
    status, r, body = fetch(simweb, by_id("WX-CAPTCHA-302").url)
    assert status == 200 and "/mp/wappoc_appmsgcaptcha" in str(r.url)
    assert '<h2 class="weui-msg__title">环境异常</h2>' in body.decode()


def test_wx_captcha_once_then_live(simweb: SimulatedWeb) -> None:
    url = by_id("WX-CAPTCHA-ONCE").url

    async def body(s: aiohttp.ClientSession) -> list[int]:
        return [(await get(s, url, allow_redirects=False))[0] for _ in range(3)]

    assert run(simweb, body) == [302, 200, 200]
    simweb.reset_state()
    assert run(simweb, body) == [302, 200, 200]


def test_wx_gzip_and_chunked_variants_equal_live(simweb: SimulatedWeb) -> None:
    async def body(s: aiohttp.ClientSession) -> tuple[Any, ...]:
        _, rg, gz = await get(s, by_id("WX-LIVE-GZIP").url)
        _, rc, ch = await get(s, by_id("WX-LIVE-CHUNKED").url)
        return rg.headers.get("Content-Encoding"), gz, rc.headers.get("Transfer-Encoding"), ch

    enc, gz, te, ch = run(simweb, body)
    assert enc == "gzip" and te == "chunked"
    assert gz == ch == P.wx_live()


def test_mmbiz_image_needs_referer(simweb: SimulatedWeb) -> None:
    url = P.mmbiz_image_url("x")
    status, _, _ = fetch(simweb, url)
    assert status == 403
    status, r, body = fetch(simweb, url, headers={"Referer": "https://mp.weixin.qq.com/"})
    assert status == 200 and r.headers["Content-Type"] == "image/png" and body.startswith(b"\x89PNG")


# --- Zhihu --------------------------------------------------------------------------------------


def test_zhihu_challenge_and_ipban(simweb: SimulatedWeb) -> None:
    status, _, body = fetch(simweb, "https://zhuanlan.zhihu.com/p/987654321")
    assert status == 403 and '<meta id="zh-zse-ck"' in body.decode()
    assert "static.zhihu.com/zse-ck/v4/" in body.decode()
    live = by_id("ZH-LIVE-P").url
    status, r, body = fetch(simweb, live)
    assert status == 200 and r.headers["Server"] == "CLOUD ELB 1.0.0" and "KLBRSID" in r.headers["Set-Cookie"]
    assert 'class="Post-Title"' in body.decode()
    status, _, body = fetch(simweb, live, headers={"User-Agent": "python-requests/2.31.0"})
    assert status == 403 and body == b"<html><body>403 Forbidden</body></html>"


def test_zhihu_unhuman_redirect(simweb: SimulatedWeb) -> None:
    status, r, body = fetch(simweb, by_id("ZH-UNHUMAN").url)
    assert status == 200 and str(r.url).startswith("https://www.zhihu.com/account/unhuman?type=unhuman")
    assert "<title>安全验证 - 知乎</title>" in body.decode()


# --- behave.test --------------------------------------------------------------------------------


def test_flaky_then_ok(simweb: SimulatedWeb) -> None:
    async def body(s: aiohttp.ClientSession) -> list[int]:
        return [(await get(s, "https://behave.test/flaky/k1?fail=2&code=503"))[0] for _ in range(4)]

    assert run(simweb, body) == [503, 503, 200, 200]


def test_ratelimited_retry_after(simweb: SimulatedWeb) -> None:
    status, r, _ = fetch(simweb, "https://behave.test/ratelimited/a?fail=1&retry_after=7")
    assert status == 429 and r.headers["Retry-After"] == "7"
    assert fetch(simweb, "https://behave.test/ratelimited/a?fail=1&retry_after=7")[0] == 200
    status, r, _ = fetch(simweb, "https://behave.test/ratelimited/b?fail=1&retry_after=30&retry_after_date=1")
    when = parsedate_to_datetime(r.headers["Retry-After"]).timestamp()
    assert status == 429 and 25 < when - time.time() <= 31
    status, r, _ = fetch(simweb, by_id("GH-429").url)
    assert status == 429 and r.headers["Retry-After"] == "60"


def test_gbk_pages(simweb: SimulatedWeb) -> None:
    _, r, body = fetch(simweb, "https://behave.test/gbk")
    assert r.headers["Content-Type"] == "text/html"
    assert P.GBK_TEXT in body.decode("gbk") and '<meta charset="gbk">' in body.decode("gbk")
    _, r, body = fetch(simweb, "https://behave.test/gbk-header")
    assert r.headers["Content-Type"] == "text/html; charset=gbk" and P.GBK_TEXT in body.decode("gbk")


def test_reset_is_a_client_error(simweb: SimulatedWeb) -> None:
    with pytest.raises(aiohttp.ClientError):
        fetch(simweb, "https://behave.test/reset")
    with pytest.raises(aiohttp.ClientError):
        fetch(simweb, "http://behave.test/reset")


def test_truncated_body(simweb: SimulatedWeb) -> None:
    with pytest.raises(aiohttp.ClientPayloadError):
        fetch(simweb, "https://behave.test/truncated")


def test_routes_and_connection_failures(simweb: SimulatedWeb) -> None:
    assert simweb.route("no-such-host.example", 443) is None
    assert simweb.route("mp.weixin.qq.com", 443) == ("127.0.0.1", simweb.https_port)
    assert simweb.route("behave.test", 80) == ("127.0.0.1", simweb.http_port)
    assert simweb.route("h1.bench.test", 443) == ("127.0.0.1", simweb.https_port)
    with pytest.raises(aiohttp.ClientConnectorDNSError):
        fetch(simweb, "https://no-such-host.example/")
    with pytest.raises(aiohttp.ClientConnectorError) as refused:
        fetch(simweb, "https://refused.test/")
    assert isinstance(refused.value.os_error, ConnectionRefusedError)
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        fetch(simweb, "https://badtls.test/ok")


def test_max_in_flight_counts_concurrent_requests(simweb: SimulatedWeb) -> None:
    async def body(s: aiohttp.ClientSession) -> list[int]:
        results = await asyncio.gather(*(get(s, "https://behave.test/slow?ms=300") for _ in range(3)))
        return [status for status, _, _ in results]

    assert run(simweb, body) == [200, 200, 200]
    assert simweb.max_in_flight("behave.test") == 3
    assert simweb.in_flight("behave.test") == 0
    assert simweb.max_in_flight("github.com") == 0
    records = [r for r in simweb.requests if r.path_qs == "/slow?ms=300"]
    assert len(records) == 3 and all(r.finished is not None and r.finished - r.started >= 0.29 for r in records)
    assert records[0].headers["user-agent"] == DEFAULT_HEADERS["User-Agent"] and records[0].scheme == "https"
    assert all(r.status == 200 for r in records)


def test_redirects_head_and_http_twin(simweb: SimulatedWeb) -> None:
    status, r, _ = fetch(simweb, "https://behave.test/redirect/3")
    assert status == 200 and len(r.history) == 3 and str(r.url) == "https://behave.test/ok"
    with pytest.raises(aiohttp.TooManyRedirects):
        fetch(simweb, "https://behave.test/loop/a", max_redirects=5)
    status, r, _ = fetch(simweb, "https://behave.test/redirect-to?url=https%3A%2F%2Fgithub.com%2Fowner%2Frepo")
    assert status == 451 and str(r.url) == "https://github.com/owner/repo"

    async def head(s: aiohttp.ClientSession) -> tuple[int, int]:
        async with s.head("https://behave.test/head-405") as a, s.get("http://behave.test/head-405") as b:
            return a.status, b.status

    assert run(simweb, head) == (405, 200)
    assert simweb.requests[-1].scheme == "http"


def test_streams_huge_and_gzip_bomb_and_drip(simweb: SimulatedWeb) -> None:
    async def body(s: aiohttp.ClientSession) -> tuple[Any, ...]:
        async with s.head("https://behave.test/huge?mb=30") as r:
            head_len = int(r.headers["Content-Length"])
        size = 0
        async with s.get("https://behave.test/huge?mb=3") as r:
            async for chunk in r.content.iter_chunked(1 << 16):
                size += len(chunk)
        async with s.get("https://behave.test/gzip-bomb?mb=4", auto_decompress=False) as r:
            raw = await r.read()
        started = time.monotonic()
        _, _, dripped = await get(s, "https://behave.test/drip?bytes_per_s=2000&total=1000")
        return head_len, size, raw, dripped, time.monotonic() - started

    head_len, size, raw, dripped, elapsed = run(simweb, body)
    assert head_len == 30 << 20 and size == 3 << 20
    assert len(raw) < 10_000 and gzip.decompress(raw) == bytes(4 << 20)
    assert dripped == b"." * 1000 and elapsed >= 0.35


def test_never_times_out_and_frees_the_handler(simweb: SimulatedWeb) -> None:
    with pytest.raises(asyncio.TimeoutError):
        fetch(simweb, "https://behave.test/never", timeout=aiohttp.ClientTimeout(total=0.3))
    deadline = time.monotonic() + 3
    while simweb.in_flight("behave.test") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert simweb.in_flight("behave.test") == 0


# --- other instances: latency, unknown hosts, benchmark hosts, stop --------------------------------


def test_in_loop_instance_latency_bench_hosts_and_prompt_stop() -> None:
    async def main() -> tuple[Any, ...]:
        web = SimulatedWeb(latency=0.2, extra_hosts=["bench-a.example"])
        async with web, session(web) as s:
            started = time.monotonic()
            pages = await asyncio.gather(
                get(s, "https://h0001.bench.test/page/7"), get(s, "https://bench-a.example/page/8")
            )
            elapsed = time.monotonic() - started
            never = asyncio.ensure_future(get(s, "https://behave.test/never"))
            await asyncio.sleep(0.3)
            stop_started = time.monotonic()
            await web.stop()
            stop_elapsed = time.monotonic() - stop_started
            with pytest.raises(aiohttp.ClientError):
                await never
        return pages, elapsed, stop_elapsed

    pages, elapsed, stop_elapsed = asyncio.run(main())
    assert [p[0] for p in pages] == [200, 200]
    assert b"h0001.bench.test page 7" in pages[0][2] and b"page 8" in pages[1][2]
    assert 0.2 <= elapsed < 1.0
    assert stop_elapsed < 3.0


def test_unknown_hosts_alive() -> None:
    with serve_in_thread(unknown_hosts="alive") as web:
        assert web.route("blog.example.org", 443) == ("127.0.0.1", web.https_port)
        assert web.route("gone.invalid", 443) is None
        status, _, body = fetch(web, "https://blog.example.org/some/post.html")
        assert status == 200 and b"blog.example.org" in body
        assert fetch(web, "http://blog.example.org/x")[0] == 200


# --- the fixture catalogue agrees with the site profiles --------------------------------------------


@pytest.mark.parametrize("fx", FIXTURES, ids=lambda fx: fx.id)
def test_fixture_catalogue(simweb: SimulatedWeb, fx: Fixture) -> None:
    async def body(s: aiohttp.ClientSession) -> tuple[Any, ...]:
        first, _, _ = await get(s, fx.url, headers=dict(fx.headers), allow_redirects=False)
        status, r, raw = await get(s, fx.url, headers=dict(fx.headers))
        return first, status, str(r.url), raw

    simweb.reset_state()  # WX-CAPTCHA-ONCE answers differently on its second request
    first, status, final_url, raw = run(simweb, body)
    assert first == fx.status
    text = raw.decode("utf-8", "replace")
    profile = profile_for(fx.url.split("/")[2])  # the checker judges by the link's own site
    if fx.marker is not None:
        hits = [
            m.reason
            for m in (*profile.antibot_markers, *profile.tombstone_markers, *profile.transient_markers)
            if m.reason == fx.marker and m.matches(status, text)
        ]
        hits += [
            u.reason
            for u in (*profile.antibot_urls, *profile.tombstone_urls)
            if u.reason == fx.marker and u.matches(final_url)
        ]
        assert hits, f"{fx.id}: no {fx.marker} marker in the answer from {final_url}"
    if fx.verdict == "alive" and fx.marker is None:
        assert status == 200
        if profile.live_required:
            # A page of another shape than an article (a CSDN user's home page …) has its shape's markers.
            shape = profile.shape_for(urlsplit(final_url).path)
            assert shape.is_live(text) if shape else profile.is_live(text), f"{fx.id}: live markers missing"


def test_threaded_server_stops_from_any_loop_and_restarts_on_same_ports() -> None:
    with serve_in_thread() as web:
        ports = (web.http_port, web.https_port)
        asyncio.run(web.stop())  # from this thread's loop, not the server's
        assert not web.running
        with pytest.raises(aiohttp.ClientConnectorError):
            fetch(web, "https://behave.test/ok")
        web.ensure_running()
        assert (web.http_port, web.https_port) == ports
        assert fetch(web, "https://behave.test/ok")[0] == 200
        assert fetch(web, "https://mp.weixin.qq.com" + web.TRAP_QUOTES_TOMBSTONE)[0] == 200
