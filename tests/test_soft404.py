"""Soft 404s (issue #19 item 2): a 200 page that is its host's answer for a page it does not have.

Everything goes through the real path: the Fetcher and its gates against the simulated web's
ordinary sites (linkcheck/simweb/softsites.py), the nightly job with a real SQLite file, the CLI in
a subprocess. The pure rule (linkcheck/soft404.py) is tested on the simulated web's own pages.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from linkcheck import soft404
from linkcheck.classify import Page
from linkcheck.models import Verdict
from linkcheck.net.probes import HostProbes
from linkcheck.net.resolve import RoutingResolver
from linkcheck.net.transport import Fetcher
from linkcheck.run.job import JobOptions, run_job
from linkcheck.sites import profile_for
from linkcheck.store import Store
from tests.support import fast_politeness, fast_settings, run_links

SOFT = "https://blog.softnotfound.test"  # WordPress-like: "Page not found" with 200
ONE = "https://www.onetitle.test"  # one title on every page, "页面不存在" with 200
HOME = "https://www.gohome.test"  # every missing path → 302 to /
HARD = "https://blog.real404.test"  # a proper 404
SHELL = "https://app.shell.test"  # the same application shell for every path
SIGNIN = "https://intranet.signin.test"  # everything → /login

# URL → (verdict, reason, marker)
EXPECTED = {
    f"{SOFT}/2019/05/static-blog/": ("alive", "http-200", None),
    f"{SOFT}/2020/01/moved/": ("alive", "http-200", None),  # near-miss: a two-line live note
    f"{SOFT}/search/kubernetes/": ("alive", "http-200", None),  # near-miss: "nothing matched"
    f"{SOFT}/2018/03/gone-post/": ("dead", "soft-404", "template 1.00"),
    f"{ONE}/news/2023/0706.html": ("alive", "http-200", None),
    f"{ONE}/news/2023/0929.html": ("alive", "http-200", None),  # near-miss: same title, short notice
    f"{ONE}/news/2022/0101.html": ("dead", "soft-404", "template 1.00"),
    f"{HOME}/news/2021/123.html": ("alive", "http-200", None),
    f"{HOME}/news/2020/999.html": ("dead", "soft-404", f"landing {HOME}/"),
    f"{HOME}/": ("alive", "http-200", None),  # the landing itself
    f"{HARD}/2019/05/static-blog/": ("alive", "http-200", None),
    f"{HARD}/2019/06/gone/": ("dead", "http-404", None),
    f"{SHELL}/dashboard/42": ("alive", "http-200", None),  # the shell says nothing: never judged
    f"{SIGNIN}/wiki/Page": ("alive", "http-200", None),  # a sign-in wall is never dead
}


def probes_sent(web, host: str) -> int:
    return sum(1 for r in web.requests if r.host == host and soft404.PROBE_PREFIX in r.path_qs)


def test_soft_and_proper_404_sites_get_their_verdicts_with_one_probe_per_host(simweb):
    others = ["https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw", "https://www.cnblogs.com/someone/p/12345678.html"]
    summary, outcomes = asyncio.run(run_links(simweb, [*EXPECTED, *others, "https://behave.test/status/404"]))
    assert summary.status == "completed"
    got = {url: (o.verdict.value, o.reason, o.marker) for url, o in outcomes.items() if url in EXPECTED}
    assert got == EXPECTED
    # One probe per host that had a 200 page, none where a profile's own markers decide, none for a
    # host whose only page is a 404.
    for host in ("blog.softnotfound.test", "www.onetitle.test", "www.gohome.test", "blog.real404.test"):
        assert probes_sent(simweb, host) == 1, host
    for host in ("mp.weixin.qq.com", "www.cnblogs.com", "behave.test"):
        assert probes_sent(simweb, host) == 0, host
    # The soft-404 verdict keeps its evidence: the page's status and where it ended.
    gone = outcomes[f"{HOME}/news/2020/999.html"]
    assert gone.http_status == 200 and gone.final_url == f"{HOME}/" and gone.redirects == (f"{HOME}/",)


def test_probe_is_shaped_like_the_page_and_goes_through_the_hosts_gate(simweb):
    asyncio.run(run_links(simweb, [f"{ONE}/news/2023/0706.html", f"{ONE}/news/2023/0929.html"]))
    (probe,) = [r for r in simweb.requests if soft404.PROBE_PREFIX in r.path_qs]
    assert probe.method == "GET" and probe.path_qs.startswith("/news/2023/linkcheck-probe-")
    assert probe.path_qs.endswith(".html")
    # The host's politeness holds with the probe: never two requests in flight (concurrency 1 here).
    assert simweb.max_in_flight("www.onetitle.test") == 1


def test_the_probe_is_the_only_extra_request_a_host_gets(simweb):
    """Pages of a host not probed yet, or probed soft, are read with GET straight away (a HEAD 200
    says nothing there): one request per page, and the probe."""
    soft = [f"{SOFT}/2019/05/static-blog/", f"{SOFT}/2020/01/moved/", f"{SOFT}/2018/03/gone-post/"]
    hard = [f"{HARD}/2019/05/static-blog/"]
    asyncio.run(run_links(simweb, [*soft, *hard]))
    asked = [r.method for r in simweb.requests if r.host == "blog.softnotfound.test"]
    assert sorted(asked) == ["GET"] * (len(soft) + 1)
    assert [r.method for r in simweb.requests if r.host == "blog.real404.test"] == ["GET", "GET"]


def test_thresholds_near_misses_and_template_noise():
    """The rule on pages shaped like the simulated sites': the template with another path and
    request id is the same (1.0); a live page sharing the title scores far below 0.9."""
    template = (
        "<html><head><title>Page not found – Notes</title></head><body><header><nav>Home About</nav></header>"
        "<main><h1>Oops! That page can’t be found.</h1><p>Nothing was found at {path}.</p>"
        "<p>Request {rid}</p></main><footer>© 2024 Notes</footer></body></html>"
    )
    probe = soft404.answer(
        "https://n.test/a/linkcheck-probe-00ff.html", 200, "https://n.test/a/linkcheck-probe-00ff.html", "text/html",
        template.format(path="/a/linkcheck-probe-00ff.html", rid="9f8e7d6c5b4a3921"),
    )  # fmt: skip
    gone = soft404.answer(
        "https://n.test/a/old-post.html", 200, "https://n.test/a/old-post.html", "text/html",
        template.format(path="/a/old-post.html", rid="0123456789abcdef"),
    )  # fmt: skip
    match = soft404.judge(gone, probe)
    assert match is not None and match.kind == "template" and match.similarity == 1.0
    # A live page with the same title (sites that never set their own) and a sentence of its own.
    live = soft404.answer(
        "https://n.test/a/note.html", 200, "https://n.test/a/note.html", "text/html",
        "<html><head><title>Page not found – Notes</title></head><body><main><h1>Oops!</h1>"
        "<p>This note moved: the archive lives on the new server since 2021.</p></main></body></html>",
    )  # fmt: skip
    assert soft404.similarity(live.text, probe.text) < 0.5 and soft404.judge(live, probe) is None
    # A probe that says nothing of "not found" (an application shell with text) judges nothing.
    quiet = soft404.Answer(probe.url, 200, probe.url, "text/html", gone.title.replace("not found", "home"), gone.text)
    assert soft404.judge(gone, soft404.Answer(probe.url, 200, probe.url, "text/html", quiet.title, "welcome")) is None
    # A proper 404 probe: nothing is soft.
    assert soft404.judge(gone, soft404.Answer(probe.url, 404, probe.url, "text/html", probe.title, probe.text)) is None
    # Not HTML (a PDF answering 200 on a soft host): never a template.
    pdf = soft404.Answer(gone.url, 200, gone.url, "application/pdf", gone.title, gone.text)
    assert soft404.judge(pdf, probe) is None


def test_landing_rules():
    probe = soft404.Answer("https://h.test/x/linkcheck-probe-1", 200, "https://h.test/")
    assert soft404.judge(soft404.Answer("https://h.test/x/old", 200, "https://h.test/"), probe).kind == "landing"
    # The landing itself, its root aliases, and a page that was not redirected are not judged.
    assert soft404.judge(soft404.Answer("https://h.test/", 200, "https://h.test/"), probe) is None
    assert soft404.judge(soft404.Answer("https://h.test/index.html", 200, "https://h.test/"), probe) is None
    assert soft404.judge(soft404.Answer("https://h.test/x/live", 200, "https://h.test/x/live"), probe) is None
    # Redirected elsewhere (http → https of itself, a moved article): its own page.
    assert soft404.judge(soft404.Answer("https://h.test/x/a", 200, "https://h.test/y/a"), probe) is None
    # The probe went over https, the page over http (a blog cites a host both ways): one home page.
    assert soft404.judge(soft404.Answer("http://h.test/y/old", 200, "http://h.test/"), probe).kind == "landing"
    # A landing whose query repeats what was asked for is the same landing without it.
    nf = soft404.Answer("https://h.test/x/linkcheck-probe-1", 200, "https://h.test/nf.htm?uri=/x/linkcheck-probe-1")
    assert soft404.judge(soft404.Answer("https://h.test/x/old", 200, "https://h.test/nf.htm?uri=/x/old"), nf)
    assert soft404.judge(soft404.Answer("https://h.test/x/old", 200, "https://h.test/other?uri=/x/old"), nf) is None
    # Everything lands on a sign-in page: a wall, never dead.
    login = soft404.Answer("https://h.test/x/linkcheck-probe-1", 200, "https://h.test/login")
    assert soft404.judge(soft404.Answer("https://h.test/x/old", 200, "https://h.test/login"), login) is None


def test_probe_urls():
    assert soft404.probe_url("https://a.test/2019/05/post/", "T") == "https://a.test/2019/05/linkcheck-probe-T/"
    assert soft404.probe_url("https://a.test/news/1.html?x=1", "T") == "https://a.test/news/linkcheck-probe-T.html"
    assert soft404.probe_url("http://a.test:8080/", "T") == "http://a.test:8080/linkcheck-probe-T"


def test_a_probe_without_answer_is_tried_once_per_run_and_not_kept():
    kept: list[str] = []
    sent: list[str] = []

    async def send(url: str) -> soft404.Answer | None:
        sent.append(url)
        await asyncio.sleep(0.01)
        return None

    async def scenario() -> list[soft404.Answer | None]:
        probes = HostProbes(on_probe=lambda host, answer: kept.append(host))
        return await asyncio.gather(*(probes.answer_for("h.test", f"https://h.test/p/{i}", send) for i in range(5)))

    assert asyncio.run(scenario()) == [None] * 5
    assert len(sent) == 1 and kept == []


def _write_blog(root: Path, urls: list[str]) -> None:
    (root / "posts").mkdir(parents=True)
    body = "\n\n".join(f"见 {url} 一文" for url in urls)
    (root / "posts" / "2021-01-01-t.md").write_text(f"---\ntitle: t\n---\n{body}\n", encoding="utf-8")


def test_probe_answers_are_stored_reused_and_renewed_after_their_age(tmp_path, simweb):
    urls = [f"{SOFT}/2019/05/static-blog/", f"{SOFT}/2018/03/gone-post/", f"{HARD}/2019/05/static-blog/"]
    _write_blog(tmp_path, urls)
    db = tmp_path / "state" / "linkcheck.db"
    t0 = datetime(2026, 11, 1, 3, tzinfo=UTC)

    def night(when: datetime) -> dict[str, tuple[str, str]]:
        options = JobOptions(
            paths=[tmp_path / "posts"], db=db, check_all=True, archive=False, canaries=("https://behave.test/ok",)
        )
        result = asyncio.run(
            run_job(options, fast_settings(simweb), resolver=RoutingResolver(simweb.route), now=lambda: when)
        )
        return {r.link.canonical: (r.outcome.verdict.value, r.outcome.reason) for r in result.results}

    first = night(t0)
    assert first[f"{SOFT}/2018/03/gone-post/"] == ("dead", "soft-404")
    assert first[f"{SOFT}/2019/05/static-blog/"] == ("alive", "http-200")
    rows = sqlite3.connect(db).execute("select host, soft, status, probed_at from soft404_probes order by host")
    assert rows.fetchall() == [
        ("blog.real404.test", 0, 404, "2026-11-01T03:00:00Z"),
        ("blog.softnotfound.test", 1, 200, "2026-11-01T03:00:00Z"),
    ]
    # Ten days later: the stored answers decide, no probe is sent, the verdicts are the same.
    simweb.reset_state()
    assert night(t0 + timedelta(days=10)) == first
    assert probes_sent(simweb, "blog.softnotfound.test") == probes_sent(simweb, "blog.real404.test") == 0
    # One request per page, nothing more (small sites' pages are read with GET: the parked-domain rule).
    assert [r.method for r in simweb.requests if r.host == "blog.real404.test"] == ["GET"]
    assert [r.method for r in simweb.requests if r.host == "blog.softnotfound.test"] == ["GET", "GET"]
    # Past 30 days: asked again, and the row's time moves on.
    simweb.reset_state()
    assert night(t0 + timedelta(days=31)) == first
    assert probes_sent(simweb, "blog.softnotfound.test") == probes_sent(simweb, "blog.real404.test") == 1
    with Store(db) as store:
        assert {row["probed_at"] for row in store.probes.all()} == {"2026-12-02T03:00:00Z"}
        assert store.schema_version == 7  # every migration applied (soft404_probes is 6)


def test_a_soft_404_page_is_not_archived_as_alive(tmp_path, simweb):
    urls = [f"{HOME}/news/2021/123.html", f"{HOME}/news/2020/999.html"]
    _write_blog(tmp_path, urls)
    db = tmp_path / "state" / "linkcheck.db"
    options = JobOptions(paths=[tmp_path / "posts"], db=db, check_all=True, canaries=("https://behave.test/ok",))
    asyncio.run(run_job(options, fast_settings(simweb), resolver=RoutingResolver(simweb.route)))
    conn = sqlite3.connect(db)
    captured = {url for (url,) in conn.execute("select url from captures where kind = 'page'")}
    assert f"{HOME}/news/2021/123.html" in captured and f"{HOME}/news/2020/999.html" not in captured


@pytest.fixture()
def soft_blog(tmp_path: Path, simweb) -> Path:
    _write_blog(tmp_path, [f"{SOFT}/2019/05/static-blog/", f"{SOFT}/2018/03/gone-post/", f"{HOME}/news/2020/999.html"])
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    return tmp_path


def test_cli_check_report_dead_and_sql_show_soft_404(soft_blog, simweb):
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "linkcheck", *args], cwd=soft_blog, capture_output=True, text=True, timeout=120,
            env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip

    check = cli(
        "check", "--resolve", f"*:443:127.0.0.1:{simweb.https_port}", "--resolve", f"*:80:127.0.0.1:{simweb.http_port}",
        "--ca-bundle", "ca.pem", "--allow-private", "--canary", "https://behave.test/ok", "--no-archive",
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    assert "soft-404" in check.stdout and "gone-post" in check.stdout
    report = cli("report")
    assert report.returncode == 0 and "soft-404" in report.stdout and "999.html" in report.stdout
    dead = cli("dead", "--include-suspected", "-f", "json")
    rows = {row["canonical"]: row["reason"] for row in json.loads(dead.stdout)}
    assert rows == {f"{SOFT}/2018/03/gone-post/": "soft-404", f"{HOME}/news/2020/999.html": "soft-404"}
    conn = sqlite3.connect(soft_blog / "state" / "linkcheck.db")
    (count,) = conn.execute("select count(*) from dead_candidates where reason = 'soft-404'").fetchone()
    assert count == 2
    assert conn.execute("select host, soft from soft404_probes order by host").fetchall() == [
        ("blog.softnotfound.test", 1),
        ("www.gohome.test", 1),
    ]


def test_a_verdict_decided_by_a_profile_is_never_touched(simweb):
    """Every catalogue fixture of a profile with markers keeps its verdict, and no probe goes out."""
    from linkcheck.simweb.catalog import FIXTURES

    urls = [f.url for f in FIXTURES if not f.headers and not profile_for(urlsplit(f.url).hostname or "").soft_404]
    _, outcomes = asyncio.run(run_links(simweb, sorted(set(urls))))
    assert not [u for u, o in outcomes.items() if o.reason == "soft-404"]
    assert not [r for r in simweb.requests if soft404.PROBE_PREFIX in r.path_qs]
    assert all(o.verdict is not Verdict.DEAD or o.reason != "soft-404" for o in outcomes.values())


def test_a_run_holds_a_probe_answers_text_only_where_a_page_can_match_it(simweb):
    """HostProbes keeps each answer as soft404.comparable makes it (the whole answer is stored):
    the title and text only of a 200 not-found template. Every page gets the same match against
    the kept answer as against the whole one."""
    stored: dict[str, soft404.Answer] = {}
    hosts = sorted({urlsplit(url).hostname or "" for url in EXPECTED})

    async def scenario() -> tuple[HostProbes, list[soft404.Answer]]:
        probes = HostProbes(on_probe=stored.__setitem__)
        settings = fast_settings(simweb, politeness_overrides=fast_politeness(hosts))
        async with Fetcher(settings, resolver=RoutingResolver(simweb.route), probes=probes) as fetcher:
            pages = [await fetcher._probe(url, urlsplit(url).hostname or "") for url in EXPECTED]
            for url in EXPECTED:  # one probe per host, through the fetcher's own path
                host = urlsplit(url).hostname or ""
                await probes.answer_for(host, url, lambda probe_url, host=host: fetcher._probe(probe_url, host))
        return probes, [page for page in pages if page is not None]

    probes, pages = asyncio.run(scenario())
    assert sorted(stored) == hosts and len(pages) == len(EXPECTED)
    kept = {host: probes.known(host) for host in hosts}
    assert {host for host, answer in kept.items() if answer.text} == {"blog.softnotfound.test", "www.onetitle.test"}
    assert stored["blog.real404.test"].text and stored["www.gohome.test"].text  # stored whole
    for host, answer in kept.items():
        assert (answer.url, answer.status, answer.final_url) == (stored[host].url, stored[host].status,
                                                                 stored[host].final_url)  # fmt: skip
        for page in pages:
            assert soft404.judge(page, answer) == soft404.judge(page, stored[host]), (host, page.url)
    assert any(soft404.judge(page, kept[urlsplit(page.url).hostname]) for page in pages)  # matches remain


def test_pages_waiting_for_their_hosts_probe_hold_no_body(simweb):
    """A host's first pages wait for its probe (every host's, at the start of a run): meanwhile
    each keeps only its soft-404 answer, not its body and decoded text. Seen from the probe's own
    request: no Page object of the host then holds a body, yet the verdicts are unchanged."""
    urls = [url for url in EXPECTED if url.startswith(SOFT)]
    held: list[int] = []

    class Watching(HostProbes):
        async def answer_for(self, host, page_url, send):  # type: ignore[no-untyped-def]
            async def watched(url: str) -> soft404.Answer | None:
                await asyncio.sleep(0.3)  # the host's other pages are read and queue behind the probe
                bodies = [o for o in gc.get_objects() if isinstance(o, Page) and o.body and host in o.url]
                held.append(sum(len(page.body) for page in bodies))
                return await send(url)

            return await super().answer_for(host, page_url, watched)

    async def scenario() -> dict[str, tuple[str, str, str | None]]:
        results: dict[str, tuple[str, str, str | None]] = {}
        settings = fast_settings(simweb, politeness_overrides=fast_politeness(["blog.softnotfound.test"]))
        async with Fetcher(settings, resolver=RoutingResolver(simweb.route), probes=Watching()) as fetcher:
            outcomes = await asyncio.gather(*(fetcher.check(url) for url in urls))
        for url, outcome in zip(urls, outcomes, strict=True):
            results[url] = (outcome.verdict.value, outcome.reason, outcome.marker)
        return results

    assert asyncio.run(scenario()) == {url: EXPECTED[url] for url in urls}
    assert held == [0]
    # Every page was read before the probe went out: they all waited for it.
    requests = [r for r in simweb.requests if r.host == "blog.softnotfound.test"]
    assert soft404.PROBE_PREFIX in requests[-1].path_qs and len(requests) == len(urls) + 1
