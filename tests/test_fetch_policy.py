"""Retries, Retry-After, timeouts, politeness and the circuit breaker — observed from the server."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace

from linkcheck.models import Verdict
from linkcheck.sites import Politeness
from tests.support import FAST, check_many, run_links

BH = "https://behave.test"


def _requests_to(web, path_prefix: str):
    return [r for r in web.requests if r.path_qs.startswith(path_prefix)]


def test_5xx_then_ok_is_retried_to_alive(simweb):
    url = f"{BH}/flaky/a?fail=2&code=500"
    outcome = asyncio.run(check_many(simweb, [url]))[url]
    assert outcome.verdict is Verdict.ALIVE
    assert len(_requests_to(simweb, "/flaky/a")) >= 3


def test_503_forever_gives_error_after_max_attempts(simweb):
    url = f"{BH}/status/503"
    outcome = asyncio.run(check_many(simweb, [url], max_attempts=3))[url]
    assert (outcome.verdict, outcome.reason) == (Verdict.ERROR, "http-5xx")
    # 503 is retried as it is (HEAD): no GET fallback that would skip the Retry-After.
    assert len(_requests_to(simweb, "/status/503")) == 3


def test_404_is_not_retried(simweb):
    url = f"{BH}/status/404"
    asyncio.run(check_many(simweb, [url], max_attempts=4))
    gets = [r for r in _requests_to(simweb, "/status/404") if r.method == "GET"]
    assert len(gets) == 1


def test_retry_after_seconds_is_honoured(simweb):
    url = f"{BH}/ratelimited/s1?fail=1&retry_after=1"
    outcome = asyncio.run(check_many(simweb, [url]))[url]
    assert outcome.verdict is Verdict.ALIVE
    hits = _requests_to(simweb, "/ratelimited/s1")
    assert len(hits) == 2
    assert hits[1].started - hits[0].started >= 0.95


def test_retry_after_http_date_is_honoured(simweb):
    url = f"{BH}/ratelimited/d1?fail=1&retry_after=2&retry_after_date=1"
    outcome = asyncio.run(check_many(simweb, [url]))[url]
    assert outcome.verdict is Verdict.ALIVE
    hits = _requests_to(simweb, "/ratelimited/d1")
    # An HTTP-date has one-second resolution: at least ~1 s must have been waited.
    assert len(hits) == 2
    assert hits[1].started - hits[0].started >= 0.9


def test_retry_after_beyond_the_cap_gives_up_as_rate_limited(simweb):
    url = "https://github.com/owner/repo2"
    outcome = asyncio.run(check_many(simweb, [url], max_retry_after=2.0))[url]
    assert (outcome.verdict, outcome.reason) == (Verdict.BLOCKED, "rate-limited")


def test_slow_response_times_out(simweb):
    url = f"{BH}/slow?ms=3000"
    outcome = asyncio.run(check_many(simweb, [url], total_timeout=0.4, max_attempts=2))[url]
    assert (outcome.verdict, outcome.reason) == (Verdict.ERROR, "timeout")


def test_per_host_concurrency_and_pacing_seen_by_the_server(simweb):
    urls = [f"https://mp.weixin.qq.com/s/polite{i:017d}x" for i in range(6)]
    slow = [f"{BH}/slow?ms=150&n={i}" for i in range(8)]
    overrides = {
        "mp.weixin.qq.com": replace(FAST, concurrency=1, interval=0.1, jitter=0.0),
        "behave.test": Politeness(concurrency=2, interval=0.0),
    }
    outcomes = asyncio.run(check_many(simweb, urls + slow, politeness_overrides=overrides))
    assert all(o.verdict is Verdict.ALIVE for o in outcomes.values())
    assert simweb.max_in_flight("mp.weixin.qq.com") == 1
    assert simweb.max_in_flight("behave.test") == 2
    starts = sorted(r.started for r in simweb.requests if r.host == "mp.weixin.qq.com")
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # Starts are paced on the client; the server sees each one with loopback scheduling noise,
    # which on a loaded machine can delay one start and shrink the next gap to almost nothing.
    # What that noise cannot fake is the spacing as a whole: six starts 0.1 s apart span 0.5 s,
    # and most gaps keep their 0.1 s.
    assert starts[-1] - starts[0] >= 0.45
    assert sorted(gaps)[len(gaps) // 2] >= 0.09


def test_host_is_left_alone_after_repeated_walls(simweb):
    urls = [f"https://www.zhihu.com/p/9{i:08d}" for i in range(8)]
    _, outcomes = asyncio.run(run_links(simweb, urls))
    reasons = [o.reason for o in outcomes.values()]
    assert reasons.count("host-paused") >= 4
    assert all(o.verdict is Verdict.BLOCKED for o in outcomes.values())
    assert len([r for r in simweb.requests if r.host == "www.zhihu.com"]) <= 4


def test_blocked_is_requeued_not_cached(simweb):
    """The same URL walls us first and answers live later: a later check must see it alive."""
    url = simweb.url("mp.weixin.qq.com", simweb.TRAP_CAPTCHA_THEN_LIVE)
    first = asyncio.run(check_many(simweb, [url]))[url]
    second = asyncio.run(check_many(simweb, [url]))[url]
    assert first.verdict is Verdict.BLOCKED
    assert second.verdict is Verdict.ALIVE


def test_run_with_dead_network_is_offline_and_records_nothing(simweb):
    urls = [f"https://gone{i}.example/" for i in range(5)]
    summary, outcomes = asyncio.run(run_links(simweb, urls, canaries=["https://canary.invalid/"]))
    assert summary.status == "offline"
    assert outcomes == {}


def test_dns_failures_while_the_network_is_up_are_recorded_dead(simweb):
    urls = [f"https://gone{i}.example/" for i in range(14)] + [f"{BH}/ok"]
    summary, outcomes = asyncio.run(run_links(simweb, urls))
    assert summary.status == "completed"
    assert sum(o.reason == "dns" and o.verdict is Verdict.DEAD for o in outcomes.values()) == 14


def test_outage_mid_run_marks_nothing_dead(simweb):
    """The simulated web stops answering halfway: the run ends offline, no link is called dead."""

    async def scenario():
        urls = [f"https://h{i}.bench.test/page/{i}" for i in range(40)]
        links_done = []

        from linkcheck.net.resolve import RoutingResolver
        from linkcheck.net.transport import Fetcher
        from linkcheck.run.runner import run_checks
        from tests.support import fast_settings, make_link

        links = [make_link(u) for u in urls]

        def on_result(link, outcome):
            links_done.append(outcome)
            if len(links_done) == 10:
                asyncio.get_running_loop().create_task(simweb.stop())

        settings = fast_settings(simweb, concurrency=2, max_attempts=1)
        async with Fetcher(settings, resolver=RoutingResolver(simweb.route)) as fetcher:
            summary = await run_checks(links, fetcher, on_result=on_result, canaries=[simweb.url("behave.test", "/ok")])
        return summary, links_done

    summary, done = asyncio.run(scenario())
    assert summary.status == "offline"
    assert not [o for o in done if o.verdict is Verdict.DEAD]
