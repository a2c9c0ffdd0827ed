"""The run: hand each link to its host's workers, collect outcomes, tell 'offline' from 'dead'.

Work is queued per host so that a slow, paced host (WeChat at ~1 request/s) never holds the
workers other hosts could use. Outcomes reach the caller through ``on_result`` as they arrive (the
job commits them in groups, at the latest a second later).

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
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from linkcheck.fetch import Fetcher
from linkcheck.models import Link, Outcome, Verdict

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


async def run_checks(
    links: Sequence[Link],
    fetcher: Fetcher,
    *,
    on_result: ResultSink,
    canaries: Sequence[str] = DEFAULT_CANARIES,
    deadline: float | None = None,
    stop: asyncio.Event | None = None,
) -> RunSummary:
    """Check ``links`` (in priority order) until done, ``deadline`` (monotonic) or ``stop``."""
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

    queues: dict[str, deque[Link]] = {}
    for link in links:
        queues.setdefault(link.host, deque()).append(link)

    def should_stop() -> bool:
        return stop.is_set() or guard.offline or (deadline is not None and time.monotonic() >= deadline)

    async def host_worker(queue: deque[Link]) -> None:
        while queue and not should_stop():
            link = queue.popleft()
            outcome = await fetcher.check(link.canonical, link.host)
            if stop.is_set():
                return  # an interrupted run keeps what finished before the interrupt only
            await guard.offer(link, outcome)

    with _fewer_gc_passes():
        await _run_workers(queues, host_worker, fetcher, stop)
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
    queues: dict[str, deque[Link]],
    host_worker: Callable[[deque[Link]], Awaitable[None]],
    fetcher: Fetcher,
    stop: asyncio.Event,
) -> None:
    """Each host's workers (as many as its politeness allows) until done, an error or ``stop``."""
    workers = [
        asyncio.create_task(host_worker(queue))
        for host, queue in queues.items()
        for _ in range(min(len(queue), max(1, fetcher.gates[host].politeness.concurrency)))
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
    return Outcome(Verdict.SKIPPED, link.skip_reason or "not-checkable")
