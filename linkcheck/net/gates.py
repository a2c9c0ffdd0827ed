"""Per-site politeness: how many requests in flight, how far apart, and when to stop asking.

Each site gets a :class:`HostGate` built from its profile's :class:`Politeness` (or an override).
A site is a profile's ``budget`` — all of Zhihu's hosts go through one gate, as they reach one
backend — or, for hosts no profile names, the host itself. Request starts are spaced by
``interval`` ± ``jitter``; after ``trip_after`` consecutive anti-bot walls or rate-limit answers the
gate is *tripped*: the rest of this run's URLs for the site are reported ``blocked`` without a
request, because hammering a wall only prolongs it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from linkcheck import reasons
from linkcheck.models import HOST_PAUSED, Outcome, Verdict
from linkcheck.sites import Politeness, profile_for


def is_wall(outcome: Outcome) -> bool:
    """An answer that means 'stop asking me' rather than anything about the content."""
    return (outcome.verdict is Verdict.BLOCKED and outcome.reason != HOST_PAUSED) or outcome.reason == reasons.HTTP_429


@dataclass(frozen=True, slots=True)
class GateState:
    """What a gate is doing now, for a progress display: which site is waiting on its pacing, and
    for how long."""

    key: str  # the gate's key: a host name, or ``site:<budget>``
    interval: float  # seconds between request starts (0: not paced)
    concurrency: int
    in_flight: int
    waiting: int  # requests waiting for a slot or for their start time
    wait_s: float  # until a request asking now could start (the backlog of start times); 0: at once
    paused: str | None  # the wall that tripped the breaker, if it did


@dataclass(slots=True)
class HostGate:
    politeness: Politeness
    clock: Callable[[], float] = time.monotonic
    in_flight: int = 0
    waiting: int = 0  # in acquire(): waiting for a slot or their start time
    consecutive_walls: int = 0
    tripped_reason: str | None = None
    _next_start: float = 0.0
    _semaphore: asyncio.Semaphore = field(init=False)
    _slot: _Slot = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._semaphore = asyncio.Semaphore(max(1, self.politeness.concurrency))
        self._slot = _Slot(self)

    @property
    def tripped(self) -> bool:
        return self.tripped_reason is not None

    def _spacing(self) -> float:
        interval = self.politeness.interval
        if interval <= 0:
            return 0.0
        jitter = self.politeness.jitter
        return interval * (1 + random.uniform(-jitter, jitter))

    def slot(self) -> AbstractAsyncContextManager[None]:
        """``async with gate.slot():`` holds one of the host's concurrency slots, started no sooner
        than the pacing allows (:meth:`acquire` … :meth:`release`)."""
        return self._slot

    def state(self, key: str) -> GateState:
        """A snapshot of this gate (``key``: its name in :class:`HostGates`)."""
        return GateState(
            key=key,
            interval=self.politeness.interval,
            concurrency=self.politeness.concurrency,
            in_flight=self.in_flight,
            waiting=self.waiting,
            wait_s=max(0.0, self._next_start - self.clock()),
            paused=self.tripped_reason,
        )

    async def acquire(self) -> None:
        """Take a concurrency slot, then wait for this request's start time. Pair with release()."""
        self.waiting += 1
        try:
            await self._semaphore.acquire()
        except BaseException:
            self.waiting -= 1
            raise
        try:
            # No await between reading and advancing the schedule: concurrent callers (one event
            # loop) each get their own start time without a lock.
            now = self.clock()
            wait = self._next_start - now
            self._next_start = max(now, self._next_start) + self._spacing()
            if wait > 0:
                await asyncio.sleep(wait)
        except BaseException:
            self._semaphore.release()
            raise
        finally:
            self.waiting -= 1
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1
        self._semaphore.release()

    def observe(self, outcome: Outcome) -> None:
        """Feed an attempt's outcome to the circuit breaker."""
        if is_wall(outcome):
            self.consecutive_walls += 1
            if self.consecutive_walls >= self.politeness.trip_after:
                self.tripped_reason = outcome.reason
        elif outcome.verdict in (Verdict.ALIVE, Verdict.DEAD):
            self.consecutive_walls = 0


class _Slot:
    """The gate's slot as an async context manager (one per gate; it holds no state of its own)."""

    __slots__ = ("_gate",)

    def __init__(self, gate: HostGate) -> None:
        self._gate = gate

    async def __aenter__(self) -> None:
        await self._gate.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self._gate.release()


def site_politeness(host: str, overrides: Mapping[str, Politeness]) -> Politeness:
    """The politeness of ``host``'s site: its profile's, unless the configuration overrides it.

    Overrides are given per host name (``[hosts."zhuanlan.zhihu.com"]``). For a profile whose hosts
    share a budget, an override of any of them paces the whole site — the strictest where several
    are given — so the gate does not depend on which of its hosts a run happens to meet first.
    """
    profile = profile_for(host)
    if profile.budget is None:
        return overrides.get(host) or profile.politeness
    given = [p for h, p in overrides.items() if profile_for(h).budget == profile.budget]
    return Politeness.strictest(given) if given else profile.politeness


class HostGates:
    """The gates of every site seen in a run, looked up by host name (see :func:`key`)."""

    def __init__(self, politeness_for: Callable[[str], Politeness]) -> None:
        self._politeness_for = politeness_for
        self._gates: dict[str, HostGate] = {}
        self._keys: dict[str, str] = {}  # host → gate key, the profile looked up once per host

    def key(self, host: str) -> str:
        """The gate ``host`` goes through: its profile's shared budget (``site:zhihu``), else itself."""
        key = self._keys.get(host)
        if key is None:
            key = self._keys[host] = profile_for(host).budget_key(host)
        return key

    def __getitem__(self, host: str) -> HostGate:
        key = self.key(host)
        gate = self._gates.get(key)
        if gate is None:
            gate = self._gates[key] = HostGate(self._politeness_for(host))
        return gate

    def state(self, host: str) -> GateState:
        """The state of ``host``'s gate (made now if no request went through it yet)."""
        return self[host].state(self.key(host))

    def items(self) -> list[tuple[str, HostGate]]:
        """(gate key, gate) of every site seen: a host name, or ``site:<budget>``."""
        return list(self._gates.items())
