"""Benchmark the history store at the blog's scale: 25,000 URLs × 30 nights of checks.

    python bench/bench_history.py [--urls 25000] [--nights 30] [--sample 5000]

Writes every URL every night through the real Store (one transaction per night via
``Store.batch()`` for speed), measures the per-check-commit rate the nightly runner actually uses
on a sample, then times the views with plain ``sqlite3`` (as the owner would query them) and the
Store methods the commands and the scheduler call. Everything happens in a temporary directory.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkcheck.models import Link, LinkKind, Occurrence, Outcome, Verdict
from linkcheck.run.schedule import plan
from linkcheck.store import Store

START = datetime(2025, 1, 1, 18, 0, tzinfo=UTC)
TARGET_MS = 200.0


def canonical(i: int) -> str:
    if i % 100 < 54:
        return f"https://mp.weixin.qq.com/s/article{i:06d}aBcDeFgHiJk"
    if i % 100 < 77:
        return f"https://zhuanlan.zhihu.com/p/{100000000 + i}"
    return f"https://site{i % 97}.example.com/2019/{i % 12 + 1:02d}/some-post-title-{i}.html"


def links(count: int) -> list[Link]:
    result = []
    for i in range(count):
        url = canonical(i)
        places = [Occurrence(f"posts/{i % 1500:04d}.md", 10 + i // 1500, 1, LinkKind.MARKDOWN_LINK)]
        if i % 10 == 0:  # some URLs are cited twice
            places.append(Occurrence(f"posts/{(i * 7) % 1500:04d}.md", 500 + i // 1500, 1, LinkKind.BARE))
        result.append(Link(url, url, url.split("/")[2], True, None, places))
    return result


def outcome(i: int, night: int) -> Outcome:
    roll = int(hashlib.blake2b(f"{i}/{night}".encode(), digest_size=2).hexdigest(), 16) % 1000
    if i % 100 == 5 and night >= i % 20:  # 1% die at some point and stay dead
        return Outcome(Verdict.DEAD, "tombstone:weixin-deleted", 200, elapsed_ms=900)
    if i % 100 == 6:  # 1% flap
        return Outcome(Verdict.DEAD if night % 2 else Verdict.ALIVE, "http-404" if night % 2 else "ok", 200)
    if roll < 40:
        return Outcome(Verdict.BLOCKED, "antibot:weixin-verify", 200, elapsed_ms=300)
    if roll < 55:
        return Outcome(Verdict.ERROR, "timeout", None, error="TimeoutError", elapsed_ms=20000)
    return Outcome(Verdict.ALIVE, "ok", 200, final_url=canonical(i), elapsed_ms=650)


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median wall time in ms over ``repeat`` runs (after one warm-up), and the last result."""
    result = fn()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=25_000)
    parser.add_argument("--nights", type=int, default=30)
    parser.add_argument("--sample", type=int, default=5_000, help="checks written one commit each")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="linkcheck-bench-") as tmp:
        db = Path(tmp) / "state" / "linkcheck.db"
        store = Store(db)
        t = time.perf_counter()
        store.links.sync(links(args.urls), now=START)
        sync_s = time.perf_counter() - t
        t = time.perf_counter()
        store.links.sync(links(args.urls), now=START + timedelta(hours=1))
        resync_s = time.perf_counter() - t

        written = 0
        t = time.perf_counter()
        for night in range(args.nights):
            begin = START + timedelta(days=night)
            run = store.runs.begin({"night": night}, now=begin)
            with store.batch():
                for i in range(args.urls):
                    store.checks.record(run, canonical(i), outcome(i, night), now=begin + timedelta(seconds=i // 8))
            store.runs.finish(run, "completed", {"checked": args.urls}, now=begin + timedelta(hours=1))
            written += args.urls
        batch_s = time.perf_counter() - t

        # what the nightly runner does: each check its own committed transaction
        begin = START + timedelta(days=args.nights)
        run = store.runs.begin({"sample": True}, now=begin)
        t = time.perf_counter()
        for i in range(args.sample):
            store.checks.record(run, canonical(i), outcome(i, args.nights), now=begin + timedelta(seconds=i))
        commit_s = time.perf_counter() - t
        store.runs.finish(run, "completed", {"checked": args.sample}, now=begin + timedelta(hours=1))
        total_checks = written + args.sample

        conn = sqlite3.connect(db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = db.stat().st_size
        queries = {
            "select * from dead_links": "SELECT * FROM dead_links",
            "select * from link_status": "SELECT * FROM link_status",
            "select * from flaky_links": "SELECT * FROM flaky_links",
            "select * from changes where run_id = <last>": f"SELECT * FROM changes WHERE run_id = {run}",
            "select * from run_summary where run_id = <last>": (f"SELECT * FROM run_summary WHERE run_id = {run}"),
        }
        sql_times = {}
        for label, query in queries.items():
            sql_times[label] = timed(lambda q=query: conn.execute(q).fetchall())
        conn.close()
        api = {
            "queries.dead_links()": lambda: store.queries.dead_links(),
            "queries.dead_links(include_suspected=True)": lambda: store.queries.dead_links(include_suspected=True),
            "queries.changes(<last run>)": lambda: store.queries.changes(run),
            "queries.history(url)": lambda: store.queries.history(canonical(5)),
            "queries.totals()": lambda: store.queries.totals(),
            "checks.link_states()": lambda: store.checks.link_states(),
        }
        api_times = {label: timed(fn) for label, fn in api.items()}
        states = store.checks.link_states()
        plan_ms, planned = timed(lambda: plan(states, now=begin + timedelta(days=1), max_urls=6000))
        store.close()

        print(f"URLs: {args.urls:,}   nights: {args.nights}   checks: {total_checks:,}")
        print(f"sync_links: {sync_s:.2f} s first scan, {resync_s:.2f} s rescan")
        print(f"record_check, one transaction per night: {written / batch_s:,.0f} checks/s ({batch_s:.1f} s)")
        print(
            f"record_check, one commit per check (the runner's mode), {args.sample:,} sample: "
            f"{args.sample / commit_s:,.0f} checks/s"
        )
        print(f"database size: {size / 1e6:.1f} MB ({size / total_checks:.0f} bytes/check)")
        print(f"plain sqlite3 (median of 5, target < {TARGET_MS:.0f} ms):")
        for label, (ms, rows) in sql_times.items():
            flag = "" if ms < TARGET_MS else "  <-- over target"
            print(f"  {label:<48} {ms:8.1f} ms  {len(rows):>7,} rows{flag}")  # type: ignore[arg-type]
        print("Store API (median of 5):")
        for label, (ms, rows) in api_times.items():
            count = len(rows) if isinstance(rows, list | dict) else ""  # type: ignore[arg-type]
            print(f"  {label:<48} {ms:8.1f} ms  {count:>7,} rows" if count != "" else f"  {label:<48} {ms:8.1f} ms")
        print(f"  {'schedule.plan(25k states, max_urls=6000)':<48} {plan_ms:8.1f} ms  {len(planned):>7,} URLs")  # type: ignore[arg-type]
        over = [label for label, (ms, _) in sql_times.items() if "dead_links" in label or "link_status" in label]
        return 1 if any(sql_times[label][0] >= TARGET_MS for label in over) else 0


if __name__ == "__main__":
    raise SystemExit(main())
