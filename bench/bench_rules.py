"""Truth beyond the status code (issue #19): what each new rule changes over the whole blog.

    python bench/bench_rules.py                      # the whole corpus, this code against df8b147
    python bench/bench_rules.py --sample 3000        # 3,000 URLs drawn at random (seed 17)
    python bench/bench_rules.py --baseline none      # this code only: counts, no comparison

What one run does:

1. scans the real blog (``/work/shared/corpus/_posts``, ``--corpus``; read in place, never copied —
   with ``--sample`` only the drawn URLs are written to a temporary post) — about 25,000 checkable
   URLs on 1,900 hosts;
2. serves the simulated web in this process (a thread), answering for every host of the corpus as
   ``bench/bench_nights.py`` does: every host a live page of its site's shape, one WeChat URL in
   ``--dead-every`` (8) a deleted article, Zhihu behind a solved challenge. On top of these existing
   scenarios, the scenarios of the new rules (:data:`SCENARIOS` below: each names the corpus URLs
   it turns into what, and what linkcheck should then say);
3. runs the real CLI, ``python -m linkcheck check CORPUS --all --no-archive --format json``, in a
   fresh directory over HTTPS on loopback with the simulated web's CA; pacing is off for loopback
   (every host's interval 0 and ``--host-concurrency`` in flight, through ``[hosts."…"]`` tables of
   a ``linkcheck.toml``), which changes no verdict — only how long the run takes;
4. does the same with the code of ``--baseline`` (default ``df8b147``, main before issue #19's rules:
   extracted with ``git archive`` into a temporary directory and run on this interpreter) against
   the same simulated web — the new rules off, a switch of this bench and not of the product;
5. prints the counts by verdict, by reason and by flag in both runs, every URL whose verdict
   differs (grouped by old → new verdict:reason, with the scenario that made it), and the **new
   false-dead**: URLs dead now, not dead in the baseline, that no scenario made dead.

Exit status 0 when there is no new false-dead and every scenario URL got the verdict its scenario
expects; 1 otherwise.

How to add a rule: give the simulated web the pages (``linkcheck/simweb``), add a
:class:`Scenario` to :data:`SCENARIOS` that picks corpus URLs for them, and, for a flag that is
not a verdict, a line in :data:`FLAGS`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from oldcode import package_at  # (bench/oldcode.py, beside this script)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = Path("/work/shared/corpus/_posts")
BASELINE = "df8b147"  # main before the rules of issue #19
WECHAT = "mp.weixin.qq.com"
DELETED = "https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw"  # the simulated web's deleted article
CANARY = "https://behave.test/ok"


@dataclass(frozen=True, slots=True)
class CorpusLink:
    canonical: str
    host: str
    site: str  # the site profile's name
    title: str | None = None  # the title the posts cite it with (linkcheck.drift), if they give one


@dataclass(slots=True)
class Setup:
    """What the scenarios build: keyword arguments of :class:`~linkcheck.simweb.SimulatedWeb`, and
    the verdict each touched URL should end with (``None``: whatever the site says; the URL is still
    listed as the scenario's)."""

    web: dict = field(default_factory=lambda: {"aliases": {}})
    expected: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # canonical → (verdict, reason)
    scenario_of: dict[str, str] = field(default_factory=dict)  # canonical → scenario name
    flags: dict[str, set[str]] = field(default_factory=dict)  # canonical → the flags it should carry

    def touch(
        self, scenario: str, url: str, verdict: str, reason: str | None = None, flags: Iterable[str] = ()
    ) -> None:
        self.expected[url] = (verdict, reason)
        self.scenario_of[url] = scenario
        self.flags[url] = set(flags)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    describe: str
    apply: Callable[[list[CorpusLink], Setup, argparse.Namespace], None]


def _wechat_deleted(links: list[CorpusLink], setup: Setup, args: argparse.Namespace) -> None:
    """The existing scenario of bench_nights: one WeChat URL in N answers as a deleted article."""
    if not args.dead_every:
        return
    wechat = [link.canonical for link in links if link.host == WECHAT]
    for url in wechat[:: args.dead_every]:
        setup.web["aliases"][url.split("://", 1)[1]] = DELETED
        setup.touch("wechat-deleted", url, "dead", "tombstone:weixin-deleted")


def _alias(setup: Setup, url: str, target: str) -> None:
    setup.web["aliases"][url.split("://", 1)[1]] = target


def _cited_titles(links: list[CorpusLink]) -> dict[str, str]:
    """Every page serves the title the posts cite it with, as most pages still do (the simulated
    web's WeChat articles, Zhihu pages and the long tail's pages; ``SimulatedWeb.titles``)."""
    return {link.canonical.split("://", 1)[1]: link.title for link in links if link.title}


# The Zhihu pages the simulated web serves as live articles or questions (linkcheck.simweb.challenge:
# an id ending in 404 or 410 is its dead one; other paths are Zhihu's home page, unrecognised).
_ZHIHU_PAGE = re.compile(r"^https://(?:zhuanlan\.zhihu\.com/p|www\.zhihu\.com/question)/\d+(?:/answer/\d+)?$")


def _article(link: CorpusLink) -> bool:
    """A page the simulated web serves as a live article: any WeChat article, a Zhihu one above."""
    if link.site == "weixin":
        return True
    return bool(_ZHIHU_PAGE.match(link.canonical)) and not link.canonical.endswith(("404", "410"))


def _titled(links: list[CorpusLink], setup: Setup) -> list[CorpusLink]:
    """Corpus URLs the drift rule compares (a site whose profile says where its article's title is:
    WeChat, Zhihu) on pages served as live articles, with a cited title, and no other scenario's."""
    return [link for link in links if link.title and _article(link) and link.canonical not in setup.expected]


def _drift_replaced(links: list[CorpusLink], setup: Setup, args: argparse.Namespace) -> None:
    """One WeChat/Zhihu URL in --drift-every now serves another article of the blog: drifted."""
    setup.web.setdefault("titles", {}).update(_cited_titles(links))
    if not args.drift_every:
        return
    titled = _titled(links, setup)
    for index in range(0, len(titled), args.drift_every):
        link = titled[index]
        other = titled[(index + len(titled) // 2) % len(titled)]  # an article far away in the blog
        if other.title == link.title:
            continue
        setup.web["titles"][link.canonical.split("://", 1)[1]] = other.title
        setup.touch("drift-replaced", link.canonical, "alive", None, flags={"drifted"})


def _edited(title: str, index: int) -> str:
    """A slight edit an author or a platform makes: a series tag or site name added, punctuation
    between full and half width, one character dropped from a longer title."""
    kind = index % 3
    if kind == 0:
        return f"{title} | 公众号"
    if kind == 1:
        swapped = title.translate(str.maketrans("，：？！（）,:?!()", ",:?!()，：？！（）"))
        return swapped if swapped != title else f"【转载】{title}"
    if len(title) >= 8:
        middle = len(title) // 2
        return title[:middle] + title[middle + 1 :]
    return f"{title}（一）"


def _drift_retitled(links: list[CorpusLink], setup: Setup, args: argparse.Namespace) -> None:
    """One WeChat/Zhihu URL in --drift-every (others) is retitled slightly: never drifted."""
    if not args.drift_every:
        return
    titled = _titled(links, setup)
    for n, index in enumerate(range(args.drift_every // 2, len(titled), args.drift_every)):
        link = titled[index]
        assert link.title is not None
        setup.web["titles"][link.canonical.split("://", 1)[1]] = _edited(link.title, n)
        setup.touch("drift-retitled", link.canonical, "alive", None)


_UNREACHABLE = (  # how a host that never comes back answers, how many corpus URLs, the reason
    ("https://behave.test/status/503", 6, "http-5xx"),
    ("https://behave.test/loop/a", 4, "redirect-loop"),
    ("https://behave.test/never", 1, "timeout"),
)


def _parked_domains(links: list[CorpusLink], setup: Setup, args: argparse.Namespace) -> None:
    """Issue #19 item 1: one small site (a host no site profile names) in N has lapsed and answers
    every path as a parked domain, the parking services in turn (linkcheck.simweb PARKING_KINDS:
    Sedo, Bodis, GoDaddy, Dan.com, Afternic, a registrar's sale form, a Chinese sale page)."""
    from linkcheck.simweb.server import PARKING_KINDS

    if not args.parked_every:
        return
    hosts = sorted({link.host for link in links if link.site == "generic"})
    parked = {host: PARKING_KINDS[n % len(PARKING_KINDS)] for n, host in enumerate(hosts[:: args.parked_every])}
    setup.web["parked"] = parked
    for link in links:
        if link.host in parked:
            setup.touch("parked-domain", link.canonical, "dead", "parked")


def _soft_404(style: str, offset: int) -> Callable[[list[CorpusLink], Setup, argparse.Namespace], None]:
    """Item 2: hosts of the blog that answer a missing page with 200 — a "Page not found" template,
    or a redirect to the home page — and hosts with a proper 404. Of the generic hosts cited at least
    twice, one in ``--soft-every`` gets each kind (in turn: ``offset``); on those every cited URL
    exists except one in ``--gone-every`` (never a site's root), which the site no longer has."""

    def apply(links: list[CorpusLink], setup: Setup, args: argparse.Namespace) -> None:
        from yarl import URL

        from linkcheck.simweb.softsites import NOT_FOUND, Site

        if not args.soft_every:
            return
        by_host: dict[str, list[str]] = defaultdict(list)
        for link in links:
            if link.site == "generic":
                by_host[link.host].append(link.canonical)
        # Not a host another scenario took (a parked domain answers every path its own way).
        taken = setup.web.get("parked", {})
        hosts = sorted(host for host, urls in by_host.items() if len(urls) >= 2 and host not in taken)
        sites = setup.web.setdefault("sites", {})
        name = f"soft-404:{style}"
        for host in hosts[offset :: args.soft_every]:
            live: set[str] = set()
            for j, url in enumerate(by_host[host]):
                parsed = URL(url)
                if j % args.gone_every == args.gone_every - 1 and parsed.path not in ("", "/"):
                    setup.touch(name, url, "dead", "http-404" if style == NOT_FOUND else "soft-404")
                else:
                    live.update({parsed.raw_path_qs, parsed.path_qs})
                    setup.touch(name, url, "alive")
            sites[host] = Site(host, style, live=frozenset(live))

    return apply


def _unreachable(links: list[CorpusLink], setup: Setup, args: argparse.Namespace) -> None:
    """A few long-tail URLs answer 503, loop or never answer. With the bench's confirmation at one
    check (see write_workdir), one night stands for the nights these take to become unreachable."""
    generic = [link for link in links if link.site == "generic" and link.canonical not in setup.expected]
    step = max(1, len(generic) // 12)
    picks = iter(generic[::step])
    for target, count, reason in _UNREACHABLE:
        for link in [next(picks) for _ in range(count)]:
            _alias(setup, link.canonical, target)
            if target.endswith("/loop/a"):  # the loop's other leg, at the same host
                _alias(setup, f"https://{link.host}/loop/a", "https://behave.test/loop/a")
                _alias(setup, f"https://{link.host}/loop/b", "https://behave.test/loop/b")
            setup.touch("unreachable", link.canonical, "error", reason, flags={"unreachable"})


def _walls(links: list[CorpusLink], setup: Setup, args: argparse.Namespace) -> None:
    """Four Zhihu URLs meet its security verification (302 to /account/unhuman): blocked, never
    unreachable however long it lasts."""
    zhihu = [link for link in links if _ZHIHU_PAGE.match(link.canonical) and link.canonical not in setup.expected]
    for link in zhihu[: 4 * 97 : 97]:
        _alias(setup, link.canonical, "https://www.zhihu.com/question/1912780463006782640")
        setup.touch("wall", link.canonical, "blocked", "antibot:zhihu-unhuman")


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("wechat-deleted", "one WeChat URL in --dead-every answers as a deleted article", _wechat_deleted),
    Scenario("parked-domain", "one small site in --parked-every answers as a parked domain", _parked_domains),
    Scenario(
        "soft-404:template",
        "generic hosts answering a missing page with a 200 'Page not found' template",
        _soft_404("template", 0),
    ),
    Scenario("soft-404:home", "generic hosts redirecting a missing page to their home page", _soft_404("home", 1)),
    Scenario("soft-404:404", "generic hosts answering a missing page with a proper 404", _soft_404("404", 2)),
    Scenario(
        "drift-replaced",
        "one WeChat/Zhihu URL in --drift-every serves another article (every page serves its cited title)",
        _drift_replaced,
    ),
    Scenario("drift-retitled", "one WeChat/Zhihu URL in --drift-every is retitled slightly", _drift_retitled),
    Scenario("unreachable", "long-tail URLs answering 503, a redirect loop, or never", _unreachable),
    Scenario("wall", "Zhihu URLs meeting its security verification", _walls),
)

# Flags that are not verdicts: name → how to read it from one object of `check --format json`
# (run_check adds ``flags``: the URLs the database's views list after the run).
FLAGS: dict[str, Callable[[dict], bool]] = {
    "drifted": lambda result: "drifted" in result.get("flags", ()),
    "unreachable": lambda result: "unreachable" in result.get("flags", ()),
}
# The view that lists each flag's URLs (a baseline without the view has no such flag).
FLAG_VIEWS = {"drifted": "drifted_links", "unreachable": "unreachable_links"}


def page_shapes(links: list[CorpusLink]) -> dict[str, dict[str, list[str]]]:
    """Per site profile that tells its articles from its other pages: its URLs by page shape
    ("article"; a shape's name; "other" for a path neither names: held to the article markers
    where it lands)."""
    from urllib.parse import urlsplit

    from linkcheck.sites import profile_by_name

    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for link in links:
        profile = profile_by_name(link.site)
        if profile.articles is None:
            continue
        path = urlsplit(link.canonical).path
        shape = profile.shape_for(path)
        name = (
            shape.name if shape else ("article" if profile.articles.search(path) else "other (judged where it lands)")
        )
        found[profile.label][name].append(link.canonical)
    return found


# ---- the runs -----------------------------------------------------------------------------------


def corpus_links(corpus: Path, sample: int | None) -> list[CorpusLink]:
    from linkcheck.scan.collect import collect
    from linkcheck.sites import profile_for

    links = sorted((link for link in collect([corpus]).links if link.checkable), key=lambda link: link.canonical)
    if sample:
        links = random.Random(17).sample(links, min(sample, len(links)))
        links.sort(key=lambda link: link.canonical)
    return [
        CorpusLink(
            link.canonical,
            link.host,
            profile_for(link.host).name,
            next((o.title for o in link.occurrences if o.title), None),
        )
        for link in links
    ]


def write_workdir(directory: Path, hosts: Iterable[str], ca_pem: bytes, concurrency: int) -> None:
    """A blog root whose linkcheck.toml turns pacing off for every host (loopback answers at once),
    and confirms after one check at once (``confirm_checks = 1``, ``confirm_days = 0``): one night
    stands for the nights a rule of persistence (unreachable) waits for; no verdict depends on it."""
    directory.mkdir(parents=True)
    (directory / "ca.pem").write_bytes(ca_pem)
    tables = "".join(f'[hosts."{host}"]\nconcurrency = {concurrency}\ninterval = 0\n\n' for host in sorted(set(hosts)))
    (directory / "linkcheck.toml").write_text(
        f"timeout = 20\nbackoff = 0.1\nconfirm_checks = 1\nconfirm_days = 0\n\n{tables}", encoding="utf-8"
    )


def run_check(web, workdir: Path, posts: Path, code: Path | None) -> tuple[dict[str, dict], float]:
    """`linkcheck check` over ``posts`` in ``workdir`` (this checkout's code, or the package under
    ``code``): its JSON objects by canonical URL, and the wall time."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(code if code is not None else ROOT)
    args = [
        sys.executable, "-m", "linkcheck", "check", str(posts), "--all", "--no-archive", "--format", "json",
        "--db", str(workdir / "linkcheck.db"),
        "--resolve", f"*:443:127.0.0.1:{web.https_port}", "--resolve", f"*:80:127.0.0.1:{web.http_port}",
        "--ca-bundle", "ca.pem", "--allow-private", "--canary", CANARY,
    ]  # fmt: skip
    web.reset_state()
    started = time.perf_counter()
    done = subprocess.run(args, cwd=workdir, capture_output=True, text=True, env=env, timeout=7200)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"linkcheck check failed ({done.returncode}):\n{done.stderr[-3000:]}")
    results = {r["canonical"]: r for r in json.loads(done.stdout)}
    with sqlite3.connect(workdir / "linkcheck.db") as db:
        views = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
        for flag, view in FLAG_VIEWS.items():
            if view in views:
                for (canonical,) in db.execute(f"SELECT canonical FROM {view}"):
                    if canonical in results:
                        results[canonical].setdefault("flags", []).append(flag)
        if "drifted_links" in views:  # how many URLs the drift rule looked at at all
            compared, titled = db.execute(
                "SELECT count(DISTINCT url_id) FILTER (WHERE title_similarity IS NOT NULL), "
                "count(DISTINCT url_id) FILTER (WHERE title IS NOT NULL) FROM checks"
            ).fetchone()
            cited = db.execute("SELECT count(DISTINCT url_id) FROM occurrences WHERE title IS NOT NULL").fetchone()[0]
            print(
                f"  drift rule: {cited:,} URLs with a cited title, {titled:,} pages' titles read, "
                f"{compared:,} compared (WeChat, Zhihu)"
            )
    db.close()
    return results, wall


def probe_counts(workdir: Path) -> tuple[int, int] | None:
    """Soft-404 probes the run sent (hosts probed, of which answered 200), from its database."""
    import sqlite3

    conn = sqlite3.connect(workdir / "linkcheck.db")
    try:
        return conn.execute("SELECT count(*), coalesce(sum(soft), 0) FROM soft404_probes").fetchone()
    except sqlite3.OperationalError:  # a baseline without the table
        return None
    finally:
        conn.close()


# ---- the report ---------------------------------------------------------------------------------


def _vr(result: dict | None) -> str:
    return f"{result['verdict']}:{result['reason']}" if result else "—"


def _flags(result: dict) -> list[str]:
    return [name for name, test in FLAGS.items() if test(result)]


def report(links: list[CorpusLink], setup: Setup, runs: dict[str, dict[str, dict]], show: int) -> bool:
    names = list(runs)
    new = runs["this code"]
    base = runs.get(names[1]) if len(names) > 1 else None
    ok = True
    checked = {link.canonical for link in links}

    print(f"  {'verdict':38}" + "".join(f"{name:>22}" for name in names))
    for verdict in ("alive", "dead", "blocked", "error", "skipped"):
        counts = [sum(1 for r in runs[name].values() if r["verdict"] == verdict) for name in names]
        print(f"  {verdict:38}" + "".join(f"{n:>22,}" for n in counts))
    print()
    print(f"  {'verdict:reason':38}" + "".join(f"{name:>22}" for name in names))
    by_reason = {name: Counter(_vr(r) for r in runs[name].values()) for name in names}
    for key in sorted(set().union(*by_reason.values())):
        cells = [by_reason[name][key] for name in names]
        mark = "" if len(set(cells)) == 1 else "   ←"
        print(f"  {key:38}" + "".join(f"{n:>22,}" for n in cells) + mark)
    print()
    if FLAGS:
        print(f"  {'flag':38}" + "".join(f"{name:>22}" for name in names))
        for flag in FLAGS:
            cells = [sum(1 for r in runs[name].values() if flag in _flags(r)) for name in names]
            print(f"  {flag:38}" + "".join(f"{n:>22,}" for n in cells))
        # Each flag where a scenario put it, and nowhere else.
        for flag in FLAGS:
            wanted = {url for url, flags in setup.flags.items() if flag in flags}
            got = {url for url, result in new.items() if flag in _flags(result)}
            stray, missed = sorted(got - wanted), sorted(wanted - got)
            print(
                f"  {flag}: {len(got):,} URLs flagged, {len(got & wanted):,} of the {len(wanted):,} a scenario "
                f"flags; flagged without a scenario: {len(stray):,}; a scenario's not flagged: {len(missed):,}"
            )
            for url in (stray + missed)[:show]:
                print(f"    {url}: {_vr(new.get(url))} ({setup.scenario_of.get(url, 'no scenario')})")
            if stray or missed:
                ok = False
    else:
        print("  flags: none defined yet (FLAGS)")
    print()

    # Scenario URLs: did each end as its scenario says?
    per_scenario: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: list[tuple[str, str, str]] = []
    for url, (verdict, reason) in setup.expected.items():
        result = new.get(url)
        got = result["verdict"] if result else "missing"
        fits = result is not None and got == verdict and (reason is None or result["reason"] == reason)
        per_scenario[setup.scenario_of[url]]["as expected" if fits else "NOT as expected"] += 1
        if not fits:
            wrong.append((setup.scenario_of[url], url, f"expected {verdict}:{reason or '*'}, got {_vr(result)}"))
    for scenario in SCENARIOS:
        counts = per_scenario.get(scenario.name, Counter())
        print(
            f"  scenario {scenario.name}: {sum(counts.values()):,} URLs ({scenario.describe}); "
            + ", ".join(f"{n:,} {what}" for what, n in sorted(counts.items()))
        )
    for scenario, url, what in wrong[:show]:
        print(f"    {scenario}: {url}: {what}")
    if wrong:
        ok = False
    print()

    # Issue #19 item 5: the corpus's URLs of sites that tell articles from other pages, by shape,
    # and what became of those that are no article.
    for site, shapes in page_shapes(links).items():
        pages = [url for name, urls in shapes.items() if name != "article" for url in urls]
        counts = ", ".join(f"{name} {len(urls):,}" for name, urls in sorted(shapes.items(), key=lambda i: -len(i[1])))
        print(f"  {site} URLs by page shape: {sum(len(urls) for urls in shapes.values()):,} — {counts}")
        for name in names:
            outcome = Counter(_vr(runs[name].get(url)) for url in pages)
            print(
                f"    the {len(pages):,} that are no article, {name}: "
                + ", ".join(f"{k} {n:,}" for k, n in outcome.most_common())
            )
    print()

    if base is None:
        return ok
    # What the new rules changed: every URL whose verdict differs, grouped by transition.
    changed: dict[tuple[str, str], list[str]] = defaultdict(list)
    reason_only: Counter[tuple[str, str]] = Counter()
    for url in sorted(checked):
        before, after = base.get(url), new.get(url)
        if before is None or after is None:
            continue
        if before["verdict"] != after["verdict"]:
            changed[(_vr(before), _vr(after))].append(url)
        elif before["reason"] != after["reason"]:
            reason_only[(_vr(before), _vr(after))] += 1
    total = sum(len(urls) for urls in changed.values())
    print(f"  verdict changed ({names[1]} → this code): {total:,} URLs")
    for (before, after), urls in sorted(changed.items(), key=lambda item: -len(item[1])):
        scenarios = Counter(setup.scenario_of.get(url, "no scenario") for url in urls)
        print(f"    {before} → {after}: {len(urls):,} ({', '.join(f'{s} {n:,}' for s, n in scenarios.items())})")
        for url in urls[:show]:
            print(f"      {url}")
        if len(urls) > show:
            print(f"      … and {len(urls) - show:,} more (--show)")
    for (before, after), n in sorted(reason_only.items(), key=lambda item: -item[1]):
        print(f"    same verdict, reason {before} → {after}: {n:,}")
    false_dead = [
        url
        for urls in changed.values()
        for url in urls
        if new[url]["verdict"] == "dead" and setup.expected.get(url, ("",))[0] != "dead"
    ]
    print(f"  new false-dead (dead now, not in the baseline, no scenario made it dead): {len(false_dead):,}")
    for url in false_dead[:show]:
        print(f"    {url}: {_vr(base.get(url))} → {_vr(new.get(url))}")
    if false_dead:
        ok = False
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--sample", type=int, help="only this many URLs of the corpus, drawn at random (seed 17)")
    parser.add_argument(
        "--baseline", default=BASELINE, help=f"git revision with the rules off ('none': skip; {BASELINE})"
    )
    parser.add_argument("--dead-every", type=int, default=8, help="one WeChat URL in N answers as deleted")
    parser.add_argument(
        "--drift-every", type=int, default=50, help="one titled WeChat/Zhihu URL in N replaced, another retitled"
    )
    parser.add_argument(
        "--parked-every", type=int, default=40, help="one small site (generic host) in N answers as parked (0: none)"
    )
    parser.add_argument(
        "--soft-every", type=int, default=20, help="of the generic hosts cited twice or more, one in N each: a soft "
        "404 template, a redirect home, a proper 404 (0: none)"
    )  # fmt: skip
    parser.add_argument("--gone-every", type=int, default=3, help="on those hosts one cited URL in N is missing")
    parser.add_argument("--host-concurrency", type=int, default=8, help="requests in flight per host (pacing off)")
    parser.add_argument("--show", type=int, default=40, help="URLs listed per changed group at most")
    args = parser.parse_args()

    from linkcheck.simweb import serve_in_thread

    if not args.corpus.is_dir():
        raise SystemExit(f"no corpus at {args.corpus}")
    links = corpus_links(args.corpus, args.sample)
    setup = Setup()
    for scenario in SCENARIOS:
        scenario.apply(links, setup, args)
    hosts = {link.host for link in links}
    by_site = Counter(link.site for link in links)
    tmp = Path(tempfile.mkdtemp(prefix="bench-rules-"))
    try:
        posts = args.corpus
        if args.sample:
            posts = tmp / "posts"
            posts.mkdir()
            body = "\n\n".join(f"参考 {link.canonical} 看看" for link in links)
            (posts / "sample.md").write_text(f"---\ntitle: sample\n---\n{body}\n", encoding="utf-8")
        print(
            f"issue #19 rules over {'a sample of ' if args.sample else ''}the blog: {len(links):,} checkable URLs on "
            f"{len(hosts):,} hosts ({', '.join(f'{s} {n:,}' for s, n in by_site.most_common(5))}, …)"
        )
        print(
            f"  `linkcheck check --all --no-archive` on the simulated web (HTTPS on loopback; pacing off: interval 0, "
            f"{args.host_concurrency} in flight per host); baseline: "
            + ("none" if args.baseline == "none" else f"the code of {args.baseline} on the same simulated web")
        )
        runs: dict[str, dict[str, dict]] = {}
        walls: dict[str, float] = {}
        with serve_in_thread(unknown_hosts="alive", max_records=0, zhihu_challenge=False, **setup.web) as web:
            new_dir = tmp / "new"
            write_workdir(new_dir, hosts, web.ca_pem(), args.host_concurrency)
            runs["this code"], walls["this code"] = run_check(web, new_dir, posts, None)
            if args.baseline != "none":
                code = package_at(args.baseline, tmp / "baseline-code")
                base_dir = tmp / "baseline"
                write_workdir(base_dir, hosts, web.ca_pem(), args.host_concurrency)
                name = f"baseline {args.baseline}"
                runs[name], walls[name] = run_check(web, base_dir, posts, code)
        print("  " + ", ".join(f"{name}: {len(runs[name]):,} URLs in {walls[name]:.0f} s" for name in runs))
        probes = probe_counts(new_dir)
        if probes is not None:
            generic = len({link.host for link in links if link.site == "generic"})
            print(
                f"  soft-404 probes (this code): {probes[0]:,} hosts probed once each, of {generic:,} generic hosts; "
                f"{probes[1]:,} answered 200 for a page that cannot exist"
            )
        print()
        ok = report(links, setup, runs, args.show)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
