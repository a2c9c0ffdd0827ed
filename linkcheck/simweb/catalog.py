"""The catalogue of fixture URLs the simulated web serves, with what linkcheck should conclude.

Each :class:`Fixture` is a real-looking URL (the resolver sends it to the simulated web), the HTTP
status of its first hop, the site-profile reason whose marker (or URL rule, after redirects) the
answer carries, and the expected end verdict/reason. ``reason=None`` means the reason is not pinned
down here (status-based or alive verdicts, named by the classifier). Tests can parametrize over
``FIXTURES``; ``by_id("WX-DEL")`` finds one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from linkcheck.sites import profile_for

NON_BROWSER_UA = "python-requests/2.31.0"
OLD_IE_UA = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)"
WX = "https://mp.weixin.qq.com"
ZHUANLAN = "https://zhuanlan.zhihu.com"
ZHIHU = "https://www.zhihu.com"


@dataclass(frozen=True, slots=True)
class Fixture:
    id: str
    url: str
    status: int  # status of the first response (redirects not followed)
    verdict: str  # expected linkcheck.models.Verdict value after the check (redirects followed)
    reason: str | None = None  # expected Outcome.reason, when the site profile names it
    marker: str | None = None  # reason of the sites.py marker / URL rule the final answer carries
    headers: Mapping[str, str] = field(default_factory=dict)  # sent on top of the profile headers
    note: str = ""


def _fx(id_: str, url: str, status: int, verdict: str, reason: str | None = None, **kw) -> Fixture:
    marker = kw.pop("marker", reason if reason and not reason.startswith(("http-", "moved:", "rate-")) else None)
    if reason is None and not kw.pop("unpinned", False):
        # The checker's names for the plain cases (tests/test_check.py).
        if verdict == "alive":
            reason = "live-marker" if profile_for(url.split("/")[2]).live_required else "http-200"
        elif verdict == "dead" and status in (404, 410):
            reason = f"http-{status}"
    return Fixture(id_, url, status, verdict, reason, marker, **kw)


FIXTURES: tuple[Fixture, ...] = (
    # --- WeChat -------------------------------------------------------------------------------
    _fx("WX-LIVE", f"{WX}/s/KDWh_qGpFN5Vu1TR9t30Mw", 200, "alive", note="Block A, ~190 KB"),
    _fx("WX-LIVE-IMG", f"{WX}/s/JJyPUpHLM2bGvfk5FNvTUA", 200, "alive", note="share page, no js_content"),
    _fx(
        "WX-LIVE-QUOTE-DEL",
        f"{WX}/s/quoteDeletedNotice0000",
        200,
        "alive",
        note="trap (a): #js_content quotes 该内容已被发布者删除, even inside a weui-msg__title element",
    ),
    _fx(
        "WX-LIVE-QUOTE-VERIFY",
        f"{WX}/s/quoteVerifyNotice00000",
        200,
        "alive",
        note="#js_content quotes 当前环境异常，完成验证后即可继续访问",
    ),
    _fx(
        "WX-LIVE-GZIP",
        f"{WX}/s/liveGzip00000000000000",
        200,
        "alive",
        note="trap (d): Content-Encoding: gzip",
    ),
    _fx(
        "WX-LIVE-CHUNKED",
        f"{WX}/s/liveChunked00000000000",
        200,
        "alive",
        note="trap (d): Transfer-Encoding: chunked, 16 KB chunks",
    ),
    _fx(
        "WX-LIVE-BIG",
        f"{WX}/s/liveBig000000000000000",
        200,
        "alive",
        note="3.3 MB like real pages; og:title first, var msg_title last",
    ),
    _fx("WX-GENERIC", f"{WX}/s/aBcDeFgHiJkLmNoPqRsTuV", 200, "alive", note="any other /s/<id>"),
    _fx(
        "WX-GENERIC-LONG",
        f"{WX}/s?__biz=MzA4MTAwMDAwMA==&mid=2650000777&idx=2&sn=00ff00ff00ff00ff00ff00ff00ff00ff",
        200,
        "alive",
        note="any other long link",
    ),
    _fx(
        "WX-CAPTCHA-ONCE",
        f"{WX}/s/captchaOnce00000000000",
        302,
        "blocked",
        "antibot:weixin-verify",
        note="trap (c): 302 to the verification page on the first request, WX-LIVE from the second on "
        "(per-URL counter, cleared by reset_state)",
    ),
    _fx("WX-DEL", f"{WX}/s/P9cMowFQ-QahLRnfHponKw", 200, "dead", "tombstone:weixin-deleted"),
    _fx(
        "WX-DEL-EN",
        f"{WX}/s/P9cMowFQ-QahLRnfHponKw",
        200,
        "dead",
        "tombstone:weixin-deleted",
        headers={"Accept-Language": "en-US,en;q=0.9"},
        note="English notice for Accept-Language: en…",
    ),
    _fx(
        "WX-DEL-LONG",
        f"{WX}/s?__biz=MzA3MDM3NjE5NQ==&mid=2650000001&idx=1&sn=0123456789abcdef0123456789abcdef",
        200,
        "dead",
        "tombstone:weixin-deleted",
        note="trap (b): WX-DEL at a long link",
    ),
    _fx(
        "WX-DEL-OLD",
        f"{WX}/s/delOldTemplate00000000",
        200,
        "dead",
        "tombstone:weixin-deleted",
        note="pre-2019 template, div.global_error_msg.warn",
    ),
    _fx("WX-VIOL", f"{WX}/s/-WZT_VzhmSkJRAjb6GwsUA", 200, "dead", "tombstone:weixin-violation"),
    _fx("WX-IPR", f"{WX}/s/ipr0000000000000000000", 200, "dead", "tombstone:weixin-copyright"),
    _fx("WX-COMPLAINTS", f"{WX}/s/complaints000000000000", 200, "dead", "tombstone:weixin-complaints"),
    _fx("WX-SENDFAIL", f"{WX}/s/sendFailed000000000000", 200, "dead", "tombstone:weixin-send-failed"),
    _fx("WX-IMPERSONATION", f"{WX}/s/impersonation000000000", 200, "dead", "tombstone:weixin-impersonation"),
    _fx("WX-PRIVACY", f"{WX}/s/privacy000000000000000", 200, "dead", "tombstone:weixin-privacy"),
    _fx("WX-ACCT", f"{WX}/s/acct000000000000000000", 200, "dead", "tombstone:weixin-account-closed"),
    _fx("WX-ACCT-BLOCKED", f"{WX}/s/acct000000000000000001", 200, "dead", "tombstone:weixin-account-blocked"),
    _fx(
        "WX-ACCT-MIGRATING",
        f"{WX}/s/acct000000000000000002",
        200,
        "dead",
        "tombstone:weixin-account-migrating",
    ),
    _fx(
        "WX-ACCT-IPR",
        f"{WX}/s/acct000000000000000003",
        200,
        "dead",
        "tombstone:weixin-account-closed",
        note="此帐号被投诉且经审核涉嫌侵权。此帐号已注销，内容无法查看。",
    ),
    _fx(
        "WX-ACCT-BLOCKED-ALT",
        f"{WX}/s/acct000000000000000004",
        200,
        "dead",
        "tombstone:weixin-account-blocked",
        note="此账号 variant",
    ),
    _fx("WX-TEMP-UNAVAIL", f"{WX}/s/Fa_q7Pg8ZiQNmtqJeDNNuQ", 200, "dead", "tombstone:weixin-unavailable"),
    _fx(
        "WX-MIGRATED",
        f"{WX}/s?__biz=MzAwMTQ3NjgyOQ==&mid=2653038958&idx=1&sn=b9bc41d06f38ea772a4bb5dfd16c4934",
        200,
        "alive",
        "moved:weixin-migrated",
        marker="tombstone:weixin-migrated",
        note="transferTargetLink → WX-LIVE: the tombstone names its successor (Outcome.follow_url); "
        "following it ends alive",
    ),
    _fx("WX-MIGRATED-NOTARGET", f"{WX}/s/migratedNoTarget000000", 200, "dead", "tombstone:weixin-migrated"),
    _fx(
        "WX-EXPIRED",
        f"{WX}/s?__biz=MzU=&tempkey=MTM1OF9ma1pv&chksm=f90ca3b0#rd",
        200,
        "dead",
        "tombstone:weixin-expired",
        note="any /s?…tempkey=…",
    ),
    _fx(
        "WX-PARAM",
        f"{WX}/s?src=11&timestamp=1500000000&ver=1&signature=abc",
        200,
        "dead",
        "tombstone:weixin-bad-params",
        note="any /s? temporary link, or /s? without __biz+mid",
    ),
    _fx(
        "WX-CAPTCHA-302",
        f"{WX}/s?__biz=MzIyNjMxOTY0NA==&mid=2247504179&idx=1&sn=52c2c5acc9ff4567b10d1408a333693c",
        302,
        "blocked",
        "antibot:weixin-verify",
        note="→ /mp/wappoc_appmsgcaptcha (Block B)",
    ),
    _fx(
        "WX-CAPTCHA",
        f"{WX}/mp/wappoc_appmsgcaptcha?poc_token=HBAbc&target_url=https%3A%2F%2Fmp.weixin.qq.com",
        200,
        "blocked",
        "antibot:weixin-verify",
    ),
    _fx("WX-FREQ", f"{WX}/s/freq000000000000000000", 200, "blocked", "antibot:weixin-frequency"),
    _fx(
        "WX-CLIENT",
        f"{WX}/mp/profile_ext?action=home&__biz=MzU=",
        200,
        "blocked",
        "antibot:weixin-client-only",
    ),
    _fx(
        "WX-RUMOR",
        f"{WX}/mp/rumor?action=info&__biz=MzU=&mid=1&idx=1&sn=abc",
        200,
        "dead",
        "tombstone:weixin-rumor",
    ),
    _fx(
        "WX-SYSERR",
        f"{WX}/s/sysError00000000000000",
        200,
        "error",
        "weixin-system-error",
        note="row 19 markup is div.global_error_msg.warn, which the pre-2019 deleted marker also matches: "
        "transient markers must win",
    ),
    _fx(
        "WX-ALBUM",
        f"{WX}/mp/appmsgalbum?__biz=MzU=&action=getalbum&album_id=1",
        200,
        "alive",
        note="collection page (invented markup with og:title + js_article); /mp/homepage too",
    ),
    # --- Zhihu --------------------------------------------------------------------------------
    _fx("ZH-LIVE-P", f"{ZHUANLAN}/p/486808688", 200, "alive", note="Block C + S20 headers"),
    _fx("ZH-LIVE-Q", f"{ZHIHU}/question/296904119/answer/510160579", 200, "alive"),
    _fx("ZH-LIVE-Q2", f"{ZHIHU}/question/296904119", 200, "alive"),
    _fx("ZH-404", f"{ZHUANLAN}/p/100000001", 404, "dead", "tombstone:zhihu-404"),
    _fx("ZH-404-Q", f"{ZHIHU}/question/100000001", 404, "dead", "tombstone:zhihu-404"),
    _fx(
        "ZH-ANS-DEL",
        f"{ZHIHU}/question/32237946/answer/734344973",
        200,
        "dead",
        "tombstone:zhihu-answer-deleted",
    ),
    _fx("ZH-ZSECK", f"{ZHUANLAN}/p/146643148", 403, "blocked", "antibot:zhihu-403"),
    _fx(
        "ZH-CHALLENGE",
        f"{ZHUANLAN}/p/123456789",
        403,
        "blocked",
        "antibot:zhihu-403",
        note="every other zhihu page path",
    ),
    _fx("ZH-UNHUMAN", f"{ZHIHU}/question/1912780463006782640", 302, "blocked", "antibot:zhihu-unhuman"),
    _fx("ZH-SIGNIN", f"{ZHIHU}/answer/157956365", 302, "blocked", "login-wall"),
    _fx("ZH-API-40362", f"{ZHIHU}/api/v4/articles/1", 403, "blocked", "antibot:zhihu-api"),
    _fx(
        "ZH-API-40352",
        f"{ZHIHU}/api/v4/questions/1",
        403,
        "blocked",
        None,
        unpinned=True,
        marker="antibot:zhihu-api",
        note="every other /api/ path; the S9 body also carries the unhuman text, so a first-match "
        "classifier in sites.ZHIHU order says antibot:zhihu-unhuman",
    ),
    _fx(
        "ZH-IPBAN",
        f"{ZHUANLAN}/p/486808688",
        403,
        "blocked",
        "antibot:zhihu-403",
        headers={"User-Agent": NON_BROWSER_UA},
        note="any zhihu path when the UA lacks Mozilla/",
    ),
    _fx(
        "ZH-COMPAT",
        f"{ZHUANLAN}/p/486808688",
        302,
        "blocked",
        "antibot:zhihu-compatibility",
        headers={"User-Agent": OLD_IE_UA},
        note="MSIE/Trident UA → /compatibility/index.html",
    ),
    _fx("ZH-BARE", "https://zhihu.com/question/296904119", 301, "alive", note="301 → www.zhihu.com"),
    # --- other platforms ----------------------------------------------------------------------
    _fx(
        "CSDN-DEL",
        "https://blog.csdn.net/sunsonfly/article/details/13502993",
        302,
        "dead",
        "tombstone:csdn-404",
        note="→ /error/404.html?from=… (404)",
    ),
    _fx(
        "CSDN-DEL-404",
        "https://blog.csdn.net/sunsonfly/article/details/404404",
        404,
        "dead",
        note="current behaviour: plain 404",
    ),
    _fx("CSDN-LIVE", "https://blog.csdn.net/v_JULY_v/article/details/1", 200, "alive"),
    _fx(
        "CSDN-GENERIC",
        "https://blog.csdn.net/someone/article/details/123456",
        200,
        "alive",
        note="any other path",
    ),
    _fx("CSDN-WAF", "https://blog.csdn.net/qq_1/article/details/2", 200, "blocked", "antibot:csdn-waf"),
    # CSDN pages that are no article (docs/page-shapes.md): alive with the toolbar every CSDN page loads
    _fx("CSDN-USER", "https://blog.csdn.net/v_JULY_v", 200, "alive", note="a user's home page"),
    _fx("CSDN-USER-SLASH", "https://blog.csdn.net/leixiaohua1020/", 200, "alive"),
    _fx("CSDN-USER-HOST", "https://yuanlian.blog.csdn.net/", 200, "alive", note="a user's own host"),
    _fx("CSDN-USER-HOST-ART", "https://wjn1996.blog.csdn.net/article/details/121722230", 200, "alive"),
    _fx("CSDN-LIST", "https://blog.csdn.net/v_JULY_v/article/list/2", 200, "alive", note="a user's article list"),
    _fx("CSDN-CATEGORY", "https://blog.csdn.net/hjimce/article/category/3163421", 200, "alive"),
    _fx("CSDN-CATEGORY-NEW", "https://blog.csdn.net/qq_38231713/category_10001159.html", 200, "alive"),
    _fx("CSDN-COLUMN", "https://blog.csdn.net/column/details/opencv-tutorial.html", 200, "alive"),
    _fx(
        "CSDN-ARCHIVE",
        "https://blog.csdn.net/apunix/archive/2008/01/14/2043945.aspx",
        301,
        "alive",
        note="the 2005–2010 blog's URL → /apunix/article/details/2043945 [I]",
    ),
    _fx(
        "CSDN-MOBILE",
        "https://m.blog.csdn.net/blog/wwx0715/41725917",
        301,
        "alive",
        note="the old mobile site → blog.csdn.net/wwx0715/article/details/41725917 [I]",
    ),
    _fx(
        "CNB-HOLD",
        "https://www.cnblogs.com/user/p/10266296.html",
        302,
        "dead",
        "tombstone:cnblogs-moderation",
        note="soft-dead, may be released",
    ),
    _fx("CNB-DEL", "https://www.cnblogs.com/Jabe/p/11899345.html", 404, "dead"),
    _fx("CNB-LIVE", "https://www.cnblogs.com/someone/p/12345678.html", 200, "alive", note="any other path"),
    _fx(
        "SOHU-DEL",
        "https://www.sohu.com/a/123456_100001",
        302,
        "dead",
        "tombstone:sohu-404",
        note="→ /404.html, 200 <title>页面不存在</title>",
    ),
    _fx(
        "SOHU-DEL-HOME",
        "https://www.sohu.com/a/123456_100002",
        302,
        "dead",
        "tombstone:sohu-404",
        note="→ the bare home page",
    ),
    _fx("SOHU-LIVE", "https://www.sohu.com/a/654321_100003", 200, "alive", note="#mp-editor; any other path"),
    _fx(
        "QQ-DEL",
        "https://new.qq.com/omn/20201014/20201014A09RRZ00.html",
        302,
        "dead",
        "tombstone:qqnews-notfound",
    ),
    _fx("QQ-LIVE", "https://new.qq.com/rain/a/20201014A09RRZ01", 200, "alive", note="any other path"),
    _fx(
        "JS-UA",
        "https://www.jianshu.com/p/2b2b1dab85fe",
        403,
        "blocked",
        "antibot:jianshu-ua",
        note="always; other /p/ ids only when the UA lacks Mozilla/",
    ),
    _fx("JS-DEL", "https://www.jianshu.com/p/000000000000", 404, "dead"),
    _fx("JS-LIVE", "https://www.jianshu.com/p/1a2b3c4d5e6f", 200, "alive"),
    _fx(
        "BD-CAPTCHA",
        "https://baijiahao.baidu.com/s?id=1687106698282169215",
        302,
        "blocked",
        "antibot:baidu-captcha",
        note="→ wappass.baidu.com/static/captcha/tuxing.html",
    ),
    _fx("BD-LIVE", "https://baijiahao.baidu.com/s?id=1700000000000000000", 200, "alive"),
    _fx(
        "BILI-404",
        "https://api.bilibili.com/x/web-interface/view?bvid=BV1xx411c7XX",
        200,
        "dead",
        "tombstone:bilibili-404",
    ),
    _fx(
        "BILI-412",
        "https://api.bilibili.com/x/web-interface/view?bvid=BV1yy411c7YY",
        412,
        "blocked",
        "antibot:bilibili-412",
    ),
    _fx("BILI-LIVE", "https://api.bilibili.com/x/web-interface/view?bvid=BV1ab411c7AB", 200, "alive"),
    _fx("BILI-VIDEO-404", "https://www.bilibili.com/video/BV1xx411c7XX", 404, "dead", "tombstone:bilibili-404"),
    _fx("BILI-VIDEO-LIVE", "https://www.bilibili.com/video/BV1ab411c7AB", 200, "alive"),
    _fx("GH-DMCA", "https://github.com/owner/repo", 451, "dead", "tombstone:github-dmca"),
    _fx(
        "GH-429",
        "https://github.com/owner/repo2",
        429,
        "blocked",
        "rate-limited",
        note="Retry-After: 60, beyond a test's max_retry_after; within it the retry also gets 429",
    ),
    _fx("GH-404", "https://github.com/owner/missing", 404, "dead"),
    _fx("GH-MOVED", "https://github.com/owner/old-name", 301, "alive", note="→ /owner/new-name"),
    _fx("GH-LIVE", "https://github.com/torvalds/linux", 200, "alive", note="any other path"),
    # --- parked and expired domains (docs/parked-domains.md), and live pages quoting them ---------
    _fx("PARK-SEDO", "https://parked-sedo.example/2015/03/notes.html", 200, "dead", "parked", note="Sedo (P1, P2)"),
    _fx("PARK-BODIS", "https://parked-bodis.example/wiki/Main_Page", 200, "dead", "parked", note="Bodis lander (P3)"),
    _fx(
        "PARK-GODADDY",
        "https://parked-godaddy.example/blog/post-1",
        200,
        "dead",
        "parked",
        note="every path: the stub that sends a browser to /lander (P5)",
    ),
    _fx("PARK-GODADDY-LANDER", "https://parked-godaddy.example/lander", 200, "dead", "parked"),
    _fx(
        "PARK-DAN",
        "https://parked-dan.example/about/",
        302,
        "dead",
        "parked",
        note="→ dan.com/buy-domain/parked-dan.example?redirected=true (P9)",
    ),
    _fx(
        "PARK-AFTERNIC",
        "https://parked-afternic.example/",
        302,
        "dead",
        "parked",
        note="→ www.afternic.com/domain/parked-afternic.example (P9)",
    ),
    _fx("PARK-SALEFORM", "https://parked-saleform.example/docs/", 200, "dead", "parked", note="<h1> notice (P4)"),
    _fx("PARK-CN", "https://parked-cn.example/archives/42", 200, "dead", "parked", note="域名转让 title (P7)"),
    _fx(
        "PARK-QUOTE",
        "https://techblog.example/2016/parked-domains.html",
        200,
        "alive",
        note="an article quoting every parking marker: in its text, a link, an <h2>, escaped in <code>",
    ),
    _fx(
        "PARK-QUOTE-FOOTER",
        "https://techblog.example/tools/encrypt.html",
        200,
        "alive",
        note="a live tool whose footer says 该域名可转让 (P8)",
    ),
    _fx("MARKET-PAGE", "https://dan.com/buy-domain/example.com", 200, "alive", note="a link to a sale page itself"),
    # --- network behaviour (behave.test, and the special host names) --------------------------
    _fx("NET-OK", "https://behave.test/ok", 200, "alive"),
    _fx("NET-OK-HTTP", "http://behave.test/ok", 200, "alive", note="plain-HTTP twin"),
    _fx("NET-404", "https://behave.test/status/404", 404, "dead"),
    _fx("NET-410", "https://behave.test/status/410", 410, "dead"),
    _fx("NET-5XX", "https://behave.test/status/502", 502, "error", "http-5xx"),
    _fx("NET-HEAD-405", "https://behave.test/head-405", 200, "alive", note="HEAD → 405, GET → 200"),
    _fx("NET-REDIRECTS", "https://behave.test/redirect/3", 301, "alive", note="3 × 301 → /ok"),
    _fx("NET-GZIP", "https://behave.test/gzip", 200, "alive"),
    _fx("NET-GBK", "https://behave.test/gbk", 200, "alive", note="GBK bytes, charset only in <meta>"),
    _fx("NET-PDF", "https://behave.test/pdf", 200, "alive", note="application/pdf"),
)

_BY_ID = {f.id: f for f in FIXTURES}


def by_id(fixture_id: str) -> Fixture:
    return _BY_ID[fixture_id]


# Failure modes that produce no HTTP status: URL → expected Outcome.reason (verdict "error").
NETWORK_FAILURES: Mapping[str, str] = {
    "https://nxdomain.invalid/": "dns",
    "https://refused.test/": "connect",
    "https://badtls.test/ok": "tls",
    "https://behave.test/reset": "conn-reset",
    "https://behave.test/never": "timeout",
    "https://behave.test/truncated": "truncated",
}
