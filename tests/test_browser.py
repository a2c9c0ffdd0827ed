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
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

import aiohttp
import pytest

from linkcheck import browser as B
from linkcheck.browser import nssdb
from linkcheck.models import Outcome, Verdict
from linkcheck.net.resolve import RoutingResolver
from linkcheck.net.transport import FetchSettings, ProxyPlan, proxy_plan
from linkcheck.run.job import JobOptions, run_job
from linkcheck.simweb import SimulatedWeb, challenge, proxy_in_thread
from linkcheck.simweb import pages as P
from linkcheck.simweb.server import WX_CAPTCHA_ONCE_ID
from linkcheck.sites import BROWSER_USER_AGENT, DEFAULT_HEADERS
from linkcheck.store import Store
from tests.support import check_many, fast_politeness, fast_settings, make_link

OK, WHY = B.available(custom_ca=True)  # every test trusts the simulated web's CA (certutil needed)
if not OK and os.environ.get("LINKCHECK_REQUIRE_BROWSER"):
    raise RuntimeError(f"LINKCHECK_REQUIRE_BROWSER is set but the browser path cannot run: {WHY}")
needs_browser = pytest.mark.skipif(not OK, reason=f"browser re-check not testable here: {WHY}")

ZL = "https://zhuanlan.zhihu.com"
ZH = "https://www.zhihu.com"
ZHIHU_HOSTS = {"zhuanlan.zhihu.com", "www.zhihu.com", "zhihu.com"}
HAS_VIA = "via" in {f.name for f in fields(Outcome)}


def _settings(web: SimulatedWeb, interval: float | None = None, **overrides):
    politeness = fast_politeness(ZHIHU_HOSTS | {"mp.weixin.qq.com", "behave.test"})
    if interval is not None:
        politeness = {host: replace(p, interval=interval, jitter=0.0) for host, p in politeness.items()}
    return fast_settings(web, politeness_overrides=politeness, **overrides)


def _recheck(web: SimulatedWeb, items, **kw):
    settings = kw.pop("settings", None) or _settings(web)
    options = kw.pop("options", None) or B.BrowserSettings(page_timeout=15)
    return asyncio.run(B.recheck_blocked(items, settings=settings, options=options, route=web.route, **kw))


def _blocked(web: SimulatedWeb, urls: list[str]):
    """Check over plain HTTP first (the run's first pass): every URL must come back blocked."""
    http = asyncio.run(check_many(web, urls))
    for url, outcome in http.items():
        assert outcome.verdict is Verdict.BLOCKED, (url, outcome)
    return [(make_link(url), http[url]) for url in urls]


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
    items = [
        (make_link(ZL + challenge.GATED_LIVE_P), Outcome(Verdict.BLOCKED, "antibot:zhihu-403", 403)),
        (make_link(ZH + "/answer/157956365"), Outcome(Verdict.BLOCKED, "login-wall", 200)),  # never for a browser
        (make_link("https://behave.test/ok"), Outcome(Verdict.ALIVE, "http-200", 200)),
    ]
    result = _recheck(simweb, items, options=B.BrowserSettings(executable="/nonexistent/chromium"))
    assert list(result) == []
    summary = result.summary
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
    items = _blocked(simweb, list(expected))
    assert {outcome.reason for _, outcome in items} == {"antibot:zhihu-403"}

    result = _recheck(simweb, items)
    got = {link.url: outcome for link, outcome in result}
    assert set(got) == set(expected)
    for url, (verdict, reason, status) in expected.items():
        outcome = got[url]
        assert (outcome.verdict, outcome.reason, outcome.http_status) == (verdict, reason, status), (url, outcome)
        assert outcome.error is None and outcome.final_url == url
        if HAS_VIA:
            assert outcome.via == "browser"  # type: ignore[attr-defined]
    summary = result.summary
    assert (summary.eligible, summary.attempted, summary.resolved) == (5, 5, 5)
    assert summary.verdicts["alive"] == 3 and summary.verdicts["dead"] == 2
    assert summary.browser.startswith("Chromium ")
    assert "5 of 5 blocked link(s) resolved by the browser" in summary.describe()


@needs_browser
def test_cookie_is_reused_and_pages_are_polite(simweb: SimulatedWeb) -> None:
    paths = [challenge.GATED_LIVE_P, challenge.GATED_LIVE_P2, challenge.GATED_DEAD_P, "/p/700000007"]
    items = _blocked(simweb, [ZL + path for path in paths])
    simweb.reset_state()
    interval = 1.0  # longer than a page takes here, so the gaps show the pacing
    result = _recheck(simweb, items, settings=_settings(simweb, interval=interval))
    assert [o.verdict for _, o in result] == [Verdict.ALIVE, Verdict.ALIVE, Verdict.DEAD, Verdict.ALIVE]

    seen = [r for r in simweb.requests if r.host == "zhuanlan.zhihu.com"]
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
    # Politeness, from the server's side: one request at a time, page starts paced.
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
    items = _blocked(simweb, [once, walled])
    got = {link.url: outcome for link, outcome in _recheck(simweb, items)}
    assert (got[once].verdict, got[once].reason) == (Verdict.ALIVE, "live-marker")
    # A real browser does not get past WeChat's captcha (decay doc X1): honestly still blocked.
    assert (got[walled].verdict, got[walled].reason) == (Verdict.BLOCKED, "antibot:weixin-verify")


@needs_browser
def test_browser_failures_are_verdicts(simweb: SimulatedWeb) -> None:
    async def main() -> dict[str, Outcome]:
        hosts = ["behave.test", "refused.test", "badtls.test", "nosuch.invalid"]
        options = B.BrowserSettings(page_timeout=2.0)
        async with B.BrowserFetcher(_settings(simweb), options, route=simweb.route, route_hosts=hosts) as browser:
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
                outcomes[url] = await browser.check(url)
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
        async with B.BrowserFetcher(
            _settings(simweb), B.BrowserSettings(page_timeout=10), route=simweb.route, route_hosts=["behave.test"]
        ) as browser:
            await browser.check("https://behave.test/ok")
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

            crashed, _ = await asyncio.gather(browser.check("https://behave.test/slow?ms=3000"), kill())
            after = await browser.check("https://behave.test/ok")
            return crashed, after, browser.restarts

    crashed, after, restarts = asyncio.run(main())
    assert (crashed.verdict, crashed.reason) == (Verdict.ERROR, "browser-crash")
    assert after.verdict is Verdict.ALIVE and restarts == 1


@needs_browser
def test_unreachable_host_in_a_recheck_is_a_verdict(simweb: SimulatedWeb) -> None:
    items = _blocked(simweb, [ZL + challenge.GATED_LIVE_P])

    def nowhere(host: str, port: int) -> tuple[str, int] | None:
        return ("127.0.0.1", simweb.refused_port)

    result = asyncio.run(
        B.recheck_blocked(items, settings=_settings(simweb), options=B.BrowserSettings(page_timeout=5), route=nowhere)
    )
    [(_, outcome)] = result
    assert (outcome.verdict, outcome.reason) == (Verdict.ERROR, "browser-connect")
    assert result.summary.verdicts["error"] == 1 and result.summary.resolved == 0


@needs_browser
def test_private_addresses_are_refused_without_allow_private(simweb: SimulatedWeb) -> None:
    async def main() -> Outcome:
        settings = _settings(simweb, allow_private=False)
        async with B.BrowserFetcher(settings, route=simweb.route, route_hosts=["behave.test"]) as browser:
            return await browser.check("https://behave.test/ok")

    outcome = asyncio.run(main())
    assert (outcome.verdict, outcome.reason) == (Verdict.SKIPPED, "ssrf:loopback")
    assert simweb.hits("behave.test") == 0


@needs_browser
def test_browser_capture_is_a_valid_warc(simweb: SimulatedWeb, tmp_path: Path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    items = _blocked(simweb, [ZL + challenge.GATED_LIVE_P, ZL + challenge.GATED_DEAD_P])
    warc_dir = tmp_path / "warc"
    captured: list[B.CaptureRecord] = []
    result = _recheck(
        simweb,
        items,
        options=B.BrowserSettings(page_timeout=15, warc_dir=warc_dir),  # default: alive pages only
        on_capture=captured.extend,
    )
    assert [o.verdict for _, o in result] == [Verdict.ALIVE, Verdict.DEAD]
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert len(files) == 1 and not list(warc_dir.glob("*.open"))
    assert result.summary.warc_files == [files[0].name]

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
    assert kinds[0] == "warcinfo" and b"browser capture" in records[0][3]
    assert kinds[1:] == ["response", "request", "conversion", "metadata"]  # the dead page is not archived
    _, uri, http, payload, _ = records[1]
    assert uri == ZL + challenge.GATED_LIVE_P and http.get_statuscode() == "200"
    assert b'class="Post-Title"' in payload
    assert http.get_header("Content-Encoding") is None and http.get_header("Content-Length") == str(len(payload))
    assert challenge.COOKIE in records[2][2].get_header("Cookie")  # the request carried the solved cookie
    assert b'class="Post-Title"' in records[3][3]  # rendered DOM
    assert records[3][4].get_header("WARC-Refers-To") == records[1][4].get_header("WARC-Record-ID")
    metadata = records[4][3].decode()
    assert "via: browser" in metadata and "verdict: alive" in metadata and "body-unavailable: 403 " in metadata
    # The on_capture rows point at the response record (for the captures table).
    [page] = captured
    assert (page.kind, page.canonical, page.http_status) == ("page", ZL + challenge.GATED_LIVE_P, 200)
    with open(files[0], "rb") as fh:
        fh.seek(page.warc_offset)
        record = next(iter(ArchiveIterator(fh)))
        assert record.rec_headers.get_header("WARC-Record-ID") == page.warc_record_id

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
    items = _blocked(simweb, [answer])
    warc_dir = tmp_path / "warc"
    [(_, outcome)] = _recheck(simweb, items, options=B.BrowserSettings(page_timeout=15, warc_dir=warc_dir))
    assert outcome.verdict is Verdict.ALIVE

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
    items = _blocked(simweb, list(ZHIHU_SCENARIOS))
    with proxy_in_thread(simweb.route) as proxy:
        settings = _settings(simweb, proxy=proxy.url, ca_bundle=str(ca_file), extra_ca_pem=None, allow_private=False)
        # Chromium may resolve no name but the proxy's: behind the proxy it needs none (the proxy resolves them).
        no_names = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
        options = B.BrowserSettings(page_timeout=15, extra_args=(no_names,))
        result = asyncio.run(B.recheck_blocked(items, settings=settings, options=options))  # no route()
        tunnelled = proxy.hosts("CONNECT")
        # Control: the same proxy without the CA — Chromium refuses the inspecting proxy's certificates.
        untrusted = replace(settings, ca_bundle=None)
        [(_, refused)] = asyncio.run(B.recheck_blocked(items[:1], settings=untrusted, options=options))
    got = {link.url: outcome for link, outcome in result}
    verdicts = {url: (o.verdict, o.reason, o.http_status) for url, o in got.items()}
    assert verdicts == ZHIHU_SCENARIOS, [o.error for o in got.values()]
    assert not [o for o in got.values() if o.reason == "browser-tls"]
    assert (result.summary.eligible, result.summary.resolved) == (5, 5)
    assert tunnelled >= {"zhuanlan.zhihu.com", "www.zhihu.com"}  # the browser really went through the proxy
    assert (refused.verdict, refused.reason) == (Verdict.ERROR, "browser-tls")


@needs_browser
def test_browser_takes_the_proxy_and_no_proxy_from_the_environment(
    simweb: SimulatedWeb, ca_file: Path, no_proxy_environment: pytest.MonkeyPatch
) -> None:
    """HTTPS_PROXY naming the proxy ``localhost``; NO_PROXY sends behave.test direct, where this
    machine's resolver does not know it (so it fails as DNS, while Zhihu goes through the proxy)."""
    items = _blocked(simweb, [ZL + challenge.GATED_LIVE_P])
    with proxy_in_thread(simweb.route) as proxy:
        no_proxy_environment.setenv("HTTPS_PROXY", f"http://localhost:{proxy.port}")
        no_proxy_environment.setenv("NO_PROXY", "behave.test")
        settings = _settings(simweb, ca_bundle=str(ca_file), extra_ca_pem=None, allow_private=False)

        homes: list[Path] = []

        async def main() -> tuple[Outcome, Outcome]:
            async with B.BrowserFetcher(settings, B.BrowserSettings(page_timeout=15)) as browser:
                assert browser.available, browser.unavailable
                assert browser._home is not None and (browser._home / ".pki" / "nssdb").is_dir()
                homes.append(browser._home)
                return await browser.check(items[0][0].canonical), await browser.check("https://behave.test/ok")

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
    items = _blocked(simweb, [ZL + challenge.GATED_LIVE_P])
    with proxy_in_thread(simweb.route, credentials=("lc user", "s3cr:t")) as proxy:
        proxy_url = f"http://lc%20user:s3cr%3At@127.0.0.1:{proxy.port}"
        settings = _settings(simweb, proxy=proxy_url, ca_bundle=str(ca_file), extra_ca_pem=None, allow_private=False)
        options = B.BrowserSettings(page_timeout=15)
        [(_, outcome)] = asyncio.run(B.recheck_blocked(items, settings=settings, options=options))  # no route()
        answered = [(r.status, r.host) for r in proxy.records if r.method == "CONNECT"]
    assert (outcome.verdict, outcome.reason) == (Verdict.ALIVE, "live-marker")
    # Chromium asked without credentials first: the proxy's 407 was answered with the URL's.
    assert answered[0] == (407, "") and (200, "zhuanlan.zhihu.com") in answered


@needs_browser
def test_a_ca_bundle_without_certutil_is_a_reason_not_a_traceback(
    simweb: SimulatedWeb, ca_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [(make_link(ZL + challenge.GATED_LIVE_P), Outcome(Verdict.BLOCKED, "antibot:zhihu-403", 403))]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # certutil is found on PATH; Chromium by its full path
    result = _recheck(simweb, items, settings=_settings(simweb, ca_bundle=str(ca_file)))
    assert list(result) == [] and result.summary.not_attempted == 1
    assert "certutil" in result.summary.unavailable and "libnss3-tools" in result.summary.unavailable
    assert "stay blocked" in result.summary.describe()


# --------------------------------------------------------------------------------------------
# Inside the nightly job (active once run_job has the browser option)
# --------------------------------------------------------------------------------------------

JOB_HAS_BROWSER = "browser" in {f.name for f in fields(JobOptions)}
needs_job = pytest.mark.skipif(not JOB_HAS_BROWSER, reason="run_job has no browser option yet")
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


@needs_job
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
    counts = json.loads(db.execute("select counts from runs").fetchone()[0])
    assert (counts["alive"], counts["dead"], counts["blocked"]) == (2, 1, 1)
    assert counts["browser"]["resolved"] == 2 and job.browser is not None and job.browser.resolved == 2
    from linkcheck.report import browser_line, build_report  # added with the job integration

    with Store(blog / "state" / "l.db") as store:
        line = browser_line(build_report(store))
        assert line is not None and "2 of 2 blocked link(s) resolved by the browser" in line
        capture = store.latest_capture(ZL + challenge.GATED_LIVE_P)  # the browser's WARC record, indexed
        assert capture is not None and capture["http_status"] == 200


@needs_job
def test_job_without_chromium_keeps_blocked_and_the_report_says_why(blog: Path, simweb: SimulatedWeb) -> None:
    job = _job(blog, simweb, browser=True, browser_options=B.BrowserSettings(executable="/nonexistent/chromium"))
    got = {r.link.canonical: r.outcome.verdict.value for r in job.results}
    assert got[ZL + challenge.GATED_LIVE_P] == "blocked"
    assert job.browser is not None and job.browser.unavailable
    from linkcheck.report import browser_line, build_report  # added with the job integration

    with Store(blog / "state" / "l.db") as store:
        line = browser_line(build_report(store))
        assert line is not None and "stay blocked" in line


@needs_job
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


@needs_job
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
