"""Archive before decay: WARC captures of live pages against the simulated web, read back for real.

Every WARC file a test writes goes through ``assert_valid_warcs``: ``gzip -t``, ``warcio check -v``,
``cdxj-indexer`` (one line per response/revisit record, and the captures table agrees), plus a
header lint for what those tools do not check (WARC 1.1 mandatory fields, request/response pairs,
revisit fields, no Transfer-Encoding, Content-Length = stored bytes). Replay goes through pywb
in-process (werkzeug test client over ``FrontEndApp``) — in a child interpreter, because importing
pywb monkey-patches the process with gevent — after the simulated web is stopped.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import io
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from linkcheck import store as store_module
from linkcheck.archive import Archiver, ArchiveSettings, archive_pending, read_capture
from linkcheck.archive.digest import digest_html
from linkcheck.archive.policy import pending_in_order, plan_captures
from linkcheck.archive.warcfile import WarcFileWriter, complete_members_end, repair_open_files, warc_path
from linkcheck.models import Outcome, Verdict
from linkcheck.net.resolve import RoutingResolver
from linkcheck.net.transport import Fetcher, WindowDecoder
from linkcheck.run.checker import HttpChecker
from linkcheck.run.runner import run_checks
from linkcheck.simweb import pages as P
from linkcheck.store import Store
from tests.support import fast_politeness, fast_settings, make_link

BIN = Path(sys.executable).parent
WX = "https://mp.weixin.qq.com/s/"
WX_LIVE = WX + P.WX_LIVE_ID
WX_GZIP = WX + "liveGzip00000000000000"
WX_CHUNKED = WX + "liveChunked00000000000"
WX_BIG = WX + "liveBig000000000000000"
WX_OTHER = WX + "otherArticle0000000001"
ZHIHU_LIVE = "https://zhuanlan.zhihu.com/p/486808688"
T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
HOSTS = ["mp.weixin.qq.com", "mmbiz.qpic.cn", "zhuanlan.zhihu.com", "behave.test", "blog.csdn.net", "github.com"]


# ---- helpers ----------------------------------------------------------------------------------


def alive_db(path: Path, urls: list[str], *, when: datetime = T0) -> Store:
    """A history database where each URL is cited and its last check said alive."""
    store = Store(path)
    store.links.sync([make_link(u) for u in urls], now=when)
    for url in urls:
        store.checks.record(None, make_link(url).canonical, Outcome(Verdict.ALIVE, "live-marker", 200), now=when)
    return store


async def _archive(web, store: Store, warc_dir: Path, *, fetch: dict | None = None, **kwargs):
    settings = fast_settings(web, politeness_overrides=fast_politeness(HOSTS), **(fetch or {}))
    async with Fetcher(settings, resolver=RoutingResolver(web.route)) as fetcher:
        return await archive_pending(store, fetcher, warc_dir=warc_dir, **kwargs)


def archive(web, store: Store, warc_dir: Path, **kwargs):
    return asyncio.run(_archive(web, store, warc_dir, **kwargs))


def image_bytes(url: str) -> bytes:
    """What the simulated web serves at an image URL (a picture per path)."""
    return P.image_png(urlsplit(url).path)


def records(path: Path) -> list:
    """(offset, rec_headers, http_headers, payload bytes) for every record of a WARC file."""
    found = []
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        for record in iterator:
            payload = record.raw_stream.read()
            found.append((iterator.get_record_offset(), record.rec_headers, record.http_headers, payload))
    return found


def sql(path: Path, query: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def run(args: list, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, **kwargs)


def lint(path: Path) -> tuple[int, int]:
    """Checks the validators skip (archivers.md §2.4). Returns the number of response+revisit records
    and of readable copies (resource records, each with its metadata record)."""
    found = records(path)
    assert found, path
    assert found[0][1].get_header("WARC-Type") == "warcinfo"
    assert found[0][1].get_header("WARC-Filename") == path.name
    ids, by_id, captures, copies = set(), {}, 0, 0
    for _offset, warc, http, payload in found:
        kind = warc.get_header("WARC-Type")
        assert warc.protocol == "WARC/1.1"
        for name in ("WARC-Record-ID", "WARC-Date", "WARC-Type", "Content-Length"):
            assert warc.get_header(name), (name, kind)
        assert warc.get_header("WARC-Record-ID") not in ids
        ids.add(warc.get_header("WARC-Record-ID"))
        by_id[warc.get_header("WARC-Record-ID")] = warc
        assert (warc.get_header("WARC-Target-URI") is None) == (kind == "warcinfo")
        if kind in ("response", "revisit"):
            captures += 1
            assert http.get_header("Transfer-Encoding") is None
            assert warc.get_header("WARC-Payload-Digest", "").startswith("sha1:")
            assert warc.get_header("WARC-Block-Digest", "").startswith("sha1:")
        if kind == "response":
            assert int(http.get_header("Content-Length")) == len(payload)
        if kind == "revisit":
            assert warc.get_header("WARC-Profile").endswith("/warc/1.1/revisit/identical-payload-digest")
            assert warc.get_header("WARC-Truncated") == "length"
            for name in ("WARC-Refers-To", "WARC-Refers-To-Target-URI", "WARC-Refers-To-Date"):
                assert warc.get_header(name), name
            assert payload == b""
        if kind == "request":
            response = by_id[warc.get_header("WARC-Concurrent-To")]
            assert response.get_header("WARC-Date") == warc.get_header("WARC-Date")
            assert response.get_header("WARC-Target-URI") == warc.get_header("WARC-Target-URI")
        if kind == "resource":  # a readable copy: at a URI of its own, never the page's
            copies += 1
            assert warc.get_header("WARC-Target-URI").startswith("urn:readable:https://")
            assert warc.get_header("Content-Type") == "text/html; charset=utf-8"
            assert warc.get_header("WARC-Refers-To") is None  # not allowed on resource records (WARC 1.1)
        if kind == "metadata":  # what a readable copy was derived from
            assert warc.get_header("Content-Type") == "application/warc-fields"
            fields = dict(line.split(": ", 1) for line in payload.decode().splitlines())
            assert warc.get_header("WARC-Refers-To") == fields["derived-from-record"]
            assert fields["readable-copy"] == warc.get_header("WARC-Target-URI")
            assert fields["readable-record"] in ids
    return captures, copies


def assert_valid_warcs(warc_dir: Path, store: Store | None = None) -> list[Path]:
    """Every WARC file is closed and passes gzip -t, warcio check -v, cdxj-indexer and the lint."""
    assert not list(warc_dir.glob("*.open")), "a WARC file was left open"
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert files
    total = total_copies = 0
    for path in files:
        assert path.name.startswith("linkcheck-") and "weixin" not in path.name
        assert run(["gzip", "-t", path]).returncode == 0, path
        checked = run([BIN / "warcio", "check", "-v", path])
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "digest failed" not in checked.stdout.lower()
        indexed = run([BIN / "cdxj-indexer", path])
        assert indexed.returncode == 0, indexed.stderr
        lines = [line for line in indexed.stdout.splitlines() if line.strip()]
        count, copies = lint(path)
        assert len(lines) == count + copies, (path, len(lines), count, copies)  # metadata is not indexed
        total += count
        total_copies += copies
    if store is not None:
        ids = [row[0] for row in store.db.execute("select id from captures").fetchall()]
        assert len(ids) == total
        for capture_id in ids:
            read_capture(warc_dir, store.captures.get(capture_id))  # every row points at a readable record
        rows = list(store.db.query("select * from readable_copies"))
        assert len(rows) == total_copies
        for row in rows:  # each row points at its resource record
            with open(warc_path(warc_dir, row["warc_file"]), "rb") as fh:
                fh.seek(row["warc_offset"])
                record = next(iter(ArchiveIterator(fh)))
                assert record.rec_type == "resource"
                assert record.rec_headers.get_header("WARC-Record-ID") == row["warc_record_id"]
                assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]
    return files


REPLAY = r"""
import hashlib, json, sys
from pywb.apps.frontendapp import FrontEndApp
from werkzeug.test import Client

client = Client(FrontEndApp())
result = {}
for url in json.loads(sys.argv[1]):
    response = client.get("/linkcheck/2030id_/" + url)
    data = response.get_data()
    result[url] = {
        "status": response.status_code,
        "type": response.headers.get("Content-Type", ""),
        "sha256": hashlib.sha256(data).hexdigest(),
        "text": data.decode("utf-8", "replace") if b"<html" in data[:2000].lower() else "",
    }
with open(sys.argv[2], "w") as out:
    json.dump(result, out)
"""


def pywb_replay(tmp_path: Path, warc_files: list[Path], urls: list[str]) -> dict:
    """Replay URLs from a pywb collection built from the WARC files (indexed with cdxj-indexer)."""
    root = tmp_path / "pywb"
    collection = root / "collections" / "linkcheck"
    (collection / "archive").mkdir(parents=True)
    (collection / "indexes").mkdir()
    for path in warc_files:
        shutil.copy(path, collection / "archive" / path.name)
    index = run([BIN / "cdxj-indexer", "-s", *sorted((collection / "archive").iterdir())])
    assert index.returncode == 0
    (collection / "indexes" / "index.cdxj").write_text(index.stdout)
    (root / "config.yaml").write_text("collections_root: collections\n")
    out = root / "result.json"
    done = run([sys.executable, "-c", REPLAY, json.dumps(urls), out], cwd=root)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(out.read_text())


def stop_web(web) -> None:
    asyncio.run(web.stop())  # the conftest fixture restarts it for the next test


# ---- capture, validity, replay ----------------------------------------------------------------


def test_wechat_article_and_images_captured_valid_and_replayed_offline(tmp_path, simweb):
    store = alive_db(tmp_path / "state" / "linkcheck.db", [WX_LIVE, WX_GZIP, WX_CHUNKED, ZHIHU_LIVE])
    warc_dir = tmp_path / "state" / "warc"
    summary = archive(simweb, store, warc_dir)
    assert summary.status == "completed" and summary.failed == 0
    assert summary.captured + summary.unchanged == 4

    page = store.captures.latest(WX_LIVE)
    assert page["kind"] == "page" and page["http_status"] == 200 and page["record_type"] == "response"
    assert page["title"] == P.WX_LIVE_TITLE  # <title> is empty on WeChat: og:title
    assert "本文介绍" in page["excerpt"] and "window.__wx_cfg" not in page["excerpt"]
    images = list(
        store.db.query(
            "select * from captures where page_capture_id = ? and kind = 'requisite' and url like 'https://mmbiz%'",
            [page["id"]],
        )
    )
    assert len(images) == 3
    # The article script every WeChat page names (res.wx.qq.com) is archived once, for all of them.
    scripts = sql(store.path, "select url, content_type from captures where url like 'https://res.wx.qq.com/%'")
    assert scripts == [(P.WX_APPMSG_JS_URL, "application/javascript")]
    assert simweb.hits("res.wx.qq.com") == 1
    assert {i["url"] for i in images} == {P.mmbiz_image_url(P.WX_LIVE_ID, n) for n in range(3)}
    assert all(i["http_status"] == 200 and i["content_type"] == "image/png" for i in images)
    # The image host saw the Referer a browser sends (the page's origin), so we got the real image.
    image_requests = [r for r in simweb.requests if r.host == "mmbiz.qpic.cn"]
    assert image_requests and all(r.headers["Referer"] == "https://mp.weixin.qq.com/" for r in image_requests)
    stored = read_capture(warc_dir, store.captures.latest(images[0]["url"]))
    assert stored.body == image_bytes(images[0]["url"])  # each image its own picture

    files = assert_valid_warcs(warc_dir, store)
    found = [r for f in files for r in records(f)]
    by_uri = {}
    for _o, warc, http, payload in found:
        by_uri.setdefault((warc.get_header("WARC-Target-URI"), warc.get_header("WARC-Type")), (warc, http, payload))
    # The request record holds what aiohttp really sent.
    _w, request, _p = by_uri[(WX_LIVE, "request")]
    assert request.protocol == "GET" and request.statusline.startswith(f"/s/{P.WX_LIVE_ID} HTTP/1.1")
    assert request.get_header("Host") == "mp.weixin.qq.com"
    assert request.get_header("Accept-Encoding") == "gzip, deflate"
    # Content-Encoding kept with the raw compressed bytes; chunking removed, Content-Length true.
    _w, http, payload = by_uri[(WX_GZIP, "response")]
    assert http.get_header("Content-Encoding") == "gzip" and payload[:2] == b"\x1f\x8b"
    assert gzip.decompress(payload) == P.wx_live()
    chunked = by_uri.get((WX_CHUNKED, "response")) or by_uri[(WX_CHUNKED, "revisit")]
    assert chunked[1].get_header("Transfer-Encoding") is None
    assert chunked[1].get_header("Content-Length") == str(len(P.wx_live()))

    stop_web(simweb)
    replayed = pywb_replay(
        tmp_path,
        files,
        [WX_LIVE, images[0]["url"], WX_GZIP, WX_CHUNKED, ZHIHU_LIVE, WX + "neverCaptured000000000"],
    )
    assert replayed[WX_LIVE]["status"] == 200 and P.WX_LIVE_TITLE in replayed[WX_LIVE]["text"]
    assert replayed[images[0]["url"]]["status"] == 200
    assert replayed[images[0]["url"]]["type"] == "image/png"
    assert replayed[images[0]["url"]]["sha256"] == hashlib.sha256(image_bytes(images[0]["url"])).hexdigest()
    assert replayed[WX_GZIP]["status"] == 200 and P.WX_LIVE_TITLE in replayed[WX_GZIP]["text"]
    assert replayed[WX_CHUNKED]["status"] == 200  # a revisit of WX_LIVE's payload: resolved by pywb
    assert replayed[ZHIHU_LIVE]["status"] == 200
    assert replayed[WX + "neverCaptured000000000"]["status"] == 404


async def _check_and_archive(web, store: Store, warc_dir: Path, urls: list[str], **kwargs):
    """What run_job does: plan the captures, check (capturing planned pages from their check's own
    exchange), record, then the archive stage for what the checks did not fetch — one Fetcher."""
    links = [make_link(u) for u in urls]
    store.links.sync(links)
    settings = fast_settings(web, politeness_overrides=fast_politeness(HOSTS))
    async with Fetcher(settings, resolver=RoutingResolver(web.route)) as fetcher:
        run_id = store.runs.begin({})
        archiver = Archiver(store, fetcher, warc_dir, run_id=run_id, **kwargs)
        archiver.plan([(link.canonical, link.host) for link in links], max_age=timedelta(days=90), limit=200)
        checked: set[str] = set()

        def record(link, outcome) -> None:
            store.checks.record(run_id, link.canonical, outcome, now=archiver.now())
            checked.add(link.canonical)

        summary = await run_checks(
            links,
            fetcher,
            on_result=record,
            canaries=["https://behave.test/status/200"],
            checker=HttpChecker(archiver),
        )
        archived = await archive_pending(
            store, fetcher, warc_dir=warc_dir, run_id=run_id, archiver=archiver, checked=checked, limit=200
        )
        store.runs.finish(run_id, summary.status.value, {})
        return run_id, summary, archived


def check_and_archive(web, store: Store, warc_dir: Path, urls: list[str], **kwargs):
    return asyncio.run(_check_and_archive(web, store, warc_dir, urls, **kwargs))


def test_archive_from_the_checks_with_the_same_fetcher(tmp_path, simweb):
    deleted = WX + "P9cMowFQ-QahLRnfHponKw"  # dead: never captured
    urls = [WX_LIVE, deleted, "https://behave.test/status/404", "https://behave.test/ok"]
    store = Store(tmp_path / "linkcheck.db")
    run_id, summary, archived = check_and_archive(simweb, store, tmp_path / "warc", urls)
    assert summary.counts == {"alive": 2, "dead": 2}
    assert archived.captured == 2 and archived.planned == 2 and archived.from_checks == 2
    # (Pages written from their checks come in the order the checks ended: WeChat's or behave.test's first.)
    assert {p.url: p.requisites for p in archived.pages}[WX_LIVE] == 3 and archived.checks_recorded == 0
    rows = sql(store.path, "select url, run_id from captures where kind = 'page'")
    assert sorted(rows) == sorted([(WX_LIVE, run_id), ("https://behave.test/ok", run_id)])
    # One request per page: the check's GET is the capture (behave.test/ok: a GET, not HEAD + GET).
    assert simweb.hits("mp.weixin.qq.com", f"/s/{P.WX_LIVE_ID}") == 1 and simweb.hits("behave.test", "/ok") == 1
    assert [r.method for r in simweb.requests if r.path_qs == "/ok"] == ["GET"]
    assert simweb.hits("mmbiz.qpic.cn") == 3
    # WeChat politeness held across checks and captures: one request at a time.
    assert simweb.max_in_flight("mp.weixin.qq.com") == 1
    assert_valid_warcs(tmp_path / "warc", store)


# ---- what gets captured, and when -------------------------------------------------------------


def test_pending_order_decay_risk_never_captured_first_and_limit(tmp_path, simweb):
    csdn = "https://blog.csdn.net/someone/article/details/1"
    gh = "https://github.com/owner/repo"
    store = alive_db(tmp_path / "linkcheck.db", [gh, csdn, "https://behave.test/ok", ZHIHU_LIVE, WX_LIVE])
    dead = "https://behave.test/status/404"
    store.links.sync([make_link(u) for u in [gh, csdn, "https://behave.test/ok", ZHIHU_LIVE, WX_LIVE, dead]])
    store.checks.record(None, dead, Outcome(Verdict.DEAD, "http-404", 404), now=T0)
    order = [row["canonical"] for row in pending_in_order(store.captures.due(now=T0))]
    assert order == [WX_LIVE, ZHIHU_LIVE, csdn, gh, "https://behave.test/ok"]

    summary = archive(simweb, store, tmp_path / "warc", limit=2, now=lambda: T0)
    assert summary.pending_total == 5 and summary.planned == 2 and summary.captured == 2
    assert {p.url for p in summary.pages} == {WX_LIVE, ZHIHU_LIVE}
    # Captured pages leave the queue until max_age; then they come back, after never-captured ones.
    assert [r["canonical"] for r in pending_in_order(store.captures.due(now=T0, max_age=timedelta(days=90)))] == [
        csdn,
        gh,
        "https://behave.test/ok",
    ]
    later = T0 + timedelta(days=91)
    assert [r["canonical"] for r in pending_in_order(store.captures.due(now=later, max_age=timedelta(days=90)))] == [
        csdn,
        gh,
        "https://behave.test/ok",
        WX_LIVE,
        ZHIHU_LIVE,
    ]
    assert pending_in_order(store.captures.due(now=later, max_age=None))[-1]["canonical"] == "https://behave.test/ok"
    # A budget already spent starts nothing.
    spent = archive(simweb, store, tmp_path / "warc", deadline=time.monotonic() - 1, now=lambda: T0)
    assert spent.status == "budget" and spent.attempted == 0
    assert_valid_warcs(tmp_path / "warc", store)


def test_unchanged_page_becomes_a_revisit_and_saves_bytes(tmp_path, simweb, monkeypatch):
    store = alive_db(tmp_path / "linkcheck.db", [WX_LIVE])
    first_dir = second_dir = tmp_path / "warc"
    first = archive(simweb, store, first_dir, now=lambda: T0)
    assert first.captured == 1 and first.pages[0].requisites == 3
    [first_file] = first.files
    first_bytes = (first_dir / first_file).stat().st_size

    # Within max_age: not fetched at all.
    simweb.reset_state()
    again = archive(simweb, store, first_dir, now=lambda: T0 + timedelta(days=10))
    assert again.planned == 0 and simweb.hits("mp.weixin.qq.com") == 0 and again.files == []

    # Past max_age, same bytes: one revisit record (no payload), images not fetched again.
    simweb.reset_state()
    later = T0 + timedelta(days=100)
    second = archive(simweb, store, second_dir, now=lambda: later)
    assert second.unchanged == 1 and second.captured == 0 and second.pages[0].reason == "unchanged"
    assert simweb.hits("mp.weixin.qq.com") == 1 and simweb.hits("mmbiz.qpic.cn") == 0
    [second_file] = second.files
    second_bytes = (second_dir / second_file).stat().st_size
    assert first_bytes > 20_000 and second_bytes < 3_000, (first_bytes, second_bytes)
    latest = store.captures.latest(WX_LIVE)
    assert latest["record_type"] == "revisit" and latest["original"]["warc_file"] == first_file
    assert latest["captured_at"] == "2026-06-09T02:00:00Z"
    assert read_capture(second_dir, latest).body == P.wx_live()  # via the original record
    assert len(store.captures.of(WX_LIVE)) == 2

    # Past max_age again, and the article was edited: a full response, and its images again.
    edited = P.wx_live().replace("本文介绍".encode(), "（已更新）本文介绍".encode())
    monkeypatch.setattr(P, "wx_live", lambda: edited)
    third = archive(simweb, store, second_dir, now=lambda: later + timedelta(days=100))
    assert third.captured == 1 and third.pages[0].requisites == 3 and third.pages[0].revisits == 3
    latest = store.captures.latest(WX_LIVE)
    assert latest["record_type"] == "response" and "（已更新）" in latest["excerpt"]
    assert_valid_warcs(second_dir, store)


def test_walls_and_tombstones_are_never_archived_as_the_article_and_are_recorded(tmp_path, simweb):
    captcha_once = WX + "captchaOnce00000000000"
    deleted = WX + "P9cMowFQ-QahLRnfHponKw"
    store = alive_db(tmp_path / "linkcheck.db", [captcha_once, deleted])
    first = archive(simweb, store, tmp_path / "warc", now=lambda: T0 + timedelta(days=1))
    reasons = {p.url: (p.outcome, p.reason) for p in first.pages}
    assert reasons[deleted] == ("skipped", "not-alive:tombstone:weixin-deleted")
    assert reasons[captcha_once] == ("skipped", "not-alive:antibot:weixin-verify")
    assert store.captures.latest(captcha_once) is None and first.files == []
    # What the archive found is each page's check, through the classifier and the store — one
    # request, one verdict, none thrown away — so the pages are no longer "alive, to capture".
    assert first.checks_recorded == 2 and simweb.hits("mp.weixin.qq.com", "/s/P9cMowFQ-QahLRnfHponKw") == 1
    [*_, tombstone] = store.queries.history(deleted)
    assert (tombstone["verdict"], tombstone["reason"], tombstone["checked_at"]) == (
        "dead", "tombstone:weixin-deleted", "2026-03-02T02:00:00Z",
    )  # fmt: skip
    [*_, wall] = store.queries.history(captcha_once)
    assert (wall["verdict"], wall["reason"]) == ("blocked", "antibot:weixin-verify")
    assert pending_in_order(store.captures.due(now=T0 + timedelta(days=1))) == []
    # The next check run re-checks the walled page (failing URLs are due) and, the captcha gone,
    # captures the article from that check's own answer.
    run_id, summary, second = check_and_archive(simweb, store, tmp_path / "warc", [captcha_once])
    assert summary.counts == {"alive": 1}
    assert [(p.url, p.outcome, p.source) for p in second.pages] == [(captcha_once, "captured", "check")]
    assert store.captures.latest(captcha_once)["title"] and store.captures.latest(captcha_once)["run_id"] == run_id
    assert simweb.hits("mp.weixin.qq.com", "/s/captchaOnce00000000000") == 2  # the wall, then the article
    assert_valid_warcs(tmp_path / "warc", store)


def test_archive_fetches_speak_the_checks_reasons(tmp_path, simweb):
    """The archive's requests are the checker's: its redirect limit, its reason names, recorded."""
    far, limited = "https://behave.test/redirect/12", "https://github.com/owner/repo2"  # 12 hops; a 429
    store = alive_db(tmp_path / "linkcheck.db", [far, limited])
    summary = archive(simweb, store, tmp_path / "warc", fetch={"max_attempts": 1})
    assert {p.url: (p.outcome, p.reason) for p in summary.pages} == {
        far: ("failed", "too-many-redirects"),
        limited: ("skipped", "not-alive:http-429"),
    }
    assert [(c["verdict"], c["reason"]) for c in store.queries.history(far)][-1] == ("error", "too-many-redirects")
    assert [(c["verdict"], c["reason"]) for c in store.queries.history(limited)][-1] == ("blocked", "rate-limited")
    assert simweb.hits("behave.test") == 11 and summary.files == []


def test_configured_host_headers_are_sent_and_recorded(tmp_path, simweb):
    url = "https://behave.test/headers"
    store = alive_db(tmp_path / "linkcheck.db", [url])
    summary = archive(
        simweb, store, tmp_path / "warc", fetch={"host_headers": {"behave.test": {"Cookie": "z_c0=secret"}}}
    )
    assert summary.captured == 1
    echoed = json.loads(read_capture(tmp_path / "warc", store.captures.latest(url)).body)
    assert echoed["Cookie"] == "z_c0=secret" and echoed["Accept-Encoding"] == "gzip, deflate"
    [path] = assert_valid_warcs(tmp_path / "warc", store)
    [request] = [r[2] for r in records(path) if r[1].get_header("WARC-Type") == "request"]
    assert request.get_header("Cookie") == "z_c0=secret"  # the request record is what was sent


def test_size_cap_cuts_the_body_with_warc_truncated_length(tmp_path, simweb):
    store = alive_db(tmp_path / "linkcheck.db", [WX_BIG])
    cap = 512 * 1024
    summary = archive(simweb, store, tmp_path / "warc", settings=ArchiveSettings(max_resource_bytes=cap))
    assert summary.captured == 1 and summary.pages[0].truncated
    row = store.captures.latest(WX_BIG)
    assert row["truncated"] == "length" and row["payload_length"] == cap
    [path] = assert_valid_warcs(tmp_path / "warc", store)
    [(_o, warc, http, payload)] = [r for r in records(path) if r[1].get_header("WARC-Type") == "response"][:1]
    assert warc.get_header("WARC-Truncated") == "length"
    assert len(payload) == cap and http.get_header("Content-Length") == str(cap)
    assert payload == P.wx_live_big()[:cap]
    # A cut payload is never used as the original of a revisit.
    assert store.captures.by_digest(row["payload_digest"]) is None


def test_rotation_opens_new_files_each_starting_with_warcinfo(tmp_path, simweb):
    urls = [WX_LIVE, WX_OTHER, "https://behave.test/ok", "https://blog.csdn.net/a/article/details/2"]
    store = alive_db(tmp_path / "linkcheck.db", urls)
    summary = archive(simweb, store, tmp_path / "warc", settings=ArchiveSettings(rotate_bytes=10_000, concurrency=1))
    assert summary.captured == 4
    files = assert_valid_warcs(tmp_path / "warc", store)
    assert len(files) >= 3 and [f.name for f in files] == sorted(summary.files)
    serials = [int(f.name.split("-")[2]) for f in files]
    assert serials == sorted(serials) and len(set(serials)) == len(serials)
    # A page and its request never straddle two files.
    for path in files:
        types = [r[1].get_header("WARC-Type") for r in records(path)]
        assert types[0] == "warcinfo" and types.count("request") == types.count("response") + types.count("revisit")


MEMORY = r"""
import asyncio, sys, tracemalloc
from pathlib import Path
from linkcheck.archive import ArchiveSettings, archive_pending
from linkcheck.net.transport import Fetcher, FetchSettings
from linkcheck.net.resolve import parse_resolve_rules
from linkcheck.store import Store

db, warc_dir, ca, port = sys.argv[1:5]

async def main():
    settings = FetchSettings(ca_bundle=ca, allow_private=True)
    async with Fetcher(settings, resolver=parse_resolve_rules([f"*:443:127.0.0.1:{port}"])) as fetcher:
        with Store(db) as store:
            tracemalloc.start()
            summary = await archive_pending(
                store,
                fetcher,
                warc_dir=Path(warc_dir),
                settings=ArchiveSettings(requisites=False, max_text_bytes=512 * 1024),
            )
            print(summary.captured, tracemalloc.get_traced_memory()[1])

asyncio.run(main())
"""


def test_memory_stays_bounded_while_capturing_a_3mb_page(tmp_path, simweb):
    """The 3.3 MB article streams to disk; only the first max_text_bytes are decoded for the title."""
    alive_db(tmp_path / "linkcheck.db", [WX_BIG]).close()
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    args = [sys.executable, "-c", MEMORY, tmp_path / "linkcheck.db", tmp_path / "warc", tmp_path / "ca.pem"]
    done = run([*args, simweb.https_port])
    assert done.returncode == 0, done.stderr
    captured, peak = map(int, done.stdout.split())
    assert captured == 1
    with Store(tmp_path / "linkcheck.db") as store:
        row = store.captures.latest(WX_BIG)
        assert row["payload_length"] == len(P.wx_live_big()) and row["truncated"] is None
        assert row["title"] == P.WX_LIVE_TITLE
    # Python allocations peak near the text window (512 KiB bytes + str), not at the body size.
    assert peak < len(P.wx_live_big()), peak


# ---- crashes ------------------------------------------------------------------------------------


def test_repair_cuts_a_torn_tail_and_forgets_lost_rows(tmp_path, simweb):
    store = alive_db(tmp_path / "linkcheck.db", [WX_LIVE, WX_OTHER, "https://behave.test/ok"])
    warc_dir = tmp_path / "warc"
    summary = archive(simweb, store, warc_dir, settings=ArchiveSettings(concurrency=1))
    [name] = summary.files
    pristine = (warc_dir / name).read_bytes()
    offsets = sorted(r[0] for r in records(warc_dir / name))
    rows_before = store.captures.totals()["records"]
    store.close()  # checkpoints the WAL: the file alone is the database
    db_copy = tmp_path / "copy.db"
    shutil.copy(tmp_path / "linkcheck.db", db_copy)
    for n, cut in enumerate((offsets[3] + 17, offsets[-2] + 5, len(pristine) - 1)):
        shutil.copy(db_copy, tmp_path / f"work{n}.db")
        work = Store(tmp_path / f"work{n}.db")
        (warc_dir / name).unlink()
        (warc_dir / (name + ".open")).write_bytes(pristine[:cut] + b"\xff" * 100)  # torn + junk
        [repair] = repair_open_files(warc_dir, work)
        assert repair.kept_bytes == max(o for o in offsets if o <= cut) and not repair.removed
        assert complete_members_end(warc_dir / name) == repair.kept_bytes
        assert work.captures.totals()["records"] == rows_before - repair.forgotten_captures
        assert_valid_warcs(warc_dir, work)
        work.close()
    # Nothing complete at all (killed while writing the warcinfo): the file goes.
    (warc_dir / name).unlink()
    (warc_dir / (name + ".open")).write_bytes(pristine[:40])
    [repair] = repair_open_files(warc_dir, None)
    assert repair.removed and not list(warc_dir.glob("*.warc.gz*"))


class _FailingStream(io.BytesIO):
    def read(self, *args):
        raise OSError(28, "No space left on device")


def test_a_failed_write_never_leaves_a_torn_record(tmp_path):
    from warcio.recordbuilder import RecordBuilder

    writer = WarcFileWriter(tmp_path)
    builder = RecordBuilder(warc_version="1.1")
    good = builder.create_warc_record("https://a.example/", "resource", payload=io.BytesIO(b"x" * 5000), length=5000)
    name, [(offset, length)] = writer.write([good])
    bad = builder.create_warc_record(
        "https://b.example/", "resource", payload=_FailingStream(b"y" * 5000), length=5000,
        warc_headers_dict={"WARC-Payload-Digest": "sha1:X", "WARC-Block-Digest": "sha1:X"},
    )  # fmt: skip
    with pytest.raises(OSError):
        writer.write([bad])
    assert (tmp_path / name).stat().st_size == offset + length  # cut back and closed
    again = builder.create_warc_record("https://c.example/", "resource", payload=io.BytesIO(b"z"), length=1)
    other, _ = writer.write([again])
    writer.close()
    assert other != name and writer.closed_files == [name, other]
    for path in (tmp_path / name, tmp_path / other):
        assert run(["gzip", "-t", path]).returncode == 0
        assert run([BIN / "warcio", "check", path]).returncode == 0
        assert [r[1].get_header("WARC-Type") for r in records(path)] == ["warcinfo", "resource"]


def test_disk_failure_stops_the_stage_and_keeps_finished_captures(tmp_path, simweb, monkeypatch):
    store = alive_db(tmp_path / "linkcheck.db", [WX_LIVE, WX_OTHER, "https://behave.test/ok"])
    real = WarcFileWriter.write
    calls = []

    def flaky(self, records):
        calls.append(1)
        if len(calls) == 7:  # the first page, its script, 3 images and readable copy are written; the 2nd fails
            raise OSError(28, "No space left on device")
        return real(self, records)

    monkeypatch.setattr(WarcFileWriter, "write", flaky)
    summary = archive(simweb, store, tmp_path / "warc", settings=ArchiveSettings(concurrency=1))
    assert summary.status == "error" and "No space left" in summary.error
    assert summary.captured == 1 and summary.attempted == 1
    assert_valid_warcs(tmp_path / "warc", store)


def cli(*args: str) -> list[str]:
    """The CLI with the archive commands registered (cli.py may not import cli_archive yet)."""
    return [sys.executable, "-c", "import linkcheck.cli.archive; from linkcheck.cli import main; main()", *args]


def net_args(web) -> list[str]:
    return [
        "--resolve", f"*:443:127.0.0.1:{web.https_port}",
        "--resolve", f"*:80:127.0.0.1:{web.http_port}",
        "--ca-bundle", "ca.pem", "--allow-private",
    ]  # fmt: skip


def test_sigkill_mid_capture_then_next_run_repairs(tmp_path, simweb):
    drip = "https://behave.test/drip?bytes_per_s=200000&total=600000"
    db = tmp_path / "state" / "linkcheck.db"
    alive_db(db, [WX_LIVE, WX_OTHER, drip]).close()
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    warc_dir = tmp_path / "state" / "warc"
    proc = subprocess.Popen(
        cli("archive", "--concurrency", "1", *net_args(simweb)), cwd=tmp_path, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            # WeChat pages come first (decay risk); the slow drip comes last: kill during it.
            if simweb.hits("behave.test", "/drip") and list((warc_dir / ".tmp").glob("*.part")):
                time.sleep(0.3)
                break
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    [left_open] = warc_dir.glob("*.warc.gz.open")
    assert list((warc_dir / ".tmp").glob("*.part"))
    assert sql(db, "select count(*) from captures where kind = 'page'") == [(2,)]

    again = run(cli("archive", *net_args(simweb)), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "repaired" in again.stderr and left_open.name in again.stderr
    assert not list((warc_dir / ".tmp").glob("*.part"))
    with Store(db) as store:
        files = assert_valid_warcs(warc_dir, store)
        assert store.captures.latest(drip)["payload_length"] == 600_000
    assert len(files) == 2
    stop_web(simweb)
    replayed = pywb_replay(tmp_path, files, [WX_LIVE, P.mmbiz_image_url(P.WX_LIVE_ID, 1)])
    assert all(r["status"] == 200 for r in replayed.values())


# ---- the database ---------------------------------------------------------------------------


def test_v1_database_is_migrated_and_dead_links_show_captures(tmp_path, monkeypatch, simweb):
    path = tmp_path / "linkcheck.db"
    gone, never = WX_LIVE, "https://behave.test/ok"
    with monkeypatch.context() as m:
        m.setattr(store_module.schema, "MIGRATIONS", store_module.schema.MIGRATIONS[:1])
        old = Store(path, confirm_days=0)
        assert old.schema_version == 1
        old.close()
    with sqlite3.connect(path) as conn:  # the URLs, places and checks a linkcheck of schema 1 wrote…
        for url in (gone, never):
            conn.execute(
                "INSERT INTO urls (canonical, raw, host, site, first_seen) VALUES (?, ?, ?, ?, ?)",
                (url, url, url.split("/")[2], "weixin" if url == gone else "generic", store_module.iso(T0)),
            )
            conn.execute(
                "INSERT INTO occurrences (url_id, file, line, column, kind) "
                "SELECT id, 'posts/t.md', 1, 1, 'bare' FROM urls WHERE canonical = ?",
                (url,),
            )
        conn.executemany(
            "INSERT INTO checks (url_id, checked_at, verdict, reason, http_status) "
            "SELECT id, ?, 'alive', 'ok', 200 FROM urls WHERE canonical = ?",
            [(store_module.iso(T0), url) for url in (gone, never)],
        )
        # …and the per-URL state it kept with them (schema 1's url_state columns, no later ones)
        conn.execute(
            "INSERT INTO url_state (url_id, last_check_id, last_checked_at, verdict, reason, http_status, streak, "
            "streak_since, last_alive_at, dead_checks, checks, recent, transitions) "
            "SELECT url_id, id, checked_at, 'alive', 'ok', 200, 1, checked_at, checked_at, 0, 1, 'A', 0 FROM checks"
        )
    conn.close()
    assert sql(path, "select name from sqlite_master where name = 'captures'") == []
    store = Store(path)
    assert store.schema_version == store_module.code_schema_version()
    assert [c["verdict"] for c in store.queries.history(gone)] == ["alive"]
    archive(simweb, store, tmp_path / "warc", limit=1, now=lambda: T0)
    for day in (1, 2, 3):
        for url in (gone, never):
            store.checks.record(None, url, Outcome(Verdict.DEAD, "http-404", 404), now=T0 + timedelta(days=day))
    rows = {r["canonical"]: r for r in store.queries.dead_links()}
    assert rows[gone]["captured"] == 1 and rows[gone]["last_captured_at"] == "2026-03-01T02:00:00Z"
    assert rows[never]["captured"] == 0 and rows[never]["last_captured_at"] is None
    # The WeChat article has a readable copy beside its capture; the page never captured has none.
    assert rows[gone]["readable"] == 1 and rows[never]["readable"] is None
    plain = sql(path, "select canonical, captured, readable from dead_links order by canonical")
    assert plain == [(never, 0, None), (gone, 1, 1)]


# ---- pieces ---------------------------------------------------------------------------------------


def test_capture_policy_orders_by_decay_risk_and_keeps_a_reserve():
    wx, old, fresh = WX + "policyNew000000000000", WX + "policyOld000000000000", WX + "policyFresh00000000000"
    zhihu, csdn, elsewhere = (
        "https://zhuanlan.zhihu.com/p/1",
        "https://blog.csdn.net/u/article/details/1",
        "https://zhuanlan.zhihu.com/p/2",
    )
    links = [
        (csdn, "blog.csdn.net"),
        (zhihu, "zhuanlan.zhihu.com"),
        (wx, "mp.weixin.qq.com"),
        (old, "mp.weixin.qq.com"),
        (fresh, "mp.weixin.qq.com"),
    ]
    last = {old: "2026-01-01T00:00:00Z", fresh: "2026-11-30T00:00:00Z"}
    # An alive Zhihu page the run does not check: it ranks after the checked one, before CSDN.
    pending = [{"canonical": elsewhere, "last_captured_at": None, "priority": 1, "url_id": 7}]
    cutoff = "2026-09-01T00:00:00Z"
    assert plan_captures(links, last, cutoff=cutoff, limit=None).planned == {wx, zhihu, csdn, old}
    assert plan_captures(links, last, cutoff=None, limit=None).planned == {wx, zhihu, csdn}
    plan = plan_captures(links, last, cutoff=cutoff, limit=3, pending=pending)
    assert plan.planned == {wx, zhihu}  # the third place is the stage's
    assert list(plan.reserve) == [csdn, old]
    assert plan_captures(links, last, cutoff=cutoff, limit=1, pending=pending).reserve.keys() == {zhihu}


def test_digest_html_title_text_and_images():
    html = (
        '<html><head><title> </title><meta property="og:title" content="文章标题"><style>p{}</style></head>'
        "<body><h1>Heading</h1><script>var x = '<p>no</p>';</script><p>第一段 &amp; more</p>"
        '<img data-src="https://mmbiz.qpic.cn/a/640?wx_fmt=png&amp;from=appmsg" src="data:image/gif;base64,R0">'
        '<img src="/local.png"><br/><div>第二段</div></body></html>'
    )
    digest = digest_html(html, ("data-src", "src"))
    assert digest.title == "文章标题"
    assert digest.text == "Heading\n第一段 & more\n第二段"
    assert digest.images == ("https://mmbiz.qpic.cn/a/640?wx_fmt=png&from=appmsg", "/local.png")
    assert digest_html("<title>Only</title><p>x</p>").title == "Only"
    assert digest_html("<h1>H</h1>").title == "H"


def test_decoded_window_is_bounded():
    """A page's title, text and images come from its check's decoded window: a gzip bomb stops at
    the limit, and an encoding no tool could read back decodes to nothing."""

    def window(raw: bytes, encoding: str | None, limit: int) -> bytes:
        decoder = WindowDecoder(encoding, limit)
        for start in range(0, len(raw), 65536):
            if decoder.ended:
                break
            decoder.feed(raw[start : start + 65536])
        return bytes(decoder.window)

    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    assert len(window(bomb, "gzip", 1024 * 1024)) == 1024 * 1024
    assert window(b"plain", None, 100) == b"plain"
    assert window(b"x", "compress", 100) == b""


@pytest.mark.parametrize("kind", ["response", "revisit"])
def test_record_capture_validates_fields(tmp_path, kind):
    store = Store(tmp_path / "linkcheck.db")
    with pytest.raises(ValueError):
        store.captures.record(url="https://x.example/", kind="bogus")
    with pytest.raises(ValueError):
        store.captures.record(url="https://x.example/", kind="page", nonsense=1)
    capture_id = store.captures.record(
        canonical="https://x.example/", url="https://x.example/", kind="page", warc_date="2026-01-01T00:00:00Z",
        warc_file="f.warc.gz", warc_offset=0, warc_length=10, warc_record_id="<urn:uuid:1>", record_type=kind,
        payload_digest="sha1:X", payload_length=3,
    )  # fmt: skip
    assert store.captures.latest("https://x.example/")["id"] == capture_id
    assert (store.captures.by_digest("sha1:X") is not None) == (kind == "response")
