"""One fetch per page: a check run with archiving on asks each page once and archives that answer.

First the recorded check itself (``Fetcher.check(url, recording=…)``), through the real client
against the simulated web: the same verdict as a plain check, the raw bytes kept. Then the nightly
job (``run_job``) over real posts: the server's own request log says what was asked, the WARC files
(read back with warcio and validated like every archive test) say what was kept, and the SQLite
history says which verdicts were recorded.
"""

from __future__ import annotations

import asyncio
import gzip
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from linkcheck.archive.policy import pending_in_order
from linkcheck.models import Verdict
from linkcheck.net.resolve import RoutingResolver
from linkcheck.net.transport import Fetcher, Recording
from linkcheck.run.job import JobOptions, JobResult, run_job
from linkcheck.simweb import pages as P
from linkcheck.store import Store
from tests.support import fast_politeness, fast_settings
from tests.test_archive import HOSTS, WX, WX_CHUNKED, WX_GZIP, WX_LIVE, assert_valid_warcs, records

WX_GENERIC = WX + "someOtherArticle000001"  # any other article id: a live page with three images
WX_DELETED = WX + "P9cMowFQ-QahLRnfHponKw"
WX_ALIVE = (WX_LIVE, WX_GZIP, WX_CHUNKED, WX_GENERIC)
NIGHT = datetime(2026, 11, 1, 3, tzinfo=UTC)


# ---- the recorded check ---------------------------------------------------------------------


async def _plain_and_recorded(web, urls: list[str], recording: Callable[[], Recording], **overrides):
    """(plain outcome, recorded outcome, recording) per URL, with a fresh recording each."""
    hosts = {urlsplit(u).hostname or "" for u in urls}
    settings = fast_settings(web, politeness_overrides=fast_politeness(hosts), **overrides)
    found = {}
    async with Fetcher(settings, resolver=RoutingResolver(web.route)) as fetcher:
        for url in urls:
            plain = await fetcher.check(url)
            kept = recording()
            recorded = await fetcher.check(url, recording=kept)
            found[url] = (plain, recorded, kept)
    return found


def plain_and_recorded(web, urls: list[str], recording: Callable[[], Recording], **overrides):
    return asyncio.run(_plain_and_recorded(web, urls, recording, **overrides))


BH = "https://behave.test"


def test_a_recorded_check_gives_the_plain_verdict_and_keeps_the_raw_exchanges(tmp_path, simweb):
    urls = [
        WX_LIVE, WX_GZIP, WX_CHUNKED, WX_DELETED, WX + "-WZT_VzhmSkJRAjb6GwsUA", WX + "freq000000000000000000",
        f"{BH}/redirect/3", f"{BH}/loop/a", f"{BH}/status/404", f"{BH}/status/503", f"{BH}/truncated",
        f"{BH}/truncated?size=100000", f"{BH}/gzip-bomb", f"{BH}/redirect-to?url=ftp://example.com/", "https://github.com/owner/old-name",
        "https://blog.csdn.net/sunsonfly/article/details/13502993",
    ]  # fmt: skip
    found = plain_and_recorded(simweb, urls, lambda: Recording(tmp_path / "tmp", max_bytes=1 << 20), max_attempts=1)
    for url, (plain, recorded, _kept) in found.items():
        # One HTTP code path: the same reasons (redirect-loop, truncated, http-5xx …) whether recorded or not.
        assert (recorded.verdict, recorded.reason, recorded.redirects) == (
            plain.verdict, plain.reason, plain.redirects,
        ), url  # fmt: skip
    _plain, _recorded, gz = found[WX_GZIP]
    [exchange] = gz.exchanges
    assert exchange.body_path.read_bytes() == P.wx_live_gzip()  # as sent: still gzip
    assert (exchange.status, exchange.header("Content-Encoding"), exchange.truncated) == (200, "gzip", False)
    assert dict(exchange.request_headers)["Accept-Encoding"] == "gzip, deflate"
    assert gz.outcome is not None and gz.outcome.reason == "live-marker" and P.WX_LIVE_TITLE in gz.page.text
    [chunked] = found[WX_CHUNKED][2].exchanges
    assert chunked.body_path.read_bytes() == P.wx_live() and chunked.header("Transfer-Encoding") == "chunked"
    # A small site's page is read to 64 KB (a parked domain answers 200): cut short within them, it
    # is the verdict (truncated); cut short past them, the verdict stands (alive, from the complete
    # window) and the capture is spoiled — the recorded body beyond the window is the archive's only.
    assert found[f"{BH}/truncated"][0].reason == "truncated"
    assert found[f"{BH}/truncated?size=100000"][0].reason == "http-200"
    assert found[f"{BH}/truncated?size=100000"][2].incomplete == "truncated"
    # Redirect hops are exchanges of their own, the final answer last.
    hops = found[f"{BH}/redirect/3"][2].exchanges
    assert [e.status for e in hops] == [301, 301, 301, 200] and hops[-1].url == f"{BH}/ok"
    # A gzip bomb: 1 MiB of it kept (cut), the classification window decoded within the check's cap.
    [bomb] = found[f"{BH}/gzip-bomb"][2].exchanges
    assert bomb.truncated and bomb.length == 1 << 20
    for _plain, _recorded, kept in found.values():
        kept.discard()
    assert not list((tmp_path / "tmp").iterdir())


def test_the_recorded_body_is_the_archives_not_the_checks(tmp_path, simweb):
    big = WX + "liveBig000000000000000"  # 3.3 MB: past the check's 2 MiB window
    found = plain_and_recorded(simweb, [big], lambda: Recording(tmp_path, max_bytes=20 << 20))
    plain, recorded, kept = found[big]
    assert (recorded.verdict, recorded.reason) == (plain.verdict, plain.reason) == (Verdict.ALIVE, "live-marker")
    [exchange] = kept.exchanges
    assert exchange.body_path.read_bytes() == P.wx_live_big() and not exchange.truncated
    assert kept.page is not None and len(kept.page.body) == 2 << 20 and kept.page.truncated
    # A cap below the window cuts what is kept, never what is classified.
    small = plain_and_recorded(simweb, [big], lambda: Recording(tmp_path, max_bytes=4096))[big]
    assert small[1].reason == "live-marker" and small[2].exchanges[0].length == 4096
    assert small[2].exchanges[0].truncated and len(small[2].page.body) == 2 << 20


def test_a_recorded_check_survives_what_goes_wrong_past_its_window(tmp_path, simweb):
    drip = f"{BH}/drip?bytes_per_s=200000&total=400000"  # ~2 s; the 64 KiB window comes in 0.4 s
    timed = plain_and_recorded(
        simweb, [drip], lambda: Recording(tmp_path, max_bytes=1 << 20, timeout=0.8), total_timeout=0.8
    )[drip]
    # The verdict is the plain check's (it reads 64 KiB); only the capture is given up.
    assert (timed[0].reason, timed[1].reason, timed[2].incomplete) == ("http-200", "http-200", "timeout")
    # An unwritable temporary directory is a disk error for the archive, not a failed check.
    (tmp_path / "not-a-dir").write_text("x")
    disk = plain_and_recorded(simweb, [WX_LIVE], lambda: Recording(tmp_path / "not-a-dir", max_bytes=1 << 20))
    _plain, recorded, kept = disk[WX_LIVE]
    assert recorded.reason == "live-marker" and isinstance(kept.disk_error, OSError)


# ---- the nightly job ----------------------------------------------------------------------


def write_post(blog: Path, urls: list[str]) -> None:
    (blog / "posts").mkdir(exist_ok=True)
    body = "\n\n".join(f"第{n}篇 {url} 看看" for n, url in enumerate(urls))
    (blog / "posts" / "2026-1-1-refs.md").write_text(f"---\ntitle: 引用\n---\n{body}\n", encoding="utf-8")


def night(web, blog: Path, when: datetime, *, archive: bool = True) -> JobResult:
    options = JobOptions(
        paths=[blog / "posts"], db=blog / "state" / "linkcheck.db", canaries=("https://behave.test/status/200",),
        archive=archive,
    )  # fmt: skip
    settings = fast_settings(web, politeness_overrides=fast_politeness(HOSTS))
    return asyncio.run(run_job(options, settings, resolver=RoutingResolver(web.route), now=lambda: when))


def test_check_with_archiving_asks_each_page_once_and_archives_the_bytes_it_got(tmp_path, simweb):
    write_post(tmp_path, [*WX_ALIVE, WX_DELETED, "https://behave.test/ok"])
    job = night(simweb, tmp_path, NIGHT)
    verdicts = {r.link.canonical: (r.outcome.verdict.value, r.outcome.reason) for r in job.results}
    assert verdicts == {
        **dict.fromkeys(WX_ALIVE, ("alive", "live-marker")),
        WX_DELETED: ("dead", "tombstone:weixin-deleted"),
        "https://behave.test/ok": ("alive", "http-200"),
    }
    archived = job.archive
    assert archived is not None and archived.status == "completed"
    assert (archived.captured + archived.unchanged, archived.from_checks, archived.checks_recorded) == (5, 5, 0)

    # The server's log: one GET per WeChat page, then the images — nothing asked twice.
    wechat = [r for r in simweb.requests if r.host == "mp.weixin.qq.com"]
    assert Counter(r.path_qs for r in wechat) == Counter({u.removeprefix(WX[:-3]): 1 for u in (*WX_ALIVE, WX_DELETED)})
    assert {r.method for r in wechat} == {"GET"}
    assert [r.method for r in simweb.requests if r.host == "behave.test" and r.path_qs == "/ok"] == ["GET"]
    images = [r for r in simweb.requests if r.host == "mmbiz.qpic.cn"]
    # Three per captured article. WX_CHUNKED serves WX_LIVE's bytes: a revisit, whose images are
    # archived already; WX_GZIP names WX_LIVE's images too, but its bytes differ (gzip): a new capture.
    assert len(images) == archived.requisites == 9 and len({r.path_qs for r in images}) == 6

    with Store(tmp_path / "state" / "linkcheck.db") as store:
        files = assert_valid_warcs(tmp_path / "state" / "warc", store)
        rows = store.db.execute("select url, run_id, record_type from captures where kind = 'page'").fetchall()
        assert sorted(rows) == sorted(
            [(WX_CHUNKED, job.run_id, "revisit")]
            + [(u, job.run_id, "response") for u in (WX_LIVE, WX_GZIP, WX_GENERIC, "https://behave.test/ok")]
        )
        assert store.captures.latest(WX_DELETED) is None
    found = [record for path in files for record in records(path)]
    by_uri = {(warc.get_header("WARC-Target-URI"), warc.get_header("WARC-Type")): (warc, http, payload)
              for _offset, warc, http, payload in found}  # fmt: skip

    # The response records hold exactly what the server sent: the gzip body as it came over the
    # wire (not decompressed), with the status line and headers as received.
    _warc, http, payload = by_uri[(WX_GZIP, "response")]
    assert payload == P.wx_live_gzip() and gzip.decompress(payload) == P.wx_live()
    assert (http.protocol, http.statusline) == ("HTTP/1.1", "200 OK")
    assert http.get_header("Content-Encoding") == "gzip" and http.get_header("Vary") == "Accept-Encoding"
    assert http.get_header("Content-Length") == str(len(P.wx_live_gzip()))
    assert by_uri[(WX_LIVE, "response")][2] == P.wx_live()
    assert by_uri[(WX_GENERIC, "response")][2] == P.wx_generic("someOtherArticle000001")
    # … and the request records what was really sent, as the server saw it.
    _warc, request, _ = by_uri[(WX_GZIP, "request")]
    [seen] = [r for r in wechat if r.path_qs == "/s/liveGzip00000000000000"]
    for name in ("Host", "User-Agent", "Accept", "Accept-Language", "Accept-Encoding", "Referer"):
        assert request.get_header(name) == seen.headers[name], name
    assert request.get_header("Accept-Encoding") == "gzip, deflate"


def test_a_tombstone_found_at_archive_time_is_recorded_as_the_runs_check(tmp_path, simweb, monkeypatch):
    write_post(tmp_path, [WX_GENERIC])
    first = night(simweb, tmp_path, NIGHT, archive=False)  # alive, not archived
    assert [(r.outcome.verdict.value, r.outcome.reason) for r in first.results] == [("alive", "live-marker")]

    # The article is deleted the next day. Checked alive a day ago, it is not due for a check, but
    # it still waits for its first capture: the archive stage fetches it and finds the tombstone.
    monkeypatch.setattr(simweb, "aliases", {"mp.weixin.qq.com/s/someOtherArticle000001": WX_DELETED})
    simweb.reset_state()
    second = night(simweb, tmp_path, NIGHT + timedelta(days=1))
    assert second.planned_total == 0 and second.summary.checked == 0
    archived = second.archive
    assert archived is not None and archived.checks_recorded == 1 and archived.captured == 0
    assert [(p.outcome, p.reason) for p in archived.pages] == [("skipped", "not-alive:tombstone:weixin-deleted")]
    assert simweb.hits("mp.weixin.qq.com") == 1 and not list((tmp_path / "state" / "warc").glob("*.warc.gz"))
    # Recorded like any check of this run: in the history, the URL's state and the run's results.
    assert [(r.link.canonical, r.outcome.reason) for r in second.results] == [(WX_GENERIC, "tombstone:weixin-deleted")]
    with Store(tmp_path / "state" / "linkcheck.db") as store:
        history = [(c["run_id"], c["verdict"], c["reason"]) for c in store.queries.history(WX_GENERIC)]
        assert history == [(first.run_id, "alive", "live-marker"), (second.run_id, "dead", "tombstone:weixin-deleted")]
        assert store.runs.summary(second.run_id)["dead"] == 1
        assert pending_in_order(store.captures.due(now=NIGHT + timedelta(days=1))) == []


@pytest.mark.parametrize("limit", [1, 3])
def test_the_page_limit_counts_captures_made_by_the_checks(tmp_path, simweb, limit):
    """``[archive] max_pages`` bounds the pages a run captures, whether from its checks or after."""
    write_post(tmp_path, list(WX_ALIVE))
    options = JobOptions(
        paths=[tmp_path / "posts"], db=tmp_path / "state" / "linkcheck.db",
        canaries=("https://behave.test/status/200",), archive_limit=limit,
    )  # fmt: skip
    settings = fast_settings(simweb, politeness_overrides=fast_politeness(HOSTS))
    job = asyncio.run(run_job(options, settings, resolver=RoutingResolver(simweb.route), now=lambda: NIGHT))
    archived = job.archive
    assert archived is not None
    assert archived.from_checks == archived.attempted == limit and archived.pending_total == 4
    assert Counter(r.path_qs for r in simweb.requests if r.host == "mp.weixin.qq.com").most_common(1)[0][1] == 1


def test_a_place_freed_by_a_dead_page_goes_to_the_next_checked_page_without_a_second_request(tmp_path, simweb):
    """The old archive stage captured the first ``limit`` pages found alive; so does the single fetch:
    the reserve (the next pages in the archive's order) kept its checks' answers for such places."""
    write_post(tmp_path, [WX_DELETED, WX_LIVE, WX_GENERIC, "https://behave.test/ok"])
    options = JobOptions(
        paths=[tmp_path / "posts"], db=tmp_path / "state" / "linkcheck.db",
        canaries=("https://behave.test/status/200",), archive_limit=2,
    )  # fmt: skip
    settings = fast_settings(simweb, politeness_overrides=fast_politeness(HOSTS))
    job = asyncio.run(run_job(options, settings, resolver=RoutingResolver(simweb.route), now=lambda: NIGHT))
    archived = job.archive
    assert archived is not None and archived.planned == 2
    # WX_DELETED (first in order) is dead: its place goes to WX_GENERIC, the first of the reserve.
    assert [(p.url, p.outcome, p.source) for p in archived.pages] == [
        (WX_LIVE, "captured", "check"),
        (WX_GENERIC, "captured", "check"),
    ]
    assert archived.requisites == 6 and archived.checks_recorded == 0
    assert Counter(r.path_qs for r in simweb.requests if r.host == "mp.weixin.qq.com").most_common(1)[0][1] == 1
    assert [r.method for r in simweb.requests if r.host == "behave.test" and r.path_qs == "/ok"] == ["GET"]
    with Store(tmp_path / "state" / "linkcheck.db") as store:
        assert_valid_warcs(tmp_path / "state" / "warc", store)
        assert store.captures.latest("https://behave.test/ok") is None  # reserve, but no place left
        assert {r["canonical"] for r in pending_in_order(store.captures.due(now=NIGHT))} == {"https://behave.test/ok"}
    assert not list((tmp_path / "state" / "warc" / ".tmp").iterdir())  # kept bodies are gone
