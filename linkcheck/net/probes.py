"""Soft-404 probes: at most one request per host and run for a URL that cannot exist.

:class:`HostProbes` holds each host's answer for such a URL (:mod:`linkcheck.soft404`): those the
history already has (younger than the job's ``soft404_max_age``) and those this run asks for. The
transport asks it only for a page that needs it — a host of a profile with ``soft_404`` (no
markers of its own), a ``200`` answer decided by its status — so a host whose pages are all 404,
or on a site with its own notices, is never probed. A probe that gets no HTTP answer is not asked
again this run, and not remembered: the next run tries again.

Each answer is held for the whole run as :func:`~linkcheck.soft404.comparable` makes it: the title
and text only where a page can match them (most hosts answer a proper 404 or redirect: their
probe's text is stored, not kept in memory).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Mapping

from linkcheck.soft404 import Answer, comparable, host_is_soft, probe_url

ProbeSink = Callable[[str, Answer], None]


class HostProbes:
    """Per-host probe answers for one run. ``known``: answers from the history (host → Answer);
    ``on_probe``: called with each new answer (the job stores it)."""

    def __init__(self, known: Mapping[str, Answer] | None = None, on_probe: ProbeSink | None = None) -> None:
        self._known: dict[str, Answer] = {host: comparable(found) for host, found in (known or {}).items()}
        self._on_probe = on_probe
        self._tried: set[str] = set()
        self._asking: set[str] = set()  # probes under way
        self._locks: dict[str, asyncio.Lock] = {}
        self.sent = 0  # probes sent this run

    def is_soft(self, host: str) -> bool:
        """Whether ``host`` is known to answer 200 for what it does not have: its pages are read
        with GET straight away (a HEAD 200 says nothing there)."""
        found = self._known.get(host)
        return found is not None and host_is_soft(found)

    def reads_body(self, host: str) -> bool:
        """Whether ``host``'s pages are read with GET rather than HEAD: the host answers 200 for
        what it does not have (a HEAD 200 says nothing there), or it has not been probed yet (its
        first 200 page may need comparing with the probe: read now, it needs no second request)."""
        found = self._known.get(host)
        if found is None:
            return host not in self._tried
        return host_is_soft(found)

    def known(self, host: str) -> Answer | None:
        return self._known.get(host)

    def unanswered(self, host: str) -> bool:
        """Whether a page of ``host`` would wait for the host's probe: not asked yet, or under way."""
        return host not in self._known and (host not in self._tried or host in self._asking)

    async def answer_for(
        self, host: str, page_url: str, send: Callable[[str], Awaitable[Answer | None]]
    ) -> Answer | None:
        """``host``'s answer for a URL that cannot exist, shaped like ``page_url``: known, or asked
        now with ``send`` (once per run; the host's other pages wait for it)."""
        found = self._known.get(host)
        if found is not None:
            return found
        lock = self._locks.get(host)
        if lock is None:
            lock = self._locks[host] = asyncio.Lock()
        async with lock:
            found = self._known.get(host)
            if found is not None or host in self._tried:
                return found
            self._tried.add(host)
            self.sent += 1
            self._asking.add(host)
            try:
                found = await send(probe_url(page_url, secrets.token_hex(8)))
            finally:
                self._asking.discard(host)
                # Decided: later pages find the answer (or the failed try) without the lock; those
                # waiting on it hold it themselves.
                self._locks.pop(host, None)
            if found is not None:
                if self._on_probe is not None:
                    self._on_probe(host, found)  # the whole answer is stored
                found = self._known[host] = comparable(found)
            return found


__all__ = ["HostProbes", "ProbeSink"]
