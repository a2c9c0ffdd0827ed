"""Shared test plumbing: run the real Fetcher against the simulated web on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace

from linkcheck.models import Link, Occurrence, Outcome
from linkcheck.net.resolve import RoutingResolver
from linkcheck.net.transport import Fetcher, FetchSettings
from linkcheck.run.runner import RunSummary, run_checks
from linkcheck.scan.canonical import canonicalize
from linkcheck.sites import Politeness, profile_for

# Fast but still paced: tests assert politeness from the server side with these.
FAST = Politeness(concurrency=1, interval=0.02, jitter=0.2, trip_after=3)


def fast_settings(web, **overrides) -> FetchSettings:
    """Settings for the simulated web: its CA trusted, loopback allowed, short waits."""
    base = FetchSettings(
        concurrency=16,
        connect_timeout=2.0,
        total_timeout=5.0,
        max_attempts=3,
        backoff_initial=0.02,
        backoff_max=0.1,
        max_retry_after=2.0,
        extra_ca_pem=web.ca_pem(),
        allow_private=True,
    )
    return replace(base, **overrides)


def fast_politeness(hosts: Iterable[str]) -> dict[str, Politeness]:
    """Keep each host's concurrency, shrink its interval, so tests stay quick."""
    return {host: replace(FAST, concurrency=profile_for(host).politeness.concurrency, trip_after=3) for host in hosts}


def make_link(url: str) -> Link:
    c = canonicalize(url)
    return Link(url, c.canonical, c.host, c.checkable, c.skip_reason, [Occurrence("posts/t.md", 1, 1, "bare")])


async def check_many(web, urls: list[str], **overrides) -> dict[str, Outcome]:
    """Check URLs one by one through a real Fetcher (retries, gates, classification)."""
    hosts = {canonicalize(u).host for u in urls}
    overrides.setdefault("politeness_overrides", fast_politeness(hosts))
    async with Fetcher(fast_settings(web, **overrides), resolver=RoutingResolver(web.route)) as fetcher:
        outcomes = await asyncio.gather(*(fetcher.check(canonicalize(u).canonical) for u in urls))
    return dict(zip(urls, outcomes, strict=True))


async def run_links(web, urls: list[str], *, canaries=None, **overrides) -> tuple[RunSummary, dict[str, Outcome]]:
    """A whole run (per-host workers, offline guard) over the URLs."""
    links = [make_link(u) for u in urls]
    hosts = {link.host for link in links}
    overrides.setdefault("politeness_overrides", fast_politeness(hosts))
    results: dict[str, Outcome] = {}
    async with Fetcher(fast_settings(web, **overrides), resolver=RoutingResolver(web.route)) as fetcher:
        summary = await run_checks(
            links,
            fetcher,
            on_result=lambda link, outcome: results.__setitem__(link.url, outcome),
            canaries=canaries if canaries is not None else [web.url("behave.test", "/ok")],
        )
    return summary, results
