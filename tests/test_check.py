"""The checker against the simulated web: every fixture maps to its verdict and reason.

Each case goes through the real client path: aiohttp over TLS (the simulated web's trustme CA),
the routing resolver, manual redirects, retries, the site-profile classifier.
"""

from __future__ import annotations

import asyncio

import pytest

from linkcheck.models import Verdict
from linkcheck.run import eventloop
from tests.support import check_many

# The verdict tables run on both event loops the CLI can use (uvloop by default, asyncio's own with
# LINKCHECK_EVENT_LOOP=asyncio): timeouts, resets, TLS and DNS failures surface through the loop's
# transports, so each loop must map them to the same verdicts.
LOOPS = pytest.mark.parametrize("loop", ["uvloop", "asyncio"])


def run_on(loop: str, monkeypatch: pytest.MonkeyPatch, main):
    monkeypatch.setenv(eventloop.ENV_VAR, loop)
    return eventloop.run(main)


WX = "https://mp.weixin.qq.com"
ZL = "https://zhuanlan.zhihu.com"
ZH = "https://www.zhihu.com"
BH = "https://behave.test"

VERDICT_TABLE: list[tuple[str, Verdict, str]] = [
    # WeChat: notices answer HTTP 200; only the markers tell.
    (f"{WX}/s/KDWh_qGpFN5Vu1TR9t30Mw", Verdict.ALIVE, "live-marker"),
    (f"{WX}/s/JJyPUpHLM2bGvfk5FNvTUA", Verdict.ALIVE, "live-marker"),
    (f"{WX}/s/P9cMowFQ-QahLRnfHponKw", Verdict.DEAD, "tombstone:weixin-deleted"),
    (f"{WX}/s/-WZT_VzhmSkJRAjb6GwsUA", Verdict.DEAD, "tombstone:weixin-violation"),
    (f"{WX}/s/ipr0000000000000000000", Verdict.DEAD, "tombstone:weixin-copyright"),
    (f"{WX}/s/acct000000000000000000", Verdict.DEAD, "tombstone:weixin-account-closed"),
    (f"{WX}/s/Fa_q7Pg8ZiQNmtqJeDNNuQ", Verdict.DEAD, "tombstone:weixin-unavailable"),
    (
        f"{WX}/s?__biz=MzAwMTQ3NjgyOQ==&mid=2653038958&idx=1&sn=b9bc41d06f38ea772a4bb5dfd16c4934",
        Verdict.ALIVE,
        "moved:weixin-migrated",
    ),
    (f"{WX}/s?__biz=MzU=&tempkey=MTM1OF9ma1pv&chksm=f90ca3b0#rd", Verdict.DEAD, "tombstone:weixin-expired"),
    (f"{WX}/s?src=11&timestamp=1500000000&ver=1&signature=abc", Verdict.DEAD, "tombstone:weixin-bad-params"),
    (
        f"{WX}/s?__biz=MzIyNjMxOTY0NA==&mid=2247504179&idx=1&sn=52c2c5acc9ff4567b10d1408a333693c",
        Verdict.BLOCKED,
        "antibot:weixin-verify",
    ),
    (f"{WX}/s/freq000000000000000000", Verdict.BLOCKED, "antibot:weixin-frequency"),
    (f"{WX}/mp/profile_ext?action=home&__biz=MzU=", Verdict.BLOCKED, "antibot:weixin-client-only"),
    # Zhihu: a 403 challenge says nothing about the post; the 荒原 page does.
    (f"{ZL}/p/486808688", Verdict.ALIVE, "live-marker"),
    (f"{ZH}/question/296904119/answer/510160579", Verdict.ALIVE, "live-marker"),
    (f"{ZL}/p/100000001", Verdict.DEAD, "tombstone:zhihu-404"),
    (f"{ZH}/question/32237946/answer/734344973", Verdict.DEAD, "tombstone:zhihu-answer-deleted"),
    (f"{ZL}/p/146643148", Verdict.BLOCKED, "antibot:zhihu-403"),
    (f"{ZH}/question/1912780463006782640", Verdict.BLOCKED, "antibot:zhihu-unhuman"),
    (f"{ZH}/answer/157956365", Verdict.BLOCKED, "login-wall"),
    (f"{ZH}/api/v4/articles/1", Verdict.BLOCKED, "antibot:zhihu-api"),
    # Other platforms.
    ("https://blog.csdn.net/sunsonfly/article/details/13502993", Verdict.DEAD, "tombstone:csdn-404"),
    ("https://blog.csdn.net/v_JULY_v/article/details/1", Verdict.ALIVE, "live-marker"),
    ("https://blog.csdn.net/qq_1/article/details/2", Verdict.BLOCKED, "antibot:csdn-waf"),
    ("https://www.cnblogs.com/user/p/10266296.html", Verdict.DEAD, "tombstone:cnblogs-moderation"),
    ("https://www.cnblogs.com/Jabe/p/11899345.html", Verdict.DEAD, "http-404"),
    ("https://www.sohu.com/a/123456_100001", Verdict.DEAD, "tombstone:sohu-404"),
    ("https://new.qq.com/omn/20201014/20201014A09RRZ00.html", Verdict.DEAD, "tombstone:qqnews-notfound"),
    ("https://www.jianshu.com/p/2b2b1dab85fe", Verdict.BLOCKED, "antibot:jianshu-ua"),
    ("https://baijiahao.baidu.com/s?id=1687106698282169215", Verdict.BLOCKED, "antibot:baidu-captcha"),
    ("https://github.com/owner/repo", Verdict.DEAD, "tombstone:github-dmca"),
    # Generic HTTP behaviour.
    (f"{BH}/ok", Verdict.ALIVE, "http-200"),
    (f"{BH}/head-405", Verdict.ALIVE, "http-200"),
    (f"{BH}/status/404", Verdict.DEAD, "http-404"),
    (f"{BH}/status/410", Verdict.DEAD, "http-410"),
    (f"{BH}/status/401", Verdict.BLOCKED, "http-401"),
    (f"{BH}/redirect/3", Verdict.ALIVE, "http-200"),
    (f"{BH}/loop/a", Verdict.ERROR, "redirect-loop"),
    (f"{BH}/redirect/15", Verdict.ERROR, "too-many-redirects"),
    (f"{BH}/redirect-to?url=file:///etc/passwd", Verdict.ERROR, "redirect-scheme"),
    (f"{BH}/gzip", Verdict.ALIVE, "http-200"),
    (f"{BH}/huge?mb=30", Verdict.ALIVE, "http-200"),
    (f"{BH}/reset", Verdict.ERROR, "conn-reset"),
    ("https://no-such-host.example/", Verdict.DEAD, "dns"),
]


@LOOPS
def test_verdict_table(simweb, loop, monkeypatch):
    urls = [url for url, _, _ in VERDICT_TABLE]
    outcomes = run_on(loop, monkeypatch, check_many(simweb, urls))
    wrong = [
        (url, f"want {verdict.value}:{reason}", f"got {o.verdict.value}:{o.reason}", o.http_status, o.error)
        for (url, verdict, reason), o in zip(VERDICT_TABLE, outcomes.values(), strict=True)
        if (o.verdict, o.reason) != (verdict, reason)
    ]
    assert not wrong, "\n".join(map(str, wrong))


def test_outcomes_of_one_status_share_their_reason_string(simweb):
    """A run holds every outcome until its report: ``http-<status>`` is one string per status, not
    one per URL (reasons.http_status)."""
    urls = [f"{BH}/ok", f"{BH}/ok?n=2", f"{BH}/status/404", f"{BH}/status/404?n=2", f"{BH}/status/410"]
    outcomes = list(asyncio.run(check_many(simweb, urls)).values())
    assert [o.reason for o in outcomes] == ["http-200", "http-200", "http-404", "http-404", "http-410"]
    assert outcomes[0].reason is outcomes[1].reason and outcomes[2].reason is outcomes[3].reason


def test_trap_live_article_quoting_a_tombstone_stays_alive(simweb):
    url = simweb.url("mp.weixin.qq.com", simweb.TRAP_QUOTES_TOMBSTONE)
    outcome = asyncio.run(check_many(simweb, [url]))[url]
    assert (outcome.verdict, outcome.reason) == (Verdict.ALIVE, "live-marker")


def test_redirect_chain_is_recorded(simweb):
    url = f"{BH}/redirect/3"
    outcome = asyncio.run(check_many(simweb, [url]))[url]
    assert len(outcome.redirects) == 3
    assert outcome.final_url == f"{BH}/ok"


def test_wechat_captcha_redirect_records_where_it_landed(simweb):
    url = f"{WX}/s?__biz=MzIyNjMxOTY0NA==&mid=2247504179&idx=1&sn=52c2c5acc9ff4567b10d1408a333693c"
    outcome = asyncio.run(check_many(simweb, [url]))[url]
    assert "wappoc_appmsgcaptcha" in (outcome.final_url or "")


def test_english_tombstone_is_recognised(simweb):
    """The deleted notice is localised; linkcheck asks for zh-CN but must read English too."""
    from linkcheck.classify import Page, classify

    async def fetch_english():
        import aiohttp

        from linkcheck.net.resolve import RoutingResolver

        connector = aiohttp.TCPConnector(resolver=RoutingResolver(simweb.route), ssl=_ssl(simweb))
        async with aiohttp.ClientSession(connector=connector) as session:
            url = f"{WX}/s/P9cMowFQ-QahLRnfHponKw"
            async with session.get(url, headers={"Accept-Language": "en"}) as response:
                body = await response.read()
                return Page(url, url, response.status, response.headers["Content-Type"], body, body_read=True)

    outcome = classify(asyncio.run(fetch_english()))
    assert "deleted by the author" in outcome.marker or outcome.reason == "tombstone:weixin-deleted"
    assert outcome.verdict is Verdict.DEAD


def _ssl(web):
    import ssl

    context = ssl.create_default_context()
    context.load_verify_locations(cadata=web.ca_pem().decode())
    return context


@pytest.mark.parametrize("path", ["/gbk", "/gbk-header"])
def test_gbk_pages_are_decoded(simweb, path):
    from linkcheck.classify import Page, decode_body

    async def fetch():
        import aiohttp

        from linkcheck.net.resolve import RoutingResolver

        connector = aiohttp.TCPConnector(resolver=RoutingResolver(simweb.route), ssl=_ssl(simweb))
        async with aiohttp.ClientSession(connector=connector) as session, session.get(f"{BH}{path}") as response:
            return Page(
                f"{BH}{path}",
                f"{BH}{path}",
                response.status,
                response.headers.get("Content-Type", ""),
                await response.read(),
                body_read=True,
            )

    page = asyncio.run(fetch())
    assert page.body.decode("utf-8", errors="replace") != page.text  # really GBK bytes
    assert "中文" in decode_body(page.body, page.content_type)


@LOOPS
def test_every_catalogue_fixture_gets_its_verdict(simweb, loop, monkeypatch):
    """The simulated web's whole catalogue, through the real checker (one source of truth)."""
    from linkcheck.simweb import FIXTURES

    cases = [f for f in FIXTURES if not f.headers]  # header variants are exercised by test_simweb
    outcomes = run_on(loop, monkeypatch, check_many(simweb, [f.url for f in cases], max_retry_after=1.0))
    wrong = [
        (f.id, f.url, f"want {f.verdict}:{f.reason}", f"got {o.verdict.value}:{o.reason}")
        for f, o in zip(cases, outcomes.values(), strict=True)
        if o.verdict.value != f.verdict or (f.reason is not None and o.reason != f.reason)
    ]
    assert len(cases) > 60
    assert not wrong, "\n".join(map(str, wrong))


@LOOPS
def test_network_failures_are_verdicts_not_crashes(simweb, loop, monkeypatch):
    from linkcheck.simweb import NETWORK_FAILURES

    # /truncated lies in its Content-Length: a check that reads the page (every site's but the
    # platforms' whose status says enough, behave.test's too) sees the connection drop short of it.
    failures = dict(NETWORK_FAILURES)
    urls = list(failures)
    outcomes = run_on(loop, monkeypatch, check_many(simweb, urls, total_timeout=0.5, max_attempts=2))
    wrong = [
        (url, want, outcomes[url].reason, outcomes[url].error)
        for url, want in failures.items()
        if outcomes[url].reason != want
    ]
    assert not wrong, "\n".join(map(str, wrong))


@LOOPS
def test_without_a_configured_ca_the_system_trust_store_decides(simweb, loop, monkeypatch):
    """No CA bundle and no extra CA: aiohttp's default context (the system's trust store) verifies,
    so the simulated web's test certificate is a TLS verdict, never silently accepted; with its
    CA trusted the same URL is alive."""
    url = f"{BH}/ok"
    untrusted = run_on(loop, monkeypatch, check_many(simweb, [url], extra_ca_pem=None, max_attempts=1))[url]
    assert (untrusted.verdict, untrusted.reason) == (Verdict.ERROR, "tls")
    trusted = run_on(loop, monkeypatch, check_many(simweb, [url], max_attempts=1))[url]
    assert (trusted.verdict, trusted.reason) == (Verdict.ALIVE, "http-200")
