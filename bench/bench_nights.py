"""The whole blog saved within a week: consecutive nights of the real nightly job over the real corpus.

    python bench/bench_nights.py                     # 14 nights, time scaled by 0.04 (a night: 108 s)
    python bench/bench_nights.py --scale 0.02 --nights 8
    python bench/bench_nights.py --zhihu challenge   # Zhihu as a plain HTTP client meets it: blocked

What one run does:

1. scans the real blog (``/work/shared/corpus/_posts``, ``--corpus``; read in place) — about
   25,000 checkable URLs, 13,700 of them WeChat articles, 5,800 on Zhihu;
2. serves the simulated web in a process of its own, answering for every host of the corpus:
   WeChat articles carry 2–18 body images (``--wx-images``; 10 on average, as in the saved sample
   of archivers.md §3.1) on mmbiz.qpic.cn, one WeChat URL in ``--dead-every`` (8) answers as a
   deleted article; Zhihu answers as behind a solved challenge (``--zhihu open``: what a browser
   re-check sees), every other host a live page;
3. runs the real nightly job (:func:`linkcheck.run.job.run_job`: scan, plan, checks, captures from
   the checks, the archive stage) once per night, each night a day later on an injected clock, with
   the defaults of ``linkcheck check`` (archiving on, ``[archive]`` defaults) and a nightly budget
   of 45 minutes (``--budget``). Time is scaled by ``--scale``: the budget, every site profile's
   pacing interval and every backoff are multiplied by it, so the proportions — requests per host
   per night — are the real ones while a night takes ``45 min × scale``;
4. prints, per night: URLs checked and how many have been verified at least once, pages and images
   archived, readable copies, requests per host, the oldest verification (days), the night's length
   in simulated minutes; then the night on which every URL had been verified once and the night on
   which every alive WeChat/Zhihu article had a capture with all its images (its readable copy
   shows every image), the bound the pacing sets, WeChat requests per night against it, and bytes
   per archived article.

Exit status 0 when both goals are met within 7 nights and, after that, no URL's last check is
older than 7 days; 1 otherwise.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import resource
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = Path("/work/shared/corpus/_posts")
T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # the first night, 03:00 UTC
WECHAT, MMBIZ = "mp.weixin.qq.com", "mmbiz.qpic.cn"
ZHIHU_HOSTS = ("zhuanlan.zhihu.com", "www.zhihu.com", "zhihu.com")
DELETED = "https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw"  # the simulated web's deleted article
WEEK = 7


class ScaledPoliteness(dict):
    """Every host's profile politeness with its interval multiplied by ``scale`` (the Fetcher asks
    ``politeness_overrides.get(host)``): time runs ``1/scale`` times faster, proportions stay."""

    def __init__(self, scale: float, hosts: list[str]) -> None:
        from linkcheck.sites import PROFILES

        super().__init__()
        self.scale = scale
        # Every host up front: a site whose hosts share one budget (Zhihu) reads the overrides of
        # all its hosts (linkcheck.net.gates.site_politeness), not just the one asked about.
        for host in [*hosts, *(h.lstrip(".") for profile in PROFILES for h in profile.hosts)]:
            self.get(host)

    def get(self, host, default=None):  # type: ignore[override]
        from linkcheck.sites import profile_for

        found = super().get(host)
        if found is None:
            politeness = profile_for(host).politeness
            found = self[host] = replace(politeness, interval=politeness.interval * self.scale)
        return found


# ---- the simulated web, in a process of its own ------------------------------------------------


def _serve(conn, options: dict) -> None:
    """Child process: the simulated web, counting requests per host; answers ``counts`` (and resets
    them) and ``stop`` on ``conn``."""
    import asyncio

    from linkcheck.simweb.server import SimulatedWeb

    class CountingWeb(SimulatedWeb):
        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self.counts: Counter[str] = Counter()

        async def _handle(self, request):
            self.counts[request.headers.get("Host", "").rsplit(":", 1)[0].lower()] += 1
            return await super()._handle(request)

    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    web = CountingWeb(unknown_hosts="alive", max_records=0, **options)
    loop.run_until_complete(web.start())
    conn.send((web.http_port, web.https_port, web.ca_pem()))

    def control() -> None:
        while True:
            command = conn.recv()
            if command == "counts":

                def take() -> dict:
                    counts, web.counts = dict(web.counts), Counter()
                    return counts

                conn.send(asyncio.run_coroutine_threadsafe(_call(take), loop).result())
            else:
                loop.call_soon_threadsafe(loop.stop)
                return

    async def _call(func):
        return func()

    threading.Thread(target=control, daemon=True).start()
    loop.run_forever()
    loop.run_until_complete(web.stop())


# ---- measurements -------------------------------------------------------------------------------


def coverage(db: Path, now: datetime) -> dict:
    """What the history says after a night."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        total, verified, oldest = conn.execute(
            "SELECT count(*), count(s.last_checked_at), min(s.last_checked_at) FROM urls u "
            "LEFT JOIN url_state s ON s.url_id = u.id WHERE u.cited = 1 AND u.checkable = 1"
        ).fetchone()
        alive = {}
        for site, count, captured, complete in conn.execute(
            """SELECT u.site, count(*), count(r.id), coalesce(sum(r.images_archived = r.images), 0)
                 FROM urls u JOIN url_state s ON s.url_id = u.id
                 LEFT JOIN readable_copies r ON r.page_capture_id = (
                      SELECT coalesce(c.refers_to, c.id) FROM captures c WHERE c.url_id = u.id AND c.kind = 'page'
                       ORDER BY c.captured_at DESC, c.id DESC LIMIT 1)
                WHERE u.cited = 1 AND u.checkable = 1 AND s.verdict = 'alive' AND u.site IN ('weixin', 'zhihu')
                GROUP BY u.site"""
        ):
            alive[site] = (count, captured, complete)
        article_bytes = conn.execute(
            """SELECT count(*), coalesce(sum(c.warc_length), 0)
                    + coalesce((SELECT sum(q.warc_length) FROM captures q JOIN captures p ON p.id = q.page_capture_id
                                 JOIN urls v ON v.id = p.url_id
                                WHERE v.site = 'weixin' AND q.kind = 'requisite' AND q.url LIKE 'https://mmbiz%'), 0)
                    + coalesce((SELECT sum(r.warc_length) FROM readable_copies r JOIN captures p
                                  ON p.id = r.page_capture_id JOIN urls v ON v.id = p.url_id
                                WHERE v.site = 'weixin'), 0)
                 FROM captures c JOIN urls u ON u.id = c.url_id
                WHERE c.kind = 'page' AND c.record_type = 'response' AND u.site = 'weixin'"""
        ).fetchone()
        images = conn.execute(
            "SELECT count(*), coalesce(sum(payload_length), 0) FROM captures WHERE kind = 'requisite' "
            "AND url LIKE 'https://mmbiz%'"
        ).fetchone()
    finally:
        conn.close()
    age = (now - datetime.fromisoformat(oldest.replace("Z", "+00:00"))).total_seconds() / 86400 if oldest else None
    return {
        "total": total,
        "verified": verified,
        "oldest_days": age,
        "alive": alive,
        "wx_articles": article_bytes[0],
        "wx_article_bytes": article_bytes[1],
        "images": images,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--scale", type=float, default=0.04, help="simulated seconds per real second (default 0.04)")
    parser.add_argument("--nights", type=int, default=14)
    parser.add_argument("--budget", type=float, default=45 * 60, help="seconds per night, unscaled (45 min)")
    parser.add_argument("--wx-images", default="2-18", help="body images per WeChat article, fewest-most")
    parser.add_argument("--dead-every", type=int, default=8, help="one WeChat URL in N answers as deleted")
    parser.add_argument("--zhihu", choices=("open", "challenge"), default="open")
    parser.add_argument(
        "--image-kb", default="0-0", help="size of an article image in KiB, smallest-largest (default: ~250 B)"
    )
    parser.add_argument("--sample", type=int, help="only this many URLs of the corpus, drawn at random (seed 17)")
    parser.add_argument("--keep", type=Path, help="keep the database and WARC files in this (new) directory")
    args = parser.parse_args()

    from linkcheck.net.resolve import RoutingResolver
    from linkcheck.net.transport import FetchSettings
    from linkcheck.run import eventloop
    from linkcheck.run.job import JobOptions, run_job
    from linkcheck.scan.collect import collect
    from linkcheck.sites import profile_for

    if not args.corpus.is_dir():
        raise SystemExit(f"no corpus at {args.corpus}")
    links = [link for link in collect([args.corpus]).links if link.checkable]
    paths = [args.corpus]
    sample_dir = None
    if args.sample:
        import random

        links = random.Random(17).sample(sorted(links, key=lambda link: link.canonical), min(args.sample, len(links)))
        sample_dir = Path(tempfile.mkdtemp(prefix="bench-nights-sample-"))
        body = "\n\n".join(f"参考 {link.canonical} 看看" for link in links)
        (sample_dir / "sample.md").write_text(f"---\ntitle: sample\n---\n{body}\n", encoding="utf-8")
        paths = [sample_dir]
    by_site = Counter(profile_for(link.host).name for link in links)
    wechat = [link.canonical for link in links if link.host == WECHAT]
    # URLs per politeness budget: a site's hosts share one (Zhihu's two hosts are one Zhihu).
    per_budget = Counter(profile_for(link.host).budget or link.host for link in links)
    dead = {url.split("://", 1)[1]: DELETED for url in wechat[:: args.dead_every]} if args.dead_every else {}
    low, high = (int(n) for n in args.wx_images.split("-"))
    kib_low, kib_high = (int(n) * 1024 for n in args.image_kb.split("-"))
    options = {
        "wx_images": (low, high),
        "image_bytes": (kib_low, kib_high),
        "aliases": dead,
        "zhihu_challenge": args.zhihu == "challenge",
    }

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(child, options), daemon=True)
    server.start()
    http_port, https_port, ca_pem = parent.recv()

    def route(host: str, port: int) -> tuple[str, int]:
        return ("127.0.0.1", https_port if port == 443 else http_port)

    state = args.keep or Path(tempfile.mkdtemp(prefix="bench-nights-"))
    if args.keep is not None:
        state.mkdir(parents=True)
    db = state / "linkcheck.db"
    scale, budget = args.scale, args.budget
    wx_interval = profile_for(WECHAT).politeness.interval
    politeness = ScaledPoliteness(scale, sorted({link.host for link in links}))
    settings = FetchSettings(
        extra_ca_pem=ca_pem,
        allow_private=True,
        politeness_overrides=politeness,  # type: ignore[arg-type]
        backoff_initial=1.0 * scale,
        backoff_max=30.0 * scale,
        max_retry_after=60.0 * scale,
    )
    print(
        f"the whole blog, night by night: {len(links):,} checkable URLs "
        f"{'sampled from' if args.sample else 'in'} {args.corpus} — "
        + ", ".join(f"{site} {count:,}" for site, count in by_site.most_common(4))
        + f", … ; {len(dead):,} WeChat URLs answer as deleted; WeChat articles have {low}–{high} images; "
        f"Zhihu {args.zhihu}"
    )
    print(
        f"  the real nightly job (linkcheck check defaults: archiving on, [archive] max_pages "
        f"{JobOptions().archive_limit or 'no limit'}), budget {budget / 60:.0f} min a night, pacing of the site "
        f"profiles (WeChat {wx_interval:g} s, mmbiz.qpic.cn {profile_for(MMBIZ).politeness.interval:g} s × "
        f"{profile_for(MMBIZ).politeness.concurrency}), time × {scale:g}: a night takes {budget * scale:.0f} s"
    )
    header = (
        f"{'night':>5} {'checked':>8} {'verified':>15} {'WX pages':>8} {'ZH pages':>8} {'images':>7} "
        f"{'readable':>8} {'WX+images':>13} {'ZH+images':>11} {'req WX':>7} {'req mmbiz':>9} {'req ZH':>7} "
        f"{'req zhimg':>9} {'req other':>9} {'oldest':>6} {'length':>7} {'CPU':>6}"
    )
    print(header)
    all_verified = all_captured = None
    stale_after = []
    per_night: list[dict] = []
    ok = True
    try:
        for night in range(1, args.nights + 1):
            night_start = T0 + timedelta(days=night - 1)
            started = time.monotonic()

            def now(night_start=night_start, started=started) -> datetime:
                return night_start + timedelta(seconds=(time.monotonic() - started) / scale)

            job = JobOptions(paths=paths, db=db, budget_s=budget * scale, canaries=("https://behave.test/ok",))
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            result = eventloop.run(run_job(job, settings, resolver=RoutingResolver(route), now=now))
            wall = time.monotonic() - started
            used = resource.getrusage(resource.RUSAGE_SELF)
            cpu_s = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
            parent.send("counts")
            counts: dict[str, int] = parent.recv()
            found = coverage(db, night_start)  # (the oldest check's age when the night began)
            archived = result.archive
            pages = Counter(
                profile_for(urlsplit(p.url).hostname or "").name
                for p in (archived.pages if archived else [])
                if p.outcome == "captured"
            )
            zh_requests = sum(counts.get(host, 0) for host in ZHIHU_HOSTS)
            zhimg = sum(n for host, n in counts.items() if host.endswith("zhimg.com"))
            other = sum(counts.values()) - counts.get(WECHAT, 0) - counts.get(MMBIZ, 0) - zh_requests - zhimg
            wx = found["alive"].get("weixin", (0, 0, 0))
            zh = found["alive"].get("zhihu", (0, 0, 0))
            row = {
                "night": night,
                "checked": result.summary.checked,
                "verified": found["verified"],
                "total": found["total"],
                "wx": wx,
                "zh": zh,
                "wx_requests": counts.get(WECHAT, 0),
                "oldest": found["oldest_days"],
                "minutes": wall / scale / 60,
            }
            per_night.append(row)
            print(
                f"{night:>5} {result.summary.checked:>8,} {found['verified']:>7,}/{found['total']:<7,} "
                f"{pages.get('weixin', 0):>8,} {pages.get('zhihu', 0):>8,} "
                f"{archived.requisites if archived else 0:>7,} {archived.readable if archived else 0:>8,} "
                f"{wx[2]:>6,}/{wx[0]:<6,} {zh[2]:>5,}/{zh[0]:<5,} {counts.get(WECHAT, 0):>7,} "
                f"{counts.get(MMBIZ, 0):>9,} {zh_requests:>7,} {zhimg:>9,} {other:>9,} "
                f"{found['oldest_days'] or 0:>5.1f}d {wall / scale / 60:>5.1f}m {cpu_s:>5.0f}s",
                flush=True,
            )
            if all_verified is None and found["verified"] == found["total"]:
                all_verified = night
            if (
                all_captured is None
                and all_verified is not None
                and wx[0] and wx[2] == wx[0]
                and (args.zhihu == "challenge" or (zh[0] and zh[2] == zh[0]))
            ):  # fmt: skip
                all_captured = night
            if (found["oldest_days"] or 0) > WEEK:  # a URL not rechecked within 7 nights of its last check
                stale_after.append(night)
    finally:
        parent.send("stop")
        server.join(30)
        if server.is_alive():
            server.terminate()
        final = coverage(db, T0 + timedelta(days=args.nights)) if db.exists() else None
        warc_bytes = sum(p.stat().st_size for p in (state / "warc").glob("*.warc.gz")) if db.exists() else 0
        if args.keep is None:
            shutil.rmtree(state, ignore_errors=True)
        if sample_dir is not None:
            shutil.rmtree(sample_dir, ignore_errors=True)

    wx_total = len(wechat)
    wx_bound = wx_total * wx_interval / budget
    zh_politeness = profile_for("zhuanlan.zhihu.com").politeness
    zh_bound = per_budget.get(profile_for("zhuanlan.zhihu.com").budget or "", 0) * zh_politeness.interval / budget
    wx_capacity = budget / wx_interval
    print()
    print(
        f"verified every URL once: night {all_verified or '—'}; every alive WeChat"
        + ("" if args.zhihu == "challenge" else "/Zhihu")
        + f" article captured with all its images: night {all_captured or '—'} (goal: both within {WEEK})"
    )
    print(
        f"  the bound: WeChat {wx_total:,} URLs × {wx_interval:g} s ÷ {budget / 60:.0f} min = {wx_bound:.2f} nights "
        f"(≥ {math.ceil(wx_bound)}), {wx_capacity:,.0f} requests a night at most; Zhihu (its hosts one budget) "
        f"{zh_bound:.2f} nights; a page's capture costs no WeChat request of its own (one fetch per page)"
    )
    wx_requests = [row["wx_requests"] for row in per_night]
    if wx_requests:
        print(
            f"  WeChat requests per night: {', '.join(f'{n:,}' for n in wx_requests)} "
            f"(mean {sum(wx_requests) / len(wx_requests):,.0f}; {max(wx_requests) / wx_capacity:.0%} of the "
            f"{wx_capacity:,.0f} the pacing allows at most)"
        )
    if final is not None and final["wx_articles"]:
        images, image_bytes = final["images"]
        print(
            f"  bytes per archived WeChat article (page + its images + readable copy, gzip records): "
            f"{final['wx_article_bytes'] / final['wx_articles'] / 1024:,.1f} KiB over {final['wx_articles']:,} "
            f"articles ({images:,} images, {image_bytes / max(1, images):,.0f} B payload each on the simulated web); "
            f"all WARC files {warc_bytes / 2**20:,.0f} MiB"
        )
    longest = max((row["minutes"] for row in per_night), default=0)
    print(
        f"  longest night: {longest:.1f} simulated minutes (budget {budget / 60:.0f}: no check starts after it; "
        f"the rest is finishing work — the scan, recording the URLs, closing — whose CPU time the scaling "
        f"multiplies by {1 / scale:.0f})"
    )
    if stale_after:
        print(f"  MISSED: a URL's last check was older than {WEEK} days after night(s) {stale_after}")
        ok = False
    else:
        print(f"  re-verification: after the first full pass no URL's last check was older than {WEEK} days")
    if all_verified is None or all_verified > WEEK or all_captured is None or all_captured > WEEK:
        print(f"  MISSED: the goal is both within {WEEK} nights")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
