"""The browser re-check (linkcheck.browser) against the simulated web's realistic Zhihu challenge.

Tests marked ``needs_browser`` drive headless Chromium (Debian's ``chromium`` package through
Playwright). Where Playwright or Chromium is missing they are skipped with the reason; CI sets
``LINKCHECK_REQUIRE_BROWSER=1`` and then a missing browser fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
import pytest

from linkcheck import browser as B
from linkcheck.browser import nssdb
from linkcheck.models import Outcome, Verdict, Via
from linkcheck.net.resolve import RoutingResolver
from linkcheck.net.transport import Fetcher, FetchSettings, ProxyPlan, proxy_plan
from linkcheck.run.job import JobOptions, JobResult, run_job
from linkcheck.run.runner import RunSummary, run_checks
from linkcheck.simweb import SimulatedWeb, challenge, proxy_in_thread
from linkcheck.simweb import pages as P
from linkcheck.simweb.server import WX_CAPTCHA_ONCE_ID
from linkcheck.sites import BROWSER_USER_AGENT, DEFAULT_HEADERS
from linkcheck.store import Store
from tests.support import fast_politeness, fast_settings, make_link

OK, WHY = B.available(custom_ca=True)  # every test trusts the simulated web's CA (certutil needed)
if not OK and os.environ.get("LINKCHECK_REQUIRE_BROWSER"):
    raise RuntimeError(f"LINKCHECK_REQUIRE_BROWSER is set but the browser path cannot run: {WHY}")
needs_browser = pytest.mark.skipif(not OK, reason=f"browser re-check not testable here: {WHY}")

ZL = "https://zhuanlan.zhihu.com"
ZH = "https://www.zhihu.com"
ZHIHU_HOSTS = {"zhuanlan.zhihu.com", "www.zhihu.com", "zhihu.com"}


def _settings(web: SimulatedWeb, interval: float | None = None, **overrides):
    politeness = fast_politeness(ZHIHU_HOSTS | {"mp.weixin.qq.com", "behave.test"})
    if interval is not None:
        politeness = {host: replace(p, interval=interval, jitter=0.0) for host, p in politeness.items()}
    return fast_settings(web, politeness_overrides=politeness, **overrides)


@dataclass
class Escalated:
    """A run through the runner with the browser as its escalation: what each link got, once."""

    summary: RunSummary
    outcomes: dict[str, Outcome]  # URL as written → the link's one outcome
    emitted: list[str]  # URLs in the order the runner reported them
    browser: B.RecheckSummary


_WEB = object()  # the simulated web's routing (the default)


def _run(web: SimulatedWeb, urls: list[str], *, settings=None, options=None, route=_WEB, routed=True) -> Escalated:
    """Check ``urls`` with the runner (per-host queues, offline guard) over HTTP, escalating walls to
    a real browser. ``routed=False``: no routing at all (a proxy resolves names); ``route``: the
    browser's own routing function, if not the simulated web's."""
    settings = settings or _settings(web)
    options = options or B.BrowserSettings(page_timeout=15)
    browser_route = (web.route if routed else None) if route is _WEB else route
    links = [make_link(url) for url in urls]

    async def main() -> Escalated:
        outcomes: dict[str, Outcome] = {}
        emitted: list[str] = []

        def on_result(link, outcome) -> None:
            emitted.append(link.url)
            outcomes[link.url] = outcome

        resolver = RoutingResolver(web.route) if routed else None
        browser = B.BrowserChecker(
            settings,
            options,
            route=browser_route,  # type: ignore[arg-type]
            route_hosts=B.hosts_to_route(link.host for link in links) if browser_route else (),
        )
        async with Fetcher(settings, resolver=resolver) as fetcher:
            try:
                summary = await run_checks(
                    links, fetcher, on_result=on_result, canaries=[web.url("behave.test", "/ok")], escalation=browser
                )
            finally:
                await browser.aclose()
        return Escalated(summary, outcomes, emitted, browser.summary(eligible=summary.escalated))

    return asyncio.run(main())


# --------------------------------------------------------------------------------------------
# The challenge itself (no browser needed)
# --------------------------------------------------------------------------------------------


async def _get(web: SimulatedWeb, url: str, headers: dict[str, str]) -> tuple[int, str]:
    from linkcheck.net.resolve import RoutingResolver

    connector = aiohttp.TCPConnector(resolver=RoutingResolver(web.route), ssl=web.client_ssl_context())
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(url, headers=headers, allow_redirects=False) as response,
    ):
        return response.status, await response.text()


def test_challenge_answers_plain_clients_403_and_solvers_the_page(simweb: SimulatedWeb) -> None:
    headers = dict(DEFAULT_HEADERS)
    status, body = asyncio.run(_get(simweb, ZL + challenge.GATED_LIVE_P, headers))
    assert status == 403 and 'id="zh-zse-ck"' in body and "location.reload()" in body and "zse-ck/v4" in body
    nonce = body.split('id="zh-zse-ck" content="', 1)[1].split('"', 1)[0]

    # What the script computes, with the same User-Agent: the page behind the wall.
    cookie = f"{challenge.COOKIE}={challenge.cookie_value(nonce, BROWSER_USER_AGENT)}"
    status, body = asyncio.run(_get(simweb, ZL + challenge.GATED_LIVE_P, {**headers, "Cookie": cookie}))
    assert status == 200 and 'class="Post-Title"' in body
    status, body = asyncio.run(_get(simweb, ZL + challenge.GATED_DEAD_P, {**headers, "Cookie": cookie}))
    assert status == 404 and "你似乎来到了没有知识存在的荒原" in body

    # The cookie is bound to the UA that computed it; a forged nonce is refused.
    other_ua = {**headers, "User-Agent": BROWSER_USER_AGENT.replace("131", "132"), "Cookie": cookie}
    assert asyncio.run(_get(simweb, ZL + challenge.GATED_LIVE_P, other_ua))[0] == 403
    forged = f"{challenge.COOKIE}={challenge.cookie_value('0' * 32, BROWSER_USER_AGENT)}"
    assert asyncio.run(_get(simweb, ZL + challenge.GATED_LIVE_P, {**headers, "Cookie": forged}))[0] == 403


def test_without_a_browser_links_stay_blocked_and_the_summary_says_why(simweb: SimulatedWeb) -> None:
    urls = [ZL + challenge.GATED_LIVE_P, ZH + "/answer/157956365", "https://behave.test/ok"]
    run = _run(simweb, urls, options=B.BrowserSettings(executable="/nonexistent/chromium"))
    got = {url: (o.verdict, o.reason, o.via) for url, o in run.outcomes.items()}
    assert got == {
        ZL + challenge.GATED_LIVE_P: (Verdict.BLOCKED, "antibot:zhihu-403", Via.HTTP),  # the HTTP outcome stands
        ZH + "/answer/157956365": (Verdict.BLOCKED, "login-wall", Via.HTTP),  # never for a browser
        "https://behave.test/ok": (Verdict.ALIVE, "http-200", Via.HTTP),
    }
    assert sorted(run.emitted) == sorted(urls) and run.summary.counts["blocked"] == 2
    summary = run.browser
    assert summary.eligible == 1 and summary.attempted == 0 and summary.not_attempted == 1
    assert summary.unavailable and (
        "chromium" in summary.unavailable.lower() or "playwright" in summary.unavailable.lower()
    )
    assert "stay blocked" in summary.describe()
    assert summary.to_dict()["available"] is False


def test_chromium_gets_the_http_clients_proxy_and_no_proxy() -> None:
    assert B.chromium_proxy(ProxyPlan()) is None
    explicit = B.chromium_proxy(proxy_plan(FetchSettings(proxy="http://us%40er:p%3Ass@proxy.corp:3128")))
    assert explicit == {"server": "http://proxy.corp:3128", "username": "us@er", "password": "p:ss"}
    env = ProxyPlan({"http": "http://h:1", "https": "http://s:2"}, no_proxy="localhost, .corp.example,10.0.0.0/8")
    assert B.chromium_proxy(env) == {
        "server": "http://s:2",  # the client's proxy for https://, where Zhihu and WeChat are
        "bypass": "localhost,.localhost,corp.example,.corp.example",  # urllib: a name covers its subdomains
    }
    assert B.chromium_proxy(ProxyPlan({"https": "http://s:2"}, no_proxy="*")) is None


def test_host_resolver_rules_map_ports_apart_and_close_the_world(simweb: SimulatedWeb) -> None:
    rules = B.host_resolver_rules(simweb.route, ["zhuanlan.zhihu.com", "nosuch.invalid"])
    assert f"MAP zhuanlan.zhihu.com:443 127.0.0.1:{simweb.https_port}" in rules
    assert f"MAP zhuanlan.zhihu.com:80 127.0.0.1:{simweb.http_port}" in rules
    assert "MAP nosuch.invalid:443 ~NOTFOUND" in rules
    assert rules.endswith("MAP * ~NOTFOUND")
    assert not B.host_resolver_rules(simweb.route, ["zhuanlan.zhihu.com"], fallback=True).endswith("~NOTFOUND")
    # A proxy's name is left to the system resolver, before the closed world's catch-all.
    assert B.host_resolver_rules(simweb.route, [], exclude=["Proxy.Corp"]) == "EXCLUDE proxy.corp, MAP * ~NOTFOUND"


# --------------------------------------------------------------------------------------------
# In a real browser
# --------------------------------------------------------------------------------------------


@needs_browser
def test_browser_resolves_zhihu_challenge_alive_and_dead(simweb: SimulatedWeb) -> None:
    expected = {
        ZL + challenge.GATED_LIVE_P: (Verdict.ALIVE, "live-marker", 200),
        ZL + challenge.GATED_DEAD_P: (Verdict.DEAD, "tombstone:zhihu-404", 404),
        ZH + challenge.GATED_LIVE_Q: (Verdict.ALIVE, "live-marker", 200),
        ZH + challenge.GATED_ANS_DEL: (Verdict.DEAD, "tombstone:zhihu-answer-deleted", 200),
        ZL + "/p/146643148": (Verdict.ALIVE, "live-marker", 200),  # catalogue ZH-ZSECK
    }
    run = _run(simweb, list(expected))
    got = run.outcomes
    assert sorted(run.emitted) == sorted(expected)  # one outcome per link: no blocked one before it
    assert run.summary.escalated == 5 and run.summary.checked == 5
    for url, (verdict, reason, status) in expected.items():
        outcome = got[url]
        assert (outcome.verdict, outcome.reason, outcome.http_status) == (verdict, reason, status), (url, outcome)
        assert outcome.error is None and outcome.final_url == url
        assert outcome.via is Via.BROWSER
    assert dict(run.summary.counts) == {"alive": 3, "dead": 2}  # counted once, as the browser said
    summary = run.browser
    assert (summary.eligible, summary.attempted, summary.resolved) == (5, 5, 5)
    assert summary.verdicts["alive"] == 3 and summary.verdicts["dead"] == 2
    assert summary.browser.startswith("Chromium ")
    assert "5 of 5 blocked link(s) resolved by the browser" in summary.describe()


@needs_browser
def test_cookie_is_reused_and_pages_are_polite(simweb: SimulatedWeb) -> None:
    paths = [challenge.GATED_LIVE_P, challenge.GATED_LIVE_P2, challenge.GATED_DEAD_P, "/p/700000007"]
    interval = 1.0  # longer than a page takes here, so the gaps show the pacing
    run = _run(simweb, [ZL + path for path in paths], settings=_settings(simweb, interval=interval))
    assert [run.outcomes[ZL + path].verdict for path in paths] == [
        *(Verdict.ALIVE, Verdict.ALIVE, Verdict.DEAD, Verdict.ALIVE)
    ]
    # Over HTTP the host was paused by its third 403: the fourth link went to the browser as
    # "host-paused" by that wall, without an HTTP request.
    zhihu = [r for r in simweb.requests if r.host == "zhuanlan.zhihu.com"]
    http = [r for r in zhihu if r.headers.get("User-Agent") == BROWSER_USER_AGENT]  # the HTTP client's UA
    assert [(r.path_qs, r.status) for r in http] == [(path, 403) for path in paths[:3]]
    assert run.summary.escalated == 4

    seen = [r for r in zhihu if r not in http]
    # The first page meets the challenge once, solves it and reloads; every later page of the
    # site is served straight away with the cookie: one request each.
    assert [(r.path_qs, r.status) for r in seen] == [
        (challenge.GATED_LIVE_P, 403),
        (challenge.GATED_LIVE_P, 200),
        (challenge.GATED_LIVE_P2, 200),
        (challenge.GATED_DEAD_P, 404),
        ("/p/700000007", 200),
    ]
    assert all(challenge.COOKIE in (r.headers.get("Cookie") or "") for r in seen[1:])
    assert "HeadlessChrome" not in seen[0].headers["User-Agent"]
    # Politeness, from the server's side: one request at a time (HTTP and browser take turns on the
    # host's queue), page starts paced.
    assert simweb.max_in_flight("zhuanlan.zhihu.com") == 1
    starts = [r.started for r in seen[1:]]  # the reload is the same page; pacing is between pages
    starts[0] = seen[0].started
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # Paced on the client; the server sees the starts with Chromium's and loopback's scheduling noise.
    assert min(gaps) >= interval - 0.2, gaps
    assert sorted(gaps)[len(gaps) // 2] >= interval - 0.05, gaps


@needs_browser
def test_wechat_verification_in_the_browser(simweb: SimulatedWeb) -> None:
    once = f"https://mp.weixin.qq.com/s/{WX_CAPTCHA_ONCE_ID}"  # trap (c): verification only sometimes
    # The long link of a live article that WeChat always sends to its verification page (X1).
    walled = f"https://mp.weixin.qq.com/s?__biz={P.WX_LIVE_BIZ}&mid={P.WX_LIVE_MID}&idx=1&sn={P.WX_LIVE_SN}"
    run = _run(simweb, [once, walled])
    got = run.outcomes
    assert run.summary.escalated == 2  # both met the verification page over HTTP
    assert (got[once].verdict, got[once].reason, got[once].via) == (Verdict.ALIVE, "live-marker", Via.BROWSER)
    # A real browser does not get past WeChat's captcha (decay doc X1): honestly still blocked.
    assert (got[walled].verdict, got[walled].reason) == (Verdict.BLOCKED, "antibot:weixin-verify")


@needs_browser
def test_browser_failures_are_verdicts(simweb: SimulatedWeb) -> None:
    async def main() -> dict[str, Outcome]:
        hosts = ["behave.test", "refused.test", "badtls.test", "nosuch.invalid"]
        options = B.BrowserSettings(page_timeout=2.0)
        async with B.BrowserChecker(_settings(simweb), options, route=simweb.route, route_hosts=hosts) as browser:
            assert browser.available, browser.unavailable
            outcomes = {}
            for url in (
                "https://behave.test/never",
                "https://refused.test/",
                "https://badtls.test/ok",  # a foreign CA: not pinned, so the browser refuses it too
                "https://nosuch.invalid/",
                "chrome://crash",  # the renderer dies
                "https://behave.test/ok",  # …and the next page works
            ):
                outcomes[url] = await browser.check_url(url)
            return outcomes

    started = time.monotonic()
    outcomes = asyncio.run(main())
    assert time.monotonic() - started < 30
    reasons = {url: (o.verdict, o.reason) for url, o in outcomes.items()}
    assert reasons == {
        "https://behave.test/never": (Verdict.ERROR, "browser-timeout"),
        "https://refused.test/": (Verdict.ERROR, "browser-connect"),
        "https://badtls.test/ok": (Verdict.ERROR, "browser-tls"),
        "https://nosuch.invalid/": (Verdict.ERROR, "browser-dns"),
        "chrome://crash": (Verdict.ERROR, "browser-crash"),
        "https://behave.test/ok": (Verdict.ALIVE, "http-200"),
    }
    assert all(o.error for url, o in outcomes.items() if o.verdict is Verdict.ERROR)


def _chromium_roots(psutil) -> list:
    """The Chromium processes under this one whose parent is not Chromium. Chromium starts and ends
    helper processes all the time: one may vanish between being listed and being looked at."""
    roots = []
    for process in psutil.Process().children(recursive=True):
        try:
            parent = process.parent()
            if "chrom" in process.name().lower() and "chrom" not in (parent.name().lower() if parent else ""):
                roots.append(process)
        except psutil.NoSuchProcess:
            continue
    return roots


@needs_browser
def test_a_killed_browser_is_a_verdict_and_is_relaunched(simweb: SimulatedWeb) -> None:
    psutil = pytest.importorskip("psutil", reason="psutil finds the Chromium process to kill")

    async def main() -> tuple[Outcome, Outcome, int]:
        async with B.BrowserChecker(
            _settings(simweb), B.BrowserSettings(page_timeout=10), route=simweb.route, route_hosts=["behave.test"]
        ) as browser:
            await browser.check_url("https://behave.test/ok")
            roots = _chromium_roots(psutil)

            async def kill() -> None:
                for _ in range(200):  # once the page's request is on the server (a loaded machine is slow)
                    if simweb.hits("behave.test", "/slow"):
                        break
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.2)
                for process in roots:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        process.kill()

            crashed, _ = await asyncio.gather(browser.check_url("https://behave.test/slow?ms=3000"), kill())
            after = await browser.check_url("https://behave.test/ok")
            return crashed, after, browser.restarts

    crashed, after, restarts = asyncio.run(main())
    assert (crashed.verdict, crashed.reason) == (Verdict.ERROR, "browser-crash")
    assert after.verdict is Verdict.ALIVE and restarts == 1


@needs_browser
def test_unreachable_host_in_a_recheck_is_a_verdict(simweb: SimulatedWeb) -> None:
    def nowhere(host: str, port: int) -> tuple[str, int] | None:
        return ("127.0.0.1", simweb.refused_port)

    url = ZL + challenge.GATED_LIVE_P
    run = _run(simweb, [url], options=B.BrowserSettings(page_timeout=5), route=nowhere)  # the browser's alone
    outcome = run.outcomes[url]
    assert (outcome.verdict, outcome.reason, outcome.via) == (Verdict.ERROR, "browser-connect", Via.BROWSER)
    assert run.browser.verdicts["error"] == 1 and run.browser.resolved == 0


@needs_browser
def test_private_addresses_are_refused_without_allow_private(simweb: SimulatedWeb) -> None:
    async def main() -> Outcome:
        settings = _settings(simweb, allow_private=False)
        async with B.BrowserChecker(settings, route=simweb.route, route_hosts=["behave.test"]) as browser:
            return await browser.check_url("https://behave.test/ok")

    outcome = asyncio.run(main())
    assert (outcome.verdict, outcome.reason) == (Verdict.SKIPPED, "ssrf:loopback")
    assert simweb.hits("behave.test") == 0


def _job_with_browser(tmp_path: Path, simweb: SimulatedWeb, urls: list[str], **kw) -> tuple[JobResult, Path]:
    """The nightly job (archive on) over a post citing ``urls``, with the browser stage."""
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "a.md").write_text("\n".join(urls) + "\n", encoding="utf-8")
    options = JobOptions(
        paths=[posts],
        db=tmp_path / "state" / "l.db",
        canaries=(simweb.url("behave.test", "/ok"),),
        browser=True,
        browser_options=B.BrowserSettings(page_timeout=15),
        **kw,
    )
    job = asyncio.run(run_job(options, _settings(simweb), resolver=RoutingResolver(simweb.route)))
    return job, tmp_path / "state" / "warc"


@needs_browser
def test_browser_capture_goes_through_the_archive_and_reads_back(simweb: SimulatedWeb, tmp_path: Path) -> None:
    """The page the browser found alive is archived by the run's archive (same WARC writer, a
    ``captures`` row), and read back by the archive's reader and by warcio."""
    from warcio.archiveiterator import ArchiveIterator

    from linkcheck.archive import read_capture

    live, dead = ZL + challenge.GATED_LIVE_P, ZL + challenge.GATED_DEAD_P
    job, warc_dir = _job_with_browser(tmp_path, simweb, [live, dead])
    got = {r.link.canonical: (r.outcome.verdict, r.outcome.via) for r in job.results}
    assert got == {live: (Verdict.ALIVE, Via.BROWSER), dead: (Verdict.DEAD, Via.BROWSER)}
    assert job.browser is not None and job.browser.captured == 1
    assert job.archive is not None and job.archive.captured == 1  # counted against the archive's page limit
    assert [page.source for page in job.archive.pages] == ["browser"]
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert len(files) == 1 and not list(warc_dir.glob("*.open")) and not list((warc_dir / ".tmp").iterdir())

    with Store(tmp_path / "state" / "l.db") as store:
        row = store.captures.latest(live)
        assert row is not None and (row["kind"], row["http_status"], row["warc_file"]) == ("page", 200, files[0].name)
        assert row["title"]  # from the rendered DOM
        stored = read_capture(warc_dir, row)  # the archive's reader: what `linkcheck show` prints
        assert store.captures.latest(dead) is None  # a dead page is not archived
    assert stored.status_line == "HTTP/1.1 200 OK" and b'class="Post-Title"' in stored.body
    headers = {key.lower(): value for key, value in stored.http_headers}
    assert "content-encoding" not in headers and headers["content-length"] == str(len(stored.body))

    records = []
    with open(files[0], "rb") as fh:
        for record in ArchiveIterator(fh):
            records.append(
                (
                    record.rec_type,
                    record.rec_headers.get_header("WARC-Target-URI"),
                    record.http_headers,
                    record.content_stream().read(),
                    record.rec_headers,
                )
            )
    kinds = [r[0] for r in records]
    assert kinds == ["warcinfo", "response", "request", "conversion", "metadata"]  # the dead page: nothing
    _, uri, http, payload, _ = records[1]
    assert uri == live and http.get_statuscode() == "200" and payload == stored.body
    assert records[1][4].get_header("WARC-Record-ID") == row["warc_record_id"]
    assert challenge.COOKIE in records[2][2].get_header("Cookie")  # the request carried the solved cookie
    assert b'class="Post-Title"' in records[3][3]  # rendered DOM
    assert records[3][4].get_header("WARC-Refers-To") == records[1][4].get_header("WARC-Record-ID")
    metadata = records[4][3].decode()
    assert "via: browser" in metadata and "verdict: alive" in metadata and "body-unavailable: 403 " in metadata

    script = Path(sys.executable).with_name("warcio")
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from warcio.cli import main; main()"]
    check = subprocess.run([*command, "check", "-v", str(files[0])], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0 and "digest pass" in check.stdout, check.stdout + check.stderr


REPLAY = r"""
import json, sys
from pywb.apps.frontendapp import FrontEndApp
from werkzeug.test import Client

client = Client(FrontEndApp())
result = {}
for url in json.loads(sys.argv[1]):
    response = client.get("/browser/2030id_/" + url)
    result[url] = [response.status_code, response.get_data().decode("utf-8", "replace")]
with open(sys.argv[2], "w") as out:
    json.dump(result, out)
"""


@needs_browser
def test_a_zhihu_answer_captured_by_the_browser_replays_offline(simweb: SimulatedWeb, tmp_path: Path) -> None:
    """What the browser archived is served by pywb (indexed by cdxj-indexer) without the site."""
    pytest.importorskip("pywb", reason="pywb (test extra) replays the capture")
    indexer = Path(sys.executable).with_name("cdxj-indexer")
    if not indexer.exists():
        pytest.skip("cdxj-indexer (test extra) indexes the capture")
    answer = ZH + challenge.GATED_LIVE_Q
    job, warc_dir = _job_with_browser(tmp_path, simweb, [answer])
    [result] = job.results
    assert (result.outcome.verdict, result.outcome.via) == (Verdict.ALIVE, Via.BROWSER)

    collection = tmp_path / "pywb" / "collections" / "browser"
    (collection / "archive").mkdir(parents=True)
    (collection / "indexes").mkdir()
    for path in warc_dir.glob("*.warc.gz"):
        (collection / "archive" / path.name).write_bytes(path.read_bytes())
    index = subprocess.run(
        [str(indexer), "-s", *map(str, sorted((collection / "archive").iterdir()))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert index.returncode == 0, index.stderr
    (collection / "indexes" / "index.cdxj").write_text(index.stdout)
    (tmp_path / "pywb" / "config.yaml").write_text("collections_root: collections\n")
    out = tmp_path / "pywb" / "result.json"
    done = subprocess.run(
        [sys.executable, "-c", REPLAY, json.dumps([answer]), str(out)],
        cwd=tmp_path / "pywb",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    status, text = json.loads(out.read_text())[answer]
    # The page as it was: the 200 answer, never the 403 challenge the browser saw first.
    assert status == 200 and 'class="RichContent-inner"' in text and "zh-zse-ck" not in text


# --------------------------------------------------------------------------------------------
# Behind a proxy with its own CA (a TLS-inspecting company proxy): no route(), only proxy + CA
# --------------------------------------------------------------------------------------------

ZHIHU_SCENARIOS = {
    ZL + challenge.GATED_LIVE_P: (Verdict.ALIVE, "live-marker", 200),
    ZL + challenge.GATED_DEAD_P: (Verdict.DEAD, "tombstone:zhihu-404", 404),
    ZH + challenge.GATED_LIVE_Q: (Verdict.ALIVE, "live-marker", 200),
    ZH + challenge.GATED_ANS_DEL: (Verdict.DEAD, "tombstone:zhihu-answer-deleted", 200),
    ZL + "/p/146643148": (Verdict.ALIVE, "live-marker", 200),  # catalogue ZH-ZSECK
}
PROXY_VARIABLES = (
    *("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"),
    *("http_proxy", "https_proxy", "all_proxy", "no_proxy"),
)


@pytest.fixture()
def ca_file(tmp_path: Path, simweb: SimulatedWeb) -> Path:
    """The simulated web's CA as a --ca-bundle file: the company proxy's CA, in this story."""
    path = tmp_path / "company-ca.pem"
    path.write_bytes(simweb.ca_pem())
    return path


@pytest.fixture()
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:  # the machine running the tests may be behind a proxy itself
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_trust_store_holds_every_certificate_of_a_bundle(simweb: SimulatedWeb, tmp_path: Path) -> None:
    if nssdb.find_certutil() is None:
        if os.environ.get("LINKCHECK_REQUIRE_BROWSER"):
            pytest.fail(nssdb.CERTUTIL_MISSING)
        pytest.skip(nssdb.CERTUTIL_MISSING)
    other = SimulatedWeb().ca_pem()  # a second CA, as a bundle holds many
    bundle = simweb.ca_pem() + b"\n# a comment between blocks\n" + other + simweb.ca_pem()
    assert len(nssdb.certificates(bundle)) == 2  # split, and the repeated CA taken once
    home = nssdb.make_home([("bundle.pem", bundle)])
    try:
        listing = subprocess.run(
            ["certutil", "-L", "-d", f"sql:{home / '.pki' / 'nssdb'}"], capture_output=True, text=True, check=True
        ).stdout
        trusted = [line.split()[-1] for line in listing.splitlines() if line.startswith("linkcheck-ca-")]
        assert trusted == ["C,,", "C,,"]
        assert not list(home.glob("*.pem"))  # the split files are gone; only the database stays
    finally:
        shutil.rmtree(home)
    with pytest.raises(nssdb.TrustStoreError, match="no PEM certificate"):
        nssdb.make_home([("empty.pem", b"not a certificate")])


@needs_browser
def test_browser_recheck_through_a_proxy_with_its_own_ca(
    simweb: SimulatedWeb, ca_file: Path, no_proxy_environment: pytest.MonkeyPatch
) -> None:
    """Issue #16 item 1: the Zhihu challenge resolved through a proxy, trusting only --ca-bundle's CA."""
    with proxy_in_thread(simweb.route) as proxy:
        settings = _settings(simweb, proxy=proxy.url, ca_bundle=str(ca_file), extra_ca_pem=None, allow_private=False)
        # Chromium may resolve no name but the proxy's: behind the proxy it needs none (the proxy resolves them).
        no_names = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
        options = B.BrowserSettings(page_timeout=15, extra_args=(no_names,))
        run = _run(simweb, list(ZHIHU_SCENARIOS), settings=settings, options=options, routed=False)  # no route()
        tunnelled = proxy.hosts("CONNECT")

        # Control: the same proxy without the CA — Chromium refuses the inspecting proxy's certificates.
        async def untrusted() -> Outcome:
            async with B.BrowserChecker(replace(settings, ca_bundle=None), options) as browser:
                return await browser.check_url(ZL + challenge.GATED_LIVE_P)

        refused = asyncio.run(untrusted())
    got = run.outcomes
    verdicts = {url: (o.verdict, o.reason, o.http_status) for url, o in got.items()}
    assert verdicts == ZHIHU_SCENARIOS, [o.error for o in got.values()]
    assert all(o.via is Via.BROWSER for o in got.values())
    assert (run.browser.eligible, run.browser.resolved) == (5, 5)
    assert tunnelled >= {"zhuanlan.zhihu.com", "www.zhihu.com"}  # the browser really went through the proxy
    assert (refused.verdict, refused.reason) == (Verdict.ERROR, "browser-tls")


@needs_browser
def test_browser_takes_the_proxy_and_no_proxy_from_the_environment(
    simweb: SimulatedWeb, ca_file: Path, no_proxy_environment: pytest.MonkeyPatch
) -> None:
    """HTTPS_PROXY naming the proxy ``localhost``; NO_PROXY sends behave.test direct, where this
    machine's resolver does not know it (so it fails as DNS, while Zhihu goes through the proxy)."""
    with proxy_in_thread(simweb.route) as proxy:
        no_proxy_environment.setenv("HTTPS_PROXY", f"http://localhost:{proxy.port}")
        no_proxy_environment.setenv("NO_PROXY", "behave.test")
        settings = _settings(simweb, ca_bundle=str(ca_file), extra_ca_pem=None, allow_private=False)

        homes: list[Path] = []

        async def main() -> tuple[Outcome, Outcome]:
            async with B.BrowserChecker(settings, B.BrowserSettings(page_timeout=15)) as browser:
                assert browser.available, browser.unavailable
                home = browser.chromium.home
                assert home is not None and (home / ".pki" / "nssdb").is_dir()
                homes.append(home)
                zhihu = await browser.check_url(ZL + challenge.GATED_LIVE_P)
                return zhihu, await browser.check_url("https://behave.test/ok")

        zhihu, direct = asyncio.run(main())
        assert not homes[0].exists()  # the throwaway HOME and its trust store go with the browser
        tunnelled = proxy.hosts()
    assert (zhihu.verdict, zhihu.reason) == (Verdict.ALIVE, "live-marker")
    assert (direct.verdict, direct.reason) == (Verdict.ERROR, "browser-dns")
    # Zhihu's page and its figures/script (static.zhihu.com, pic*.zhimg.com) went through the proxy;
    # behave.test, in NO_PROXY, did not.
    assert "zhuanlan.zhihu.com" in tunnelled and all(h.endswith(("zhihu.com", "zhimg.com")) for h in tunnelled)


@needs_browser
def test_browser_answers_the_proxys_authentication_with_the_urls_credentials(
    simweb: SimulatedWeb, ca_file: Path, no_proxy_environment: pytest.MonkeyPatch
) -> None:
    with proxy_in_thread(simweb.route, credentials=("lc user", "s3cr:t")) as proxy:
        proxy_url = f"http://lc%20user:s3cr%3At@127.0.0.1:{proxy.port}"
        settings = _settings(simweb, proxy=proxy_url, ca_bundle=str(ca_file), extra_ca_pem=None, allow_private=False)

        async def main() -> Outcome:
            async with B.BrowserChecker(settings, B.BrowserSettings(page_timeout=15)) as browser:  # no route()
                return await browser.check_url(ZL + challenge.GATED_LIVE_P)

        outcome = asyncio.run(main())
        answered = [(r.status, r.host) for r in proxy.records if r.method == "CONNECT"]
    assert (outcome.verdict, outcome.reason) == (Verdict.ALIVE, "live-marker")
    # Chromium asked without credentials first: the proxy's 407 was answered with the URL's.
    assert answered[0] == (407, "") and (200, "zhuanlan.zhihu.com") in answered


@needs_browser
def test_a_ca_bundle_without_certutil_is_a_reason_not_a_traceback(
    simweb: SimulatedWeb, ca_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = ZL + challenge.GATED_LIVE_P
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # certutil is found on PATH; Chromium by its full path
    run = _run(simweb, [url], settings=_settings(simweb, ca_bundle=str(ca_file)))
    assert (run.outcomes[url].reason, run.outcomes[url].via) == ("antibot:zhihu-403", Via.HTTP)
    summary = run.browser
    assert summary.not_attempted == 1 and summary.unavailable is not None
    assert "certutil" in summary.unavailable and "libnss3-tools" in summary.unavailable
    assert "stay blocked" in summary.describe()


# --------------------------------------------------------------------------------------------
# Inside the nightly job
# --------------------------------------------------------------------------------------------

POST = f"""# 知乎
https://zhuanlan.zhihu.com{challenge.GATED_LIVE_P}
https://zhuanlan.zhihu.com{challenge.GATED_DEAD_P}
https://www.zhihu.com/answer/157956365
https://behave.test/ok
"""


@pytest.fixture()
def blog(tmp_path: Path, simweb: SimulatedWeb) -> Path:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "a.md").write_text(POST, encoding="utf-8")
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    return tmp_path


def _job(blog: Path, simweb: SimulatedWeb, **kw):
    options = JobOptions(  # type: ignore[call-arg]
        paths=[blog / "posts"], db=blog / "state" / "l.db", canaries=(simweb.url("behave.test", "/ok"),), **kw
    )
    return asyncio.run(run_job(options, _settings(simweb), resolver=RoutingResolver(simweb.route)))


@needs_browser
def test_job_records_one_check_per_link_the_browsers_where_it_checked(blog: Path, simweb: SimulatedWeb) -> None:
    job = _job(blog, simweb, browser=True)
    got = {r.link.canonical: (r.outcome.verdict.value, r.outcome.reason, r.outcome.via) for r in job.results}
    assert got[ZL + challenge.GATED_LIVE_P] == ("alive", "live-marker", "browser")
    assert got[ZL + challenge.GATED_DEAD_P] == ("dead", "tombstone:zhihu-404", "browser")
    assert got[ZH + "/answer/157956365"] == ("blocked", "login-wall", "http")  # a login wall: not for a browser
    assert got["https://behave.test/ok"] == ("alive", "http-200", "http")
    db = sqlite3.connect(blog / "state" / "l.db")
    assert db.execute("select count(*) from checks").fetchone()[0] == 4  # one per link: no blocked+alive pair
    # Which checker decided each check is stored with it.
    vias = dict(db.execute("select u.canonical, c.via from checks c join urls u on u.id = c.url_id"))
    assert vias == {
        ZL + challenge.GATED_LIVE_P: "browser",
        ZL + challenge.GATED_DEAD_P: "browser",
        ZH + "/answer/157956365": "http",
        "https://behave.test/ok": "http",
    }
    counts = json.loads(db.execute("select counts from runs").fetchone()[0])
    assert (counts["alive"], counts["dead"], counts["blocked"]) == (2, 1, 1)
    assert counts["browser"]["resolved"] == 2 and job.browser is not None and job.browser.resolved == 2
    from linkcheck.report import browser_line, build_report

    with Store(blog / "state" / "l.db") as store:
        line = browser_line(build_report(store))
        assert line is not None and "2 of 2 blocked link(s) resolved by the browser" in line
        capture = store.captures.latest(ZL + challenge.GATED_LIVE_P)  # the browser's WARC record, indexed
        assert capture is not None and capture["http_status"] == 200


def test_job_without_chromium_keeps_blocked_and_the_report_says_why(blog: Path, simweb: SimulatedWeb) -> None:
    job = _job(blog, simweb, browser=True, browser_options=B.BrowserSettings(executable="/nonexistent/chromium"))
    got = {r.link.canonical: r.outcome.verdict.value for r in job.results}
    assert got[ZL + challenge.GATED_LIVE_P] == "blocked"
    assert job.browser is not None and job.browser.unavailable
    from linkcheck.report import browser_line, build_report

    with Store(blog / "state" / "l.db") as store:
        line = browser_line(build_report(store))
        assert line is not None and "stay blocked" in line


@needs_browser
def test_cli_browser_flag(blog: Path, simweb: SimulatedWeb) -> None:
    args = [
        sys.executable, "-m", "linkcheck", "check", "--browser",
        "--resolve", f"*:443:127.0.0.1:{simweb.https_port}", "--resolve", f"*:80:127.0.0.1:{simweb.http_port}",
        "--ca-bundle", "ca.pem", "--allow-private", "--canary", "https://behave.test/ok", "--format", "json",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(args, cwd=blog, capture_output=True, text=True, timeout=180, env=env)
    rows = {row["url"]: row for row in json.loads(done.stdout or "[]")}
    live = rows.get(ZL + challenge.GATED_LIVE_P, {})
    assert (live.get("verdict"), live.get("via")) == ("alive", "browser"), done.stderr[-2000:]
    report = subprocess.run(
        [sys.executable, "-m", "linkcheck", "report"], cwd=blog, capture_output=True, text=True, timeout=60, env=env
    )
    assert "resolved by the browser" in report.stdout, report.stdout + report.stderr
    history = subprocess.run(
        [sys.executable, "-m", "linkcheck", "history", ZL + challenge.GATED_LIVE_P, "--format", "json"],
        cwd=blog, capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    [check] = json.loads(history.stdout)["checks"]
    assert (check["verdict"], check["via"]) == ("alive", "browser"), history.stderr
    table = subprocess.run(
        [sys.executable, "-m", "linkcheck", "history", ZL + challenge.GATED_LIVE_P],
        cwd=blog, capture_output=True, text=True, timeout=60, env={**env, "COLUMNS": "200"},
    )  # fmt: skip
    assert "via" in table.stdout and "browser" in table.stdout, table.stdout


@needs_browser
def test_cli_plain_lines_show_the_browser_recheck(blog: Path, simweb: SimulatedWeb) -> None:
    """Under cron the check lines say how many blocked links went to the browser and how many it
    decided (issue #22 item 18): the checks' count waits for them."""
    args = [
        sys.executable, "-m", "linkcheck", "check", "--browser", "--no-archive",
        "--resolve", f"*:443:127.0.0.1:{simweb.https_port}", "--resolve", f"*:80:127.0.0.1:{simweb.http_port}",
        "--ca-bundle", "ca.pem", "--allow-private", "--canary", "https://behave.test/ok",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "COLUMNS": "200"}
    done = subprocess.run(args, cwd=blog, capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if " checked (" in line]
    # The two challenged Zhihu articles go to Chromium (the login wall does not); each decided one
    # is counted as it comes back, and the last line has them all.
    counts = [tuple(map(int, found)) for line in lines for found in re.findall(r"re-check (\d)/(\d) done", line)]
    assert any(decided < queued for decided, queued in counts), lines  # a line while Chromium worked
    assert lines[-1].startswith("linkcheck: 4/4 checked (100%)") and lines[-1].endswith("browser re-check 2/2 done")


@needs_browser
def test_cli_browser_through_a_proxy_with_a_ca_bundle(blog: Path, simweb: SimulatedWeb) -> None:
    """`linkcheck check --browser --proxy … --ca-bundle …` as behind a company proxy: no --resolve,
    no --allow-private — the proxy (named localhost) resolves every name, its CA is the only trust."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    with proxy_in_thread(simweb.route) as proxy:
        args = [
            sys.executable, "-m", "linkcheck", "check", "--browser", "--proxy", f"http://localhost:{proxy.port}",
            "--ca-bundle", "ca.pem", "--canary", "https://behave.test/ok", "--format", "json",
        ]  # fmt: skip
        done = subprocess.run(args, cwd=blog, capture_output=True, text=True, timeout=180, env=env)
        tunnelled = proxy.hosts("CONNECT")
    rows = {row["url"]: row for row in json.loads(done.stdout or "[]")}
    got = {url: (row["verdict"], row["reason"], row.get("via")) for url, row in rows.items()}
    assert got == {
        ZL + challenge.GATED_LIVE_P: ("alive", "live-marker", "browser"),
        ZL + challenge.GATED_DEAD_P: ("dead", "tombstone:zhihu-404", "browser"),
        ZH + "/answer/157956365": ("blocked", "login-wall", "http"),  # a login wall: not for a browser
        "https://behave.test/ok": ("alive", "http-200", "http"),
    }, done.stderr[-2000:]
    assert tunnelled >= {"zhuanlan.zhihu.com", "www.zhihu.com", "behave.test"}
