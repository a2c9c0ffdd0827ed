"""The archive stage: after a check run's checks, or as ``linkcheck archive``, capture what the
checks did not — alive pages no check of the run fetched, the reserve pages that got a place, the
images still outstanding — within the page limit and the time budget, and sum it up.

The summary says what is left for the next run and why (``ArchiveSummary.left``, keyed by the
``LEFT_*`` names below), and why pages failed (``failures``, by reason). While it works, the stage
reports its progress through the archiver's :class:`~linkcheck.archive.progress.ArchiveTally`
(``on_progress``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from linkcheck.archive.capture import Archiver, ArchiveSettings, PageCapture, ReservedPage
from linkcheck.archive.policy import DEFAULT_MAX_AGE, RankKey, pending_in_order, stage_key
from linkcheck.archive.progress import ArchiveProgress
from linkcheck.archive.warcfile import Repair, repair_open_files
from linkcheck.models import Outcome

if TYPE_CHECKING:
    from linkcheck.net.transport import Fetcher
    from linkcheck.store import Store

# Why a page that needs a capture still has none after the run (ArchiveSummary.left):
LEFT_LIMIT = "page-limit"  # beyond the run's page limit ([archive] max_pages / --limit)
LEFT_NO_PLACE = "checked-without-place"  # checked alive by this run, not kept for the archive (limit, reserve full)
LEFT_BUDGET = "budget"  # not started: the time budget ran out
LEFT_STOPPED = "stopped"  # not started: the run was stopped (Ctrl-C, SIGTERM)
LEFT_ERROR = "error"  # not started: the disk or the database failed
LEFT_FAILED = "failed"  # fetched but not captured (``failures`` says why); tried again next run
# How a stage ended, in words (ArchiveSummary.status).
STATUS_TEXT = {
    "completed": "completed",
    "budget": "ended at its time budget",
    "stopped": "was stopped",
    "interrupted": "was interrupted",
    "error": "stopped on a disk or database failure",
}
LEFT_REASONS = {
    LEFT_LIMIT: "beyond the page limit",
    LEFT_NO_PLACE: "checked this run, no place in the archive's plan",
    LEFT_BUDGET: "the time budget ran out",
    LEFT_STOPPED: "the run was stopped",
    LEFT_ERROR: "the disk or the database failed",
    LEFT_FAILED: "failed, tried again next run",
}


@dataclass(slots=True)
class ArchiveSummary:
    status: str = "completed"  # completed | budget | stopped | interrupted | error
    error: str | None = None  # status "error": the disk or database failure that stopped the stage
    planned: int = 0
    pending_total: int = 0
    captured: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    requisites: int = 0
    requisites_failed: int = 0  # images that could not be fetched (not 2xx, cut, unreachable)
    scripts: int = 0  # page scripts and style sheets archived (each URL once, ever)
    readable: int = 0  # readable copies written (readable.py)
    revisits: int = 0
    from_checks: int = 0  # pages (captured, unchanged or failed) written from their check's exchange
    checks_recorded: int = 0  # verdicts of pages the archive itself fetched, recorded as checks
    bytes_written: int = 0
    elapsed_s: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)  # reason → pages failed or not alive
    left: dict[str, int] = field(default_factory=dict)  # LEFT_* → pages still needing a capture
    files: list[str] = field(default_factory=list)
    repaired: list[Repair] = field(default_factory=list)
    pages: list[PageCapture] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.captured + self.unchanged + self.failed + self.skipped

    def add(self, page: PageCapture) -> None:
        self.pages.append(page)
        if page.outcome == "captured":
            self.captured += 1
        elif page.outcome == "unchanged":
            self.unchanged += 1
        elif page.outcome == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
        if page.outcome in ("failed", "skipped"):
            reason = page.reason or "unknown"
            self.failures[reason] = self.failures.get(reason, 0) + 1
        self.requisites += page.requisites
        self.requisites_failed += page.requisites_failed
        self.scripts += page.scripts
        self.readable += page.readable == "written"
        self.revisits += page.revisits
        self.from_checks += page.source != "archive"  # from a check's exchange, or the browser's visit

    def fail(self, exc: BaseException) -> None:
        """The stage stopped on a disk or database failure (or could not start)."""
        self.status, self.error = "error", f"{type(exc).__name__}: {exc}"[:500]

    def to_dict(self) -> dict:
        result = {f.name: getattr(self, f.name) for f in fields(self)}
        result["elapsed_s"] = round(self.elapsed_s, 3)
        result["files"] = list(self.files)
        result["failures"] = dict(sorted(self.failures.items()))
        result["left"] = dict(self.left)
        result["repaired"] = [repair.to_dict() for repair in self.repaired]
        result["pages"] = [page.to_dict() for page in self.pages]
        return result


def _take_writes(summary: ArchiveSummary, archiver: Archiver) -> None:
    """What the archiver wrote, and the failure that stopped it (after :meth:`Archiver.aclose`)."""
    summary.bytes_written = archiver.writer.bytes_written
    summary.files = list(archiver.writer.closed_files)
    if archiver.failure is not None:
        summary.fail(archiver.failure)


async def archive_pending(
    store: Store,
    fetcher: Fetcher,
    *,
    warc_dir: Path,
    limit: int | None = None,
    deadline: float | None = None,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
    settings: ArchiveSettings | None = None,
    stop: asyncio.Event | None = None,
    run_id: int | None = None,
    now: Callable[[], datetime] | None = None,
    on_capture: Callable[[PageCapture], None] | None = None,
    archiver: Archiver | None = None,
    checked: Collection[str] = frozenset(),
    on_check: Callable[[str, Outcome], None] | None = None,
    on_progress: Callable[[ArchiveProgress], None] | None = None,
) -> ArchiveSummary:
    """Capture the alive pages that need it, in decay-risk order, within ``limit``/``deadline``.

    ``deadline``: a ``time.monotonic()`` value after which no new page is started. ``max_age``:
    a page captured more recently is not fetched again (None: never recapture). The caller must
    hold the run lock (:class:`linkcheck.run.lock.RunLock`): ``.open`` files left by a crash are
    repaired first. The WARC file in progress is always closed (renamed) before returning.

    Each page fetched here is a check: its verdict — alive, or the wall or tombstone served
    instead of the article — goes to ``on_check(canonical, outcome)`` (default:
    ``store.checks.record`` with ``run_id``), so it is recorded, not dropped.

    After a check run: ``archiver`` is the :class:`Archiver` its checks captured pages with
    (:meth:`Archiver.check`; it was repaired for and planned before the run): those pages count
    against ``limit``, their images are waited for, and the URLs in ``checked`` (every URL the
    run checked) are not fetched again — one verdict per URL and run.

    ``on_progress``: told an :class:`~linkcheck.archive.progress.ArchiveProgress` after each page
    and image, and once at the end (default: the archiver's listener, if any).
    """
    from linkcheck.store import StoreError

    clock = now or (lambda: datetime.now(UTC))
    started = time.monotonic()
    summary = ArchiveSummary()
    if archiver is None:
        settings = settings or ArchiveSettings()
        try:
            repairs = repair_open_files(warc_dir, store)
        except OSError as exc:  # the WARC directory is unusable (read-only, gone …): no archive stage
            summary.fail(exc)
            return summary
        archiver = Archiver(store, fetcher, warc_dir, settings, run_id=run_id, now=clock)
        archiver.repaired = repairs
    summary.repaired = archiver.repaired
    tally = archiver.tally
    if on_progress is not None:
        tally.listener = on_progress
    record = on_check or (lambda canonical, outcome: store.checks.record(run_id, canonical, outcome, now=clock()))
    from_checks = list(archiver.from_checks)
    pages: list[PageCapture] = []
    try:
        needing = pending_in_order(store.captures.due(max_age=max_age, now=clock()))
        # Alive pages the run checked are not fetched a second time here: a reserve page's check
        # kept its exchange (written if it gets a place); the others stay pending for a later run.
        work: list[tuple[RankKey, dict | None, ReservedPage | None]] = [
            (stage_key(row), row, None) for row in needing if row["canonical"] not in checked
        ]
        work += [(entry.key, None, entry) for entry in archiver.reserved]
        work.sort(key=lambda item: item[0])
        summary.pending_total = len(needing) + sum(page.outcome in ("captured", "unchanged") for page in from_checks)
        room = None if limit is None else max(0, limit - len(from_checks))
        chosen = work if room is None else work[:room]
        summary.planned = len(chosen) + len(from_checks)
        checked_due = sum(row["canonical"] in checked for row in needing)
        if checked_due > len(archiver.reserved):
            summary.left[LEFT_NO_PLACE] = checked_due - len(archiver.reserved)
        if len(work) > len(chosen):
            summary.left[LEFT_LIMIT] = len(work) - len(chosen)
        tally.start_stage(
            [
                row["canonical"] if row is not None else reserved.canonical
                for _key, row, reserved in chosen
                if row or reserved
            ],
            done_before=len(from_checks),
        )
        queue: Iterator[tuple[RankKey, dict | None, ReservedPage | None]] = iter(chosen)

        def should_stop() -> str | None:
            if archiver.failure is not None:
                return "error"
            if stop is not None and stop.is_set():
                return "stopped"
            if deadline is not None and time.monotonic() >= deadline:
                return "budget"
            return None

        async def worker() -> None:
            for _key, row, reserved in queue:
                reason = should_stop()
                if reason is not None:
                    if summary.status != "error":
                        summary.status = reason
                    return
                try:
                    if reserved is not None:  # checked alive this run: written from that exchange
                        page = await archiver.keep_reserved(reserved)
                    else:
                        assert row is not None
                        page, verdict = await archiver.recapture(row["canonical"])
                        if verdict is not None:
                            record(row["canonical"], verdict)
                            summary.checks_recorded += 1
                except (OSError, StoreError) as exc:
                    # The disk or the database failed (full disk …): stop the stage, keep what is done.
                    archiver.failure = archiver.failure or exc
                    return
                pages.append(page)
                tally.page(page)
                if on_capture is not None:
                    on_capture(page)

        await asyncio.gather(*(worker() for _ in range(max(1, archiver.settings.concurrency))))
        await archiver.drain()  # the images of pages captured during the checks
    except BaseException:
        summary.status = "interrupted"
        raise
    finally:
        await archiver.aclose()
        summary.elapsed_s = time.monotonic() - started
    _take_writes(summary, archiver)
    for page in (*from_checks, *pages):
        summary.add(page)
    if len(chosen) > len(pages):  # not started: the budget, a stop or a failure ended the stage
        summary.left[{"budget": LEFT_BUDGET, "stopped": LEFT_STOPPED}.get(summary.status, LEFT_ERROR)] = len(
            chosen
        ) - len(pages)
    if summary.failed:
        summary.left[LEFT_FAILED] = summary.failed
    tally.finish(summary.status)
    return summary


def captured_during_checks(archiver: Archiver, status: str) -> ArchiveSummary:
    """The summary of a check run whose archive stage did not run (interrupted, offline): the
    pages its checks captured (their images may be missing). Call after :meth:`Archiver.aclose`."""
    summary = ArchiveSummary(status=status, repaired=archiver.repaired)
    summary.planned = summary.pending_total = len(archiver.from_checks)
    for page in archiver.from_checks:
        summary.add(page)
    _take_writes(summary, archiver)
    return summary


__all__ = ["ArchiveSummary", "archive_pending", "captured_during_checks"]
