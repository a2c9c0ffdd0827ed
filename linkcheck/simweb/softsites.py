"""Ordinary sites and how they answer for a page they do not have: soft 404s, and proper ones.

Many sites never answer ``404``. A WordPress-style theme serves its "Page not found" template with
``200``; a corporate site sends every unknown path to its home page; a single-page application
serves the same shell for every path and lets JavaScript decide; an intranet sends everything to its
sign-in page. Others answer a proper ``404``. Each :class:`Site` below is one of these, with a few
real-looking pages that exist (header, navigation, article, footer — the chrome a live article
shares with the not-found template), so the tests meet the near-misses too: a short live note under
the site's one title, a search page that says "nothing found".

:class:`Site` is also how a benchmark turns a host of the real blog into such a site
(``SimulatedWeb(sites=…)``): ``live`` names the paths that exist (the cited ones, minus those the
benchmark makes disappear, as a client sends them: ``yarl.URL(url).raw_path_qs``); they answer
:func:`linkcheck.simweb.pages.generic_page`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web
from aiohttp.web_request import BaseRequest

from linkcheck.simweb import pages as P

if TYPE_CHECKING:
    from linkcheck.simweb.server import SimulatedWeb

# How a site answers for a path it does not have.
TEMPLATE = "template"  # 200, its "page not found" template (echoing the path, with a request id)
HOME = "home"  # 302 to its home page
NOT_FOUND = "404"  # a proper 404 (with the same template)
SHELL = "shell"  # 200, the application's shell, the same for every path
LOGIN = "login"  # 302 to its sign-in page (a wall)
MISSING_STYLES = (TEMPLATE, HOME, NOT_FOUND, SHELL, LOGIN)


@dataclass(frozen=True, slots=True)
class Site:
    """One site: its name, language, how it answers a missing path, and its pages (path → title,
    main HTML). ``title``: the one title every page carries (sites that never set their own).
    ``live``: further existing paths (path and query), served as a generic article."""

    name: str
    missing: str
    pages: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    lang: str = "en"
    title: str | None = None
    live: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.missing not in MISSING_STYLES:
            raise ValueError(f"missing must be one of {MISSING_STYLES}")


def _chrome(site: Site, title: str, main: str) -> bytes:
    """A page of the site: the header and navigation, ``main``, the footer."""
    if site.lang == "zh":
        nav = "<a href='/'>首页</a> <a href='/news/'>新闻动态</a> <a href='/about/'>关于我们</a>"
        foot = f"© 2015-2024 {escape(site.name)} 版权所有 | 京ICP备12345678号-1 | 地址：北京市海淀区中关村大街1号"
    else:
        nav = "<a href='/'>Home</a> <a href='/archives/'>Archives</a> <a href='/about/'>About</a>"
        foot = f"© 2024 {escape(site.name)}. Proudly powered by WordPress. Theme: Twenty Seventeen."
    return (
        f'<!DOCTYPE html><html lang="{site.lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<link rel="stylesheet" href="/wp-content/themes/style.css"><script>window.dataLayer=[];</script></head>'
        f'<body><header class="site-header"><p class="site-title">{escape(site.name)}</p><nav>{nav}</nav></header>'
        f'<main id="main" class="site-main">{main}</main>'
        f'<aside class="widget-area"><h2>Recent posts</h2><ul><li>Notes</li><li>Links</li></ul></aside>'
        f'<footer class="site-footer"><p>{foot}</p></footer></body></html>'
    ).encode()


def _not_found(site: Site, path: str, serial: int) -> bytes:
    """The site's not-found template: it echoes the path and prints a request id, as many do."""
    shown = escape(path)
    request_id = hashlib.sha1(f"{site.name}{serial}".encode()).hexdigest()[:16]
    if site.lang == "zh":
        title = site.title or f"页面不存在 - {site.name}"
        main = (
            f"<h1>抱歉，您访问的页面不存在</h1><p>您要找的页面 {shown} 可能已被删除、更名或暂时不可用。</p>"
            f"<p>请检查网址是否正确，或返回首页继续浏览。</p><p class='rid'>请求编号：{request_id}</p>"
        )
    else:
        title = site.title or f"Page not found – {site.name}"
        main = (
            "<h1 class='page-title'>Oops! That page can’t be found.</h1>"
            f"<p>It looks like nothing was found at {shown}. Maybe try one of the links below or a search?</p>"
            f"<form role='search'><input type='search' name='s'></form><p class='rid'>Request {request_id}</p>"
        )
    return _chrome(site, title, main)


def _page(site: Site, path: str) -> bytes | None:
    found = site.pages.get(path)
    if found is not None:
        title, main = found
        return _chrome(site, site.title or f"{title} – {site.name}", main)
    return None


SHELL_PAGE = (
    b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Console</title>'
    b'<script type="module" src="/assets/index-4f3a2b.js"></script></head><body><div id="app"></div></body></html>'
)
LOGIN_PAGE = (
    b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign in</title></head><body><main>'
    b"<h1>Sign in to continue</h1><form method='post'><input name='user'><input name='password' type='password'>"
    b"</form></main></body></html>"
)


async def handle(web_: SimulatedWeb, request: BaseRequest, host: str, site: Site) -> web.StreamResponse:
    """Answer ``request`` as ``site`` does."""
    path = request.path
    page = _page(site, path)
    # ``live`` holds paths as a client sends them (``yarl.URL(url).raw_path_qs``) or as written.
    if page is None and (request.raw_path in site.live or request.path_qs in site.live):
        page = P.generic_page(host, request.path_qs)
    if page is not None:
        return web.Response(body=page, headers={"Content-Type": P.UTF8_HTML})
    if site.missing == SHELL:
        return web.Response(body=SHELL_PAGE, headers={"Content-Type": P.UTF8_HTML})
    if site.missing == LOGIN:
        if path == "/login":
            return web.Response(body=LOGIN_PAGE, headers={"Content-Type": P.UTF8_HTML})
        return web.Response(status=302, headers={"Location": f"/login?next={quote(request.path_qs)}"})
    if site.missing == HOME:
        if path == "/":
            return web.Response(body=_home(site), headers={"Content-Type": P.UTF8_HTML})
        return web.Response(status=302, headers={"Location": "/"})
    status = 404 if site.missing == NOT_FOUND else 200
    body = _not_found(site, request.path_qs, web_._attempt(f"notfound:{host}"))
    return web.Response(status=status, body=body, headers={"Content-Type": P.UTF8_HTML})


def _home(site: Site) -> bytes:
    items = "".join(f"<li><a href='{escape(p)}'>{escape(t)}</a></li>" for p, (t, _) in site.pages.items())
    main = f"<h1>{escape(site.name)}</h1><ul>{items}</ul>"
    return _chrome(site, site.title or site.name, main)


_ARTICLE_EN = (
    "<article><h1 class='entry-title'>Notes on building a static blog</h1><div class='entry-content'>"
    "<p>After years on a hosted platform I moved this blog to a static site generator. The build takes "
    "seconds, the pages are plain files, and every post is a Markdown file under version control.</p>"
    "<p>The hardest part was keeping old links working: I wrote redirects for every permalink the old "
    "platform had used, and checked each of them with a small script before switching the DNS.</p>"
    "<p>Images were the second problem. The old platform resized them on the fly; now a build step "
    "makes three sizes of each and the pages use srcset.</p></div></article>"
)
_NOTE_EN = (
    "<article><h1 class='entry-title'>Moved</h1><div class='entry-content'><p>See the new notes.</p></div></article>"
)
_SEARCH_EN = (
    "<h1 class='page-title'>Search results for: kubernetes</h1><p>Sorry, but nothing matched your search "
    "terms. Please try again with some different keywords.</p>"
)
_NEWS_ZH = (
    "<article><h1>公司参加2023年世界人工智能大会</h1><p>7月6日，公司受邀参加在上海举办的2023年世界人工智能大会，"
    "展示了最新的工业视觉检测系统。该系统已在三家汽车零部件工厂部署，缺陷检出率提升至99.2%。</p>"
    "<p>会上，公司与两所高校签署了联合实验室协议，将在视觉大模型的行业落地方面开展合作。</p></article>"
)
_NOTICE_ZH = "<article><h1>放假通知</h1><p>国庆节放假七天，10月8日正常上班。</p></article>"

# The simulated web's ordinary sites (see the module's note), by host.
SITES: dict[str, Site] = {
    # WordPress-style: missing pages get the "Page not found" template with 200.
    "blog.softnotfound.test": Site(
        "Soft Notes",
        TEMPLATE,
        {
            "/2019/05/static-blog/": ("Notes on building a static blog", _ARTICLE_EN),
            "/2020/01/moved/": ("Moved", _NOTE_EN),
            "/search/kubernetes/": ("You searched for kubernetes", _SEARCH_EN),
        },
    ),
    # A corporate site: one title on every page, missing pages get "页面不存在" with 200.
    "www.onetitle.test": Site(
        "星辰智能科技",
        TEMPLATE,
        {"/news/2023/0706.html": ("", _NEWS_ZH), "/news/2023/0929.html": ("", _NOTICE_ZH)},
        lang="zh",
        title="星辰智能科技有限公司",
    ),
    # Every unknown path goes to the home page.
    "www.gohome.test": Site(
        "归档站",
        HOME,
        {"/news/2021/123.html": ("公司参加2023年世界人工智能大会", _NEWS_ZH)},
        lang="zh",
    ),
    # A proper 404, with the same template.
    "blog.real404.test": Site(
        "Hard Notes", NOT_FOUND, {"/2019/05/static-blog/": ("Notes on building a static blog", _ARTICLE_EN)}
    ),
    # A single-page application: the same shell for every path, 200.
    "app.shell.test": Site("Console", SHELL),
    # Everything behind a sign-in page.
    "intranet.signin.test": Site("Intranet", LOGIN),
}

__all__ = ["HOME", "LOGIN", "MISSING_STYLES", "NOT_FOUND", "SHELL", "SITES", "TEMPLATE", "Site", "handle"]
