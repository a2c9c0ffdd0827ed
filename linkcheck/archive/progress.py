"""How far the archive has got: typed progress events for whoever shows them (the CLI's display).

The :class:`~linkcheck.archive.capture.Archiver` owns an :class:`ArchiveTally` and tells it each
page and image it finishes; the tally hands an :class:`ArchiveProgress` snapshot to its listener
(``run_job(on_archive=…)``, ``archive_pending(on_progress=…)``) after each of them (at most one
every ``EMIT_EVERY_S``), and once when the stage starts and when it ends. Nothing here knows about terminals.

The ETA is the *pacing bound* on what is left: a site's requests start ``interval`` seconds apart
on average (± its jitter) however fast the network is, and sites are paced in parallel, so the
rest takes about the slowest site's requests left × its interval — no faster on average, slower
when pages are slow to answer. (A floor on the time, up to the jitter: 40 WeChat pages paced 1 s
± 40 % took 36 s.) Requests left are the pages not done yet and their
images: those named by pages already read, and, for pages not read yet, as many as the pages of
the same site read so far named on average.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from linkcheck.archive.capture import PageCapture
    from linkcheck.net.gates import GateState, HostGates

# Where the archive's work is: pages captured from the checks' own answers while the checks run,
# the archive stage after them, and the end of that stage.
STAGE_CHECKS = "checks"
STAGE_ARCHIVE = "archive"
STAGE_DONE = "done"
# Snapshots at most this often (plus one when the stage starts and one when it ends): a snapshot
# reads every gate the archive used, and a sweep of the blog archives pages on a couple of thousand
# hosts, tens of thousands of pages and images — a display refreshes 4 times a second anyway.
EMIT_EVERY_S = 0.2


@dataclass(frozen=True, slots=True)
class ArchiveGate:
    """A site the archive still has requests for, or has some in flight: its gate's state."""

    state: GateState
    requests_left: int  # pages and images still to fetch through it (some estimated)


@dataclass(frozen=True, slots=True)
class ArchiveProgress:
    """One snapshot of the archive's work in a run (or in ``linkcheck archive``)."""

    stage: str  # STAGE_CHECKS | STAGE_ARCHIVE | STAGE_DONE
    pages_planned: int  # pages this run means to capture (known once the archive stage starts)
    pages_done: int  # pages finished: captured, unchanged, failed or not alive
    pages_captured: int  # written (captured or unchanged)
    pages_failed: int  # failed, or not alive when fetched
    images_done: int  # image records written
    images_failed: int
    images_expected: int  # images_done + images_failed + images still to fetch (estimated: see module doc)
    readable: int  # readable copies written
    bytes_written: int  # compressed bytes added to WARC files
    elapsed_s: float  # since the archive stage started (since the archiver opened, before that)
    eta_s: float | None  # the pacing bound on what is left (None: nothing left)
    gates: tuple[ArchiveGate, ...]  # the sites with archive requests left or in flight, busiest first
    status: str = ""  # at STAGE_DONE: how the stage ended (ArchiveSummary.status: completed, budget …)

    @property
    def requests_done(self) -> int:
        return self.pages_done + self.images_done + self.images_failed

    @property
    def requests_expected(self) -> int:
        return max(self.pages_planned, self.pages_done) + max(self.images_expected, 0)

    @property
    def fraction(self) -> float:
        """How much of the stage's expected requests are done (1.0 when nothing is expected)."""
        expected = self.requests_expected
        return min(1.0, self.requests_done / expected) if expected else 1.0


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class ArchiveTally:
    """The archive's running counts, and the snapshots made of them (see the module doc)."""

    def __init__(
        self, gates: HostGates, bytes_written: Callable[[], int], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.gates = gates
        self._bytes_written = bytes_written
        self.clock = clock
        self.listener: Callable[[ArchiveProgress], None] | None = None
        self._last_emit = float("-inf")
        self.stage = STAGE_CHECKS
        self.started = clock()
        self.pages_planned = 0
        self.pages_done = self.pages_captured = self.pages_failed = 0
        self.images_done = self.images_failed = self.images_named = 0
        self.readable = 0
        self.status = ""
        self._hosts: dict[str, str] = {}  # gate key → a host of it (to look the gate up by)
        self._pages_left: Counter[str] = Counter()  # page gate key → pages of the stage not done
        self._images_left: Counter[str] = Counter()  # image gate key → images named, not fetched
        self._read: Counter[str] = Counter()  # page gate key → pages whose images were counted
        self._named: Counter[str] = Counter()  # page gate key → images those pages named
        self._image_gates: dict[str, Counter[str]] = {}  # page gate key → image gate key → images

    def _key(self, host: str) -> str:
        key = self.gates.key(host)
        self._hosts.setdefault(key, host)
        return key

    # -- what the archiver tells it -------------------------------------------------------------

    def start_stage(self, pages: Iterable[str], *, done_before: int = 0) -> None:
        """The archive stage begins: ``pages`` (URLs) are its pages still to do; ``done_before``
        pages of its plan were already captured (or failed) from the checks' own answers."""
        self.stage = STAGE_ARCHIVE
        self.started = self.clock()
        self._pages_left.clear()
        for url in pages:
            self._pages_left[self._key(_host(url))] += 1
        self.pages_planned = sum(self._pages_left.values()) + done_before
        self.emit(force=True)

    def page(self, page: PageCapture) -> None:
        """A page is finished (whatever happened to it)."""
        self.pages_done += 1
        if page.outcome in ("captured", "unchanged"):
            self.pages_captured += 1
        else:
            self.pages_failed += 1
        key = self._key(_host(page.url))
        if self._pages_left[key] > 0:
            self._pages_left[key] -= 1
        self.emit()

    def images_found(self, page_url: str, image_urls: list[str]) -> None:
        """A page captured names these images, about to be fetched."""
        page_key = self._key(_host(page_url))
        self._read[page_key] += 1
        self._named[page_key] += len(image_urls)
        self.images_named += len(image_urls)
        by_gate = self._image_gates.setdefault(page_key, Counter())
        for url in image_urls:
            key = self._key(_host(url))
            by_gate[key] += 1
            self._images_left[key] += 1

    def image(self, url: str, *, ok: bool) -> None:
        if ok:
            self.images_done += 1
        else:
            self.images_failed += 1
        key = self._key(_host(url))
        if self._images_left[key] > 0:
            self._images_left[key] -= 1
        self.emit()

    def images_dropped(self, urls: list[str]) -> None:
        """Named images a page will not fetch after all (its byte budget ran out)."""
        self.images_named -= len(urls)
        for url in urls:
            key = self._key(_host(url))
            if self._images_left[key] > 0:
                self._images_left[key] -= 1

    def readable_written(self) -> None:
        self.readable += 1

    def finish(self, status: str) -> None:
        """The stage is over: ``status`` as its summary says (completed, budget, stopped, error)."""
        self.stage, self.status = STAGE_DONE, status
        self._pages_left.clear()
        self._images_left.clear()
        self.emit(force=True)

    # -- snapshots -------------------------------------------------------------------------------

    def _requests_left(self) -> Counter[str]:
        """Gate key → requests the archive still has to make through it (some estimated)."""
        left: Counter[str] = Counter(self._images_left)
        for page_key, pages in self._pages_left.items():
            if pages <= 0:
                continue
            left[page_key] += pages
            read = self._read[page_key]
            by_gate = self._image_gates.get(page_key)
            if read and by_gate:
                # The images of pages not read yet: as many as this site's pages read so far named,
                # on the image host they used most.
                left[by_gate.most_common(1)[0][0]] += round(pages * self._named[page_key] / read)
        return left

    def snapshot(self) -> ArchiveProgress:
        left = self._requests_left()
        states = {key: self.gates.state(host) for key, host in self._hosts.items()}
        bound = max((left[key] * states[key].interval for key in left if key in states), default=0.0)
        images_left = sum(left.values()) - sum(self._pages_left.values())
        busiest = sorted(
            (
                ArchiveGate(state, left[key])
                for key, state in states.items()
                if left[key] > 0 or state.in_flight or state.waiting
            ),
            key=lambda g: (g.state.waiting + g.state.in_flight, g.state.wait_s, g.requests_left),
            reverse=True,
        )
        return ArchiveProgress(
            stage=self.stage,
            pages_planned=self.pages_planned,
            pages_done=self.pages_done,
            pages_captured=self.pages_captured,
            pages_failed=self.pages_failed,
            images_done=self.images_done,
            images_failed=self.images_failed,
            images_expected=self.images_done + self.images_failed + max(0, images_left),
            readable=self.readable,
            bytes_written=self._bytes_written(),
            elapsed_s=self.clock() - self.started,
            eta_s=bound if +left else None,
            gates=tuple(busiest),
            status=self.status,
        )

    def emit(self, *, force: bool = False) -> None:
        """A snapshot to the listener, unless one went out less than ``EMIT_EVERY_S`` ago."""
        if self.listener is None:
            return
        now = self.clock()
        if force or now - self._last_emit >= EMIT_EVERY_S:
            self._last_emit = now
            self.listener(self.snapshot())


__all__ = ["STAGE_ARCHIVE", "STAGE_CHECKS", "STAGE_DONE", "ArchiveGate", "ArchiveProgress", "ArchiveTally"]
