"""The one table of per-site knowledge.

Every fact about a platform — how it shows a deleted item, what its anti-bot wall looks like,
which marker proves a page is live, how politely to ask, how to write its URLs canonically — lives
in a :class:`SiteProfile` row below, never in ``if host == …`` branches elsewhere. Marker strings
are verbatim from ``shared/docs/decay-signatures.md`` (sources S1–S20, X1–X20 there).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
DEFAULT_HEADERS: Mapping[str, str] = MappingProxyType(
    {
        "User-Agent": BROWSER_USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        # Tombstones are localised (WeChat serves English notices to English clients, S1), and the
        # markers below are the Chinese ones.
        "Accept-Language": "zh-CN,zh;q=0.9",
        # Never brotli: aiohttp offers "br" whenever a brotli module happens to be importable, and
        # whether br can be inflated with a size cap depends on which module and release that is
        # (brotlipy and Brotli < 1.2 cannot); gzip and deflate are inflated in bounded steps.
        "Accept-Encoding": "gzip, deflate",
    }
)

# Query parameters that only track a share and never select content.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "chksm",
        "mpshare",
        "scene",
        "ascene",
        "subscene",
        "srcid",
        "lang",
        "sharer_sharetime",
        "sharer_shareid",
        "version",
        "exportkey",
        "pass_ticket",
        "clicktime",
        "enterid",
        "devicetype",
        "nettype",
        "abtest_cookie",
        "wx_header",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "spm",
    }
)


class LazyPattern:
    """A regular expression compiled when first used.

    The table holds some sixty patterns, and compiling them all (sre's compiler is Python) cost a
    scan of the whole blog about a twentieth of its CPU although a scan uses none of them. The
    methods the code calls are those of :class:`re.Pattern`; equality is by pattern and flags, as
    it is for compiled patterns."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.pattern, self.flags)
        return compiled

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LazyPattern):
            return NotImplemented
        return (self.pattern, self.flags) == (other.pattern, other.flags)

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags!r})"


def _re(pattern: str) -> LazyPattern:
    return LazyPattern(pattern, re.S)


@dataclass(frozen=True, slots=True)
class Marker:
    """A signature searched in the raw (decoded) HTML of a response.

    ``statuses`` limits it to those HTTP statuses (None: any). ``unless_live``: ignored when the
    page also carries the site's live marker, so an article that merely quotes a notice stays alive.
    """

    reason: str
    pattern: LazyPattern
    statuses: frozenset[int] | None = None
    unless_live: bool = True
    # Where the pattern is looked for: "html", the raw page; "title", the text of its <title>;
    # "headline", the text of each of its <h1>. A title or headline marker must match the whole
    # text (tags dropped, entities decoded, spaces collapsed): the notice *is* the page's title or
    # headline, so an article that quotes it — in its body, a link's text, a code block — is not it.
    scope: str = "html"
    # Literal strings one of which the page must contain before the pattern is tried: a cheap
    # test first, for markers run on every small site's page (a tag-anchored search over 64 KB
    # costs milliseconds; a substring test, microseconds).
    needles: tuple[str, ...] = ()

    def matches(self, status: int, text: str) -> bool:
        if self.statuses is not None and status not in self.statuses:
            return False
        if self.needles and not any(needle in text for needle in self.needles):
            return False
        if self.scope == "html":
            return self.pattern.search(text) is not None
        return any(self.pattern.fullmatch(part) for part in page_parts(text, self.scope))


_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.I | re.S)
_HEADLINE = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def _element_text(fragment: str) -> str:
    import html  # (here: a scan imports this table but reads no page; html and its entity table cost ~1.4 ms)

    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


@functools.lru_cache(maxsize=8)
def page_parts(text: str, scope: str) -> tuple[str, ...]:
    """The texts a ``title`` or ``headline`` marker is matched against: the page's first <title>,
    or each of its <h1> elements. (Memoised: one page meets several markers of a scope; the same
    few pages are asked about one after another.)"""
    if scope == "title":
        found = _TITLE.search(text)
        return (_element_text(found.group(1)),) if found else ()
    if scope == "headline":
        return tuple(_element_text(h) for h in _HEADLINE.findall(text))
    raise ValueError(f"unknown marker scope {scope!r}")


@dataclass(frozen=True, slots=True)
class UrlRule:
    """A signature in the URL a request ends at (after redirects). ``other_host``: only when that
    URL is on another host than the one asked (a domain redirected to a market's sale page — not a
    link that is itself one of the market's pages)."""

    reason: str
    pattern: LazyPattern
    other_host: bool = False

    def matches(self, url: str) -> bool:
        return self.pattern.search(url) is not None


@dataclass(frozen=True, slots=True)
class PageShape:
    """A kind of page a site has besides its articles — a user's home page, a category, a column —
    by URL path, with the markers that prove such a page is there. A site profile's own live markers
    are its articles'; a page of another shape it describes is alive with that shape's markers and,
    without them, ``error:unrecognized-page`` (never dead)."""

    name: str
    path: LazyPattern  # searched in the path of the URL the request ends at
    live_markers: tuple[tuple[LazyPattern, ...], ...]

    def is_live(self, text: str) -> bool:
        return all(any(p.search(text) for p in group) for group in self.live_markers)


@dataclass(frozen=True, slots=True)
class Politeness:
    """How hard one site (a profile's budget, else one host) may be asked."""

    concurrency: int = 4  # requests in flight to the site
    interval: float = 0.1  # minimum seconds between request starts to the site
    jitter: float = 0.4  # ± fraction of the interval, so requests do not tick like a bot
    trip_after: int = 3  # consecutive walls/429s after which the site is left alone this run

    @staticmethod
    def strictest(given: Sequence[Politeness]) -> Politeness:
        """One politeness honouring all of ``given``: the fewest in flight, the longest interval,
        the widest jitter, the earliest trip."""
        return Politeness(
            concurrency=min(p.concurrency for p in given),
            interval=max(p.interval for p in given),
            jitter=max(p.jitter for p in given),
            trip_after=min(p.trip_after for p in given),
        )


@dataclass(frozen=True, slots=True)
class BrowserRule:
    """What a headless browser (``linkcheck.browser``) can do where a site's walls stop the HTTP client.

    ``walls``: the reasons of ``blocked`` answers a real browser gets past — a JavaScript challenge
    it runs, a verification page a site serves only sometimes. Never a login, a page that opens only
    in an app, a signed-API refusal or a rate limit: asking again in a browser only prolongs those.
    The runner escalates a link to the browser when its HTTP outcome is one of these walls, or
    ``host-paused`` by one of them. ``politeness``: the browser's own pacing on the site's hosts
    (one page at a time per host; page starts spaced by ``interval``).
    """

    walls: frozenset[str]
    politeness: Politeness = field(default_factory=lambda: Politeness(concurrency=1, interval=1.0))

    def passes(self, wall: str | None) -> bool:
        return wall in self.walls


@dataclass(frozen=True, slots=True)
class CanonicalRule:
    """How URLs whose path matches ``path`` are written canonically.

    ``keep_query``: None keeps every parameter but the tracking ones; a tuple keeps only those, in
    that order (after ``aliases`` renamed them); an empty tuple drops the query. ``fallback_to_all``:
    when none of ``keep_query`` is present keep the rest instead (WeChat temporary links).
    """

    path: LazyPattern
    keep_query: tuple[str, ...] | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)
    fallback_to_all: bool = False
    strip_trailing_slash: bool = False


@dataclass(frozen=True, slots=True)
class Requisites:
    """Which embedded resources of a site's pages are archived with the page.

    ``hosts``: the resource hosts (full match); ``attrs``: the ``<img>`` attributes holding their
    URLs, in order of preference. The Referer sent is the page's origin (what a browser sends under
    the default ``strict-origin-when-cross-origin`` policy: ``https://mp.weixin.qq.com/``).
    """

    hosts: LazyPattern
    attrs: tuple[str, ...] = ("data-src", "src")
    # Hosts of the page's own scripts and style sheets (<script src>, <link rel=stylesheet>): each
    # URL is archived once (they are the same for every article), so the page's JavaScript can run
    # at replay — WeChat's reveals the hidden body and swaps data-src for src.
    scripts: LazyPattern | None = None


@dataclass(frozen=True, slots=True)
class Readable:
    """Where a site's pages keep the article, for the readable copy made beside each capture
    (:mod:`linkcheck.archive.readable`): the text and figures a person reads, without the
    page's scripts — which a replay may not run, or not run as the site did.

    ``content``: elements holding the article, as ``(attribute, value)`` pairs — ``("id", …)``
    matches the element with that id, ``("class", …)`` every element carrying that class (a
    Zhihu question page has one per answer); the first pair that matches anything wins, in the
    order given. Image URLs are read from the site's :class:`Requisites` attributes, so the copy
    names exactly the images the archive fetched. Inline ``visibility: hidden``/``opacity: 0``
    (how WeChat ships its body until its script runs) is dropped, scripts are never copied.
    """

    content: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Titles:
    """How a site's pages name their article, for the content-drift rule (:mod:`linkcheck.drift`).

    ``patterns``: where the article's title stands in the markup (group 1, HTML-escaped), tried
    after ``og:title`` and before ``<title>`` — WeChat ships an empty ``<title>`` that its script
    fills, so its ``<h1 id="activity-name">`` is the one in the HTML. ``suffix``: what the site
    appends to every ``<title>`` (" - 知乎"), removed before titles are compared."""

    patterns: tuple[LazyPattern, ...] = ()
    suffix: LazyPattern | None = None


@dataclass(frozen=True, slots=True)
class SiteProfile:
    name: str
    label: str  # for reports
    hosts: tuple[str, ...]  # exact hosts; a leading "." matches any subdomain
    archive_priority: int = 9  # lower is archived first (decay risk)
    needs_body: bool = False  # False: HEAD is enough (GET fallback); True: content decides
    force_https: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    politeness: Politeness = field(default_factory=Politeness)
    # The politeness budget every host of the profile draws on: one gate (pace, concurrency) and
    # one circuit breaker for the site, since its hosts are one backend (www.zhihu.com and
    # zhuanlan.zhihu.com are one Zhihu, which counts their requests together). None: each host
    # is its own site (hosts no profile names).
    budget: str | None = None
    antibot_urls: tuple[UrlRule, ...] = ()
    antibot_markers: tuple[Marker, ...] = ()
    tombstone_urls: tuple[UrlRule, ...] = ()
    tombstone_markers: tuple[Marker, ...] = ()
    transient_markers: tuple[Marker, ...] = ()
    # Every group must match at least one of its patterns for the page to count as live.
    live_markers: tuple[tuple[LazyPattern, ...], ...] = ()
    # Where live markers exist, a 200 page without them is 'unrecognized' (error), never alive.
    live_required: bool = False
    dead_statuses: frozenset[int] = frozenset({404, 410})
    # A tombstone that names its successor (WeChat account migration): group 1 is the new URL.
    successor: LazyPattern | None = None
    canonical: tuple[CanonicalRule, ...] = ()
    # The walls a headless browser gets past here, and its pacing (None: a browser is no help).
    browser: BrowserRule | None = None
    # Images archived with a page (WeChat's mmbiz images need the WeChat Referer).
    requisites: Requisites | None = None
    # Where the article is in its pages: a readable copy (text + archived images, no scripts) is
    # written beside each capture of them.
    readable: Readable | None = None
    # Where the article's title is and what the site appends to it (the content-drift rule).
    titles: Titles | None = None
    # The paths of the site's articles (searched in the path of the URL a request ends at): the
    # live markers and live_required above are theirs. None: every path is held to them. A path
    # that is no article is judged by the first of ``pages`` whose path it has; a path neither
    # names stays held to the article markers (unrecognized rather than alive by guess).
    articles: LazyPattern | None = None
    pages: tuple[PageShape, ...] = ()
    # GET a page (its first 64 KB) even where the status would do for a HEAD: the page decides. The
    # long tail of small sites: a parked or expired domain answers 200 with a market's page.
    reads_page: bool = False
    # Probe the host once per run with a URL that cannot exist, and call a 200 page that answers
    # like it dead (linkcheck.soft404). Only the small sites (GENERIC): a platform profile knows its
    # own notices, and a probe would be one more request to a paced site.
    soft_404: bool = False

    def budget_key(self, host: str) -> str:
        """The key of the gate ``host``'s requests go through: ``site:<budget>`` or the host itself
        (a host name never contains "site:")."""
        return f"site:{self.budget}" if self.budget else host

    def request_headers(self) -> dict[str, str]:
        return {**DEFAULT_HEADERS, **self.headers}

    def is_live(self, text: str) -> bool:
        return bool(self.live_markers) and all(any(p.search(text) for p in group) for group in self.live_markers)

    def shape_for(self, path: str) -> PageShape | None:
        """The page shape of ``path`` when it is no article; None for an article (and for a path
        no shape names, and on a profile that does not tell articles apart)."""
        if self.articles is None or self.articles.search(path):
            return None
        for shape in self.pages:
            if shape.path.search(path):
                return shape
        return None


def _weui_title(text: str) -> str:
    """A WeChat notice sits in a weui-msg title element; match it there, not anywhere."""
    return r"weui-msg__title[^>]*>\s*" + text


WEIXIN = SiteProfile(
    name="weixin",
    label="WeChat",
    hosts=("mp.weixin.qq.com",),
    archive_priority=0,
    needs_body=True,
    force_https=True,
    headers={"Referer": "https://mp.weixin.qq.com/"},
    politeness=Politeness(concurrency=1, interval=1.0, jitter=0.4, trip_after=3),
    budget="weixin",
    antibot_urls=(UrlRule("antibot:weixin-verify", _re(r"/mp/wappoc_appmsgcaptcha|captcha")),),
    antibot_markers=(
        Marker("antibot:weixin-verify", _re(_weui_title("环境异常"))),
        Marker("antibot:weixin-verify", _re(r"当前环境异常，完成验证后即可继续访问")),
        Marker("antibot:weixin-verify", _re(r"mmbizwap:secitptpage/verify\.html|id=\"tcaptcha_iframe_dy\"")),
        Marker("antibot:weixin-frequency", _re(r"你的访问过于频繁|访问过于频繁，请用微信扫描二维码进行访问")),
        Marker("antibot:weixin-client-only", _re(r"请在微信客户端打开链接")),
    ),
    tombstone_markers=(
        Marker(
            "tombstone:weixin-deleted",
            _re(_weui_title("(?:该内容已被发布者删除|The content has been deleted by the author)")),
        ),
        Marker("tombstone:weixin-violation", _re(_weui_title("此内容因违规无法查看"))),
        Marker("tombstone:weixin-copyright", _re(r"此内容被投诉且经审核涉嫌侵权，无法查看")),
        Marker("tombstone:weixin-complaints", _re(r"此内容被多人投诉，相关的内容无法进行查看")),
        Marker("tombstone:weixin-send-failed", _re(r"此内容发送失败无法查看")),
        Marker("tombstone:weixin-impersonation", _re(r"投诉类型.{0,200}冒名侵权")),
        Marker("tombstone:weixin-privacy", _re(r"根据作者隐私设置，无法查看该内容")),
        Marker(
            "tombstone:weixin-unavailable",
            _re(r"<title>该内容暂时无法查看</title>|mesg-block\"><p>该内容暂时无法查看"),
        ),
        Marker("tombstone:weixin-account-blocked", _re(r"此[帐账]号已被屏蔽, ?内容无法查看")),
        Marker(
            "tombstone:weixin-account-closed",
            _re(r"此帐号已自主注销，内容无法查看|此帐号已注销，内容无法查看"),
        ),
        Marker("tombstone:weixin-account-migrating", _re(r"此帐号处于帐号迁移流程中")),
        Marker("tombstone:weixin-migrated", _re(_weui_title("该公众号已迁移"))),
        Marker("tombstone:weixin-expired", _re(_weui_title("链接已过期"))),
        Marker("tombstone:weixin-bad-params", _re(_weui_title("参数错误"))),
        Marker("tombstone:weixin-rumor", _re(r"page_rumor")),
        Marker("tombstone:weixin-deleted", _re(r"class=\"global_error_msg warn\"")),
    ),
    transient_markers=(Marker("weixin-system-error", _re(r"global_error_msg[^>]*>[^<]*系统出错")),),
    live_markers=(
        (_re(r"property=\"og:title\""), _re(r"window\.msg_title|var msg_title")),
        (_re(r"id=\"js_article\""), _re(r"id=\"js_content\"")),
    ),
    live_required=True,
    successor=_re(r"var\s+transferTargetLink\s*=\s*'([^']+)'"),
    # The verification page is sometimes served to one request and not the next (simulated web's
    # trap (c)); a browser does not solve the captcha itself (X1). Not: the frequency wall, the
    # "open in the WeChat client" page.
    browser=BrowserRule(
        walls=frozenset({"antibot:weixin-verify"}),
        politeness=Politeness(concurrency=1, interval=1.0, jitter=0.4, trip_after=3),
    ),
    requisites=Requisites(
        LazyPattern(r"mmbiz\.qpic\.cn|mmbiz\.qlogo\.cn"), ("data-src", "src"), scripts=LazyPattern(r"res\.wx\.qq\.com")
    ),
    # The body (#js_content, hidden until WeChat's script runs); an image share (show type 8) has
    # none, its pictures are in #js_article (decay-signatures.md §1 row 2).
    readable=Readable((("id", "js_content"), ("id", "js_article"))),
    # A live article's title: og:title, the <h1 class="rich_media_title" id="activity-name"> and
    # `var msg_title = '…'.html(false)` (decay-signatures.md §1 row 1, from saved real pages:
    # wechat-article/wechat-article-exporter samples/普通图文, and chenluda/zhihu-download
    # main_weixin.py); its <title> is empty until WeChat's script runs (same samples).
    titles=Titles(
        (
            _re(r"<h1[^>]*(?:id=\"activity-name\"|class=\"rich_media_title)[^>]*>(.*?)</h1>"),
            _re(r"var msg_title = '([^']*)'"),
        )
    ),
    canonical=(
        CanonicalRule(_re(r"^/s/[A-Za-z0-9_-]+$"), keep_query=()),
        CanonicalRule(
            _re(r"^/s$"),
            keep_query=("__biz", "mid", "idx", "sn"),
            aliases={"appmsgid": "mid", "itemidx": "idx", "sign": "sn"},
            fallback_to_all=True,
        ),
    ),
)

ZHIHU = SiteProfile(
    name="zhihu",
    label="Zhihu",
    hosts=("zhuanlan.zhihu.com", "www.zhihu.com", "zhihu.com"),
    archive_priority=1,
    needs_body=True,
    force_https=True,
    politeness=Politeness(concurrency=1, interval=1.5, jitter=0.4, trip_after=3),
    budget="zhihu",
    antibot_urls=(
        UrlRule("antibot:zhihu-unhuman", _re(r"zhihu\.com/account/unhuman")),
        UrlRule("login-wall", _re(r"zhihu\.com/signin")),
        UrlRule("antibot:zhihu-compatibility", _re(r"zhihu\.com/compatibility/")),
    ),
    antibot_markers=(
        Marker("antibot:zhihu-403", _re(r"id=\"zh-zse-ck\"|zse-ck/v\d")),
        Marker("antibot:zhihu-unhuman", _re(r"<title>安全验证 - 知乎</title>|系统监测到您的网络环境存在异常")),
        Marker("antibot:zhihu-api", _re(r"\"code\":\s*4035\d|\"code\":\s*40362|请求过于频繁，请稍后再试")),
        Marker("login-wall", _re(r"打开知乎App在「我的页」右上角打开扫一扫")),
        # Zhihu answers any throttled/unsolved client with a bare 403: it says nothing of the post.
        Marker("antibot:zhihu-403", _re(r""), statuses=frozenset({403})),
    ),
    tombstone_markers=(
        Marker("tombstone:zhihu-404", _re(r"你似乎来到了没有知识存在的荒原")),
        # The answer slot of a live question page: the question's live marker must not save it.
        Marker(
            "tombstone:zhihu-answer-deleted",
            _re(r"class=\"ContentItem\"[^>]*>\s*该回答已被删除"),
            unless_live=False,
        ),
    ),
    live_markers=(
        (
            _re(r"class=\"Post-Title\""),
            _re(r"class=\"QuestionHeader-title\""),
            _re(r"id=\"js-initialData\""),
            _re(r"class=\"RichContent-inner\""),
        ),
    ),
    live_required=True,
    canonical=(CanonicalRule(_re(r""), keep_query=(), strip_trailing_slash=True),),
    # The __zse_ck JavaScript challenge (§2 row 6: a browser runs it and reloads), the security
    # verification an HTTP client's fingerprint draws (row 7; in the browser too it stays blocked), the
    # outdated-browser page (row 10). Not: login walls, the signed API's refusals (row 8).
    browser=BrowserRule(
        walls=frozenset({"antibot:zhihu-403", "antibot:zhihu-unhuman", "antibot:zhihu-compatibility"}),
        politeness=Politeness(concurrency=1, interval=1.5, jitter=0.4, trip_after=3),
    ),
    # The picture the page shows (data-actualsrc, swapped in by Zhihu's script; the <noscript> copy
    # has it as src), not the full-size data-original a click opens.
    requisites=Requisites(
        LazyPattern(r"pic\d*\.zhimg\.com"),
        ("data-actualsrc", "src", "data-original"),
        scripts=LazyPattern(r"static\.zhihu\.com|static\.zhimg\.com"),
    ),
    # A column article's body; on a question page, each answer.
    readable=Readable((("class", "Post-RichText"), ("class", "RichContent-inner"))),
    # A column article's <h1 class="Post-Title">, a question's <h1 class="QuestionHeader-title">;
    # every <title> ends " - 知乎" (decay-signatures.md §2 rows 1 and 3, from chenluda/zhihu-download
    # main_zhihu.py's selectors and Zhihu's own 404 title "你似乎来到了没有知识存在的荒原 - 知乎").
    titles=Titles(
        (
            _re(r"<h1[^>]*class=\"Post-Title\"[^>]*>(.*?)</h1>"),
            _re(r"<h1[^>]*class=\"QuestionHeader-title\"[^>]*>(.*?)</h1>"),
        ),
        suffix=_re(r"\s*-\s*知乎$"),
    ),
)

# The toolbar script every blog.csdn.net page loads, articles and users' pages alike (saved CSDN
# pages in public repositories: docs/page-shapes.md).
_CSDN_TOOLBAR = (_re(r"<script[^>]*\bsrc=\"https://g\.csdnimg\.cn/common/csdn-toolbar/csdn-toolbar\.js\""),)

CSDN = SiteProfile(
    name="csdn",
    label="CSDN",
    hosts=("blog.csdn.net", ".blog.csdn.net"),
    archive_priority=2,
    needs_body=True,
    politeness=Politeness(concurrency=2, interval=0.5),
    budget="csdn",
    antibot_markers=(Marker("antibot:csdn-waf", _re(r"var arg1\s*=\s*'[0-9A-F]+'|acw_sc__v2")),),
    tombstone_urls=(UrlRule("tombstone:csdn-404", _re(r"blog\.csdn\.net/error/(?:404|444)\.html")),),
    live_markers=((_re(r"id=\"articleContentId\""), _re(r"id=\"content_views\""), _re(r"id=\"article_content\"")),),
    live_required=True,
    # An article: /<user>/article/details/<id>, on a user's own host (<user>.blog.csdn.net) without
    # the user. The blog's other CSDN links (docs/page-shapes.md: 64 of its 809 checkable CSDN URLs)
    # are users' home pages, categories and columns: pages with no article body, which carry the
    # CSDN toolbar every blog.csdn.net page loads. Old /<user>/archive/<y>/<m>/<d>/<id>.aspx links
    # are judged where they land.
    articles=_re(r"^(?:/[\w-]+)?/article/details/\d+"),
    pages=(
        PageShape("user-home", _re(r"^(?:/[\w-]+)?/?$"), (_CSDN_TOOLBAR,)),
        PageShape("article-list", _re(r"^(?:/[\w-]+)?/article/list(?:/\d+)?/?$"), (_CSDN_TOOLBAR,)),
        PageShape(
            "category",
            _re(r"^(?:/[\w-]+)?/(?:article/category/\d+|category_\d+(?:_\d+)?\.html)/?$"),
            (_CSDN_TOOLBAR,),
        ),
        PageShape("column", _re(r"^/column/(?:details|info)/[\w-]+(?:\.html)?/?$"), (_CSDN_TOOLBAR,)),
    ),
)

CNBLOGS = SiteProfile(
    name="cnblogs",
    label="cnblogs",
    hosts=("www.cnblogs.com", "cnblogs.com", ".cnblogs.com"),
    archive_priority=3,
    politeness=Politeness(concurrency=2, interval=0.5),
    budget="cnblogs",
    tombstone_urls=(UrlRule("tombstone:cnblogs-moderation", _re(r"cnblogs\.com/cmt/p/14580194\.html")),),
)

JIANSHU = SiteProfile(
    name="jianshu",
    label="Jianshu",
    hosts=("www.jianshu.com", "jianshu.com"),
    archive_priority=3,
    politeness=Politeness(concurrency=2, interval=0.5),
    budget="jianshu",
    antibot_markers=(Marker("antibot:jianshu-ua", _re(r"denied by UA ACL"), statuses=frozenset({403})),),
)

SOHU = SiteProfile(
    name="sohu",
    label="Sohu",
    hosts=("www.sohu.com", "m.sohu.com", "sohu.com"),
    archive_priority=4,
    politeness=Politeness(concurrency=2, interval=0.5),
    budget="sohu",
    # A deleted article redirects to the 404 page or to the bare home page.
    tombstone_urls=(UrlRule("tombstone:sohu-404", _re(r"sohu\.com/404\.html|^https?://(?:www|m)\.sohu\.com/?$")),),
    tombstone_markers=(Marker("tombstone:sohu-404", _re(r"<title>页面不存在</title>")),),
)

QQNEWS = SiteProfile(
    name="qqnews",
    label="Tencent News",
    hosts=("new.qq.com", "view.inews.qq.com"),
    archive_priority=4,
    politeness=Politeness(concurrency=2, interval=0.5),
    budget="qqnews",
    tombstone_urls=(UrlRule("tombstone:qqnews-notfound", _re(r"new\.qq\.com/notfound\.htm")),),
)

BAIJIAHAO = SiteProfile(
    name="baijiahao",
    label="Baijiahao",
    hosts=("baijiahao.baidu.com", "wenku.baidu.com"),
    archive_priority=4,
    needs_body=True,
    politeness=Politeness(concurrency=1, interval=1.0),
    budget="baijiahao",
    antibot_urls=(UrlRule("antibot:baidu-captcha", _re(r"wappass\.baidu\.com/static/captcha")),),
    antibot_markers=(Marker("antibot:baidu-captcha", _re(r"<title>百度安全验证</title>")),),
)

BILIBILI = SiteProfile(
    name="bilibili",
    label="Bilibili",
    hosts=("www.bilibili.com", "bilibili.com", "api.bilibili.com", "b23.tv"),
    archive_priority=5,
    needs_body=True,
    politeness=Politeness(concurrency=1, interval=1.0),
    budget="bilibili",
    antibot_markers=(
        Marker("antibot:bilibili-412", _re(r""), statuses=frozenset({412})),
        Marker("antibot:bilibili-412", _re(r"\"code\":\s*-(?:412|352)|request was banned")),
    ),
    tombstone_markers=(Marker("tombstone:bilibili-404", _re(r"\"code\":\s*-404|啊叻？视频不见了")),),
)

GITHUB = SiteProfile(
    name="github",
    label="GitHub",
    hosts=("github.com", "gist.github.com", "raw.githubusercontent.com"),
    archive_priority=6,
    politeness=Politeness(concurrency=4, interval=0.2),
    budget="github",
    dead_statuses=frozenset({404, 410, 451}),
    tombstone_markers=(Marker("tombstone:github-dmca", _re(r"Repository unavailable due to DMCA takedown")),),
)

# WeChat's image CDN. A capture of an article fetches its images (about ten, archivers.md §3.1) beside
# the checks; WeChat itself is asked once a second, so the images must come at ten a second or more
# or they fall behind the night: twenty starts a second, four in flight — a browser opening one
# article asks for all its images at once (bench/bench_nights.py).
WEIXIN_IMAGES = SiteProfile(
    name="weixin-images",
    label="WeChat images",
    hosts=("mmbiz.qpic.cn", "mmbiz.qlogo.cn"),
    politeness=Politeness(concurrency=4, interval=0.05),
    budget="weixin-images",
)

# Parked and expired domains (docs/parked-domains.md, with the sources of every marker): a domain
# that lapsed answers 200 with a registrar's or a domain market's page. Narrow on purpose: the
# parking services' own markup (their scripts and landers, which a page quoting them shows as
# escaped text), or the sale notice as the page's whole title or headline — never a phrase a live
# article could quote in its text.
PARKED = "parked"
_DOMAIN = r"(?:[a-z0-9-]+\.)+[a-z]{2,}"
_SALE_EN = r"This domain (?:name )?(?:may be|is) for sale[.!]?"
_SALE_ZH = r"(?:该|此|本)域名(?:正在出售|出售中|可转让|转让出售|已过期)[。！!]?"
PARKED_MARKERS: tuple[Marker, ...] = (
    # Sedo's parking page: its logo, preloader and scripts come from sedoparking.com (P1, P2).
    Marker(
        PARKED,
        _re(
            r"<(?:script|link|img|i?frame)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//(?:[\w-]+\.)*sedoparking\.com/"
        ),
        needles=("sedoparking.com/",),
    ),
    # Bodis' and ParkingCrew's landers: <html data-adblockkey=…>, window.park = "<base64 JSON>",
    # ParkingCrew's scripts (P3, P4).
    Marker(
        PARKED,
        _re(
            r"<html\b[^>]*\bdata-adblockkey=|<script>\s*window\.park\s*=\s*[\"']ey"
            r"|<script\b[^>]*\bsrc=[\"'][^\"']*parkingcrew\.net/"
        ),
        needles=("data-adblockkey=", "window.park", "parkingcrew.net/"),
    ),
    # GoDaddy's parking lander and the stub every path of a parked GoDaddy domain answers (P5).
    Marker(
        PARKED,
        _re(
            r"<script>\s*window\.LANDER_SYSTEM\s*=|<script\b[^>]*\bsrc=[\"']https://img1\.wsimg\.com/parking-lander/"
            r"|<script>\s*window\.onload\s*=\s*function\s*\(\)\s*\{\s*window\.location\.href\s*=\s*[\"']/lander[\"']"
        ),
        needles=("LANDER_SYSTEM", "/parking-lander/", "/lander"),
    ),
    # The sale notice as the page's whole title (P1, P6, P7, P8).
    Marker(
        PARKED,
        LazyPattern(
            rf"{_DOMAIN} - This website is for sale! - .{{1,80}} Resources and Information\.?"
            rf"|(?:{_DOMAIN}\s*[-–—|:：]?\s*)?{_SALE_EN}"
            rf"|(?:The domain )?{_DOMAIN} is for sale[.!]?"
            rf"|(?:{_DOMAIN}\s*[-–—|_:：]?\s*)?{_SALE_ZH}"
            rf"|{_DOMAIN}\s*[-–—|_:：]?\s*域名(?:出售|转让)",
            re.S | re.I,
        ),
        scope="title",
    ),
    # … or as its headline (P4, P7, P8).
    Marker(
        PARKED,
        LazyPattern(rf"{_SALE_EN}|(?:The domain )?{_DOMAIN} is for sale[.!]?|{_SALE_ZH}", re.S | re.I),
        scope="headline",
    ),
)

GENERIC = SiteProfile(
    name="generic",
    label="other",
    hosts=(),
    reads_page=True,
    # Redirected to a domain market's sale page (P9).
    tombstone_urls=(
        UrlRule(
            PARKED,
            _re(
                r"^https?://(?:www\.)?(?:dan\.com/buy-domain/|afternic\.com/(?:forsale|domain)/"
                r"|sedo\.com/search/details/?\?|hugedomains\.com/domain_profile\.cfm|forsale\.dynadot\.com/)"
            ),
            other_host=True,
        ),
    ),
    tombstone_markers=PARKED_MARKERS,
    soft_404=True,
)

# What a host's answer for a URL that cannot exist says when it is a "not found" notice served with
# 200 (linkcheck.soft404): searched in the probe's title and main text only, never in a cited page —
# it tells a notice from an application shell that says nothing (lychee #300: a Next.js 404 page
# served with 200), so it may be broad. Sources: nginx's and Apache httpd's default "404 Not Found"
# pages; WordPress's 404 document title "Page not found" (wp-includes/general-template.php,
# wp_get_document_title); Sohu's missing-article page, <title>页面不存在</title> (the SOHU row above);
# the Chinese "找不到"/"未找到"/"不存在"/"已删除" of the platforms' own notices (rows above).
SOFT_404_WORDS = LazyPattern(
    r"\b404\b|not found|does not exist|doesn['’]t exist|no longer (?:exists|available)|"
    r"页面不存在|找不到|未找到|不存在|已删除|已被删除",
    re.I,
)
# A redirect every missing page shares that ends on a sign-in page is a wall (blocked, never dead):
# such a landing is not soft-404 evidence.
SOFT_404_WALL_LANDINGS = LazyPattern(r"/(?:login|signin|sign-in|sign_in|sso|auth|passport|oauth)\b", re.I)

PROFILES: tuple[SiteProfile, ...] = (
    WEIXIN,
    ZHIHU,
    CSDN,
    CNBLOGS,
    JIANSHU,
    SOHU,
    QQNEWS,
    BAIJIAHAO,
    BILIBILI,
    GITHUB,
    WEIXIN_IMAGES,
)

_EXACT: dict[str, SiteProfile] = {}
_SUFFIX: dict[str, SiteProfile] = {}
for _profile in PROFILES:
    for _host in _profile.hosts:
        (_SUFFIX if _host.startswith(".") else _EXACT)[_host.lstrip(".")] = _profile


@functools.lru_cache(maxsize=8192)
def profile_for(host: str) -> SiteProfile:
    """The profile of a (lower-case) host name; :data:`GENERIC` when no row names it.

    (Memoised: the table is fixed, and a scan, a sync and a run each ask once per URL, about a
    blog's few thousand hosts.)"""
    found = _EXACT.get(host)
    if found is not None:
        return found
    parts = host.split(".")
    for i in range(1, len(parts) - 1):
        found = _SUFFIX.get(".".join(parts[i:]))
        if found is not None:
            return found
    return GENERIC


def profile_by_name(name: str) -> SiteProfile:
    for profile in (*PROFILES, GENERIC):
        if profile.name == name:
            return profile
    raise KeyError(name)


__all__ = [
    "DEFAULT_HEADERS",
    "GENERIC",
    "PARKED",
    "PROFILES",
    "SOFT_404_WALL_LANDINGS",
    "SOFT_404_WORDS",
    "BrowserRule",
    "CanonicalRule",
    "LazyPattern",
    "Marker",
    "PageShape",
    "Politeness",
    "Readable",
    "Requisites",
    "SiteProfile",
    "Titles",
    "UrlRule",
    "profile_by_name",
    "profile_for",
]
