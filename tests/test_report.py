"""The morning report: a deterministic history rendered as Markdown (snapshot), JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkcheck.models import Link, LinkKind, Occurrence, Outcome, Verdict
from linkcheck.report import build_report, to_csv, to_json, to_markdown
from linkcheck.scan.canonical import canonicalize
from linkcheck.store import Store

SNAPSHOT = Path(__file__).parent / "snapshots" / "report.md"
START = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def _link(url: str, file: str, line: int) -> Link:
    c = canonicalize(url)
    return Link(url, c.canonical, c.host, c.checkable, c.skip_reason, [Occurrence(file, line, 1, LinkKind.BARE)])


LINKS = [
    _link("https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw", "posts/2019-1-1-a.md", 12),
    _link("https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw", "posts/2019-1-1-a.md", 14),
    _link("https://zhuanlan.zhihu.com/p/146643148", "posts/2019-1-1-a.md", 20),
    _link("https://github.com/owner/missing", "posts/2020-2-2-b.md", 3),
    _link("https://blog.csdn.net/x/article/details/1", "posts/2020-2-2-b.md", 9),
]
NIGHTS = [
    # per night: outcome per link index
    {0: ("dead", "tombstone:weixin-deleted"), 1: ("alive", "live-marker"), 2: ("blocked", "antibot:zhihu-403"),
     3: ("dead", "http-404"), 4: ("alive", "live-marker")},
    {0: ("dead", "tombstone:weixin-deleted"), 1: ("alive", "live-marker"), 2: ("blocked", "antibot:zhihu-403"),
     3: ("alive", "http-200"), 4: ("error", "timeout")},
    {0: ("dead", "tombstone:weixin-deleted"), 1: ("alive", "live-marker"), 2: ("alive", "live-marker"),
     3: ("dead", "http-404"), 4: ("alive", "live-marker")},
]  # fmt: skip


@pytest.fixture()
def store(tmp_path: Path):
    with Store(tmp_path / "state" / "linkcheck.db") as store:
        for night, outcomes in enumerate(NIGHTS):
            when = START + timedelta(days=4 * night)
            store.links.sync(LINKS, now=when)
            run = store.runs.begin({"night": night}, now=when)
            for index, (verdict, reason) in outcomes.items():
                status = 404 if reason == "http-404" else 200
                store.checks.record(run, LINKS[index].canonical, Outcome(Verdict(verdict), reason, http_status=status),
                                   now=when + timedelta(minutes=index))  # fmt: skip
            store.runs.finish(run, "completed", {}, now=when + timedelta(minutes=30))
        yield store


def test_markdown_report_snapshot(store):
    text = to_markdown(build_report(store))
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8")


def test_report_content(store):
    report = build_report(store)
    assert report.run is not None and report.run["id"] == 3
    assert [d.url for d in report.dead] == ["https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw"]
    assert {row["canonical"] for row in report.changes["confirmed_dead"]} == {LINKS[0].canonical}
    assert {row["canonical"] for row in report.changes["newly_dead"]} == {LINKS[3].canonical}
    assert {row["canonical"] for row in report.changes["recovered"]} == set()
    sites = {row.site: row for row in report.sites}
    assert (sites["weixin"].alive, sites["weixin"].dead) == (1, 1)
    assert sites["zhihu"].alive == 1
    data = json.loads(to_json(report))
    assert data["dead"][0]["file"] == "posts/2019-1-1-a.md" and data["dead"][0]["line"] == 12
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert rows == [
        {
            "file": "posts/2019-1-1-a.md", "line": "12", "column": "1", "url": LINKS[0].canonical, "site": "weixin",
            "reason": "tombstone:weixin-deleted", "confirmed": "yes", "dead_since": "2026-11-01T03:00:00Z",
            "last_dead_at": "2026-11-09T03:00:00Z", "dead_checks": "3", "dead_days": "8.0", "last_alive_at": "",
            "current_verdict": "dead", "archived": "no", "readable": "no", "open_with": "", "state": "confirmed",
        }
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "csv"])
def test_report_command_formats_and_output_file(store, tmp_path: Path, fmt: str):
    db = str(store.path)
    out = tmp_path / f"report.{fmt}"
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", "report", "--db", db, "-f", fmt, "-o", str(out)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "P9cMowFQ-QahLRnfHponKw" in text


def test_report_without_database_is_exit_2(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", "report", "--db", str(tmp_path / "none.db")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert not (tmp_path / "none.db").exists()


def test_report_counts_captures_and_unchecked_links_by_site(store):
    """The "archived" and "unchecked" figures: a URL with any capture counts once, whatever its
    number of captures; a cited URL never checked is unchecked."""
    never = _link("https://mp.weixin.qq.com/s/neverCheckedYet000000", "posts/2020-2-2-b.md", 30)
    store.links.sync([*LINKS, never], now=START + timedelta(days=9))
    capture = dict(warc_date="d", warc_file="a.warc.gz", warc_length=10, warc_record_id="<r>",
                   record_type="response", payload_digest="sha1:X", payload_length=5)  # fmt: skip
    for offset, link in enumerate([LINKS[0], LINKS[0], LINKS[2]]):
        store.captures.record(canonical=link.canonical, url=link.url, kind="page", warc_offset=offset, **capture)
    store.captures.record(url="https://mmbiz.qpic.cn/x.png", kind="requisite", warc_offset=9, **capture)
    report = build_report(store)
    assert [(d.url, d.captured) for d in report.dead] == [(LINKS[0].canonical, True)]
    sites = {row.site: row for row in report.sites}
    assert (sites["weixin"].urls, sites["weixin"].unchecked, sites["weixin"].captured) == (3, 1, 1)
    assert (sites["zhihu"].urls, sites["zhihu"].captured) == (1, 1)
    assert (sites["github"].captured, sites["csdn"].captured) == (0, 0)
    assert [row.site for row in report.sites] == ["weixin", "zhihu", "csdn", "github"]
