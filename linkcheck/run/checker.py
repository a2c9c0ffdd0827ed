"""The checkers the runner calls, and when it hands a link from one to the next.

A :class:`Checker` turns a link into a typed :class:`~linkcheck.models.Outcome` and never raises
for anything a site or the network does: :class:`HttpChecker` (the one HTTP transport,
:class:`~linkcheck.net.transport.Fetcher`, or the archive's capturing check over it), the headless
browser (:class:`linkcheck.browser.BrowserChecker`), an :class:`Escalation`, and the blog's own
source tree for links into the blog (:class:`linkcheck.run.local.LocalChecker`: no network, no gate).

:func:`escalate` is the whole policy, pure and over the table: an HTTP outcome goes on to the
browser when it is ``blocked`` by a wall the site's profile says a browser gets past
(:class:`~linkcheck.sites.BrowserRule`), or ``host-paused`` by such a wall.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from linkcheck.models import HOST_PAUSED, Link, Outcome, Verdict, Via
from linkcheck.sites import SiteProfile


class Checker(Protocol):
    async def check(self, link: Link) -> Outcome:
        """The link's outcome; a failure is an outcome too (never an exception)."""
        ...


class Escalation(Checker, Protocol):
    """A checker the runner hands the links another one could not decide (see :func:`escalate`)."""

    async def accepts(self, link: Link) -> bool:
        """Whether it checks ``link`` now. False when it cannot run here (no browser) or has left
        the link's host alone: the link's first outcome then stands."""
        ...


class _ChecksUrls(Protocol):
    def check(self, url: str, host: str, /) -> Awaitable[Outcome]: ...


@dataclass(slots=True)
class HttpChecker:
    """Checks over HTTP: :meth:`Fetcher.check <linkcheck.net.transport.Fetcher.check>`, or
    :meth:`Archiver.check <linkcheck.archive.Archiver.check>`, which captures the pages the archive
    planned from that same check's exchange."""

    http: _ChecksUrls

    async def check(self, link: Link) -> Outcome:
        return await self.http.check(link.canonical, link.host)


def escalate(outcome: Outcome, profile: SiteProfile) -> bool:
    """Whether an HTTP outcome goes on to the browser: blocked by a wall ``profile.browser`` passes
    (a host paused by such a wall counts as that wall: its marker names it)."""
    rule = profile.browser
    if rule is None or outcome.via != Via.HTTP or outcome.verdict is not Verdict.BLOCKED:
        return False
    wall = outcome.marker if outcome.reason == HOST_PAUSED else outcome.reason
    return rule.passes(wall)


__all__ = ["Checker", "Escalation", "HttpChecker", "escalate"]
