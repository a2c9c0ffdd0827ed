"""The nightly job end to end: real posts, the real CLI in a subprocess, the simulated web, SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkcheck.models import Link, Occurrence, Outcome, Verdict
from linkcheck.net.resolve import RoutingResolver
from linkcheck.run.job import GroupCommit, JobOptions, run_job, states_to_plan
from linkcheck.run.lock import RunLock, lock_path_for
from linkcheck.run.schedule import plan
from linkcheck.scan.canonical import canonicalize
from linkcheck.store import Store, StoreError
from linkcheck.store.links import Links
from tests.support import fast_politeness, fast_settings

POST = """---
layout: post
title: 测试
---
深入解读Airbnb推荐算法

https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw

已删除的文章https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw看看

知乎专栏（https://zhuanlan.zhihu.com/p/146643148）

[不存在](https://behave.test/status/404) and <https://behave.test/ok>

![](/images/local.png) `https://behave.test/in-code`
"""

EXPECTED = {
    "https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw": ("alive", "live-marker"),
    "https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw": ("dead", "tombstone:weixin-deleted"),
    "https://zhuanlan.zhihu.com/p/146643148": ("blocked", "antibot:zhihu-403"),
    "https://behave.test/status/404": ("dead", "http-404"),
    "https://behave.test/ok": ("alive", "http-200"),
    "/images/local.png": ("skipped", "site-relative"),
    "https://behave.test/in-code": ("skipped", "in-code"),
}


@pytest.fixture()
def blog(tmp_path: Path, simweb) -> Path:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "2020-1-1-test.md").write_text(POST, encoding="utf-8")
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    return tmp_path


def cli_args(web, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "linkcheck", "check",
        "--resolve", f"*:443:127.0.0.1:{web.https_port}",
        "--resolve", f"*:80:127.0.0.1:{web.http_port}",
        "--ca-bundle", "ca.pem", "--allow-private",
        "--canary", "https://behave.test/ok",
        "--backoff", "0.05",
        *extra,
    ]  # fmt: skip


def test_check_cli_classifies_records_and_reports(blog, simweb):
    done = subprocess.run(cli_args(simweb, "--format", "json"), cwd=blog, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = {row["url"]: (row["verdict"], row["reason"]) for row in json.loads(done.stdout)}
    assert got == EXPECTED
    # Every fetched URL is in the history database, one check each, in a completed run.
    db = sqlite3.connect(blog / "state" / "linkcheck.db")
    assert db.execute("select status from runs").fetchall() == [("completed",)]
    assert db.execute("select count(*) from checks").fetchone()[0] == 5
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    # Politeness from the server's side: WeChat was asked one request at a time.
    assert simweb.max_in_flight("mp.weixin.qq.com") == 1


def test_check_cli_table_report_and_lock(blog, simweb):
    with RunLock(lock_path_for(blog / "state" / "linkcheck.db")):
        locked = subprocess.run(cli_args(simweb), cwd=blog, capture_output=True, text=True, timeout=60)
    assert locked.returncode == 4
    assert "Traceback" not in locked.stderr and "another" in locked.stderr.lower()
    done = subprocess.run(
        cli_args(simweb),
        cwd=blog,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    assert "tombstone:weixin-deleted" in done.stdout
    assert "completed" in done.stdout


def test_check_cli_offline_exit_code_and_nothing_marked(blog):
    """No name resolves (as on a machine without network): exit 3, the run is 'offline', no check."""
    args = [sys.executable, "-m", "linkcheck", "check", "--resolve", "*:*:nxdomain", "--ca-bundle", "ca.pem"]
    done = subprocess.run(args, cwd=blog, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert "offline" in done.stderr
    db = sqlite3.connect(blog / "state" / "linkcheck.db")
    assert db.execute("select status from runs").fetchall() == [("offline",)]
    assert db.execute("select count(*) from checks").fetchone()[0] == 0


def test_bad_input_gives_clear_errors(blog, simweb, tmp_path):
    missing = subprocess.run(cli_args(simweb, "nope/"), cwd=blog, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "nope" in missing.stderr and "Traceback" not in missing.stderr
    foreign = blog / "foreign.db"
    foreign.write_bytes(b"this is not a database" * 100)
    bad_db = subprocess.run(
        cli_args(simweb, "--db", str(foreign)), cwd=blog, capture_output=True, text=True, timeout=60
    )
    assert bad_db.returncode == 2 and "Traceback" not in bad_db.stderr
    assert foreign.read_bytes() == b"this is not a database" * 100


def test_dead_is_confirmed_over_days_and_drives_exit_code(blog, simweb):
    """Three nights a few days apart: the deleted article becomes confirmed dead on the third."""
    days = [datetime(2026, 11, 1, 3, tzinfo=UTC) + timedelta(days=d) for d in (0, 4, 8)]

    async def night(when: datetime):
        options = JobOptions(
            paths=[blog / "posts"],
            db=blog / "state" / "linkcheck.db",
            check_all=True,
            canaries=("https://behave.test/ok",),
        )
        settings = fast_settings(simweb, politeness_overrides=fast_politeness(["mp.weixin.qq.com"]))
        return await run_job(options, settings, resolver=RoutingResolver(simweb.route), now=lambda: when)

    results = [asyncio.run(night(when)) for when in days]
    assert [len(r.newly_dead) for r in results] == [0, 0, 2]
    assert {row["canonical"] for row in results[2].newly_dead} == {
        "https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw",
        "https://behave.test/status/404",
    }
    dead_view = sqlite3.connect(blog / "state" / "linkcheck.db").execute("select * from dead_links").fetchall()
    assert len(dead_view) == 2


@pytest.mark.parametrize("kill_after_checks", [1, 4, 9])
def test_sigkill_mid_run_loses_nothing_committed(tmp_path, simweb, kill_after_checks):
    """kill -9 at several points: the DB stays sound, committed checks stay, the next run works."""
    posts = tmp_path / "posts"
    posts.mkdir()
    urls = [f"https://h{i}.bench.test/page/{i}" for i in range(30)]
    (posts / "many.md").write_text("\n\n".join(urls), encoding="utf-8")
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    simweb.latency = 0.2
    db_path = tmp_path / "state" / "linkcheck.db"
    proc = subprocess.Popen(cli_args(simweb, "--concurrency", "2"), cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    seen = 0
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if db_path.exists():
                try:
                    reader = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1)
                    seen = reader.execute("select count(*) from checks").fetchone()[0]
                    reader.close()
                except sqlite3.Error:
                    seen = 0
            if seen >= kill_after_checks:
                break
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert seen >= kill_after_checks
    db = sqlite3.connect(db_path)
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert db.execute("select count(*) from checks").fetchone()[0] >= seen
    db.close()
    simweb.latency = 0.0
    again = subprocess.run(cli_args(simweb), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    db = sqlite3.connect(db_path)
    statuses = [row[0] for row in db.execute("select status from runs order by id")]
    assert statuses == ["interrupted", "completed"]
    # The second run checked what the first never reached: every URL now has a check.
    assert db.execute("select count(distinct url_id) from checks").fetchone()[0] == 30


# ---- group commit ---------------------------------------------------------------------------


def committed(db_path: Path) -> int:
    """Checks another process would see now."""
    reader = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return reader.execute("select count(*) from checks").fetchone()[0]
    finally:
        reader.close()


async def committed_soon(db_path: Path, want: int, within: float = 5.0) -> int:
    """Checks another process sees once the writer thread has had time (bounded wait)."""
    deadline = time.monotonic() + within
    while (seen := committed(db_path)) < want and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return seen


@pytest.mark.parametrize("background", [True, False])
def test_group_commit_writes_when_full_when_old_and_when_flushed(tmp_path: Path, background: bool) -> None:
    db_path = tmp_path / "h.db"
    alive = Outcome(Verdict.ALIVE, "http-200", 200)

    async def scenario() -> list[int]:
        seen = []
        with Store(db_path) as store:
            run = store.runs.begin({})
            group = GroupCommit(
                store, run, now=lambda: datetime.now(UTC), max_checks=3, max_delay=0.2, background=background
            )
            group.add("https://a.example/1", alive)
            group.add("https://a.example/2", alive)
            await asyncio.sleep(0.05)
            seen.append(committed(db_path))  # pending, not yet written
            group.add("https://a.example/3", alive)
            seen.append(await committed_soon(db_path, 3))  # full: written at once (by the writer)
            group.add("https://a.example/4", alive)
            seen.append(committed(db_path))
            await asyncio.sleep(0.3)  # nothing else arrives: the timer (0.2 s) writes it
            seen.append(await committed_soon(db_path, 4))
            group.add("https://a.example/5", alive)
            group.close()
            seen.append(committed(db_path))  # close (flush) returns once everything is written
        return seen

    assert asyncio.run(scenario()) == [0, 3, 3, 4, 5]


def test_group_commit_keeps_the_order_and_the_event_loop_free(tmp_path: Path, monkeypatch) -> None:
    """Groups are written one after another in the order handed over, on a thread that is not the
    event loop's; flush waits for all of them."""
    db_path = tmp_path / "h.db"
    writes: list[tuple[str, list[str]]] = []

    async def scenario() -> None:
        with Store(db_path) as store:
            real = store.checks.record_many

            def slow_record(run_id, group):
                time.sleep(0.05)  # a slow disk: the loop must not wait for it
                writes.append((threading.current_thread().name, [canonical for canonical, _, _ in group]))
                return real(run_id, group)

            monkeypatch.setattr(store.checks, "record_many", slow_record)
            run = store.runs.begin({})
            group = GroupCommit(store, run, now=lambda: datetime.now(UTC), max_checks=2, max_delay=10.0)
            started = time.monotonic()
            for i in range(10):
                group.add(f"https://a.example/{i}", Outcome(Verdict.ALIVE, "http-200", 200))
            handed_over_in = time.monotonic() - started
            group.close()
            assert handed_over_in < 0.05 * 5 / 2  # five slow writes, not waited for by add()
            assert committed(db_path) == 10

    asyncio.run(scenario())
    assert [urls for _, urls in writes] == [
        [f"https://a.example/{i}", f"https://a.example/{i + 1}"] for i in (0, 2, 4, 6, 8)
    ]
    assert {name for name, _ in writes} != {threading.current_thread().name}
    assert all(name.startswith("linkcheck-commit") for name, _ in writes)


def test_group_commit_timer_failure_is_raised_by_the_next_call(tmp_path: Path, monkeypatch) -> None:
    db_path = tmp_path / "h.db"

    def disk_full(*args, **kwargs):
        raise StoreError("database error: database or disk is full")

    async def scenario() -> None:
        with Store(db_path) as store:
            run = store.runs.begin({})
            group = GroupCommit(store, run, now=lambda: datetime.now(UTC), max_checks=100, max_delay=0.05)
            monkeypatch.setattr(store.checks, "record_many", disk_full)
            group.add("https://a.example/1", Outcome(Verdict.ALIVE, "http-200", 200))
            await asyncio.sleep(0.3)  # the timer's group fails on the writer
            with pytest.raises(StoreError, match="disk is full"):
                group.add("https://a.example/2", Outcome(Verdict.ALIVE, "http-200", 200))
            group.close()

    asyncio.run(scenario())


def test_group_commit_failure_on_the_writer_is_raised_by_flush(tmp_path: Path, monkeypatch) -> None:
    db_path = tmp_path / "h.db"

    def disk_full(*args, **kwargs):
        time.sleep(0.05)
        raise StoreError("database error: database or disk is full")

    with Store(db_path) as store:
        run = store.runs.begin({})
        group = GroupCommit(store, run, now=lambda: datetime.now(UTC), max_checks=1, max_delay=10.0)
        monkeypatch.setattr(store.checks, "record_many", disk_full)
        group.add("https://a.example/1", Outcome(Verdict.ALIVE, "http-200", 200))  # handed over, still writing
        with pytest.raises(StoreError, match="disk is full"):
            group.close()
        group.close()  # the failure was reported once; the writer is stopped


def test_interrupted_run_commits_every_reported_check(tmp_path: Path, simweb, monkeypatch) -> None:
    """Stopped mid-run (Ctrl-C, SIGTERM): what was reported finished is in the database, though
    no group was full or old enough to be written before the stop."""
    import linkcheck.run.job as job_module

    monkeypatch.setattr(job_module, "COMMIT_EVERY_S", 600.0)
    monkeypatch.setattr(job_module, "COMMIT_EVERY_CHECKS", 10_000)
    (tmp_path / "posts").mkdir()
    urls = [f"https://behave.test/ok?n={i}" for i in range(40)]
    (tmp_path / "posts" / "many.md").write_text("\n\n".join(urls), encoding="utf-8")
    reported: list[str] = []

    async def night() -> None:
        stop = asyncio.Event()

        def on_result(link, outcome) -> None:
            reported.append(link.canonical)
            if len(reported) == 5:
                stop.set()

        options = JobOptions(
            paths=[tmp_path / "posts"], db=tmp_path / "state" / "h.db", canaries=("https://behave.test/ok",)
        )
        settings = fast_settings(simweb, concurrency=2)
        result = await run_job(
            options, settings, resolver=RoutingResolver(simweb.route), stop=stop, on_result=on_result
        )
        assert result.summary.status.value == "interrupted"

    asyncio.run(night())
    rows = sqlite3.connect(tmp_path / "state" / "h.db").execute(
        "select u.canonical from checks c join urls u on u.id = c.url_id"
    )
    assert sorted(r[0] for r in rows) == sorted(reported)
    assert 5 <= len(reported) < 40


# ---- planning before the scan is recorded ---------------------------------------------------


def _link(url: str, *, checkable: bool = True) -> Link:
    c = canonicalize(url)
    return Link(
        url, c.canonical, c.host, checkable, None if checkable else "excluded", [Occurrence("p.md", 1, 1, "bare")]
    )


def test_plan_from_recorded_states_equals_plan_after_sync(tmp_path: Path) -> None:
    """run_job plans before sync_links has run (it runs on the writer thread while checking starts):
    over nights of changing posts (URLs added, dropped, cited again, excluded) and mixed outcomes,
    that plan must equal the plan made from the states after the sync."""
    rng = random.Random(7)
    pool = [f"https://h{i % 7}.example/p/{i}" for i in range(120)]
    outcomes = [
        Outcome(Verdict.ALIVE, "http-200", 200),
        Outcome(Verdict.DEAD, "http-404", 404),
        Outcome(Verdict.ERROR, "timeout"),
        Outcome(Verdict.BLOCKED, "antibot:zhihu-403", 403),
    ]
    start = datetime(2026, 1, 1, 3, tzinfo=UTC)
    with Store(tmp_path / "h.db") as store:
        for night in range(12):
            now = start + timedelta(days=night)
            cited = rng.sample(pool, rng.randint(40, 100))
            links = [_link(url, checkable=rng.random() > 0.1) for url in cited]
            before = store.checks.link_states(cited_only=False, checkable_only=False)
            store.links.sync(links, now=now)
            for max_urls in (None, 25):
                expected = plan(store.checks.link_states(), now=now, max_urls=max_urls)
                assert plan(states_to_plan(before, links), now=now, max_urls=max_urls) == expected, (night, max_urls)
            run = store.runs.begin({}, now=now)
            due = plan(store.checks.link_states(), now=now, max_urls=30)
            store.checks.record_many(run, [(url, rng.choice(outcomes), now) for url in due])
            store.runs.finish(run, "completed", {}, now=now)


def test_checks_start_while_the_scan_is_recorded(tmp_path: Path, simweb, monkeypatch) -> None:
    """The scan is recorded on the writer thread while the first checks run: nothing before the
    checks waits for the store's lock meanwhile (the soft-404 probe answers are read before the
    scan goes to the writer). Without the archive stage: its plan reads which pages are cited,
    which the sync decides, so with it the checks start once the scan is recorded."""
    original = Links.sync
    synced_at: list[float] = []

    def slow_sync(self, *args, **kwargs):
        with self._db.lock:  # as a long sync holds it: the whole scan of a large blog
            time.sleep(1.0)
            original(self, *args, **kwargs)
        synced_at.append(time.monotonic())

    monkeypatch.setattr(Links, "sync", slow_sync)
    (tmp_path / "posts").mkdir()
    urls = [f"https://behave.test/ok?n={i}" for i in range(5)]
    (tmp_path / "posts" / "few.md").write_text("\n\n".join(urls), encoding="utf-8")
    results: list[float] = []
    options = JobOptions(
        paths=[tmp_path / "posts"], db=tmp_path / "state" / "h.db", archive=False, canaries=("https://behave.test/ok",)
    )
    settings = fast_settings(simweb, politeness_overrides=fast_politeness(["behave.test"]))
    assert settings.soft_404
    result = asyncio.run(
        run_job(
            options, settings, resolver=RoutingResolver(simweb.route),
            on_result=lambda link, outcome: results.append(time.monotonic()),
        )
    )  # fmt: skip
    assert result.summary.counts == {"alive": 5}
    assert len(synced_at) == 1 and results[0] < synced_at[0]


def test_a_failed_sync_on_the_writer_stops_the_run_and_records_no_check(blog, simweb, monkeypatch) -> None:
    """sync_links fails (disk full) on the writer thread after checking has started: the run stops
    with the StoreError, its row says interrupted, and no check is written for URLs the sync did not
    record (they would otherwise be created as uncited)."""

    import linkcheck.run.job as job_module

    def disk_full(self, *args, **kwargs):
        time.sleep(1.5)  # checks finish meanwhile, and their groups queue up behind the sync
        raise StoreError("database error: database or disk is full")

    monkeypatch.setattr(Links, "sync", disk_full)
    monkeypatch.setattr(job_module, "COMMIT_EVERY_S", 0.02)
    # A slow URL keeps the run going until the sync has failed: the groups before it are handed to
    # the writer (timed), not written by the final flush.
    with (blog / "posts" / "2020-1-1-test.md").open("a", encoding="utf-8") as post:
        post.write("\nhttps://behave.test/slow?ms=2500\n")
    options = JobOptions(paths=[blog / "posts"], db=blog / "state" / "h.db", canaries=("https://behave.test/ok",))
    settings = fast_settings(simweb, politeness_overrides=fast_politeness(["behave.test", "mp.weixin.qq.com"]))
    with pytest.raises(StoreError, match="disk is full"):
        asyncio.run(run_job(options, settings, resolver=RoutingResolver(simweb.route)))
    conn = sqlite3.connect(blog / "state" / "h.db")
    assert conn.execute("SELECT count(*) FROM checks").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM urls").fetchone()[0] == 0
    assert [status for (status,) in conn.execute("SELECT status FROM runs")] == ["interrupted"]


@pytest.mark.parametrize("background", [True, False])
def test_writes_after_a_failed_write_are_dropped(tmp_path: Path, background: bool) -> None:
    """Once a write of the run failed, the groups after it are not written (they would build on
    what is missing), on the writer thread or not; the first failure is the one raised."""
    db_path = tmp_path / "h.db"

    def failing_sync(*args, **kwargs):
        raise StoreError("database error: database or disk is full")

    with Store(db_path) as store:
        run = store.runs.begin({})
        group = GroupCommit(
            store, run, now=lambda: datetime.now(UTC), max_checks=1, max_delay=10.0, background=background
        )
        group.write(failing_sync)
        with contextlib.suppress(StoreError):  # raised here already when not on the writer
            group.add("https://a.example/1", Outcome(Verdict.ALIVE, "http-200", 200))
        with pytest.raises(StoreError) as raised:
            group.add("https://a.example/2", Outcome(Verdict.ALIVE, "http-200", 200))
            group.close()
        assert "disk is full" in str(raised.value) or "earlier write" in str(raised.value)
        group.close()
    assert committed(db_path) == 0
