"""The simulated web: one aiohttp server on loopback that impersonates every host linkcheck meets.

Clients keep the real URL (``https://mp.weixin.qq.com/s/…``); a resolver built on
:meth:`SimulatedWeb.route` sends every simulated host to 127.0.0.1 and port 443/80 to our HTTPS/HTTP
port. The server then dispatches on the ``Host`` header, and its TLS side picks a certificate for
the SNI name from a ``trustme`` CA, so any host name verifies against :meth:`SimulatedWeb.ca_pem`.

Special host names: ``refused.test`` routes to a bound port nobody listens on (connection
refused); ``badtls.test`` gets a certificate from a foreign CA (TLS verification error); names
under ``.invalid`` are NXDOMAIN even with ``unknown_hosts="alive"``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hashlib
import json
import logging
import re
import socket
import ssl
import struct
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import quote, urlsplit

import trustme
from aiohttp import web
from aiohttp.web_request import BaseRequest

from linkcheck.simweb import challenge, hostile, softsites
from linkcheck.simweb import pages as P
from linkcheck.simweb.background import running_in_thread

log = logging.getLogger("linkcheck.simweb")

Handler = Callable[[BaseRequest, str], Awaitable[web.StreamResponse]]

MAX_RECORDS = 200_000
NEVER_SECONDS = 300.0  # /never and other waits give up after this, or at stop()

HTML = P.UTF8_HTML
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"

WEIXIN_HOSTS = ("mp.weixin.qq.com",)
MMBIZ_HOSTS = ("mmbiz.qpic.cn",)
WXRES_HOSTS = ("res.wx.qq.com",)  # WeChat's static files: the article script, WeUI styles
ZHIHU_HOSTS = ("zhuanlan.zhihu.com", "www.zhihu.com", "zhihu.com")
ZHIMG_HOSTS = ("pic1.zhimg.com", "pic2.zhimg.com", "pic3.zhimg.com", "pic4.zhimg.com")
ZHSTATIC_HOSTS = ("static.zhihu.com",)
CSDN_HOSTS = ("blog.csdn.net",)
CNBLOGS_HOSTS = ("www.cnblogs.com",)
SOHU_HOSTS = ("www.sohu.com", "m.sohu.com")
QQ_HOSTS = ("new.qq.com",)
JIANSHU_HOSTS = ("www.jianshu.com",)
BAIJIAHAO_HOSTS = ("baijiahao.baidu.com",)
WAPPASS_HOSTS = ("wappass.baidu.com",)
BILIBILI_HOSTS = ("api.bilibili.com", "www.bilibili.com")
GITHUB_HOSTS = ("github.com",)
BEHAVE_HOSTS = ("behave.test",)
# Parked and expired domains, one per parking service (docs/parked-domains.md), and the domain
# markets some of them redirect to; a small live blog whose pages quote parking pages.
PARKED_HOSTS: dict[str, str] = {
    "parked-sedo.example": "sedo",
    "parked-bodis.example": "bodis",
    "parked-godaddy.example": "godaddy",
    "parked-dan.example": "dan",
    "parked-afternic.example": "afternic",
    "parked-saleform.example": "saleform",
    "parked-cn.example": "zh",
}
PARKING_KINDS = ("sedo", "bodis", "godaddy", "dan", "afternic", "saleform", "zh")
MARKET_HOSTS = ("dan.com", "www.afternic.com")
TECHBLOG_HOSTS = ("techblog.example",)
REFUSED_HOST = "refused.test"
BADTLS_HOST = "badtls.test"
BENCH_SUFFIX = ".bench.test"

SIMULATED_HOSTS: tuple[str, ...] = (
    *WEIXIN_HOSTS, *MMBIZ_HOSTS, *WXRES_HOSTS, *ZHIHU_HOSTS, *ZHIMG_HOSTS, *ZHSTATIC_HOSTS,
    *CSDN_HOSTS, *CNBLOGS_HOSTS, *SOHU_HOSTS, *QQ_HOSTS,
    *JIANSHU_HOSTS, *BAIJIAHAO_HOSTS, *WAPPASS_HOSTS, *BILIBILI_HOSTS, *GITHUB_HOSTS, *BEHAVE_HOSTS,
    *PARKED_HOSTS, *MARKET_HOSTS, *TECHBLOG_HOSTS, BADTLS_HOST,
)  # fmt: skip


def _b(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _resp(body: str | bytes, status: int = 200, ctype: str = HTML, headers: Mapping[str, str] | None = None):
    h = {"Content-Type": ctype}
    if headers:
        h.update(headers)
    return web.Response(body=_b(body), status=status, headers=h)


def _redirect(location: str, status: int = 302) -> web.Response:
    return web.Response(status=status, headers={"Location": location, "Content-Type": HTML})


def self_host(request: BaseRequest) -> str:
    """The host a request was sent to (its Host header without the port), lower case."""
    return request.headers.get("Host", "").rsplit(":", 1)[0].lower()


def _int(query: Mapping[str, str], name: str, default: int, lo: int = 0, hi: int = 1 << 40) -> int:
    try:
        value = int(query.get(name, default))
    except ValueError:
        value = default
    return max(lo, min(hi, value))


@dataclass(slots=True)
class RequestRecord:
    """One request as the server saw it. ``headers`` is the case-insensitive request header map."""

    host: str
    method: str
    path_qs: str
    headers: Mapping[str, str]
    started: float  # time.monotonic()
    scheme: str = "https"
    finished: float | None = None
    status: int | None = None


# ---------------------------------------------------------------------------------------------
# Fixture tables (static answers: status, body, content type, extra headers)
# ---------------------------------------------------------------------------------------------

_Static = tuple[int, bytes, str, Mapping[str, str] | None]


def _s(status: int, body: str | bytes, ctype: str = HTML, headers: Mapping[str, str] | None = None) -> _Static:
    return (status, _b(body), ctype, headers)


WX_CAPTCHA_PATH = "/mp/wappoc_appmsgcaptcha"
WX_CAPTCHA_LOCATION = (
    f"{WX_CAPTCHA_PATH}?poc_token=HBAbc&target_url=https%3A%2F%2Fmp.weixin.qq.com%2Fs%3F__biz%3DMzIyNjMxOTY0NA%3D%3D"
)
WX_DEL_ID = "P9cMowFQ-QahLRnfHponKw"
WX_LIVE_IMG_ID = "JJyPUpHLM2bGvfk5FNvTUA"
WX_QUOTE_DELETED_ID = "quoteDeletedNotice0000"
WX_QUOTE_VERIFY_ID = "quoteVerifyNotice00000"
WX_GZIP_ID = "liveGzip00000000000000"
WX_CHUNKED_ID = "liveChunked00000000000"
WX_BIG_ID = "liveBig000000000000000"
WX_CAPTCHA_ONCE_ID = "captchaOnce00000000000"
WX_TEMPLATE_ID = "templateCode0000000000"  # a tutorial quoting {{ }} / {% %} template code

WX_SHORT: dict[str, _Static] = {
    "-WZT_VzhmSkJRAjb6GwsUA": _s(200, P.WX_VIOL),
    "ipr0000000000000000000": _s(200, P.WX_IPR),
    "complaints000000000000": _s(200, P.WX_COMPLAINTS),
    "sendFailed000000000000": _s(200, P.WX_SEND_FAILED),
    "impersonation000000000": _s(200, P.WX_IMPERSONATION),
    "privacy000000000000000": _s(200, P.WX_PRIVACY),
    "acct000000000000000000": _s(200, P.WX_ACCT_CLOSED),
    "acct000000000000000001": _s(200, P.WX_ACCT_BLOCKED),
    "acct000000000000000002": _s(200, P.WX_ACCT_MIGRATING),
    "acct000000000000000003": _s(200, P.WX_ACCT_IPR),
    "acct000000000000000004": _s(200, P.WX_ACCT_BLOCKED_ALT),
    "Fa_q7Pg8ZiQNmtqJeDNNuQ": _s(200, P.WX_TEMP_UNAVAIL),
    "migratedNoTarget000000": _s(200, P.WX_MIGRATED_NO_TARGET),
    "freq000000000000000000": _s(200, P.WX_FREQ),
    "delOldTemplate00000000": _s(200, P.WX_DEL_OLD),
    "sysError00000000000000": _s(200, P.WX_SYSERR),
}
# Long links by (__biz, mid): "captcha" = 302 to the verification page, else a static answer.
WX_LONG: dict[tuple[str, str], _Static | str] = {
    (P.WX_LIVE_BIZ, P.WX_LIVE_MID): "captcha",
    ("MzAwMTQ3NjgyOQ==", "2653038958"): _s(200, P.WX_MIGRATED),
    ("MzA3MDM3NjE5NQ==", "2650000001"): "deleted",  # trap (b): WX-DEL at a long link
}

ZH_S20_HEADERS = {
    "Server": "CLOUD ELB 1.0.0",
    "Set-Cookie": "KLBRSID=9d75f80756f65c61b0a50d80b4ca9b13|1762747210|1762747210; Path=/",
    "Cache-Control": "no-cache, no-store, must-revalidate, private, max-age=0",
}
ZH_UNHUMAN_LOCATION = (
    "https://www.zhihu.com/account/unhuman?type=unhuman&message=%E7%B3%BB%E7%BB%9F%E7%9B%91%E6%B5%8B"
    "%E5%88%B0%E6%82%A8%E7%9A%84%E7%BD%91%E7%BB%9C%E7%8E%AF%E5%A2%83%E5%AD%98%E5%9C%A8%E5%BC%82%E5%B8%B8"
    "&need_login=false&next=%2Fquestion%2F1912780463006782640"
)
ZH_PATHS: dict[str, _Static] = {
    "/p/486808688": _s(200, P.ZH_LIVE_P, headers=ZH_S20_HEADERS),
    "/question/296904119": _s(200, P.ZH_LIVE_Q, headers=ZH_S20_HEADERS),
    "/question/296904119/answer/510160579": _s(200, P.ZH_LIVE_Q, headers=ZH_S20_HEADERS),
    "/question/32237946/answer/734344973": _s(200, P.ZH_ANS_DEL),
    "/p/100000001": _s(404, P.ZH_404),
    "/question/100000001": _s(404, P.ZH_404),
    "/p/146643148": _s(403, P.ZH_ZSECK),
    "/question/1912780463006782640": _s(302, b"", headers={"Location": ZH_UNHUMAN_LOCATION}),
    "/answer/157956365": _s(302, b"", headers={"Location": "https://www.zhihu.com/signin?next=%2Fanswer%2F157956365"}),
    "/": _s(302, b"", headers={"Location": "https://www.zhihu.com/signin?next=%2F"}),
    "/api/v4/articles/1": _s(403, P.ZH_API_40362, JSON),
    "/account/unhuman": _s(200, P.ZH_UNHUMAN),
    "/signin": _s(200, P.ZH_SIGNIN),
    "/compatibility/index.html": _s(200, P.ZH_COMPAT),
}
ZH_CHALLENGE = _s(403, P.ZH_ZSECK)
ZH_IPBAN = _s(403, P.ZH_IPBAN)
ZH_API_DEFAULT = _s(403, P.ZH_API_40352, JSON)

CSDN_PATHS: dict[str, _Static] = {
    "/sunsonfly/article/details/13502993": _s(
        302,
        b"",
        headers={
            "Location": "/error/404.html?from=http%3a%2f%2fblog.csdn.net%2fsunsonfly%2farticle%2fdetails%2f13502993"
        },
    ),
    "/error/404.html": _s(404, P.CSDN_404),
    "/error/444.html": _s(404, P.CSDN_404),
    "/sunsonfly/article/details/404404": _s(404, P.CSDN_404),
    "/v_JULY_v/article/details/1": _s(200, P.CSDN_LIVE),
    "/qq_1/article/details/2": _s(200, P.CSDN_WAF),
}
# CSDN's pages that are no article (docs/page-shapes.md): a user's home page (and its article
# list), a category, an old column; the old blog's and the old mobile site's article URLs.
CSDN_HOME = re.compile(r"^/([\w-]+)(?:/article/list(?:/\d+)?)?/?$")
CSDN_CATEGORY = re.compile(r"^/([\w-]+)/(?:article/category/(\d+)|category_(\d+)(?:_\d+)?\.html)/?$")
CSDN_COLUMN = re.compile(r"^/column/(?:details|info)/([\w-]+?)(?:\.html)?/?$")
CSDN_ARCHIVE = re.compile(r"^/([\w-]+)/archive/\d{4}/\d{2}/\d{2}/(\d+)\.aspx$")
CSDN_MOBILE = re.compile(r"^/blog/([\w-]+)/(\d+)/?$")
TECHBLOG_PATHS: dict[str, bytes] = {
    "/2016/parked-domains.html": P.PARKING_ARTICLE,
    "/tools/encrypt.html": P.FOOTER_SALE_TOOL,
}
CNBLOGS_PATHS: dict[str, _Static] = {
    "/user/p/10266296.html": _s(
        302,
        b"",
        headers={
            "Location": "https://www.cnblogs.com/cmt/p/14580194.html?from=https%3A%2F%2Fwww.cnblogs.com%2Fuser"
            "%2Fp%2F10266296.html&blogId=464209&postId=10266296"
        },
    ),
    "/cmt/p/14580194.html": _s(200, P.CNBLOGS_HOLD),
    "/Jabe/p/11899345.html": _s(404, P.CNBLOGS_404),
}
SOHU_PATHS: dict[str, _Static] = {
    "/a/123456_100001": _s(302, b"", headers={"Location": "https://www.sohu.com/404.html"}),
    "/a/123456_100002": _s(302, b"", headers={"Location": "https://www.sohu.com/"}),
    "/404.html": _s(200, P.SOHU_404),
    "/": _s(200, P.SOHU_HOME),
}
QQ_PATHS: dict[str, _Static] = {
    "/omn/20201014/20201014A09RRZ00.html": _s(
        302,
        b"",
        headers={
            "Location": "https://new.qq.com/notfound.htm?uri=http://new.qq.com/omn/20201014/20201014A09RRZ00.html"
        },
    ),
    "/notfound.htm": _s(200, P.QQ_NOTFOUND),
}
JIANSHU_PATHS: dict[str, _Static] = {
    "/p/2b2b1dab85fe": _s(403, P.JIANSHU_UA),
    "/p/000000000000": _s(404, P.JIANSHU_404),
}
BAIDU_CAPTCHA_ID = "1687106698282169215"
BILI_404_BVID = "BV1xx411c7XX"
BILI_412_BVID = "BV1yy411c7YY"
GITHUB_PATHS: dict[str, _Static] = {
    "/owner/repo": _s(451, P.GH_DMCA),
    "/owner/repo2": _s(429, "Too many requests", TEXT, {"Retry-After": "60"}),
    "/owner/missing": _s(404, P.GH_404),
    "/owner/old-name": _s(301, b"", headers={"Location": "https://github.com/owner/new-name"}),
}


def _static(entry: _Static) -> web.Response:
    status, body, ctype, headers = entry
    return _resp(body, status, ctype, headers)


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


class SimulatedWeb:
    """The simulated web. ``async with SimulatedWeb() as web: …``, or start()/stop().

    ``unknown_hosts``: "nxdomain" (route() → None) or "alive" (any other host serves a small live
    page). ``latency``: seconds every response waits first (non-blocking; may be changed while
    running). ``extra_hosts``: benchmark host names serving ``/page/{n}`` (as ``*.bench.test`` do).
    ``wx_images``: (fewest, most) body images of a generated WeChat article, picked per article id
    (default 3: the fixture articles); ``image_bytes``: (smallest, largest) size of an article
    image, picked per image path (default: a ~250-byte PNG). ``zhihu_challenge=False``: Zhihu pages
    answer as behind a solved challenge (what a client holding Zhihu's cookie sees; for benchmarks
    of the nightly schedule). ``sites``: hosts answering as ordinary sites do, a missing page with a
    soft or a proper 404 (:class:`linkcheck.simweb.softsites.Site`), on top of
    :data:`~linkcheck.simweb.softsites.SITES`.

    Observation: ``requests`` (RequestRecord list, capped at ``max_records``), ``max_in_flight(host)``,
    ``in_flight(host)``, ``hits(host, path)``; ``reset_state()`` clears them and the per-URL attempt
    counters (flaky, ratelimited, the captcha-once article).
    """

    # Paths of the fixture traps on mp.weixin.qq.com (use with ``url("mp.weixin.qq.com", …)``).
    TRAP_QUOTES_TOMBSTONE = f"/s/{WX_QUOTE_DELETED_ID}"  # (a) live, #js_content quotes the deleted notice
    TRAP_QUOTES_VERIFY = f"/s/{WX_QUOTE_VERIFY_ID}"  # live, quotes the verification text
    TRAP_DELETED_LONG = "/s?__biz=MzA3MDM3NjE5NQ==&mid=2650000001&idx=1&sn=0123456789abcdef0123456789abcdef"  # (b)
    TRAP_CAPTCHA_THEN_LIVE = f"/s/{WX_CAPTCHA_ONCE_ID}"  # (c) captcha on the first request, live after
    TRAP_GZIP = f"/s/{WX_GZIP_ID}"  # (d) Content-Encoding: gzip
    TRAP_CHUNKED = f"/s/{WX_CHUNKED_ID}"  # (d) Transfer-Encoding: chunked
    LIVE_BIG = f"/s/{WX_BIG_ID}"  # 3.3 MB live article

    def __init__(
        self,
        *,
        unknown_hosts: str = "nxdomain",
        latency: float = 0.0,
        extra_hosts: Iterable[str] = (),
        http_port: int = 0,
        https_port: int = 0,
        max_records: int = MAX_RECORDS,
        aliases: Mapping[str, str] | None = None,
        wx_images: tuple[int, int] = (3, 3),
        image_bytes: tuple[int, int] = (0, 0),
        zhihu_challenge: bool = True,
        sites: Mapping[str, softsites.Site] | None = None,
        titles: Mapping[str, str] | None = None,
        https_only: Iterable[str] = (),
        parked: Mapping[str, str] | None = None,
    ) -> None:
        if unknown_hosts not in ("nxdomain", "alive"):
            raise ValueError("unknown_hosts must be 'nxdomain' or 'alive'")
        # host → parking kind (PARKING_KINDS): that host answers every path as a parked domain.
        self.parked: dict[str, str] = {**PARKED_HOSTS, **(parked or {})}
        unknown = set(self.parked.values()) - set(PARKING_KINDS)
        if unknown:
            raise ValueError(f"unknown parking kinds {sorted(unknown)} (known: {', '.join(PARKING_KINDS)})")
        self.wx_images = wx_images
        self.image_bytes = image_bytes
        self.zhihu_challenge = zhihu_challenge
        self.unknown_hosts = unknown_hosts
        self.latency = latency
        # "host/path?query" → a URL of the catalogue: that URL answers as if it were the fixture
        # (the demo gives real blog URLs the behaviours of deleted articles, 404s, slow hosts …).
        self.aliases: dict[str, str] = dict(aliases or {})
        # "host/path?query" → the title of the article there now (generated WeChat articles, Zhihu
        # pages behind the challenge, the long tail's live pages): a simulated web built from the
        # posts serves the articles they cite under the titles they cite them with, and a test
        # replaces one to make it drift (linkcheck.drift). Not given: made-up titles.
        self.titles: dict[str, str] = dict(titles or {})
        # Hosts that force HTTPS as most sites now do: a plain-HTTP request is answered with a 301
        # to the same URL on https:// (the page itself is only served over TLS).
        self.https_only = frozenset(h.lower().rstrip(".") for h in https_only)
        self.max_records = max_records
        self.http_port = http_port
        self.https_port = https_port
        self.ca = trustme.CA()
        self._foreign_ca = trustme.CA(organization_name="Not the simweb CA")
        self.requests: list[RequestRecord] = []
        self._in_flight: dict[str, int] = {}
        self._max_in_flight: dict[str, int] = {}
        self._attempts: dict[str, int] = {}
        self._ctx_cache: dict[str, ssl.SSLContext] = {}
        self._runner: web.ServerRunner | None = None
        self._home_loop: asyncio.AbstractEventLoop | None = None  # set by serve_in_thread
        self._stopping: asyncio.Event | None = None
        self._refused_sock: socket.socket | None = None
        self.refused_port = 0
        self._hosts: dict[str, Handler] = {}
        for hosts, handler in (
            (WEIXIN_HOSTS, self._weixin),
            (MMBIZ_HOSTS, self._mmbiz),
            (WXRES_HOSTS, self._wxres),
            (ZHIHU_HOSTS, self._zhihu),
            (ZHIMG_HOSTS, self._zhimg),
            (ZHSTATIC_HOSTS, self._zhstatic),
            (CSDN_HOSTS, self._csdn),
            (CNBLOGS_HOSTS, self._cnblogs),
            (SOHU_HOSTS, self._sohu),
            (QQ_HOSTS, self._qq),
            (JIANSHU_HOSTS, self._jianshu),
            (BAIJIAHAO_HOSTS, self._baijiahao),
            (WAPPASS_HOSTS, self._wappass),
            (BILIBILI_HOSTS, self._bilibili),
            (GITHUB_HOSTS, self._github),
            (BEHAVE_HOSTS, self._behave),
            ((BADTLS_HOST,), self._behave),
            ((hostile.HOSTILE_HOST, *hostile.TLS_HOSTS), self._hostile),
            (tuple(self.parked), self._parked),
            (MARKET_HOSTS, self._market),
            (TECHBLOG_HOSTS, self._techblog),
        ):
            for host in hosts:
                self._hosts[host] = handler
        self.sites: dict[str, softsites.Site] = {**softsites.SITES, **(sites or {})}
        for host in self.sites:
            self._hosts[host] = self._site
        self.extra_hosts = frozenset(h.lower().rstrip(".") for h in extra_hosts)
        for host in self.extra_hosts:
            self._hosts.setdefault(host, self._bench)
        self._behave_routes: dict[str, Handler] = {
            "ok": self._b_ok,
            "head-405": self._b_head405,
            "status": self._b_status,
            "flaky": self._b_flaky,
            "ratelimited": self._b_ratelimited,
            "slow": self._b_slow,
            "drip": self._b_drip,
            "reset": self._b_reset,
            "redirect": self._b_redirect,
            "loop": self._b_loop,
            "redirect-to": self._b_redirect_to,
            "gzip": self._b_gzip,
            "gbk": self._b_gbk,
            "gbk-header": self._b_gbk_header,
            "huge": self._b_huge,
            "gzip-bomb": self._b_gzip_bomb,
            "br-bomb": self._b_br_bomb,
            "truncated": self._b_truncated,
            "never": self._b_never,
            "headers": self._b_headers,
            "pdf": self._b_pdf,
            "": self._b_ok,
        }

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        """Start serving (a no-op when running). Restarts reuse the previous ports when free."""
        await self._on_home_loop(self._start)

    async def stop(self) -> None:
        """Stop serving: waiting handlers (/never, /slow, /drip…) end at once. Safe to call twice.

        With :func:`serve_in_thread` it may be awaited from any event loop; the work is done on the
        server's own loop.
        """
        await self._on_home_loop(self._stop)

    def ensure_running(self, timeout: float = 30.0) -> None:
        """Synchronously (re)start a :func:`serve_in_thread` server, e.g. after a test stopped it."""
        if self._home_loop is None:
            raise RuntimeError("ensure_running() is for serve_in_thread() servers")
        if not self.running:
            asyncio.run_coroutine_threadsafe(self._start(), self._home_loop).result(timeout)

    async def _on_home_loop(self, work: Callable[[], Awaitable[None]]) -> None:
        home = self._home_loop
        if home is not None and home is not asyncio.get_running_loop():
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work(), home))
        else:
            await work()

    async def _start(self) -> None:
        if self._runner is not None:
            return
        self._stopping = asyncio.Event()
        server = web.Server(self._handle, handler_cancellation=True, access_log=None, logger=log)
        runner = web.ServerRunner(server, shutdown_timeout=1.0)
        await runner.setup()
        http_sock = self._bind(self.http_port)
        https_sock = self._bind(self.https_port)
        self.http_port = http_sock.getsockname()[1]
        self.https_port = https_sock.getsockname()[1]
        await web.SockSite(runner, http_sock, backlog=2048).start()
        await web.SockSite(runner, https_sock, ssl_context=self._server_ssl_context(), backlog=2048).start()
        # Bound but never listening: connecting to it is refused, and nobody else can take the port.
        self._refused_sock = self._bind(0)
        self.refused_port = self._refused_sock.getsockname()[1]
        self._runner = runner

    async def _stop(self) -> None:
        if self._runner is None:
            return
        assert self._stopping is not None
        self._stopping.set()
        runner, self._runner = self._runner, None
        await runner.cleanup()
        if self._refused_sock is not None:
            self._refused_sock.close()
            self._refused_sock = None

    async def __aenter__(self) -> SimulatedWeb:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @staticmethod
    def _bind(port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            if not port:
                raise
            sock.bind(("127.0.0.1", 0))  # the old port was taken meanwhile
        return sock

    # -- TLS -----------------------------------------------------------------------------------

    def ca_pem(self) -> bytes:
        return self.ca.cert_pem.bytes()

    def client_ssl_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts this web's CA (and nothing else)."""
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        self.ca.configure_trust(ctx)
        return ctx

    def _server_ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(*SIMULATED_HOSTS, f"*{BENCH_SUFFIX}", "localhost", "127.0.0.1").configure_cert(ctx)
        ctx.sni_callback = self._sni
        return ctx

    def _sni(self, sslobj: ssl.SSLObject, server_name: str | None, _ctx: ssl.SSLContext) -> None:
        if server_name:
            sslobj.context = self._context_for(server_name.lower())

    def _context_for(self, name: str) -> ssl.SSLContext:
        ctx = self._ctx_cache.get(name)
        if ctx is not None:
            return ctx
        key = name
        if name.endswith(BENCH_SUFFIX) and name.count(".") == 2:
            key = f"*{BENCH_SUFFIX}"
            ctx = self._ctx_cache.get(key)
        if ctx is None:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            if name == hostile.EXPIRED_HOST:
                past = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)
                leaf = self.ca.issue_cert(key, not_before=past, not_after=past + datetime.timedelta(days=365))
            elif name == hostile.WRONGHOST_HOST:
                leaf = self.ca.issue_cert("some-other-name.test")
            elif name in (BADTLS_HOST, hostile.SELFSIGNED_HOST):
                leaf = self._foreign_ca.issue_cert(key)
            else:
                leaf = self.ca.issue_cert(key)
            leaf.configure_cert(ctx)
            if len(self._ctx_cache) > 4096:
                self._ctx_cache.clear()
            self._ctx_cache[key] = ctx
        self._ctx_cache[name] = ctx
        return ctx

    # -- routing for the client's resolver -------------------------------------------------------

    def knows(self, host: str) -> bool:
        """Whether ``host`` resolves in this simulated web."""
        host = host.lower().rstrip(".")
        if host in self._hosts or host == REFUSED_HOST or host.endswith((BENCH_SUFFIX, ".blog.csdn.net")):
            return True
        return self.unknown_hosts == "alive" and not host.endswith(".invalid") and "." in host

    def route(self, host: str, port: int) -> tuple[str, int] | None:
        """(address, port) to connect to for ``host:port``; None means NXDOMAIN.

        443 → the HTTPS port, 80 → the HTTP port; any other port of a known host, and every port of
        ``refused.test``, goes to a closed port (connection refused).
        """
        if not self.knows(host):
            return None
        if host.lower().rstrip(".") != REFUSED_HOST:
            if port == 443:
                return ("127.0.0.1", self.https_port)
            if port == 80:
                return ("127.0.0.1", self.http_port)
        return ("127.0.0.1", self.refused_port)

    @staticmethod
    def url(host: str, path: str, scheme: str = "https") -> str:
        return f"{scheme}://{host}{path}"

    # -- observation -----------------------------------------------------------------------------

    def max_in_flight(self, host: str) -> int:
        return self._max_in_flight.get(host, 0)

    def in_flight(self, host: str) -> int:
        return self._in_flight.get(host, 0)

    def hits(self, host: str, path: str | None = None) -> int:
        """Requests seen for ``host`` (and exactly ``path``, without the query, when given)."""
        return sum(1 for r in self.requests if r.host == host and (path is None or r.path_qs.partition("?")[0] == path))

    def reset_state(self) -> None:
        self.requests.clear()
        self._attempts.clear()
        self._max_in_flight = {h: n for h, n in self._in_flight.items() if n > 0}

    def _attempt(self, key: str) -> int:
        """1 on the first call with ``key``, 2 on the second…"""
        n = self._attempts.get(key, 0) + 1
        self._attempts[key] = n
        return n

    # -- dispatch --------------------------------------------------------------------------------

    async def _handle(self, request: BaseRequest) -> web.StreamResponse:
        host = request.headers.get("Host", "")
        if ":" in host:
            host = host.rsplit(":", 1)[0]
        host = host.lower()
        rec = RequestRecord(
            host,
            request.method,
            request.path_qs,
            request.headers,
            time.monotonic(),
            "https" if request.transport is not None and request.transport.get_extra_info("sslcontext") else "http",
        )
        if len(self.requests) < self.max_records:
            self.requests.append(rec)
        n = self._in_flight.get(host, 0) + 1
        self._in_flight[host] = n
        if n > self._max_in_flight.get(host, 0):
            self._max_in_flight[host] = n
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            if rec.scheme == "http" and host in self.https_only:
                resp = _redirect(f"https://{host}{request.path_qs}", 301)
                rec.status = resp.status
                return resp
            if self.aliases:
                target = self.aliases.get(host + request.path_qs)
                if target is not None:
                    host, _, path_qs = target.partition("://")[2].partition("/")
                    request = request.clone(rel_url="/" + path_qs)
            handler = self._hosts.get(host)
            if handler is None:
                if host.endswith(".blog.csdn.net"):  # users' own hosts, and m.blog.csdn.net
                    handler = self._csdn
                elif host.endswith(BENCH_SUFFIX):
                    handler = self._bench
                elif self.knows(host):
                    handler = self._alive
                else:
                    handler = self._misdirected
            resp = await handler(request, host)
            rec.status = resp.status
            return resp
        finally:
            self._in_flight[host] -= 1
            rec.finished = time.monotonic()

    async def _misdirected(self, request: BaseRequest, host: str) -> web.Response:
        return _resp(f"{host} is not a simulated host", 421, TEXT)

    async def _alive(self, request: BaseRequest, host: str) -> web.Response:
        return _resp(P.generic_page(host, request.path, self._title(host, request)))

    def _title(self, host: str, request: BaseRequest) -> str | None:
        """The title :attr:`titles` gives the page asked for, if any: at this host, or at its
        ``www.``-less twin that redirects here (``zhihu.com`` → ``www.zhihu.com``)."""
        if not self.titles:
            return None
        found = self.titles.get(host + request.path_qs)
        if found is None and host.startswith("www."):
            found = self.titles.get(host[4:] + request.path_qs)
        return found

    async def _site(self, request: BaseRequest, host: str) -> web.StreamResponse:
        return await softsites.handle(self, request, host, self.sites[host])

    async def _bench(self, request: BaseRequest, host: str) -> web.Response:
        path = request.path
        if path.startswith("/page/"):
            return _resp(P.bench_page(host, path[6:]))
        if path.startswith("/dead/"):
            return _resp(b"not found", 404, TEXT)
        return _resp(P.OK)

    @property
    def stopping(self) -> bool:
        """True once stop() has begun: endless behaviours end then."""
        return self._stopping is not None and self._stopping.is_set()

    async def pause(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when the server is stopping (for behaviour modules)."""
        return await self._pause(seconds)

    async def _hostile(self, request: BaseRequest, host: str) -> web.StreamResponse:
        return await hostile.handle(self, request, host)

    async def _pause(self, seconds: float) -> bool:
        """Sleep ``seconds`` (at most NEVER_SECONDS); True when the server is stopping."""
        assert self._stopping is not None
        if self._stopping.is_set():
            return True
        try:
            await asyncio.wait_for(self._stopping.wait(), min(seconds, NEVER_SECONDS))
        except TimeoutError:
            return False
        return True

    # -- WeChat ----------------------------------------------------------------------------------

    async def _weixin(self, request: BaseRequest, host: str) -> web.StreamResponse:
        path = request.path
        if path.startswith("/s/"):
            return await self._wx_short(request, path[3:])
        if path == "/s":
            return self._wx_long(request)
        if path == WX_CAPTCHA_PATH:
            return _resp(P.WX_CAPTCHA)
        if path == "/mp/profile_ext":
            return _resp(P.WX_CLIENT)
        if path == "/mp/rumor":
            return _resp(P.WX_RUMOR)
        if path in ("/mp/appmsgalbum", "/mp/homepage"):
            return _resp(P.WX_ALBUM)
        return _resp(P.WX_HOME)

    async def _wx_short(self, request: BaseRequest, sid: str) -> web.StreamResponse:
        if sid == P.WX_LIVE_ID:
            return _resp(P.wx_live())
        fixed = WX_SHORT.get(sid)
        if fixed is not None:
            return _static(fixed)
        if sid == WX_DEL_ID:
            return self._wx_deleted(request)
        if sid == WX_LIVE_IMG_ID:
            return _resp(P.wx_article(sid, share_page=True))
        if sid == WX_QUOTE_DELETED_ID:
            return _resp(P.wx_live_quote(sid, "该内容已被发布者删除"))
        if sid == WX_QUOTE_VERIFY_ID:
            return _resp(P.wx_live_quote(sid, "当前环境异常，完成验证后即可继续访问"))
        if sid == WX_GZIP_ID:
            return _resp(P.wx_live_gzip(), headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        if sid == WX_CHUNKED_ID:
            return await self._chunked(request, P.wx_live(), 16 * 1024)
        if sid == WX_BIG_ID:
            return _resp(P.wx_live_big())
        if sid == WX_TEMPLATE_ID:
            return _resp(P.wx_template_code(sid))
        if sid == WX_CAPTCHA_ONCE_ID:
            if self._attempt(f"wx:{sid}") == 1:
                target = quote(f"https://mp.weixin.qq.com/s/{sid}", safe="")
                return _redirect(f"{WX_CAPTCHA_PATH}?poc_token=HBonce&target_url={target}")
            return _resp(P.wx_live())
        return _resp(P.wx_generic(sid, self._count(self.wx_images, sid), self._title(self_host(request), request)))

    def _wx_deleted(self, request: BaseRequest) -> web.Response:
        if request.headers.get("Accept-Language", "").lower().startswith("en"):
            return _resp(P.WX_DEL_EN)
        return _resp(P.WX_DEL)

    def _wx_long(self, request: BaseRequest) -> web.Response:
        q = request.query
        if "tempkey" in q:
            return _resp(P.WX_EXPIRED)
        if "signature" in q or "timestamp" in q:
            return _resp(P.WX_PARAM)
        biz = q.get("__biz", "")
        mid = q.get("mid") or q.get("appmsgid") or ""
        if not biz or not mid:
            return _resp(P.WX_PARAM)
        fixed = WX_LONG.get((biz, mid))
        if fixed == "captcha":
            return _redirect(WX_CAPTCHA_LOCATION)
        if fixed == "deleted":
            return self._wx_deleted(request)
        if isinstance(fixed, tuple):
            return _static(fixed)
        idx = q.get("idx") or q.get("itemidx") or "1"
        sn = q.get("sn") or q.get("sign") or ""
        images = self._count(self.wx_images, f"{biz}_{mid}_{idx}")
        return _resp(P.wx_generic_long(biz, mid, idx, sn, images, self._title(self_host(request), request)))

    @staticmethod
    def _count(bounds: tuple[int, int], key: str) -> int:
        """A number in ``bounds`` picked by ``key`` (the same on every request)."""
        low, high = bounds
        if high <= low:
            return low
        return low + int(hashlib.md5(key.encode()).hexdigest()[:8], 16) % (high - low + 1)

    def _image(self, request: BaseRequest) -> web.Response:
        body = P.image_png(request.path, self._count(self.image_bytes, request.path))
        return _resp(body, ctype="image/png", headers={"Cache-Control": "max-age=2592000"})

    async def _mmbiz(self, request: BaseRequest, host: str) -> web.Response:
        referer = request.headers.get("Referer", "")
        if referer.startswith(("https://mp.weixin.qq.com/", "http://mp.weixin.qq.com/")):
            return self._image(request)
        return _resp(P.MMBIZ_FORBIDDEN, 403)

    async def _wxres(self, request: BaseRequest, host: str) -> web.Response:
        return _static_file(request, P.WX_APPMSG_JS_PATH, P.WX_APPMSG_JS, b".weui-msg{text-align:center}")

    # -- Zhihu's static files and images -----------------------------------------------------------

    async def _zhstatic(self, request: BaseRequest, host: str) -> web.Response:
        return _static_file(request, P.ZH_LAZY_JS_PATH, P.ZH_LAZY_JS, b".Post-Title{font-size:24px}")

    async def _zhimg(self, request: BaseRequest, host: str) -> web.Response:
        # zhimg refuses embedding by other sites (OI-wiki/OI-wiki#103); no Referer is fine.
        referer = request.headers.get("Referer", "")
        if referer and (urlsplit(referer).hostname or "").rpartition("zhihu.com")[1] != "zhihu.com":
            return _resp(b"<html><body>403 Forbidden</body></html>", 403)
        return self._image(request)

    # -- Zhihu -----------------------------------------------------------------------------------

    async def _zhihu(self, request: BaseRequest, host: str) -> web.Response:
        if host == "zhihu.com":
            return _redirect(f"https://www.zhihu.com{request.path_qs}", 301)
        path = request.path
        if path == "/compatibility/index.html":
            return _static(ZH_PATHS[path])
        ua = request.headers.get("User-Agent", "")
        if "MSIE " in ua or "Trident/" in ua:
            return _redirect("https://www.zhihu.com/compatibility/index.html")
        if "Mozilla/" not in ua:
            return _static(ZH_IPBAN)
        fixed = ZH_PATHS.get(path)
        if fixed is not None and (fixed[0] != 403 or path.startswith("/api/")):
            return _static(fixed)
        if path.startswith("/api/"):
            return _static(ZH_API_DEFAULT)
        # Page paths answer 403 + the __zse_ck challenge; with its cookie, the page behind it.
        title = self._title(host, request)
        if not self.zhihu_challenge:
            return challenge.behind(path, title)
        return challenge.zhihu_gate(request, title)

    # -- other platforms -------------------------------------------------------------------------

    async def _csdn(self, request: BaseRequest, host: str) -> web.Response:
        path = request.path
        if host == "m.blog.csdn.net":  # the old mobile site: /blog/<user>/<id> → the article [I]
            found = CSDN_MOBILE.match(path)
            if found:
                return _redirect(f"https://blog.csdn.net/{found[1]}/article/details/{found[2]}", 301)
        fixed = CSDN_PATHS.get(path) if host == "blog.csdn.net" else None
        if fixed is not None:
            return _static(fixed)
        # On a user's own host (<user>.blog.csdn.net) the user is not in the path.
        user = host.removesuffix(".blog.csdn.net") if host != "blog.csdn.net" else None
        found = CSDN_ARCHIVE.match(path)
        if found and not user:  # the 2005–2010 blog's article URLs → the article [I]
            return _redirect(f"/{found[1]}/article/details/{found[2]}", 301)
        found = CSDN_COLUMN.match(path)
        if found and not user:
            return _resp(P.csdn_column(found[1]))
        full = path if user is None else f"/{user}{path}"
        found = CSDN_CATEGORY.match(full)
        if found:
            return _resp(P.csdn_category(found[1], found[2] or found[3]))
        found = CSDN_HOME.match(full.rstrip("/") or "/")
        if found:
            return _resp(P.csdn_user_home(found[1]))
        return _resp(_csdn_page(path.rstrip("/").rpartition("/")[2]))

    # -- parked domains, domain markets -----------------------------------------------------------

    async def _parked(self, request: BaseRequest, host: str) -> web.Response:
        """Every path of a parked domain answers its parking service's page (or redirect)."""
        kind = self.parked[host]
        domain = host.removeprefix("www.")
        if kind == "sedo":
            return _resp(P.parked_sedo(domain))
        if kind == "bodis":
            return _resp(P.parked_bodis(domain, request.path_qs))
        if kind == "godaddy":
            return _resp(P.GODADDY_LANDER if request.path == "/lander" else P.GODADDY_STUB)
        if kind == "dan":
            return _redirect(f"https://dan.com/buy-domain/{domain}?redirected=true")
        if kind == "afternic":
            return _redirect(f"https://www.afternic.com/domain/{domain}?traffic_id=daslnc&traffic_type=TDFS_DASLNC")
        if kind == "saleform":
            return _resp(P.parked_saleform(domain))
        return _resp(P.parked_zh(domain))

    async def _market(self, request: BaseRequest, host: str) -> web.Response:
        domain = request.path.rstrip("/").rpartition("/")[2] or "example.com"
        return _resp(P.market_sale_page("Dan.com" if host == "dan.com" else "Afternic", domain))

    async def _techblog(self, request: BaseRequest, host: str) -> web.Response:
        page = TECHBLOG_PATHS.get(request.path)
        return _resp(page) if page is not None else _resp(P.generic_page(host, request.path))

    async def _cnblogs(self, request: BaseRequest, host: str) -> web.Response:
        fixed = CNBLOGS_PATHS.get(request.path)
        return _static(fixed) if fixed is not None else _resp(P.CNBLOGS_LIVE)

    async def _sohu(self, request: BaseRequest, host: str) -> web.Response:
        fixed = SOHU_PATHS.get(request.path)
        return _static(fixed) if fixed is not None else _resp(P.SOHU_LIVE)

    async def _qq(self, request: BaseRequest, host: str) -> web.Response:
        fixed = QQ_PATHS.get(request.path)
        return _static(fixed) if fixed is not None else _resp(P.QQ_LIVE)

    async def _jianshu(self, request: BaseRequest, host: str) -> web.Response:
        fixed = JIANSHU_PATHS.get(request.path)
        if fixed is not None:
            return _static(fixed)
        if "Mozilla/" not in request.headers.get("User-Agent", ""):
            return _resp(P.JIANSHU_UA, 403)
        return _resp(P.JIANSHU_LIVE)

    async def _baijiahao(self, request: BaseRequest, host: str) -> web.Response:
        if request.path == "/s" and request.query.get("id") == BAIDU_CAPTCHA_ID:
            back = quote(f"https://baijiahao.baidu.com{request.path_qs}", safe="")
            return _redirect(f"https://wappass.baidu.com/static/captcha/tuxing.html?ak=x&backurl={back}")
        return _resp(P.BAIJIAHAO_LIVE)

    async def _wappass(self, request: BaseRequest, host: str) -> web.Response:
        if request.path.startswith("/static/captcha/"):
            return _resp(P.BAIDU_CAPTCHA)
        return _resp(b"not found", 404, TEXT)

    async def _bilibili(self, request: BaseRequest, host: str) -> web.Response:
        path = request.path
        if host == "api.bilibili.com":
            if path != "/x/web-interface/view":
                return _resp('{"code":-404,"message":"啥都木有","ttl":1}', 404, JSON)
            bvid = request.query.get("bvid", "")
            if bvid == BILI_404_BVID:
                return _resp(P.BILI_404, ctype=JSON)
            if bvid == BILI_412_BVID:
                return _resp(P.BILI_412, 412, JSON)
            return _resp(P.bili_view(bvid), ctype=JSON)
        if path == f"/video/{BILI_404_BVID}":
            return _resp(P.BILI_VIDEO_404, 404)
        if path == f"/video/{BILI_412_BVID}":
            return _resp(P.BILI_412, 412, JSON)
        return _resp(P.BILI_VIDEO_LIVE)

    async def _github(self, request: BaseRequest, host: str) -> web.Response:
        path = request.path
        fixed = GITHUB_PATHS.get(path)
        if fixed is not None:
            return _static(fixed)
        parts = [p for p in path.split("/") if p][:2]
        if len(parts) < 2:
            parts = [*parts, "home", "home"][:2]
        return _resp(_github_page(parts[0], parts[1]))

    # -- behave.test -----------------------------------------------------------------------------

    async def _behave(self, request: BaseRequest, host: str) -> web.StreamResponse:
        path = request.path
        head, _, rest = path[1:].partition("/")
        handler = self._behave_routes.get(head)
        if handler is None:
            return _resp(b"no such behaviour", 404, TEXT)
        return await handler(request, rest)

    async def _b_ok(self, request: BaseRequest, rest: str) -> web.Response:
        return _resp(P.OK)

    async def _b_pdf(self, request: BaseRequest, rest: str) -> web.Response:
        return _resp(P.PDF, ctype="application/pdf")

    async def _b_head405(self, request: BaseRequest, rest: str) -> web.Response:
        if request.method == "HEAD":
            return _resp(b"", 405, TEXT, {"Allow": "GET"})
        return _resp(P.OK)

    async def _b_status(self, request: BaseRequest, rest: str) -> web.Response:
        try:
            code = int(rest)
        except ValueError:
            code = 0
        if not 200 <= code <= 999:
            return _resp(b"bad status", 400, TEXT)
        return _resp(f"status {code}", code, TEXT)

    async def _b_flaky(self, request: BaseRequest, rest: str) -> web.Response:
        q = request.query
        if self._attempt(f"flaky:{rest}") <= _int(q, "fail", 1):
            code = _int(q, "code", 500, 200, 999)
            return _resp(f"flaky failure {code}", code, TEXT)
        return _resp(P.OK)

    async def _b_ratelimited(self, request: BaseRequest, rest: str) -> web.Response:
        q = request.query
        if self._attempt(f"ratelimited:{rest}") <= _int(q, "fail", 1):
            seconds = _int(q, "retry_after", 1)
            if q.get("retry_after_date") in ("1", "true", "yes"):
                value = formatdate(time.time() + seconds, usegmt=True)
            else:
                value = str(seconds)
            return _resp(b"Too Many Requests", 429, TEXT, {"Retry-After": value})
        return _resp(P.OK)

    async def _b_slow(self, request: BaseRequest, rest: str) -> web.Response:
        await self._pause(_int(request.query, "ms", 1000) / 1000)
        return _resp(P.OK)

    async def _b_never(self, request: BaseRequest, rest: str) -> web.Response:
        await self._pause(NEVER_SECONDS)
        if request.transport is not None:
            request.transport.close()  # still no answer: the connection just ends
        return _resp(b"", 503, TEXT)

    async def _b_headers(self, request: BaseRequest, rest: str) -> web.Response:
        body = json.dumps(dict(request.headers), ensure_ascii=False, indent=1)
        return _resp(body, ctype=JSON)

    async def _b_drip(self, request: BaseRequest, rest: str) -> web.StreamResponse:
        q = request.query
        rate = _int(q, "bytes_per_s", 1024, 1)
        total = _int(q, "total", 10 * rate, 0, 1 << 30)
        headers = {"Content-Type": TEXT, "Content-Length": str(total)}
        if request.method == "HEAD":
            return web.Response(headers=headers)
        resp = web.StreamResponse(headers=headers)
        await resp.prepare(request)
        per = max(1, rate // 10)
        interval = per / rate
        piece = b"." * per
        sent = 0
        while sent < total:
            n = min(per, total - sent)
            await resp.write(piece if n == per else piece[:n])
            sent += n
            if sent < total and await self._pause(interval):
                if request.transport is not None:
                    request.transport.close()  # stopping: cut the body short
                return resp
        await resp.write_eof()
        return resp

    async def _b_reset(self, request: BaseRequest, rest: str) -> web.Response:
        transport = request.transport
        if transport is not None:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        return _resp(b"", 500, TEXT)  # never reaches the client

    async def _b_redirect(self, request: BaseRequest, rest: str) -> web.Response:
        try:
            n = int(rest)
        except ValueError:
            n = 0
        if n <= 0:
            return _resp(P.OK)
        return _redirect("/ok" if n == 1 else f"/redirect/{n - 1}", 301)

    async def _b_loop(self, request: BaseRequest, rest: str) -> web.Response:
        return _redirect("/loop/b" if rest == "a" else "/loop/a", 302)

    async def _b_redirect_to(self, request: BaseRequest, rest: str) -> web.Response:
        q = request.query
        return _redirect(q.get("url", "/ok"), _int(q, "status", 302, 300, 399))

    async def _b_gzip(self, request: BaseRequest, rest: str) -> web.Response:
        return _resp(_gzip_ok(), headers={"Content-Encoding": "gzip"})

    async def _b_gbk(self, request: BaseRequest, rest: str) -> web.Response:
        return _resp(P.GBK_META, ctype="text/html")

    async def _b_gbk_header(self, request: BaseRequest, rest: str) -> web.Response:
        return _resp(P.GBK_HEADER_ONLY, ctype="text/html; charset=gbk")

    async def _b_huge(self, request: BaseRequest, rest: str) -> web.StreamResponse:
        mib = _int(request.query, "mb", 30, 0, 1 << 14)
        return await self._stream_repeated(request, b"", P.HUGE_CHUNK, mib * 16, b"", {"Content-Type": HTML})

    async def _b_gzip_bomb(self, request: BaseRequest, rest: str) -> web.StreamResponse:
        mib = _int(request.query, "mb", 1024, 1, 1 << 14)
        head, block, tail, _ = await asyncio.get_running_loop().run_in_executor(None, P.gzip_bomb_parts, mib)
        headers = {"Content-Type": HTML, "Content-Encoding": "gzip"}
        return await self._stream_repeated(request, head, block, mib, tail, headers)

    async def _b_br_bomb(self, request: BaseRequest, rest: str) -> web.Response:
        """Content-Encoding: br whatever the client offered (?mb= MiB of zeros inflated)."""
        mib = _int(request.query, "mb", 1024, 1, 1 << 14)
        body = await asyncio.get_running_loop().run_in_executor(None, P.brotli_bomb, mib)
        if body is None:
            return _resp("this behaviour needs a brotli module (brotlipy or Brotli)", 501, TEXT)
        headers = {"Content-Encoding": "br"}
        if request.method == "HEAD":
            return web.Response(headers={**headers, "Content-Type": HTML, "Content-Length": str(len(body))})
        return _resp(body, headers=headers)

    async def _b_truncated(self, request: BaseRequest, rest: str) -> web.StreamResponse:
        # ?size=N: N bytes sent (the page, then spaces) before the connection drops.
        body = P.OK.ljust(_int(request.query, "size", len(P.OK), hi=8 << 20), b" ")
        headers = {"Content-Type": HTML, "Content-Length": str(len(body) + 1000)}
        if request.method == "HEAD":
            return web.Response(headers=headers)
        resp = web.StreamResponse(headers=headers)
        await resp.prepare(request)
        await resp.write(body)
        if request.transport is not None:
            request.transport.close()  # after the buffered bytes are flushed: EOF short of Content-Length
        return resp

    async def _stream_repeated(
        self,
        request: BaseRequest,
        head: bytes,
        chunk: bytes,
        count: int,
        tail: bytes,
        headers: dict[str, str],
    ) -> web.StreamResponse:
        headers["Content-Length"] = str(len(head) + len(chunk) * count + len(tail))
        if request.method == "HEAD":
            return web.Response(headers=headers)
        resp = web.StreamResponse(headers=headers)
        await resp.prepare(request)
        if head:
            await resp.write(head)
        stopping = self._stopping
        for _ in range(count):
            if stopping is not None and stopping.is_set():
                if request.transport is not None:
                    request.transport.close()
                return resp
            if request.transport is None or request.transport.is_closing():
                return resp  # the client hung up (it read its cap): stop producing
            try:
                await resp.write(chunk)  # write() waits for the socket to drain: memory stays flat
            except (ConnectionError, RuntimeError):
                return resp
        if tail:
            await resp.write(tail)
        await resp.write_eof()
        return resp

    async def _chunked(self, request: BaseRequest, body: bytes, size: int) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": HTML})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        if request.method != "HEAD":
            for i in range(0, len(body), size):
                await resp.write(body[i : i + size])
        await resp.write_eof()
        return resp


# Small caches for generated pages of the long tail.
_csdn_cache: dict[str, bytes] = {}
_github_cache: dict[tuple[str, str], bytes] = {}
_gzip_ok_cache: list[bytes] = []


def _csdn_page(article: str) -> bytes:
    page = _csdn_cache.get(article)
    if page is None:
        if len(_csdn_cache) > 4096:
            _csdn_cache.clear()
        page = _csdn_cache[article] = P.csdn_article(f"文章 {article}")
    return page


def _github_page(owner: str, repo: str) -> bytes:
    page = _github_cache.get((owner, repo))
    if page is None:
        if len(_github_cache) > 4096:
            _github_cache.clear()
        page = _github_cache[(owner, repo)] = P.github_repo(owner, repo)
    return page


def _gzip_ok() -> bytes:
    if not _gzip_ok_cache:
        _gzip_ok_cache.append(P.gzip_bytes(P.OK))
    return _gzip_ok_cache[0]


def _static_file(request: BaseRequest, script_path: str, script: bytes, css: bytes) -> web.Response:
    """A site's static-file host: its article script (cached for a month, as the real ones are),
    any style sheet, else 404."""
    if request.path == script_path:
        return _resp(script, ctype="application/javascript", headers={"Cache-Control": "max-age=2592000"})
    if request.path.endswith(".css"):
        return _resp(css, ctype="text/css")
    return _resp(b"not found", 404, TEXT)


# ---------------------------------------------------------------------------------------------
# Running it in a background thread (for sync tests: any event loop can then talk to it)
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def serve_in_thread(**kwargs: object) -> Iterator[SimulatedWeb]:
    """Run a :class:`SimulatedWeb` on its own event loop in a daemon thread; yield it started.

    Reading ``requests`` / ``max_in_flight`` from another thread is fine; call ``reset_state``
    only while no request is running. ``await web.stop()`` works from any loop (an outage in the
    middle of a test); ``web.ensure_running()`` brings it back on the same ports.
    """
    web_ = SimulatedWeb(**kwargs)  # type: ignore[arg-type]
    loop = asyncio.new_event_loop()
    web_._home_loop = loop
    with running_in_thread(web_.start, web_.stop, loop=loop, name="simweb"):
        yield web_
