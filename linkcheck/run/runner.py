"""The run: hand each link to its host's workers, collect outcomes, tell 'offline' from 'dead'.

Work is queued per host so that a slow, paced host (WeChat at ~1 request/s) never holds the
workers other hosts could use. Outcomes reach the caller through ``on_result`` as they arrive (the
job commits them in groups, at the latest a second later).

**Escalation.** With a second checker (the headless browser), an HTTP outcome that
:func:`~linkcheck.run.checker.escalate` hands on (a wall the site's profile says a browser gets
past) is queued on the same host, ahead of its next link, and the second checker's outcome is the
link's one outcome of the run; where it does not check the link, the HTTP outcome stands.

**Offline is not dead.** Connection-level failures (DNS, connect, timeout, reset) are held back
until the network is shown to work — by any HTTP answer in the meantime or by a canary probe. If
they pile up across hosts and the canaries fail too, the run stops as ``offline`` and the held
outcomes are dropped: nothing is recorded dead because the machine lost its network.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from enum import StrEnum

from aiohttp.abc import AbstractResolver

from linkcheck import reasons
from linkcheck.models import Link, Outcome, Verdict
from linkcheck.net.transport import Fetcher, FetchSettings
from linkcheck.run.checker import Checker, Escalation, HttpChecker, escalate
from linkcheck.scan.canonical import canonicalize
from linkcheck.sites import profile_for

DEFAULT_CANARIES: tuple[str, ...] = (
    "https://www.baidu.com/",
    "https://www.qq.com/",
    "https://www.cloudflare.com/",
)
# Held connection failures across this many hosts, with no HTTP answer in between, trigger a probe.
OFFLINE_PROBE_AFTER = 12
OFFLINE_MIN_HOSTS = 3


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    OFFLINE = "offline"


@dataclass(slots=True)
class RunSummary:
    status: RunStatus
    counts: Counter = field(default_factory=Counter)  # verdict value -> number
    checked: int = 0
    planned: int = 0
    escalated: int = 0  # links whose first outcome was handed to the escalation checker (the browser)
    dropped_offline: int = 0
    elapsed_s: float = 0.0

    @property
    def unchecked(self) -> int:
        return self.planned - self.checked


ResultSink = Callable[[Link, Outcome], None]


class _OfflineGuard:
    def __init__(self, fetcher: Fetcher, canaries: Sequence[str], emit: ResultSink) -> None:
        self._fetcher = fetcher
        self._canaries = tuple(canaries)
        self._emit = emit
        self.held: deque[tuple[Link, Outcome]] = deque()
        self.offline = False
        self._probe_lock = asyncio.Lock()

    async def network_up(self) -> bool:
        """True if any canary gives an HTTP answer (any status, or a redirect: a server answered).

        Only an answer counts: a canary that could not be tried (malformed, another scheme, refused
        by the SSRF guard) proves nothing, so it cannot switch the offline guard off."""
        if not self._canaries:
            return True
        outcomes = await asyncio.gather(*(self._fetcher.attempt(url) for url in self._canaries))
        return any(o.http_status is not None or o.redirects for o in outcomes)

    def answered(self) -> None:
        """An HTTP answer not recorded yet (it went on to the browser): the network works all the same."""
        if not self.offline:
            self._flush()

    def _flush(self) -> None:
        while self.held:
            self._emit(*self.held.popleft())

    async def offer(self, link: Link, outcome: Outcome) -> None:
        if self.offline:
            return
        if not outcome.connection_level:
            self._flush()
            self._emit(link, outcome)
            return
        self.held.append((link, outcome))
        hosts = {held_link.host for held_link, _ in self.held}
        if len(self.held) >= OFFLINE_PROBE_AFTER and len(hosts) >= OFFLINE_MIN_HOSTS:
            await self.settle()

    async def settle(self) -> None:
        """Decide about the held failures: record them if the network works, else go offline."""
        async with self._probe_lock:
            if not self.held or self.offline:
                return
            if await self.network_up():
                self._flush()
            else:
                self.offline = True


@dataclass(slots=True)
class _HostQueue:
    """One host's work: links to check, and links escalated to the second checker, each with the
    first checker's outcome (it stands when the second does not check the link)."""

    links: deque[Link] = field(default_factory=deque)
    escalated: deque[tuple[Link, Outcome]] = field(default_factory=deque)


async def run_checks(
    links: Sequence[Link],
    fetcher: Fetcher,
    *,
    on_result: ResultSink,
    canaries: Sequence[str] = DEFAULT_CANARIES,
    deadline: float | None = None,
    stop: asyncio.Event | None = None,
    checker: Checker | None = None,
    escalation: Escalation | None = None,
    on_escalate: ResultSink | None = None,
) -> RunSummary:
    """Check ``links`` (in priority order) until done, ``deadline`` (monotonic) or ``stop``.

    ``checker``: how a link is checked (default :class:`HttpChecker` over ``fetcher``; the nightly
    job's goes through :meth:`linkcheck.archive.Archiver.check`, which archives planned pages from
    the check's own exchange). ``escalation``: a second checker (the headless browser) for the
    outcomes :func:`~linkcheck.run.checker.escalate` hands on — queued on the link's host, before
    that host's next link, and paced by the second checker's own gates. Each link gets one outcome
    per run: the second checker's where it checked the link, else the first one (not reached
    before the deadline or a stop, declined by the second checker). ``on_escalate(link, first)``:
    told when a link is handed to the second checker (its outcome comes through ``on_result``
    later), so that a display can show the browser's queue."""
    checker = checker or HttpChecker(fetcher)
    started = time.monotonic()
    summary = RunSummary(status=RunStatus.RUNNING, planned=len(links))
    stop = stop or asyncio.Event()

    def emit(link: Link, outcome: Outcome) -> None:
        summary.checked += 1
        summary.counts[outcome.verdict.value] += 1
        on_result(link, outcome)

    guard = _OfflineGuard(fetcher, canaries, emit)
    if links and not await guard.network_up():
        summary.status = RunStatus.OFFLINE
        summary.elapsed_s = time.monotonic() - started
        return summary

    queues: dict[str, _HostQueue] = {}
    for link in links:
        queue = queues.get(link.host)
        if queue is None:
            queue = queues[link.host] = _HostQueue()
        queue.links.append(link)

    def should_stop() -> bool:
        return stop.is_set() or guard.offline or (deadline is not None and time.monotonic() >= deadline)

    async def second_opinion(link: Link, first: Outcome) -> Outcome:
        assert escalation is not None
        if not await escalation.accepts(link):
            return first
        return await escalation.check(link)

    async def host_worker(queue: _HostQueue) -> None:
        while not should_stop():
            if queue.escalated:
                link, first = queue.escalated.popleft()
                try:
                    outcome = await second_opinion(link, first)
                except BaseException:  # cancelled by a stop: not decided, the first outcome stands
                    queue.escalated.appendleft((link, first))
                    raise
                if stop.is_set():
                    queue.escalated.appendleft((link, first))
                    return
            elif queue.links:
                link = queue.links.popleft()
                outcome = await checker.check(link)
                if stop.is_set():
                    return  # an interrupted run keeps what finished before the interrupt only
                if escalation is not None and escalate(outcome, profile_for(link.host)):
                    summary.escalated += 1
                    guard.answered()
                    queue.escalated.append((link, outcome))
                    if on_escalate is not None:
                        on_escalate(link, outcome)
                    continue
            else:
                return
            await guard.offer(link, outcome)

    def keep_first_outcomes() -> None:
        """Escalated links the second checker did not reach: their first outcome (an answer received
        before any stop or loss of network) is their outcome."""
        for queue in queues.values():
            while queue.escalated:
                emit(*queue.escalated.popleft())

    try:
        with _fewer_gc_passes():
            await _run_workers(queues, host_worker, fetcher, stop)
    except BaseException:
        with suppress(Exception):  # the error that stopped the run is the one to report
            keep_first_outcomes()
        raise
    keep_first_outcomes()
    if not stop.is_set() and not guard.offline:
        await guard.settle()
    summary.dropped_offline = len(guard.held) if guard.offline else 0
    if guard.offline:
        summary.status = RunStatus.OFFLINE
    elif stop.is_set():
        summary.status = RunStatus.INTERRUPTED
    else:
        summary.status = RunStatus.COMPLETED
    summary.elapsed_s = time.monotonic() - started
    return summary


# Young-generation collections during a run: every request allocates hundreds of container objects
# (aiohttp's request/response/parser state, futures, timer handles), almost all freed by reference
# counting. With the default threshold (700) the collector runs hundreds of times over a large
# sweep and takes 10-15 % of the client's CPU; a larger threshold makes it run rarely. Restored after.
GC_GEN0_THRESHOLD = 20_000


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    old = gc.get_threshold()
    if old[0] and old[0] < GC_GEN0_THRESHOLD:
        gc.set_threshold(GC_GEN0_THRESHOLD, *old[1:])
    # What exists before the run (imported modules, the links and their occurrences, the schedule)
    # lives through it: frozen, the full collections of a long run do not traverse it again each
    # time. Unfrozen after, so nothing is kept alive longer than it would be.
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*old)


async def _run_workers(
    queues: dict[str, _HostQueue],
    host_worker: Callable[[_HostQueue], Awaitable[None]],
    fetcher: Fetcher,
    stop: asyncio.Event,
) -> None:
    """Each host's workers (as many as its politeness allows) until done, an error or ``stop``."""
    workers = [
        asyncio.create_task(host_worker(queue))
        for host, queue in queues.items()
        for _ in range(min(len(queue.links), max(1, fetcher.gates[host].politeness.concurrency)))
    ]
    # Finished workers report themselves (asyncio.wait over every pending worker, once per finished
    # worker, costs O(workers²) callback registrations: thousands of workers on a full sweep).
    finished: deque[asyncio.Task] = deque()
    wake = asyncio.Event()

    def on_done(task: asyncio.Task) -> None:
        finished.append(task)
        wake.set()

    for task in workers:
        task.add_done_callback(on_done)
    stop_waiter = asyncio.create_task(stop.wait())
    stop_waiter.add_done_callback(lambda _: wake.set())
    try:
        pending = set(workers)
        while pending:
            await wake.wait()
            wake.clear()
            while finished:
                task = finished.popleft()
                pending.discard(task)
                if task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            if stop.is_set():
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                break
    finally:
        stop_waiter.cancel()
        for task in workers:
            task.cancel()


def skipped_outcome(link: Link) -> Outcome:
    """The verdict of a link that is never fetched (private address, in code, other scheme …)."""
    return Outcome(Verdict.SKIPPED, link.skip_reason or reasons.NOT_CHECKABLE)


async def check_urls(
    urls: Iterable[str],
    settings: FetchSettings | None = None,
    *,
    resolver: AbstractResolver | None = None,
    canaries: Sequence[str] = DEFAULT_CANARIES,
) -> dict[str, Outcome]:
    """Check URLs as written, without posts or a database: the library's one-call check.

    Each URL is canonicalised as the scan would; one that may not be fetched (another scheme, a
    private address …) gets its ``skipped`` outcome, the rest go through the same per-host
    workers, politeness, retries, classification and offline guard as the nightly job. Returns
    ``{url as given: Outcome}``; when the network is down every fetched URL is missing from it
    (offline is never dead)."""
    links: list[Link] = []
    outcomes: dict[str, Outcome] = {}
    for url in dict.fromkeys(urls):
        canon = canonicalize(url)
        link = Link(url, canon.canonical, canon.host, canon.checkable, canon.skip_reason)
        if link.checkable:
            links.append(link)
        else:
            outcomes[url] = skipped_outcome(link)
    async with Fetcher(settings or FetchSettings(), resolver=resolver) as fetcher:
        await run_checks(
            links, fetcher, on_result=lambda link, outcome: outcomes.__setitem__(link.url, outcome), canaries=canaries
        )
    return outcomes
