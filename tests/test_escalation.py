"""The browser as a stage of the runner: the escalation policy (pure, over the profile table) and
what the runner does with a second checker — without Chromium: the second checker here is scripted,
the HTTP side is the real client against the simulated web. (tests/test_browser.py drives the real
browser through the same path.)"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import pytest

from linkcheck.models import HOST_PAUSED, Link, Outcome, Verdict, Via
from linkcheck.net.resolve import RoutingResolver
from linkcheck.net.transport import Fetcher
from linkcheck.run.checker import escalate
from linkcheck.run.runner import RunStatus, RunSummary, run_checks
from linkcheck.simweb import SimulatedWeb, challenge
from linkcheck.sites import CSDN, GENERIC, PROFILES, WEIXIN, ZHIHU, SiteProfile
from tests.support import fast_politeness, fast_settings, make_link


def _blocked(reason: str, marker: str | None = None, via: Via = Via.HTTP) -> Outcome:
    return Outcome(Verdict.BLOCKED, reason, http_status=None if reason == HOST_PAUSED else 403, marker=marker, via=via)


POLICY = [
    # (outcome, profile, escalates?, why)
    (_blocked("antibot:zhihu-403"), ZHIHU, True, "the JS challenge: a browser runs it"),
    (_blocked("antibot:zhihu-unhuman"), ZHIHU, True, "drawn by the HTTP client's fingerprint"),
    (_blocked("antibot:zhihu-compatibility"), ZHIHU, True, "the outdated-browser page"),
    (_blocked(HOST_PAUSED, marker="antibot:zhihu-403"), ZHIHU, True, "paused by a wall the browser passes"),
    (_blocked(HOST_PAUSED, marker="rate-limited"), ZHIHU, False, "paused by a rate limit"),
    (_blocked(HOST_PAUSED), ZHIHU, False, "paused, no wall named"),
    (_blocked("login-wall"), ZHIHU, False, "a login: no browser helps"),
    (_blocked("antibot:zhihu-api"), ZHIHU, False, "the signed API's refusal"),
    (_blocked("rate-limited"), ZHIHU, False, "asking again only prolongs it"),
    (_blocked("antibot:weixin-verify"), WEIXIN, True, "served only sometimes"),
    (_blocked("antibot:weixin-frequency"), WEIXIN, False, "a frequency wall"),
    (_blocked("antibot:weixin-client-only"), WEIXIN, False, "opens only in the WeChat app"),
    (_blocked("antibot:zhihu-403"), WEIXIN, False, "another site's wall"),
    (_blocked("antibot:csdn-waf"), CSDN, False, "no browser rule for CSDN"),
    (_blocked("antibot:zhihu-403"), GENERIC, False, "no browser rule"),
    (_blocked("antibot:zhihu-403", via=Via.BROWSER), ZHIHU, False, "the browser's own outcome: never twice"),
    (Outcome(Verdict.ALIVE, "live-marker", 200), ZHIHU, False, "decided"),
    (Outcome(Verdict.DEAD, "tombstone:zhihu-404", 404), ZHIHU, False, "decided"),
    (Outcome(Verdict.ERROR, "timeout"), ZHIHU, False, "retried next run, not a wall"),
]


@pytest.mark.parametrize(("outcome", "profile", "expected", "why"), POLICY, ids=[row[3] for row in POLICY])
def test_escalation_policy(outcome: Outcome, profile: SiteProfile, expected: bool, why: str) -> None:
    assert escalate(outcome, profile) is expected, why


def test_every_wall_a_browser_rule_names_is_one_its_site_reports() -> None:
    """A typo in a rule would silently escalate nothing: each wall must be a reason the profile's own
    wall rules produce."""
    for profile in PROFILES:
        if profile.browser is None:
            continue
        reported = {rule.reason for rule in (*profile.antibot_urls, *profile.antibot_markers)}
        assert profile.browser.walls and profile.browser.walls <= reported, profile.name
        assert profile.browser.politeness.concurrency == 1  # one browser page at a time per host


# --------------------------------------------------------------------------------------------
# The runner with a second checker
# --------------------------------------------------------------------------------------------

LIVE, DEAD = (
    f"https://zhuanlan.zhihu.com{challenge.GATED_LIVE_P}",
    f"https://zhuanlan.zhihu.com{challenge.GATED_DEAD_P}",
)
LOGIN = "https://www.zhihu.com/answer/157956365"  # a login wall over HTTP: never escalated
OK = "https://behave.test/ok"


@dataclass
class Scripted:
    """A second checker answering from a table; ``declines``: hosts it leaves alone."""

    answers: dict[str, Outcome]
    declines: set[str] = field(default_factory=set)
    delay: float = 0.0
    started: bool = False
    checked: list[str] = field(default_factory=list)

    async def accepts(self, link: Link) -> bool:
        return link.host not in self.declines

    async def check(self, link: Link) -> Outcome:
        self.started = True
        await asyncio.sleep(self.delay)
        self.checked.append(link.canonical)
        return self.answers[link.canonical]


def _run(web: SimulatedWeb, urls: list[str], second: Scripted, **kw) -> tuple[RunSummary, list[tuple[str, Outcome]]]:
    links = [make_link(url) for url in urls]
    emitted: list[tuple[str, Outcome]] = []
    settings = fast_settings(web, politeness_overrides=fast_politeness({link.host for link in links}))

    async def main() -> RunSummary:
        async with Fetcher(settings, resolver=RoutingResolver(web.route)) as fetcher:
            return await run_checks(
                links,
                fetcher,
                on_result=lambda link, outcome: emitted.append((link.canonical, outcome)),
                canaries=[OK],
                escalation=second,
                **kw,
            )

    return asyncio.run(main()), emitted


BROWSER_SAYS = {
    LIVE: Outcome(Verdict.ALIVE, "live-marker", 200, via=Via.BROWSER),
    DEAD: Outcome(Verdict.DEAD, "tombstone:zhihu-404", 404, via=Via.BROWSER),
}


def test_an_escalated_link_gets_the_second_checkers_outcome_once(simweb: SimulatedWeb) -> None:
    second = Scripted(BROWSER_SAYS)
    summary, emitted = _run(simweb, [LIVE, DEAD, LOGIN, OK], second)
    assert sorted(second.checked) == sorted([LIVE, DEAD])  # the login wall was not handed on
    got = dict(emitted)
    assert len(emitted) == len(got) == 4  # one outcome per link: no blocked one before the browser's
    assert got[LIVE] is BROWSER_SAYS[LIVE] and got[DEAD] is BROWSER_SAYS[DEAD]
    assert (got[LOGIN].reason, got[LOGIN].via) == ("login-wall", Via.HTTP)
    assert summary.status is RunStatus.COMPLETED and summary.escalated == 2 and summary.checked == 4
    assert dict(summary.counts) == {"alive": 2, "dead": 1, "blocked": 1}  # counted once: nothing to patch


def test_a_declined_escalation_keeps_the_http_outcome(simweb: SimulatedWeb) -> None:
    second = Scripted(BROWSER_SAYS, declines={"zhuanlan.zhihu.com"})
    summary, emitted = _run(simweb, [LIVE, DEAD], second)
    assert second.checked == [] and summary.escalated == 2
    assert {url: (o.verdict, o.reason, o.via) for url, o in emitted} == {
        LIVE: (Verdict.BLOCKED, "antibot:zhihu-403", Via.HTTP),
        DEAD: (Verdict.BLOCKED, "antibot:zhihu-403", Via.HTTP),
    }
    assert dict(summary.counts) == {"blocked": 2}


def test_escalations_not_reached_before_a_stop_keep_their_http_outcome(simweb: SimulatedWeb) -> None:
    """Interrupted while the second checker works: the HTTP answers that came before the stop are
    kept (one per link), the second checker's unfinished work is not."""
    second = Scripted(BROWSER_SAYS, delay=30.0)

    async def stop_soon(stop: asyncio.Event) -> None:
        for _ in range(200):
            if second.started:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        stop.set()

    links = [make_link(url) for url in (LIVE, DEAD)]
    emitted: list[tuple[str, Outcome]] = []

    async def main() -> RunSummary:
        stop = asyncio.Event()
        settings = fast_settings(simweb, politeness_overrides=fast_politeness({"zhuanlan.zhihu.com"}))
        async with Fetcher(settings, resolver=RoutingResolver(simweb.route)) as fetcher:
            run = run_checks(
                links,
                fetcher,
                on_result=lambda link, outcome: emitted.append((link.canonical, outcome)),
                canaries=[OK],
                stop=stop,
                escalation=second,
            )
            summary, _ = await asyncio.gather(run, stop_soon(stop))
            return summary

    summary = asyncio.run(main())
    assert summary.status is RunStatus.INTERRUPTED and second.checked == []
    assert [url for url, _ in emitted] == [LIVE]  # the first link's HTTP answer; the second was never asked
    assert (emitted[0][1].verdict, emitted[0][1].via) == (Verdict.BLOCKED, Via.HTTP)
    assert summary.checked == 1 and summary.counts["blocked"] == 1


def test_escalations_left_at_the_deadline_keep_their_http_outcome(simweb: SimulatedWeb) -> None:
    """The deadline passes between a link's HTTP check and its turn in the browser: its HTTP outcome
    is its one outcome, and nothing more is started."""
    deadline = time.monotonic() + 2.0

    @dataclass
    class PastTheDeadline:
        """The HTTP check, returning only once the run's deadline has passed."""

        http: Fetcher

        async def check(self, link: Link) -> Outcome:
            outcome = await self.http.check(link.canonical, link.host)
            await asyncio.sleep(max(0.0, deadline - time.monotonic()) + 0.05)
            return outcome

    second = Scripted(BROWSER_SAYS)
    links = [make_link(url) for url in (LIVE, DEAD)]
    emitted: list[tuple[str, Outcome]] = []

    async def main() -> RunSummary:
        settings = fast_settings(simweb, politeness_overrides=fast_politeness({"zhuanlan.zhihu.com"}))
        async with Fetcher(settings, resolver=RoutingResolver(simweb.route)) as fetcher:
            return await run_checks(
                links,
                fetcher,
                on_result=lambda link, outcome: emitted.append((link.canonical, outcome)),
                canaries=[OK],
                deadline=deadline,
                checker=PastTheDeadline(fetcher),
                escalation=second,
            )

    summary = asyncio.run(main())
    assert summary.status is RunStatus.COMPLETED and second.checked == []
    assert [(url, o.reason, o.via) for url, o in emitted] == [(LIVE, "antibot:zhihu-403", Via.HTTP)]
    assert summary.escalated == 1 and summary.checked == 1 and summary.unchecked == 1
