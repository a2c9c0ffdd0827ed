"""Hostile servers and the SSRF guard: every case is a verdict with a reason, never a crash or a hang."""

from __future__ import annotations

import asyncio
import time

import pytest

from linkcheck.models import Verdict
from linkcheck.simweb.hostile import HOSTILE_HOST, TLS_HOSTS
from tests.support import check_many

H = f"https://{HOSTILE_HOST}"
TIMEOUT = 1.5

# (URL, expected verdict, expected reason) — checked with GET so every body is really read.
HOSTILE_CASES = [
    (f"{H}/endless", Verdict.ALIVE, "http-200"),  # read up to the cap, then let go
    (f"{H}/slow-drip", Verdict.ERROR, "timeout"),
    (f"{H}/gzip-bomb", Verdict.ALIVE, "http-200"),  # decompression stops at the cap
    (f"{H}/huge-length", Verdict.ERROR, "timeout"),
    (f"{H}/dropped", Verdict.ERROR, "truncated"),
    (f"{H}/bad-header", Verdict.ERROR, "bad-response"),
    (f"{H}/huge-header", Verdict.ERROR, "bad-response"),
    (f"{H}/many-headers", Verdict.ERROR, "bad-response"),
    (f"{H}/http10", Verdict.ALIVE, "http-200"),
    (f"{H}/garbage", Verdict.ERROR, "bad-response"),
    (f"{H}/never", Verdict.ERROR, "timeout"),
    (f"{H}/chain/50", Verdict.ERROR, "too-many-redirects"),
    (f"{H}/chain/5", Verdict.ALIVE, "http-200"),
    (f"{H}/to-file", Verdict.ERROR, "redirect-scheme"),
    (f"{H}/to-ftp", Verdict.ERROR, "redirect-scheme"),
    (f"{H}/to-javascript", Verdict.ERROR, "redirect-scheme"),
    (f"https://{TLS_HOSTS[0]}/", Verdict.ERROR, "tls"),  # expired
    (f"https://{TLS_HOSTS[1]}/", Verdict.ERROR, "tls"),  # wrong host name
    (f"https://{TLS_HOSTS[2]}/", Verdict.ERROR, "tls"),  # self-signed / unknown CA
]


def test_hostile_servers_give_verdicts_within_the_timeouts(simweb):
    urls = [url for url, _, _ in HOSTILE_CASES]
    started = time.monotonic()
    outcomes = asyncio.run(
        check_many(simweb, urls, total_timeout=TIMEOUT, connect_timeout=TIMEOUT, max_attempts=2, head_first=False)
    )
    elapsed = time.monotonic() - started
    wrong = [
        (url, f"want {verdict.value}:{reason}", f"got {o.verdict.value}:{o.reason}", o.error)
        for (url, verdict, reason), o in zip(HOSTILE_CASES, outcomes.values(), strict=True)
        if (o.verdict, o.reason) != (verdict, reason)
    ]
    assert not wrong, "\n".join(map(str, wrong))
    # No hang: every URL is bounded by attempts × timeout (+ backoff); they run concurrently.
    assert elapsed < 2 * TIMEOUT * 2 + 5


def test_body_reads_are_capped(simweb):
    """A 30 MB page and an endless body: the checker reads its cap, not the body."""
    from linkcheck.classify import Page
    from linkcheck.net.resolve import RoutingResolver
    from linkcheck.net.transport import Fetcher
    from linkcheck.sites import GENERIC
    from tests.support import fast_settings

    async def fetch(url: str) -> Page:
        # What is tested is the cap on what is read, not how fast a connection comes: a loaded
        # machine (the simulated web builds the bomb's parts on first use) gets the usual 10 s.
        settings = fast_settings(simweb, connect_timeout=10.0, total_timeout=30.0)
        async with Fetcher(settings, resolver=RoutingResolver(simweb.route)) as fetcher:
            return await fetcher._request("GET", url, GENERIC, dict(GENERIC.request_headers()))

    for url in ("https://behave.test/huge?mb=30", f"{H}/endless", f"{H}/gzip-bomb"):
        page = asyncio.run(fetch(url))
        assert page.status == 200
        assert len(page.body) <= 64 * 1024
        assert page.truncated


SSRF_CASES = [
    # A public-looking name that resolves to loopback: refused after resolution.
    ("https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw", "ssrf:loopback", set()),
    # Redirects from a (trusted) host to loopback, private and link-local (cloud metadata) targets.
    (f"{H}/to-loopback", "ssrf:loopback", {HOSTILE_HOST}),
    (f"{H}/to-private", "ssrf:private-address", {HOSTILE_HOST}),
    (f"{H}/to-metadata", "ssrf:link-local", {HOSTILE_HOST}),
]


@pytest.mark.parametrize(("url", "reason", "trusted"), SSRF_CASES)
def test_ssrf_guard_refuses_private_destinations(simweb, url, reason, trusted):
    outcomes = asyncio.run(check_many(simweb, [url], allow_private=False, trusted_hosts=frozenset(trusted)))
    outcome = outcomes[url]
    assert (outcome.verdict, outcome.reason) == (Verdict.SKIPPED, reason)
    # Nothing was asked of the refused destination; a refused first hop sent no request at all.
    if not trusted:
        assert simweb.hits("mp.weixin.qq.com") == 0


def test_private_addresses_written_in_posts_are_never_fetched(tmp_path):
    from linkcheck.scan.collect import collect

    post = tmp_path / "p.md"
    post.write_text(
        "http://127.0.0.1:8080/x http://localhost/cgi-bin/a http://10.0.0.5/ http://192.168.1.1 "
        "http://169.254.169.254/latest http://[::1]/ http://224.0.0.1/ https://example.org/\n",
        encoding="utf-8",
    )
    links = {link.url: link for link in collect([post]).links}
    assert links["https://example.org/"].checkable
    skipped = {url: link.skip_reason for url, link in links.items() if not link.checkable}
    assert skipped == {
        "http://127.0.0.1:8080/x": "loopback",
        "http://localhost/cgi-bin/a": "loopback",
        "http://10.0.0.5/": "private-address",
        "http://192.168.1.1": "private-address",
        "http://169.254.169.254/latest": "link-local",
        "http://[::1]/": "loopback",
        "http://224.0.0.1/": "multicast",
    }
