"""The nightly plan: urgency tiers, caps, and a simulated fortnight through the real Store."""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkcheck.models import Link, LinkKind, Occurrence, Outcome, Verdict
from linkcheck.run.schedule import plan
from linkcheck.store import Store, UrlState

NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)


def state(
    name: str,
    verdict: str | None,
    age: timedelta | None,
    *,
    site: str = "generic",
    dead_checks: int = 0,
    confirmed: bool = False,
    unreachable: bool = False,
) -> UrlState:
    return UrlState(
        canonical=f"https://x.example/{name}",
        site=site,
        host="x.example",
        verdict=verdict,
        last_checked_at=None if age is None else NOW - age,
        dead_checks=dead_checks,
        confirmed=confirmed,
        unreachable=unreachable,
    )


def names(urls: list[str]) -> list[str]:
    return [u.rsplit("/", 1)[1] for u in urls]


def test_tiers_in_order() -> None:
    states = [
        state("alive-old", "alive", timedelta(days=9)),
        state("alive-fresh", "alive", timedelta(days=1)),
        state("alive-older", "alive", timedelta(days=12)),
        state("blocked", "blocked", timedelta(days=1)),
        state("error", "error", timedelta(days=1)),
        state("dead", "dead", timedelta(days=1), dead_checks=1),
        state("suspect-walled", "blocked", timedelta(days=2), dead_checks=2),
        state("new-1", None, None),
        state("new-2", None, None),
        state("dead-just-checked", "dead", timedelta(hours=2), dead_checks=1),
        state("confirmed-recent", "dead", timedelta(days=1), dead_checks=5, confirmed=True),
        state("confirmed-due", "dead", timedelta(days=6), dead_checks=5, confirmed=True),
        state("unreachable-recent", "error", timedelta(days=1), unreachable=True),
        state("unreachable-due", "error", timedelta(days=7), unreachable=True),
    ]
    assert names(plan(states, now=NOW)) == [
        "new-1",
        "new-2",
        "suspect-walled",  # suspected dead, least recently checked first
        "dead",
        "error",  # unsettled: errors before walls
        "blocked",
        "alive-older",  # routine: least recently checked first
        "alive-old",
        "unreachable-due",  # so is an unreachable one (its errors lasted as long as confirming takes)
        "confirmed-due",  # a confirmed dead link is only rechecked on the routine cadence
    ]


def test_check_all_returns_everything() -> None:
    states = [
        state("alive-fresh", "alive", timedelta(minutes=5)),
        state("dead-just-checked", "dead", timedelta(minutes=5), dead_checks=1),
        state("new", None, None),
    ]
    assert sorted(names(plan(states, now=NOW, check_all=True))) == ["alive-fresh", "dead-just-checked", "new"]
    assert names(plan(states, now=NOW)) == ["new"]


def test_max_urls_caps_and_unsettled_cannot_starve_routine() -> None:
    states = [state(f"wall-{i}", "blocked", timedelta(days=1)) for i in range(100)]
    states += [state(f"alive-{i}", "alive", timedelta(days=6, hours=i)) for i in range(100)]
    chosen = names(plan(states, now=NOW, max_urls=40))
    assert len(chosen) == 40
    assert Counter(n.split("-")[0] for n in chosen) == {"wall": 10, "alive": 30}
    assert chosen[10] == "alive-99"  # the longest unchecked first
    # without a cap nothing is dropped, but a time budget may cut the tail: the walls beyond a
    # quarter of the run still come after the routine rechecks
    everything = names(plan(states, now=NOW))
    assert len(everything) == 200
    assert everything[:50] == [f"wall-{i}" for i in range(50)]
    assert everything[-50:] == [f"wall-{i}" for i in range(50, 100)]
    assert plan(states, now=NOW, max_urls=0) == []
    with pytest.raises(ValueError):
        plan(states, now=NOW, max_urls=-1)


def test_recheck_intervals_are_parameters_and_naive_now_is_utc() -> None:
    states = [state("alive", "alive", timedelta(days=2)), state("err", "error", timedelta(hours=3))]
    naive = NOW.replace(tzinfo=None)
    assert plan(states, now=naive) == []
    assert names(
        plan(states, now=naive, recheck_alive_after=timedelta(days=1), recheck_failing_after=timedelta(hours=1))
    ) == ["err", "alive"]


# ---- a simulated fortnight ------------------------------------------------------------------

URLS = 25_000
CAP = 6_000
NIGHTS = 14
START = datetime(2025, 1, 1, 18, 0, tzinfo=UTC)  # 02:00 in China
SPACING = timedelta(seconds=0.5)  # one check every half second: 6,000 checks in 50 minutes


def canonical(i: int) -> str:
    if i % 100 < 54:
        return f"https://mp.weixin.qq.com/s/article{i:06d}"
    if i % 100 < 77:
        return f"https://zhuanlan.zhihu.com/p/{100000 + i}"
    return f"https://site{i % 37}.example.com/post/{i}"


def make_links() -> list[Link]:
    links = []
    for i in range(URLS):
        url = canonical(i)
        host = url.split("/")[2]
        occurrences = [Occurrence(f"posts/{i % 700:03d}.md", 1 + i // 700, 1, LinkKind.MARKDOWN_LINK)]
        links.append(Link(url, url, host, True, None, occurrences))
    return links


GONE = {i for i in range(URLS) if i % 100 == 5}  # dead from the start, for good
FLAPPING = {i for i in range(URLS) if i % 100 == 6}  # dead on odd nights, alive on even ones
TWO_NIGHTS = 7  # dead for two checks from night 2, then alive again
THREE_SHORT = 8  # dead for three consecutive nights from night 2, then alive again


class World:
    """The synthetic web: outcome of checking URL i on a night."""

    def __init__(self) -> None:
        self.dead_served: Counter[int] = Counter()

    def outcome(self, i: int, night: int) -> Outcome:
        url = canonical(i)
        if i in GONE:
            return Outcome(Verdict.DEAD, "http-404", 404)
        if i in FLAPPING:
            return Outcome(Verdict.DEAD, "http-404", 404) if night % 2 else Outcome(Verdict.ALIVE, "ok", 200)
        limit = {TWO_NIGHTS: 2, THREE_SHORT: 3}.get(i)
        if limit is not None and night >= 2 and self.dead_served[i] < limit:
            self.dead_served[i] += 1
            return Outcome(Verdict.DEAD, "tombstone:weixin-deleted", 200)
        # WeChat throws an anti-bot wall at ~5% of requests, Zhihu times out ~2% of the time.
        roll = int(hashlib.blake2b(f"{i}/{night}".encode(), digest_size=2).hexdigest(), 16) % 100
        if "weixin" in url and roll < 5:
            return Outcome(Verdict.BLOCKED, "antibot:weixin-verify", 200)
        if "zhihu" in url and roll < 2:
            return Outcome(Verdict.ERROR, "timeout")
        return Outcome(Verdict.ALIVE, "ok", 200)


def test_simulated_fortnight_through_the_real_store(tmp_path: Path) -> None:
    db = tmp_path / "state" / "linkcheck.db"
    world = World()
    index = {canonical(i): i for i in range(URLS)}
    confirmed_by_run: dict[str, list[int]] = defaultdict(list)
    planned: list[int] = []
    with Store(db) as store:
        store.links.sync(make_links(), now=START - timedelta(hours=1))
        for night in range(NIGHTS):
            start = START + timedelta(days=night)
            urls = plan(store.checks.link_states(), now=start, max_urls=CAP)
            planned.append(len(urls))
            run = store.runs.begin({"max_urls": CAP, "night": night}, now=start)
            for n, url in enumerate(urls):
                # each check commits on its own, as in a real run
                store.checks.record(run, url, world.outcome(index[url], night), now=start + n * SPACING)
            store.runs.finish(run, "completed", {"checked": len(urls)}, now=start + len(urls) * SPACING)
            for row in store.queries.newly_confirmed_dead(run):
                confirmed_by_run[row["canonical"]].append(run)
        dead = {d["canonical"] for d in store.queries.dead_links()}
        suspected = {d["canonical"] for d in store.queries.dead_links(include_suspected=True)} - dead
        flaky = {d["canonical"] for d in store.queries.flaky_links()}
    end = START + timedelta(days=NIGHTS - 1) + CAP * SPACING

    # every night stays within its cap (and the first nights use all of it: the initial sweep)
    assert max(planned) <= CAP
    assert planned[:4] == [CAP] * 4
    conn = sqlite3.connect(db)
    per_run = [n for (n,) in conn.execute("SELECT count(*) FROM checks GROUP BY run_id ORDER BY run_id")]
    assert per_run == planned

    # every URL is verified at least once in any 7-day window of the fortnight
    times: dict[str, list[datetime]] = defaultdict(list)
    for url, checked_at in conn.execute(
        "SELECT u.canonical, c.checked_at FROM checks c JOIN urls u ON u.id = c.url_id ORDER BY c.id"
    ):
        times[url].append(datetime.fromisoformat(checked_at))
    assert len(times) == URLS
    week = timedelta(days=7)
    for url, seen in times.items():
        assert seen[0] - START <= week, url
        assert all(later - earlier <= week for earlier, later in itertools.pairwise(seen)), url
        assert end - seen[-1] <= week, url

    # confirmed dead: dead on 3+ checks spanning 7+ days; confirmed exactly once, in one run
    gone = {canonical(i) for i in GONE}
    assert dead == gone
    assert all(len(runs) == 1 for runs in confirmed_by_run.values())
    assert set(confirmed_by_run) == gone
    # two dead nights, or three dead nights in a row, are not enough — and they recovered
    assert canonical(TWO_NIGHTS) not in dead | suspected
    assert canonical(THREE_SHORT) not in dead | suspected
    assert world.dead_served == {TWO_NIGHTS: 2, THREE_SHORT: 3}
    history = [v for (v,) in conn.execute(
        "SELECT verdict FROM checks c JOIN urls u ON u.id = c.url_id WHERE u.canonical = ? ORDER BY c.id",
        (canonical(THREE_SHORT),),
    )]  # fmt: skip
    assert "dead, dead, dead, alive" in ", ".join(history)
    # a flapping link is never confirmed; the ones checked often enough show up as flaky
    flapping = {canonical(i) for i in FLAPPING}
    assert not flapping & dead
    assert flapping & flaky
    assert flaky <= flapping | {canonical(TWO_NIGHTS), canonical(THREE_SHORT)}  # not walls/timeouts
    # plain SQL gives the same answer as the command
    assert {u for (u,) in conn.execute("SELECT canonical FROM dead_links")} == dead
    conn.close()


def test_suspected_dead_are_rechecked_as_often_as_confirming_them_needs() -> None:
    """With the confirmation rule (3 dead checks spanning 7 days) a suspected dead URL is due
    3.5 days after its last check, or once 7 days have passed since it began failing — not every
    night: a dead WeChat article costs a WeChat request per recheck."""

    def suspect(name: str, last: timedelta, failing: timedelta) -> UrlState:
        return UrlState(f"https://x.example/{name}", "generic", "x.example", "dead", NOW - last, 1, NOW - failing)

    states = [
        suspect("yesterday", timedelta(days=1), timedelta(days=1)),
        suspect("four-days", timedelta(days=4), timedelta(days=4)),
        suspect("span-reached", timedelta(days=3), timedelta(days=7, hours=1)),
        suspect("just-now", timedelta(hours=2), timedelta(days=8)),  # never twice within 12 h
    ]
    assert names(plan(states, now=NOW, confirm=(3, 7))) == ["four-days", "span-reached"]
    assert names(plan(states, now=NOW)) == ["four-days", "span-reached", "yesterday"]  # without: 12 h
    # Nightly runs: checks on nights 0, 4 and 7 — the third spans the 7 days and confirms.
    failing = NOW - timedelta(days=7)
    nights = []
    last = failing
    for night in range(1, 9):
        now = failing + timedelta(days=night)
        probe = UrlState("https://x.example/p", "generic", "x.example", "dead", last, 1, failing)
        if plan([probe], now=now, confirm=(3, 7)):
            nights.append(night)
            last = now
    assert nights == [4, 7, 8]  # (after 7 days it stays due until a check confirms it)
