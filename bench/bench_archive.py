"""Benchmark the archiver: capture speed, bytes on disk with and without dedup, memory on 3 MB pages.

    python bench/bench_archive.py [--pages 200] [--big 10] [--concurrency 4]
    python bench/bench_archive.py --quick          # 40 pages, 3 big captures

What one run does:

1. starts the simulated web (``python -m linkcheck.simweb``) in a **separate process**, so the
   capturing process is measured alone; HTTPS on loopback with the simulated web's CA;
2. creates a history database whose last check found ``--pages`` WeChat articles alive
   (``https://mp.weixin.qq.com/s/bench…``: ~190 KB of HTML each, three ``img[data-src]`` images on
   ``mmbiz.qpic.cn`` each, fetched with the WeChat Referer);
3. runs each scenario as a child process (``linkcheck.archive.archive_pending`` through a real
   ``Fetcher``), measured with ``os.wait4`` (user+sys CPU, peak RSS) and ``perf_counter``:

   * ``capture``: first capture of every page and its images, dedup on;
   * ``recapture``: the same pages again past ``max_age``, unchanged — dedup turns each page into a
     revisit record and skips its images;
   * ``no-dedup``: the first capture again into a fresh directory with dedup off (what the bytes on
     disk would be without revisits, for a second pass over unchanged pages);
   * ``big``: the 3.3 MB article (``/s/liveBig…``) captured ``--big`` times (dedup off, so every
     pass streams and writes the whole body) — peak RSS must stay flat: bodies stream to a temp
     file and into the WARC, only the first ``max_text_bytes`` (2 MiB) are decoded for the title;
   * ``baseline``: the same child with nothing pending (interpreter, imports, open Fetcher), so
     the RSS the capturing itself adds can be read off.

   Politeness: per-host intervals are set to 0 for the benchmark (the real WeChat profile spaces
   requests 1 s apart, which would measure the sleep, not the archiver); per-host concurrency
   stays as profiled (WeChat: 1 in flight).
4. prints pages/s, payload MB/s (bytes received from the network), WARC bytes on disk per page with
   and without dedup, CPU per page and peak RSS. Every WARC file written is checked with
   ``warcio check`` and ``gzip -t``.

Exit status: 0 when every scenario captured what it should and the files are valid, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

CHILD = r"""
import asyncio, json, sys, time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from linkcheck.archive import ArchiveSettings, archive_pending
from linkcheck.net.transport import Fetcher, FetchSettings
from linkcheck.net.resolve import parse_resolve_rules
from linkcheck.sites import profile_for
from linkcheck.store import Store

db, warc_dir, ca, port, scenario, passes, concurrency = sys.argv[1:8]
hosts = ["mp.weixin.qq.com", "mmbiz.qpic.cn"]
politeness = {h: replace(profile_for(h).politeness, interval=0.0, jitter=0.0) for h in hosts}
settings = FetchSettings(ca_bundle=ca, allow_private=True, politeness_overrides=politeness)
archive = ArchiveSettings(dedup=scenario not in ("no-dedup", "big"), concurrency=int(concurrency))

async def main():
    result = {"captured": 0, "unchanged": 0, "failed": 0, "requisites": 0, "bytes_written": 0, "files": []}
    async with Fetcher(settings, resolver=parse_resolve_rules([f"*:443:127.0.0.1:{port}"])) as fetcher:
        with Store(db) as store:
            started = time.perf_counter()
            for n in range(int(passes)):
                when = datetime.now(UTC) + timedelta(days=(400 if scenario == "recapture" else 0) + 100 * n)
                summary = await archive_pending(
                    store, fetcher, warc_dir=Path(warc_dir), settings=archive, now=lambda: when,
                    max_age=timedelta(days=90),
                )
                for key in ("captured", "unchanged", "failed", "requisites", "bytes_written"):
                    result[key] += getattr(summary, key)
                result["files"] += summary.files
                result["payload_bytes"] = store.captures.totals()["payload_bytes"]
            result["seconds"] = time.perf_counter() - started
    print(json.dumps(result))

asyncio.run(main())
"""


def start_web(tmp: Path) -> tuple[subprocess.Popen, int, Path]:
    sys.path.insert(0, str(ROOT))
    from linkcheck.simweb.process import spawn

    web = spawn(tmp / "ca.pem")
    return web.proc, web.https_port, web.ca_file


def make_db(path: Path, urls: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    from linkcheck.models import Link, Occurrence, Outcome, Verdict
    from linkcheck.scan.canonical import canonicalize
    from linkcheck.store import Store

    links = []
    for url in urls:
        c = canonicalize(url)
        links.append(Link(url, c.canonical, c.host, True, None, [Occurrence("posts/bench.md", 1, 1, "bare")]))
    with Store(path) as store, store.batch():
        store.links.sync(links)
        for link in links:
            store.checks.record(None, link.canonical, Outcome(Verdict.ALIVE, "live-marker", 200))


def measured(db: Path, warc_dir: Path, ca: Path, port: int, scenario: str, passes: int, concurrency: int) -> dict:
    """Run one scenario in a child process; its own CPU and peak RSS come from wait4."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE")}
    env["PYTHONPATH"] = str(ROOT)
    args = [sys.executable, "-c", CHILD, str(db), str(warc_dir), str(ca), str(port), scenario, str(passes)]
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        started = time.perf_counter()
        proc = subprocess.Popen([*args, str(concurrency)], stdout=out_file, stderr=err_file, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out_file.seek(0)
        err_file.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{scenario} failed:\n{err_file.read().decode()[-3000:]}")
        result = json.loads(out_file.read())
    result["wall"] = wall
    result["cpu"] = usage.ru_utime + usage.ru_stime
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def check_files(warc_dir: Path) -> list[str]:
    problems = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        if subprocess.run(["gzip", "-t", str(path)], capture_output=True).returncode != 0:
            problems.append(f"gzip -t {path.name}")
        if subprocess.run([str(BIN / "warcio"), "check", str(path)], capture_output=True).returncode != 0:
            problems.append(f"warcio check {path.name}")
    if list(warc_dir.glob("*.open")):
        problems.append("a file was left .open")
    return problems


def dir_bytes(warc_dir: Path, names: list[str] | None = None) -> int:
    paths = [warc_dir / n for n in names] if names is not None else list(warc_dir.glob("*.warc.gz"))
    return sum(p.stat().st_size for p in paths)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--big", type=int, default=10, help="captures of the 3.3 MB article")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.pages, args.big = 40, 3
    tmp = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    web, port, ca = start_web(tmp)
    ok = True
    try:
        urls = [f"https://mp.weixin.qq.com/s/bench{n:017d}" for n in range(args.pages)]
        db = tmp / "pages.db"
        make_db(db, urls)
        warc = tmp / "warc"
        first = measured(db, warc, ca, port, "capture", 1, args.concurrency)
        first_bytes = dir_bytes(warc, first["files"])
        second = measured(db, warc, ca, port, "recapture", 1, args.concurrency)
        second_bytes = dir_bytes(warc, second["files"])
        problems = check_files(warc)

        db2 = tmp / "nodedup.db"
        make_db(db2, urls)
        warc2 = tmp / "warc-nodedup"
        plain = measured(db2, warc2, ca, port, "no-dedup", 1, args.concurrency)
        plain_bytes = dir_bytes(warc2)
        problems += check_files(warc2)

        db3 = tmp / "big.db"
        make_db(db3, ["https://mp.weixin.qq.com/s/liveBig000000000000000"])
        warc3 = tmp / "warc-big"
        big = measured(db3, warc3, ca, port, "big", args.big, 1)
        problems += check_files(warc3)
        db4 = tmp / "empty.db"
        make_db(db4, [])
        base = measured(db4, tmp / "warc-empty", ca, port, "baseline", 1, 1)

        n = args.pages
        payload_mb = first["payload_bytes"] / 1e6
        print(f"archive benchmark: {n} WeChat articles (+3 images each) over HTTPS on loopback, "
              f"concurrency {args.concurrency}, politeness intervals 0")  # fmt: skip
        print(
            f"  capture     {first['captured']:5d} pages, {first['requisites']:5d} images in {first['seconds']:.2f}s: "
            f"{first['captured'] / first['seconds']:.1f} pages/s, {payload_mb / first['seconds']:.1f} MB/s payload, "
            f"CPU {1000 * first['cpu'] / n:.1f} ms/page, peak RSS {first['peak_rss_mb']:.0f} MB"
        )
        print(
            f"  on disk     {first_bytes / n / 1024:.1f} KiB/page (page + images, gzip per record; "
            f"payload {first['payload_bytes'] / n / 1024:.1f} KiB/page)"
        )
        print(
            f"  recapture   {second['unchanged']:5d} unchanged pages in {second['seconds']:.2f}s: "
            f"{second_bytes / n / 1024:.2f} KiB/page with dedup (revisit + request) vs "
            f"{plain_bytes / n / 1024:.1f} KiB/page without dedup "
            f"({plain_bytes / max(second_bytes, 1):.0f}x less on disk)"
        )
        big_mb = 3.333 * big["captured"]
        print(
            f"  big pages   {big['captured']} x 3.3 MB in {big['seconds']:.2f}s ({big_mb / big['seconds']:.1f} MB/s): "
            f"peak RSS {big['peak_rss_mb']:.0f} MB vs {base['peak_rss_mb']:.0f} MB for the same process capturing "
            f"nothing (+{big['peak_rss_mb'] - base['peak_rss_mb']:.0f} MB), {dir_bytes(warc3) / 1e6:.2f} MB on disk"
        )
        if problems:
            print("  INVALID: " + "; ".join(problems))
            ok = False
        else:
            print("  every WARC file passes gzip -t and warcio check")
        expected = (
            first["captured"] == n,
            second["unchanged"] == n,
            plain["captured"] == n,
            big["captured"] == args.big,
        )
        if not all(expected):
            print(f"  MISSED captures: {expected}")
            ok = False
    finally:
        web.terminate()
        web.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
