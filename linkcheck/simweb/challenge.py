"""Zhihu's ``__zse_ck`` JavaScript challenge, realistically enough for a real browser to solve it.

Real Zhihu (shared/docs/decay-signatures.md §2 row 6, S8/S10) answers an anonymous page request
with **403** and a tiny page: ``<meta id="zh-zse-ck" content="…">`` plus the v4 script
(``static.zhihu.com/zse-ck/v4/<hex>.js``) that computes the ``__zse_ck`` cookie from the meta
content and the browser, sets it and reloads. With the cookie the same URL serves the real page:
the live article, or the 404 "荒原" notice of a deleted one. So a plain HTTP client sees 403 for
live *and* deleted posts; only a client that runs the script can tell them apart.

Here:

* the meta content is a fresh nonce signed by the server (``<random>`` + HMAC), so a cookie cannot
  be minted without a nonce from a challenge page;
* the (inline) script hashes ``nonce + "|" + navigator.userAgent`` (FNV-1a over UTF-16 code units,
  many rounds) and sets ``__zse_ck=005_<nonce>_<hash>`` for ``.zhihu.com``, then
  ``location.reload()``. The cookie is **bound to the User-Agent** that computed it, as the real
  one is (S8): a client that solves it with one UA and replays it with another is challenged again;
* a request with a valid cookie gets the page behind the wall: ``/p/<id>`` a live column article,
  ``/question/<q>[/answer/<a>]`` a live question — except ids ending in ``404`` (the post is gone:
  404 + 荒原 notice) and answer ids ending in ``410`` (the answer slot says 该回答已被删除).

Requests *without* a valid cookie get exactly what they got before this module existed (403,
``antibot:zhihu-403``), so every catalogue expectation for plain HTTP clients holds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from http.cookies import CookieError, SimpleCookie

from aiohttp import web
from aiohttp.web_request import BaseRequest

from linkcheck.simweb import pages as P

COOKIE = "__zse_ck"
COOKIE_PREFIX = "005_"
ROUNDS = 64  # hash rounds in the script: work a browser does in microseconds
_SECRET = secrets.token_bytes(16)  # per process: cookies do not survive a restart of the tests

# Paths behind the challenge with a known answer once it is solved (catalogue-style constants).
GATED_LIVE_P = "/p/700000001"  # zhuanlan.zhihu.com: live column article
GATED_LIVE_P2 = "/p/700000002"  # another live article (cookie reuse)
GATED_DEAD_P = "/p/700000404"  # zhuanlan.zhihu.com: deleted article → 404 荒原
GATED_LIVE_Q = "/question/700000003/answer/700000005"  # www.zhihu.com: live answer
GATED_DEAD_Q = "/question/700000404"  # www.zhihu.com: deleted question → 404 荒原
GATED_ANS_DEL = "/question/700000003/answer/700000410"  # www.zhihu.com: answer deleted, question live

_HEADERS = {
    "Server": "CLOUD ELB 1.0.0",
    "Cache-Control": "no-cache, no-store, must-revalidate, private, max-age=0",
}
_QUESTION = re.compile(r"^/question/(\d+)(?:/answer/(\d+))?/?$")
_ARTICLE = re.compile(r"^/p/(\d+)/?$")

# The v4 script's shape: read the meta, hash it with the UA, set the cookie, reload.
_SCRIPT = (
    "(function(){var m=document.getElementById('zh-zse-ck');if(!m)return;"
    "var n=m.getAttribute('content'),s=n+'|'+navigator.userAgent,h=0x811c9dc5;"
    "for(var r=0;r<" + str(ROUNDS) + ";r++){for(var i=0;i<s.length;i++){"
    "h^=s.charCodeAt(i);h=Math.imul(h,0x01000193)>>>0;}}"
    "var v=('00000000'+h.toString(16)).slice(-8);"
    "var d=location.hostname.slice(-9)==='zhihu.com'?';domain=.zhihu.com':'';"
    "document.cookie='" + COOKIE + "=" + COOKIE_PREFIX + "'+n+'_'+v+';path=/;max-age=2592000'+d;"
    "location.reload();})();"
)


def _sign(token: str) -> str:
    return hmac.new(_SECRET, token.encode("ascii"), hashlib.sha256).hexdigest()[:16]


def new_nonce() -> str:
    token = secrets.token_hex(8)
    return token + _sign(token)


def _nonce_ok(nonce: str) -> bool:
    if len(nonce) != 32 or not all(c in "0123456789abcdef" for c in nonce):
        return False
    return hmac.compare_digest(_sign(nonce[:16]), nonce[16:])


def solve(nonce: str, user_agent: str) -> str:
    """What the script computes (FNV-1a over UTF-16 code units, ``ROUNDS`` times): 8 hex digits."""
    text = f"{nonce}|{user_agent}"
    units = [int.from_bytes(text.encode("utf-16-le")[i : i + 2], "little") for i in range(0, 2 * len(text), 2)]
    h = 0x811C9DC5
    for _ in range(ROUNDS):
        for unit in units:
            h = ((h ^ unit) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


def cookie_value(nonce: str, user_agent: str) -> str:
    return f"{COOKIE_PREFIX}{nonce}_{solve(nonce, user_agent)}"


def challenge_page(nonce: str) -> bytes:
    """The 403 page: the markers of §2 row 6 (meta#zh-zse-ck, the zse-ck/v4 script) and the script."""
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta id="zh-zse-ck" content="{nonce}">'
        '<script crossorigin="" data-assets-tracker-config=\'{"appName":"zse_ck"}\' '
        f'data-src="https://static.zhihu.com/zse-ck/v4/{_sign(nonce)[:8]}.js">{_SCRIPT}</script>'
        "</head><body></body></html>"
    ).encode()


def solved(request: BaseRequest) -> bool:
    """Whether the request carries a valid ``__zse_ck`` for its User-Agent."""
    raw = request.headers.get("Cookie", "")
    if COOKIE not in raw:
        return False
    try:
        jar = SimpleCookie(raw)
    except CookieError:
        return False
    morsel = jar.get(COOKIE)
    if morsel is None:
        return False
    value = morsel.value
    if not value.startswith(COOKIE_PREFIX):
        return False
    nonce, _, digest = value[len(COOKIE_PREFIX) :].partition("_")
    if not _nonce_ok(nonce):
        return False
    return hmac.compare_digest(solve(nonce, request.headers.get("User-Agent", "")), digest)


def _response(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, headers={"Content-Type": P.UTF8_HTML, **_HEADERS})


def behind(path: str, title: str | None = None) -> web.Response:
    """The page a solved challenge reveals at ``path``; ``title``: the article's or question's
    title (default: made up from its id)."""
    article = _ARTICLE.match(path)
    if article:
        post = article.group(1)
        if post.endswith("404"):
            return _response(P.ZH_404.encode(), 404)
        return _response(P.zh_article(post, title or f"专栏文章 {post}"))
    question = _QUESTION.match(path)
    if question:
        qid, answer = question.groups()
        if qid.endswith("404"):
            return _response(P.ZH_404.encode(), 404)
        if answer is not None and answer.endswith("410"):
            return _response(
                P.zh_question(qid, title or f"问题 {qid}", '<div class="ContentItem">该回答已被删除</div>')
            )
        slot = (
            '<div class="ContentItem AnswerItem" data-zop=\'{"type":"answer"}\'><div class="RichContent">'
            '<div class="RichContent-inner"><span class="RichText ztext"><p>回答正文…</p>'
            + P.zh_figures(f"{qid}/{answer}", 1)
            + "</span></div></div></div>"
        )
        return _response(P.zh_question(qid, title or f"问题 {qid}", slot))
    return _response(P.ZH_HOME.encode())


def zhihu_gate(request: BaseRequest, title: str | None = None) -> web.Response:
    """A Zhihu page behind ``__zse_ck``: the 403 challenge, or with a valid cookie the page itself."""
    if solved(request):
        return behind(request.path, title)
    return _response(challenge_page(new_nonce()), 403)


__all__ = [
    "COOKIE",
    "GATED_ANS_DEL",
    "GATED_DEAD_P",
    "GATED_DEAD_Q",
    "GATED_LIVE_P",
    "GATED_LIVE_P2",
    "GATED_LIVE_Q",
    "behind",
    "challenge_page",
    "cookie_value",
    "solve",
    "solved",
    "zhihu_gate",
]
