"""Browser re-check throughput and memory: checks per minute on the local web, peak RSS.

Runs the runner with the browser as its escalation stage (:class:`linkcheck.browser.BrowserChecker`:
headless Chromium from Debian's ``chromium`` package, through Playwright) over Zhihu URLs the
simulated web hides behind its ``__zse_ck`` challenge — plain HTTP says ``blocked`` for all of
them, so every one goes on to the browser on its host's queue — in three passes:

1. **paced** — the production politeness of the Zhihu profile (one page at a time per host, page
   starts 1.5 s ± 40 % apart, two hosts): what a nightly run gets;
2. **unpaced** — the same URLs with the interval set to 0: what the browser itself costs per page
   (challenge solved once per run, then one navigation + network-quiet wait per page);
3. **parallel** — generic pages on ``--hosts`` benchmark hosts, unpaced, ``--max-pages`` pages open
   at once, straight to the browser (no HTTP pass): the throughput ceiling of one browser.

While a pass runs, the process tree under this process (Playwright's node driver, the Chromium
browser, its GPU/network/renderer processes) is sampled every 50 ms with psutil; the peak of the
summed RSS is printed, and the peak summed PSS (shared pages counted once: a fairer figure for
several Chromium processes) next to it. The verdicts are checked: every challenge URL must come
back ``alive`` or ``dead`` as the simulated web intends; the exit status is 1 otherwise.

    python bench/bench_browser.py [--urls 40] [--hosts 8] [--max-pages 4] [--skip-paced]

Needs ``pip install 'linkcheck[browser]' psutil`` and ``apt-get install chromium libnss3-tools``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from linkcheck import browser as B  # noqa: E402
from linkcheck.models import Link, Occurrence  # noqa: E402
from linkcheck.net.resolve import RoutingResolver  # noqa: E402
from linkcheck.net.transport import Fetcher, FetchSettings  # noqa: E402
from linkcheck.run.runner import run_checks  # noqa: E402
from linkcheck.scan.canonical import canonicalize  # noqa: E402
from linkcheck.simweb import serve_in_thread  # noqa: E402
from linkcheck.sites import Politeness, profile_for  # noqa: E402


class Sampler:
    """Peak summed RSS / PSS of this process's descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        import psutil

        self._psutil = psutil
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        rss = pss = 0
        children = self._psutil.Process().children(recursive=True)
        for child in children:
            try:
                info = child.memory_full_info()
            except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_processes = max(self.peak_processes, len(children))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _link(url: str) -> Link:
    c = canonicalize(url)
    return Link(url, c.canonical, c.host, c.checkable, c.skip_reason, [Occurrence("bench.md", 1, 1, "bare")])


def zhihu_urls(n: int) -> list[tuple[str, str]]:
    """(URL, expected verdict): articles on zhuanlan, answers on www; every 5th one deleted."""
    urls = []
    for i in range(n):
        dead = i % 5 == 4
        post = f"7001{i:05d}" + ("404" if dead else "001")
        if i % 2 == 0:
            urls.append((f"https://zhuanlan.zhihu.com/p/{post}", "dead" if dead else "alive"))
        else:
            urls.append((f"https://www.zhihu.com/question/{post}", "dead" if dead else "alive"))
    return urls


async def run_pass(
    web, name: str, urls: list[tuple[str, str]], settings: FetchSettings, options: B.BrowserSettings
) -> bool:
    with Sampler() as sampler:
        started = time.perf_counter()
        if name == "parallel":
            result = await _parallel(web, [url for url, _ in urls], settings, options)
        else:
            result = await _escalated(web, [url for url, _ in urls], settings, options)
        wall = time.perf_counter() - started
    got = {link.url: outcome.verdict.value for link, outcome in result}
    wrong = [(url, expected, got.get(url)) for url, expected in urls if got.get(url) != expected]
    per_minute = len(got) * 60 / wall if wall else 0.0
    print(
        f"{name:9s} {len(got):4d} checks in {wall:6.1f} s = {per_minute:6.1f} checks/min   "
        f"peak RSS {sampler.peak_rss / 2**20:6.0f} MiB (PSS {sampler.peak_pss / 2**20:5.0f} MiB, "
        f"{sampler.peak_processes} processes)" + (f"   WRONG: {wrong[:3]}" if wrong else "")
    )
    return not wrong


async def _escalated(web, urls: list[str], settings: FetchSettings, options: B.BrowserSettings) -> list:
    """The nightly path: the runner checks each URL over HTTP, meets the challenge (or the host
    paused by it) and hands the link on to the browser on the host's queue."""
    links = [_link(url) for url in urls]
    results: list = []
    browser = B.BrowserChecker(
        settings, options, route=web.route, route_hosts=B.hosts_to_route(link.host for link in links)
    )
    async with Fetcher(settings, resolver=RoutingResolver(web.route)) as fetcher:
        try:
            summary = await run_checks(
                links,
                fetcher,
                on_result=lambda link, outcome: results.append((link, outcome)),
                canaries=[web.url("behave.test", "/ok")],
                escalation=browser,
            )
        finally:
            await browser.aclose()
    if browser.unavailable:
        raise SystemExit(browser.unavailable)
    if summary.escalated != len(links):
        raise SystemExit(f"only {summary.escalated} of {len(links)} links went on to the browser")
    return results


async def _parallel(web, urls: list[str], settings: FetchSettings, options: B.BrowserSettings) -> list:
    """Generic pages straight into one browser (they are not walled: no HTTP pass)."""
    hosts = {canonicalize(u).host for u in urls}
    results = []
    async with B.BrowserChecker(settings, options, route=web.route, route_hosts=hosts) as browser:
        if browser.unavailable:
            raise SystemExit(browser.unavailable)
        outcomes = await asyncio.gather(*(browser.check_url(u) for u in urls))
        results = [(_link(u), o) for u, o in zip(urls, outcomes, strict=True)]
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=40, help="challenge URLs per pass (default 40)")
    parser.add_argument("--hosts", type=int, default=8, help="benchmark hosts in the parallel pass")
    parser.add_argument("--max-pages", type=int, default=4, help="pages open at once (default 4)")
    parser.add_argument("--skip-paced", action="store_true", help="skip the production-paced pass")
    args = parser.parse_args()

    ok, why = B.available()
    if not ok:
        print(f"browser path unavailable: {why}")
        return 2
    try:
        import psutil  # noqa: F401
    except ImportError:
        print("pip install psutil (it measures the Chromium process tree)")
        return 2

    extra = [f"b{i}.bench.test" for i in range(args.hosts)]
    with serve_in_thread(extra_hosts=extra) as web:
        base = FetchSettings(extra_ca_pem=web.ca_pem(), allow_private=True, connect_timeout=5.0)
        options = B.BrowserSettings(max_pages=args.max_pages, page_timeout=30.0)
        urls = zhihu_urls(args.urls)
        print(f"{B.find_chromium()}, {args.urls} URLs behind the Zhihu challenge, --max-pages {args.max_pages}")
        good = True
        if not args.skip_paced:
            good &= asyncio.run(run_pass(web, "paced", urls, base, options))
            print(f"          (bound: 2 hosts × 60 / {profile_for('www.zhihu.com').politeness.interval:g} s "
                  f"= {2 * 60 / profile_for('www.zhihu.com').politeness.interval:.0f} checks/min)")  # fmt: skip
        unpaced = {
            host: replace(profile_for(host).politeness, interval=0.0)
            for host in ("zhuanlan.zhihu.com", "www.zhihu.com")
        }
        good &= asyncio.run(run_pass(web, "unpaced", urls, replace(base, politeness_overrides=unpaced), options))
        bench_urls = [(f"https://{extra[i % len(extra)]}/page/{i}", "alive") for i in range(args.urls)]
        flat = {host: Politeness(concurrency=1, interval=0.0) for host in extra}
        good &= asyncio.run(run_pass(web, "parallel", bench_urls, replace(base, politeness_overrides=flat), options))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
