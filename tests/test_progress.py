"""What the archive stage shows while it works and what the report says it did (issue #22 item 18).

A nightly run whose checks are done archives the alive pages no check fetched (here: fifteen WeChat
articles with three images each, checked the night before without archiving), paced as WeChat is
paced (scaled down). Through the real CLI against the simulated web: the plain cron lines follow
the stage to its totals, the report (terminal, JSON, Markdown) sums it up; in-process with a rich
terminal console: the live display's archive bar and its sites' pacing.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from linkcheck.archive.progress import STAGE_ARCHIVE, STAGE_DONE, ArchiveProgress
from linkcheck.cli.progress import PLAIN_STEP_PCT, RunProgress
from linkcheck.net.resolve import RoutingResolver
from linkcheck.run.job import JobOptions, run_job
from linkcheck.simweb import pages as P
from linkcheck.simweb.catalog import by_id
from linkcheck.sites import Politeness
from tests.support import fast_settings
from tests.test_cli_ux import ANSI, _run_in_pty
from tests.test_job import cli_args

ARTICLES = [f"https://mp.weixin.qq.com/s/progressTest{i:02d}abcdefghij" for i in range(15)]
IMAGES_EACH = 3  # the simulated web's generated WeChat articles (wx_images default)
PACING = """\
[hosts."mp.weixin.qq.com"]
concurrency = 1
interval = 0.2
[hosts."mmbiz.qpic.cn"]
concurrency = 2
interval = 0.03
"""
# "linkcheck: archive 4/15 pages, 12/~45 images, 140.3 KB (30%) …"
LINE = re.compile(r"^linkcheck: archive (\d+)/(\d+) pages, (\d+)/~?(\d+) images(?: \(\d+ failed\))?, [\d.,]+ [KMG]?B")


@pytest.fixture()
def wechat_blog(tmp_path: Path, simweb) -> Path:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "wx.md").write_text("\n\n".join(ARTICLES), encoding="utf-8")
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    (tmp_path / "linkcheck.toml").write_text(PACING, encoding="utf-8")
    return tmp_path


def _run(blog: Path, simweb, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(cli_args(simweb, *extra), cwd=blog, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})  # fmt: skip


def _linkcheck(blog: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "linkcheck", *args], cwd=blog, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "COLUMNS": "200"})  # fmt: skip


def _checked_without_archive(blog: Path, simweb) -> None:
    """Night one: every article checked alive, nothing archived — the next night's archive stage
    has them all to fetch."""
    first = _run(blog, simweb, "--no-archive", "--quiet")
    assert first.returncode == 0, first.stderr


def test_cron_lines_follow_the_archive_stage_to_its_totals(wechat_blog: Path, simweb) -> None:
    _checked_without_archive(wechat_blog, simweb)
    done = _run(wechat_blog, simweb)
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("linkcheck:")]
    assert lines[0] == "linkcheck: 0 URLs due this run"  # checked yesterday: only the archive has work
    start = lines.index(next(line for line in lines if line.startswith("linkcheck: archive stage:")))
    assert "15 pages to archive" in lines[start]
    # Its pacing bound: 15 WeChat pages 0.2 s apart take about 3 s.
    assert re.search(r"about 3s at the sites' pacing", lines[start]), lines[start]
    progress = [LINE.match(line) for line in lines[start + 1 : -1]]
    assert all(progress), lines[start + 1 : -1]
    # Sparse: a line per 10 % (and the plan and the end), however many pages and images.
    assert 3 <= len(progress) <= 100 // PLAIN_STEP_PCT
    pages = [int(m.group(1)) for m in progress if m]
    images = [int(m.group(3)) for m in progress if m]
    assert pages == sorted(pages) and images == sorted(images) and pages[0] < pages[-1]
    assert all(int(m.group(2)) == 15 for m in progress if m)
    # Which site is waiting on its gate, and how long a request asking now would wait.
    assert any(re.search(r"site:weixin \d+ requests? left, \d in flight, \d+ waiting", line) for line in lines)
    assert re.match(r"linkcheck: archive done — 15/15 pages, 45/45 images, [\d.]+ KB in \ds$", lines[-1]), lines[-1]
    # The report that follows says what the stage did.
    assert re.search(r"Archive stage completed after [\d.]+s: 15 of 15 planned pages archived", done.stdout)
    assert "45 images, 15 readable copies" in done.stdout
    assert "nothing left for the next run." in done.stdout


def test_quiet_shows_no_archive_progress(wechat_blog: Path, simweb) -> None:
    _checked_without_archive(wechat_blog, simweb)
    done = _run(wechat_blog, simweb, "--quiet")
    assert done.returncode == 0, done.stderr
    assert "linkcheck: archive" not in done.stderr
    assert "archived 15 page(s)" in done.stderr  # the one summary line cron mails


def test_report_says_what_failed_and_what_is_left_and_why(wechat_blog: Path, simweb, monkeypatch) -> None:
    _checked_without_archive(wechat_blog, simweb)
    # Overnight two articles were deleted (the simulated web now serves WeChat's notice for them).
    notice = by_id("WX-DEL").url
    monkeypatch.setattr(simweb, "aliases", {url.split("://", 1)[1]: notice for url in ARTICLES[:2]})
    # A budget that ends the stage early: the rest waits for the next night.
    done = _run(wechat_blog, simweb, "--archive-budget", "1")
    assert done.returncode == 0, done.stderr
    report = _linkcheck(wechat_blog, "report", "-f", "json")
    assert report.returncode == 0, report.stderr
    archive = json.loads(report.stdout)["archive"]
    assert archive["status"] == "budget"
    attempted = archive["captured"] + archive["unchanged"] + archive["failed"] + archive["skipped"]
    assert 2 <= attempted < 15
    # The deleted articles come first (pages never captured, in the posts' order) and are not archived.
    assert archive["failures"] == {"not-alive:tombstone:weixin-deleted": 2}
    assert archive["left"] == {"budget": 15 - attempted}
    assert archive["left_total"] == 15 - attempted
    assert f"linkcheck: archive ended at its time budget — {attempted}/15 pages" in done.stderr
    assert archive["requisites"] == IMAGES_EACH * archive["captured"]
    text = _linkcheck(wechat_blog, "report")
    assert f"Archive stage ended at its time budget after {archive['elapsed_s']:.1f}s" in text.stdout
    assert "not archived: 2 not-alive:tombstone:weixin-deleted" in text.stdout
    assert f"left for the next run: {15 - attempted} pages — {15 - attempted} the time budget ran out" in text.stdout
    markdown = _linkcheck(wechat_blog, "report", "-f", "markdown")
    assert "## Archive stage" in markdown.stdout
    assert f"- left for the next run: {15 - attempted} pages" in markdown.stdout


def test_report_says_pages_beyond_the_page_limit_are_left(wechat_blog: Path, simweb) -> None:
    _checked_without_archive(wechat_blog, simweb)
    (wechat_blog / "linkcheck.toml").write_text(PACING + "[archive]\nmax_pages = 5\n", encoding="utf-8")
    done = _run(wechat_blog, simweb)
    assert done.returncode == 0, done.stderr
    assert "linkcheck: archive stage: 5 pages to archive" in done.stderr
    assert "linkcheck: archive done — 5/5 pages, 15/15 images" in done.stderr
    assert "left for the next run: 10 pages — 10 beyond the page limit" in done.stdout
    archive = json.loads(_linkcheck(wechat_blog, "report", "-f", "json").stdout)["archive"]
    assert (archive["planned"], archive["captured"], archive["left"]) == (5, 5, {"page-limit": 10})


def test_live_display_shows_the_archive_bar_and_its_sites_pacing(wechat_blog: Path, simweb) -> None:
    """The rich display, as a terminal gets it (a console forced to be one, recorded)."""
    db = wechat_blog / "state" / "linkcheck.db"
    pacing = {
        "mp.weixin.qq.com": Politeness(concurrency=1, interval=0.2, jitter=0.0),
        "mmbiz.qpic.cn": Politeness(concurrency=2, interval=0.03, jitter=0.0),
    }
    settings = fast_settings(simweb, politeness_overrides=pacing)
    night = datetime(2026, 11, 1, 3, tzinfo=UTC)
    events: list[ArchiveProgress] = []
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=140, height=50, color_system="standard")

    async def run(archive: bool, when: datetime, progress: RunProgress | None = None):
        options = JobOptions(paths=[wechat_blog / "posts"], db=db, canaries=("https://behave.test/ok",),
                             archive=archive)  # fmt: skip

        def on_archive(event: ArchiveProgress) -> None:
            events.append(event)
            if progress is not None:
                progress.archive(event)

        if progress is None:
            return await run_job(options, settings, resolver=RoutingResolver(simweb.route), now=lambda: when)
        with progress:
            return await run_job(
                options, settings, resolver=RoutingResolver(simweb.route), now=lambda: when,
                on_result=progress.result, on_plan=progress.plan, on_fetcher=progress.attach, on_archive=on_archive,
            )  # fmt: skip

    asyncio.run(run(False, night))
    job = asyncio.run(run(True, night + timedelta(hours=1), RunProgress(console)))
    assert job.archive is not None and job.archive.captured == 15
    frames = ANSI.sub("", screen.getvalue())
    assert "archiving" in frames and "archive pacing" in frames
    assert re.search(r"archiving.*\d+/15 pages, \d+/~\d+ images", frames), frames[-3000:]
    assert re.search(r"site:weixin\s+\d+\s+[01]\s+\d+", frames)  # left, in flight (one at a time), waiting
    assert "0.2s apart" in frames
    assert re.search(r"ETA ~[1-3]s at the sites' pacing", frames)  # the pacing bound
    # The events behind it: typed, growing, and ending at the totals.
    stage = [event for event in events if event.stage == STAGE_ARCHIVE]
    assert stage[0].pages_planned == 15 and stage[0].pages_done == 0
    assert stage[0].eta_s is not None and stage[0].eta_s >= 15 * 0.2 - 0.01
    done = [event.requests_done for event in stage]
    assert done == sorted(done)
    assert [event.bytes_written for event in stage] == sorted(event.bytes_written for event in stage)
    last = events[-1]
    assert last.stage == STAGE_DONE and last.pages_done == 15 and last.images_done == 15 * IMAGES_EACH
    assert last.images_expected == 15 * IMAGES_EACH and last.fraction == 1.0 and last.eta_s is None
    assert last.bytes_written == job.archive.bytes_written
    # The pacing bound is a bound: the stage took at least as long.
    assert job.archive.elapsed_s >= 14 * 0.2


def test_terminal_shows_what_the_archive_does_in_every_stage(wechat_blog: Path, simweb) -> None:
    """Through the real CLI on a pseudo-terminal: while the checks run, what the archive wrote from
    their answers; then the archive stage's bar and its sites' pacing."""
    _checked_without_archive(wechat_blog, simweb)
    # Five pages checked again (and captured from their checks' answers), ten left to the stage.
    code, screen = _run_in_pty(cli_args(simweb, "--all", "--max-urls", "5"), wechat_blog)
    assert code == 0, screen[-2000:]
    shown = ANSI.sub("", screen)
    assert re.search(r"checking.*\d/5", shown)
    assert re.search(r"archived while checking: \d of 5 planned pages, \d+ images", shown), shown[-3000:]
    assert re.search(r"archiving.*\d+/15 pages, \d+/~?\d+ images", shown), shown[-3000:]
    assert "archive pacing" in shown and "site:weixin" in shown
    assert "Archive stage completed after" in shown  # the report after the display


def test_archive_command_shows_progress_lines(wechat_blog: Path, simweb) -> None:
    _checked_without_archive(wechat_blog, simweb)
    net = ["--resolve", f"*:443:127.0.0.1:{simweb.https_port}", "--ca-bundle", "ca.pem", "--allow-private"]
    done = _linkcheck(wechat_blog, "archive", *net)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("linkcheck: archive")]
    assert "15 pages to archive" in lines[0]
    assert re.match(r"linkcheck: archive done — 15/15 pages, 45/45 images", lines[-1]), lines


def test_snapshot_counts_estimate_images_of_pages_not_read_yet() -> None:
    """The tally's estimate: pages not read yet name as many images as those of their site read
    so far; the bound is the slowest site's requests left × its interval."""
    from linkcheck.archive.capture import PageCapture
    from linkcheck.archive.progress import ArchiveTally
    from linkcheck.net.gates import HostGates, site_politeness

    pacing = {"mp.weixin.qq.com": Politeness(1, 1.0, 0.0), "mmbiz.qpic.cn": Politeness(2, 0.5, 0.0)}
    gates = HostGates(lambda host: site_politeness(host, pacing))
    tally = ArchiveTally(gates, lambda: 1234, clock=lambda: 100.0)
    pages = [f"https://mp.weixin.qq.com/s/page{i}" for i in range(10)]
    tally.start_stage(pages, done_before=2)
    first = tally.snapshot()
    assert (first.pages_planned, first.images_expected) == (12, 0)  # no page read yet: no image known
    assert first.eta_s == 10 * 1.0
    tally.images_found(pages[0], [P.mmbiz_image_url("page0", n) for n in range(4)])
    tally.page(PageCapture(pages[0], "captured"))
    tally.image(P.mmbiz_image_url("page0", 0), ok=True)
    snap = tally.snapshot()
    # 3 images left of the page read + 9 pages not read × 4 each, on mmbiz.qpic.cn; 9 pages on WeChat.
    assert snap.images_expected == 1 + 3 + 9 * 4
    assert snap.eta_s == max(9 * 1.0, (3 + 36) * 0.5)
    assert {g.state.key: g.requests_left for g in snap.gates} == {"site:weixin": 9, "site:weixin-images": 39}
    assert snap.bytes_written == 1234 and snap.fraction == pytest.approx((1 + 1) / (12 + 40))
    tally.finish("completed")
    assert tally.snapshot().eta_s is None


def test_plain_lines_are_sparse_for_a_long_stage() -> None:
    """Thousands of events make a line per 10 % of the stage and one per PLAIN_EVERY_S between."""
    from linkcheck.cli import progress as module

    now = [0.0]
    out = io.StringIO()
    shown = RunProgress(Console(file=out, width=200), clock=lambda: now[0])

    def event(done: int, stage: str = STAGE_ARCHIVE) -> ArchiveProgress:
        return ArchiveProgress(stage, 5000, done, done, 0, 0, 0, 0, 0, done * 1000, now[0], None, ())

    for done in range(5001):
        now[0] += 0.01 if done < 4000 else 2.0  # the last fifth crawls: time-based lines appear
        shown.archive(event(done, STAGE_DONE if done == 5000 else STAGE_ARCHIVE))
    lines = out.getvalue().splitlines()
    crawl_s = 1000 * 2.0
    assert len(lines) <= 1 + 100 // PLAIN_STEP_PCT + int(crawl_s // module.PLAIN_EVERY_S) + 1
    assert lines[0].startswith("linkcheck: archive stage: 5000 pages to archive")
    assert lines[-1].startswith("linkcheck: archive done — 5000/5000 pages")


def test_snapshots_are_rate_limited_but_the_start_and_the_end_always_go_out() -> None:
    """A sweep archives tens of thousands of pages and images on thousands of hosts: a snapshot
    (which reads every gate the archive used) goes out at most every EMIT_EVERY_S."""
    from linkcheck.archive.capture import PageCapture
    from linkcheck.archive.progress import EMIT_EVERY_S, ArchiveTally
    from linkcheck.net.gates import HostGates, site_politeness

    now = [0.0]
    tally = ArchiveTally(HostGates(lambda host: site_politeness(host, {})), lambda: 0, clock=lambda: now[0])
    got: list[ArchiveProgress] = []
    tally.listener = got.append
    pages = [f"https://h{i}.example/p" for i in range(1000)]
    tally.start_stage(pages)
    for page in pages:
        now[0] += EMIT_EVERY_S / 10
        tally.page(PageCapture(page, "captured"))
    tally.finish("completed")
    assert got[0].stage == STAGE_ARCHIVE and got[0].pages_done == 0
    assert got[-1].stage == STAGE_DONE and got[-1].pages_done == 1000 and got[-1].status == "completed"
    assert 1000 // 11 <= len(got) - 2 <= 1000 // 10 + 1  # (a tenth of the interval each, float sums)
    assert [event.pages_done for event in got] == sorted(event.pages_done for event in got)
