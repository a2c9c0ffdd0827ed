"""Per-host politeness: how many requests in flight, how far apart, and when to stop asking.

Each host gets a :class:`HostGate` built from its site profile's :class:`Politeness` (or a
per-host override). Request starts are spaced by ``interval`` ± ``jitter``; after ``trip_after``
consecutive anti-bot walls or rate-limit answers the host is *tripped*: the rest of this run's URLs
for it are reported ``blocked`` without a request, because hammering a wall only prolongs it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from linkcheck.models import Outcome, Verdict
from linkcheck.sites import Politeness


def is_wall(outcome: Outcome) -> bool:
    """An answer that means 'stop asking me' rather than anything about the content."""
    return (
        outcome.verdict is Verdict.BLOCKED and outcome.reason != "host-paused"
    ) or outcome.reason == "http-429"


@dataclass(slots=True)
class HostGate:
    politeness: Politeness
    clock: Callable[[], float] = time.monotonic
    in_flight: int = 0
    consecutive_walls: int = 0
    tripped_reason: str | None = None
    _next_start: float = 0.0
    _semaphore: asyncio.Semaphore = field(init=False)
    _pace_lock: asyncio.Lock = field(init=False)

    def __post_init__(self) -> None:
        self._semaphore = asyncio.Semaphore(max(1, self.politeness.concurrency))
        self._pace_lock = asyncio.Lock()

    @property
    def tripped(self) -> bool:
        return self.tripped_reason is not None

    def _spacing(self) -> float:
        interval = self.politeness.interval
        if interval <= 0:
            return 0.0
        jitter = self.politeness.jitter
        return interval * (1 + random.uniform(-jitter, jitter))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the host's concurrency slots, started no sooner than the pacing allows."""
        async with self._semaphore:
            async with self._pace_lock:
                now = self.clock()
                wait = self._next_start - now
                self._next_start = max(now, self._next_start) + self._spacing()
            if wait > 0:
                await asyncio.sleep(wait)
            self.in_flight += 1
            try:
                yield
            finally:
                self.in_flight -= 1

    def observe(self, outcome: Outcome) -> None:
        """Feed an attempt's outcome to the circuit breaker."""
        if is_wall(outcome):
            self.consecutive_walls += 1
            if self.consecutive_walls >= self.politeness.trip_after:
                self.tripped_reason = outcome.reason
        elif outcome.verdict in (Verdict.ALIVE, Verdict.DEAD):
            self.consecutive_walls = 0


class HostGates:
    """The gates of every host seen in a run."""

    def __init__(self, politeness_for: Callable[[str], Politeness]) -> None:
        self._politeness_for = politeness_for
        self._gates: dict[str, HostGate] = {}

    def __getitem__(self, host: str) -> HostGate:
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = HostGate(self._politeness_for(host))
        return gate

    def items(self) -> list[tuple[str, HostGate]]:
        return list(self._gates.items())
