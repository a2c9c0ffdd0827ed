"""The nightly job: scan → remember the links → plan → check politely → record every outcome.

This is the library form of ``linkcheck check``: the CLI only parses options and formats. Outcomes
are committed in groups (:class:`GroupCommit`): at the latest a second after they arrive, and at
once when the run ends, fails or is interrupted. So ``kill -9`` loses at most the last second's
outcomes (their URLs stay due and are checked by the next run), Ctrl-C and SIGTERM lose nothing
finished. The groups are written by a thread of their own, so the event loop keeps reading
responses while SQLite writes. The run row says ``completed``, ``interrupted`` or ``offline``
(and a run found still ``running`` by the next one is marked ``interrupted``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp.abc import AbstractResolver

from linkcheck.archive import (
    DEFAULT_MAX_AGE,
    Archiver,
    ArchiveSettings,
    ArchiveSummary,
    archive_pending,
    captured_during_checks,
    repair_open_files,
)
from linkcheck.archive.progress import ArchiveProgress
from linkcheck.models import CheckResult, Link, Outcome
from linkcheck.net.probes import HostProbes
from linkcheck.net.transport import Fetcher, FetchSettings
from linkcheck.run.checker import HttpChecker
from linkcheck.run.local import LocalChecker, check_internal, is_internal
from linkcheck.run.lock import RunLock, lock_path_for
from linkcheck.run.runner import DEFAULT_CANARIES, RunStatus, RunSummary, run_checks, skipped_outcome
from linkcheck.run.schedule import plan
from linkcheck.scan.collect import ScanResult, collect
from linkcheck.scan.jekyll import load_site
from linkcheck.sites import profile_for
from linkcheck.store import Store, StoreError, UrlState, utc_now

if TYPE_CHECKING:
    from linkcheck.browser import BrowserChecker, BrowserSettings, RecheckSummary

DEFAULT_DB = Path("state/linkcheck.db")
# Group commit bounds: the loss of a kill -9 against the cost of a transaction per check (which
# alone was a third of the CPU of a 25,000-URL run on a fast network).
COMMIT_EVERY_S = 1.0
COMMIT_EVERY_CHECKS = 1000
# How long a host's soft-404 probe answer is trusted (linkcheck.store.probes says why 30 days).
SOFT404_MAX_AGE = timedelta(days=30)


class GroupCommit:
    """Buffers a run's outcomes and writes them with one transaction per group: when
    ``max_checks`` are pending, ``max_delay`` seconds after the oldest pending one arrived (a
    timer on the running event loop, so a trickle of slow hosts is committed too), and on
    :meth:`flush`.

    Full and timed groups are written by a writer thread (with ``background``, the default), in
    the order they were handed over: a group is tens of milliseconds of SQLite work, and on the
    event-loop thread that time would hold up every response waiting to be read (about 1.4 s of
    a 25,000-URL run). :meth:`flush` waits for the writer and writes what is left; the store's
    lock keeps the writer and the loop's own store calls from interleaving.

    A write handed to the writer (or made by the timer) cannot raise into the run; a database
    error it meets is raised by the next :meth:`add` or :meth:`flush` instead. :meth:`close`
    flushes and stops the writer.
    """

    def __init__(
        self,
        store: Store,
        run_id: int,
        *,
        now: Callable[[], datetime],
        max_checks: int = COMMIT_EVERY_CHECKS,
        max_delay: float = COMMIT_EVERY_S,
        background: bool = True,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.now = now
        self.max_checks = max_checks
        self.max_delay = max_delay
        self.background = background
        self.pending: list[tuple[str, Outcome, datetime]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._failure: StoreError | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._written: deque[Future[object]] = deque()  # writes handed to the writer, oldest first
        self._broken = False  # a write on the writer failed: later ones are not attempted

    def add(self, canonical: str, outcome: Outcome) -> None:
        self._settle_finished()
        self._raise_failure()
        self.pending.append((canonical, outcome, self.now()))
        if len(self.pending) >= self.max_checks:
            self._hand_over()
            self._raise_failure()
        elif self._timer is None:
            with contextlib.suppress(RuntimeError):  # no running loop: the next add/flush commits
                self._timer = asyncio.get_running_loop().call_later(self.max_delay, self._hand_over)

    def flush(self) -> None:
        """Commit everything pending now, and wait until every group handed over is written."""
        self._cancel_timer()
        while self._written:
            self._settle(self._written.popleft(), wait=True)
        if self.pending:
            group, self.pending = self.pending, []
            try:
                self._write_in_order(self.store.checks.record_many, self.run_id, group)
            except StoreError as exc:
                self._failure = self._failure or exc
        self._raise_failure()

    def write(self, method: Callable[..., object], *args: object, **kwargs: object) -> Future[object] | None:
        """Another store write to make in order with the groups (on the writer with
        ``background``): the run's ``store.links.sync``, which must precede its first group. Returns
        the write's future on the writer (None: already written, here)."""
        return self._submit(method, *args, **kwargs)

    def close(self) -> None:
        """Flush, then stop the writer thread (idempotent)."""
        try:
            self.flush()
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None

    def _hand_over(self) -> None:
        """Start writing the pending group (on the writer, or here without ``background``)."""
        self._cancel_timer()
        self._settle_finished()
        if not self.pending:
            return
        group, self.pending = self.pending, []
        self._submit(self.store.checks.record_many, self.run_id, group)

    def _submit(self, method: Callable[..., object], *args: object, **kwargs: object) -> Future[object] | None:
        if not self.background:
            try:
                self._write_in_order(method, *args, **kwargs)
            except StoreError as exc:
                self._failure = self._failure or exc
            return None
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkcheck-commit")
        future = self._writer.submit(self._write_in_order, method, *args, **kwargs)
        self._written.append(future)
        return future

    def _write_in_order(self, method: Callable[..., object], *args: object, **kwargs: object) -> object:
        """One write, unless an earlier one failed (on the writer, or here once it is idle).

        After a failed write (the sync of new URLs, say) the next ones would build on what is
        missing: they are dropped, like the checks a kill -9 loses, and the run stops."""
        if self._broken:
            raise StoreError("not written: an earlier write of this run failed")
        try:
            return method(*args, **kwargs)
        except BaseException:
            self._broken = True
            raise

    def _settle_finished(self) -> None:
        while self._written and self._written[0].done():
            self._settle(self._written.popleft(), wait=False)

    def _settle(self, write: Future[object], *, wait: bool) -> None:
        try:
            write.result() if wait else write.result(timeout=0)
        except StoreError as exc:
            self._failure = self._failure or exc

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure


@dataclass(slots=True)
class JobOptions:
    paths: list[Path] = field(default_factory=lambda: [Path("posts")])
    site_url: str | None = None
    root: Path | None = None  # the blog's source tree (_config.yml); None: found upward from paths, if any
    db: Path = DEFAULT_DB
    max_urls: int | None = None
    budget_s: float | None = None  # start no new check after this many seconds
    check_all: bool = False
    recheck_alive_after: timedelta = timedelta(days=5)
    confirm_checks: int | None = None  # None: keep what the database says (default 3)
    confirm_days: float | None = None  # None: keep what the database says (default 7)
    canaries: tuple[str, ...] = DEFAULT_CANARIES
    exclude: tuple[str, ...] = ()  # regexes: matching URLs are recorded, never fetched
    archive: bool = True  # after the checks, capture alive pages into WARC files (--no-archive: off)
    archive_dir: Path | None = None  # None: warc/ next to the database (state/warc)
    # Pages captured per run at most; None: every checked page that needs one. A page's capture is
    # its check's own answer (no request of its own), so a cap only slows the archive down: at 200
    # a night the blog's 13,700 WeChat articles took 68 nights (bench/bench_nights.py).
    archive_limit: int | None = None
    archive_budget_s: float | None = None  # seconds for the archive stage (the run's budget_s also applies)
    archive_max_age: timedelta = DEFAULT_MAX_AGE  # a page captured longer ago is fetched again
    archive_settings: ArchiveSettings = field(default_factory=ArchiveSettings)
    # Escalate walls a headless browser gets past (the profiles' BrowserRule) to Chromium
    # (linkcheck.browser); without Playwright/Chromium the links stay blocked and JobResult.browser
    # says why. Its captures go through the run's archive.
    browser: bool = False
    browser_options: BrowserSettings | None = None  # Chromium path, timeouts, pages open at once
    # A host's soft-404 probe (linkcheck.soft404) is asked again once the stored one is this old.
    soft404_max_age: timedelta = SOFT404_MAX_AGE

    def recorded(self) -> dict:
        """What the run row remembers about how it was started."""
        return {
            "paths": [str(p) for p in self.paths],
            "max_urls": self.max_urls,
            "budget_s": self.budget_s,
            "check_all": self.check_all,
            "recheck_alive_after_days": self.recheck_alive_after.total_seconds() / 86400,
            "archive": self.archive,
            "browser": self.browser,
        }


@dataclass(slots=True)
class JobResult:
    run_id: int
    summary: RunSummary
    scan: ScanResult
    results: list[CheckResult]  # this run's checks plus the never-fetched (skipped) links
    newly_dead: list[dict]  # confirmed dead by this run
    changes: dict[str, list[dict]]
    planned_total: int  # due URLs before max_urls/budget cut
    archive: ArchiveSummary | None = None  # None: the archive stage did not run
    browser: RecheckSummary | None = None  # None: the browser re-check was not enabled


async def run_job(
    options: JobOptions,
    settings: FetchSettings,
    *,
    resolver: AbstractResolver | None = None,
    stop: asyncio.Event | None = None,
    on_result: Callable[[Link, Outcome], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
    on_fetcher: Callable[[Fetcher], None] | None = None,
    on_archive: Callable[[ArchiveProgress], None] | None = None,
    on_escalate: Callable[[Link, Outcome], None] | None = None,
    now: Callable[[], datetime] = utc_now,
) -> JobResult:
    """Run one job. The callbacks are its progress, for a display: ``on_plan(n)`` once the due
    URLs are chosen, ``on_fetcher`` with the run's fetcher (its gates' state), ``on_result`` per
    outcome, ``on_escalate`` per link handed to the browser re-check (its outcome follows through
    ``on_result``), ``on_archive`` per page and image the archive finishes (during the checks and in the
    archive stage after them) and once when that stage ends.

    Raises LockHeldError, MissingPathError and SiteError (a bad blog root) before any check,
    StoreError before any check or, when recording the scan fails, at the first group commit."""
    site = load_site(options.root, options.paths)  # links into the blog are checked from it (linkcheck.run.local)
    scan = collect(options.paths, site_url=options.site_url, exclude=options.exclude, site=site)
    internal = [link for link in scan.links if is_internal(link)]
    with (
        RunLock(lock_path_for(options.db)),
        Store(options.db, confirm_checks=options.confirm_checks, confirm_days=options.confirm_days) as store,
    ):
        by_canonical = {link.canonical: link for link in scan.links if link.checkable}
        # Planned from the states recorded so far and the scan, so that checking starts while the
        # scan is still being recorded (store.links.sync, the first write on the writer thread).
        due = plan(
            states_to_plan(
                store.checks.link_states(cited_only=False, checkable_only=False),
                [link for link in scan.links if not is_internal(link)],  # never fetched
            ),
            now=now(),
            check_all=options.check_all,
            recheck_alive_after=options.recheck_alive_after,
            confirm=(store.settings.rules.confirm_checks, store.settings.rules.confirm_days),
        )
        chosen = due[: options.max_urls] if options.max_urls is not None else due
        links = [by_canonical[c] for c in chosen if c in by_canonical]
        if on_plan is not None:
            on_plan(len(links) + len(internal))
        run_id = store.runs.begin(options.recorded(), now=now())
        results = [CheckResult(link, skipped_outcome(link)) for link in scan.links if not link.checkable]
        deadline = time.monotonic() + options.budget_s if options.budget_s else None

        group = GroupCommit(store, run_id, now=now, max_checks=COMMIT_EVERY_CHECKS, max_delay=COMMIT_EVERY_S)

        # This run's verdicts: the archive stage fetches none of these again. Kept only when there
        # is an archive stage (a set of every URL checked: 2 MB for 25,000).
        checked: set[str] = set()

        def commit(link: Link, outcome: Outcome) -> None:
            group.add(link.canonical, outcome)
            results.append(CheckResult(link, outcome))
            if options.archive:
                checked.add(link.canonical)
            if on_result is not None:
                on_result(link, outcome)

        def commit_archive_check(canonical: str, outcome: Outcome) -> None:
            """The verdict of a page the archive stage fetched (one this run had not checked)."""
            group.add(canonical, outcome)
            checked.add(canonical)
            link = by_canonical.get(canonical)
            if link is not None:
                results.append(CheckResult(link, outcome))

        summary = RunSummary(status=RunStatus.INTERRUPTED, planned=len(links))
        archived: ArchiveSummary | None = None
        browser_summary: RecheckSummary | None = None
        try:
            probes = None
            if settings.soft_404:
                # The hosts' answers for a URL that cannot exist, as far as the history has them;
                # a new one is stored in order with the checks (on the writer). Read before the
                # scan is handed to the writer: read after, it waited for the store's lock until
                # the whole scan was recorded (0.9 s of a 25,000-URL run, no request in flight).
                probes = HostProbes(
                    store.probes.fresh(options.soft404_max_age, now=now()),
                    lambda host, answer: group.write(store.probes.record, host, answer, now=now()),
                )
            synced = group.write(store.links.sync, scan.links, now=now())  # before the first group, on the writer
            # Links into the blog: every run, from its source tree, before (and whatever) the network.
            local = await check_internal(internal, LocalChecker(site), commit) if site is not None else None
            async with Fetcher(settings, resolver=resolver, probes=probes) as fetcher:
                if on_fetcher is not None:
                    on_fetcher(fetcher)
                # The capture policy is consulted before anything is fetched: the pages to archive
                # are read whole by their own check and written from that exchange.
                archiver = None
                if options.archive:
                    archiver, archived = open_archiver(
                        options, store, fetcher, links, run_id=run_id, now=now, synced=synced
                    )
                    if archiver is not None:
                        archiver.tally.listener = on_archive
                try:
                    # Walls a browser gets past go on to it on their host's queue (it starts with
                    # the first of them): one outcome per link, the browser's where it checked it.
                    browser = open_browser(options, settings, resolver, links, archiver) if options.browser else None
                    try:
                        summary = await run_checks(
                            links, fetcher, on_result=commit, canaries=options.canaries, deadline=deadline, stop=stop,
                            checker=HttpChecker(archiver or fetcher), escalation=browser, on_escalate=on_escalate,
                        )  # fmt: skip
                    finally:
                        if browser is not None:
                            await browser.aclose()  # its memory is not needed for the archive stage
                            browser_summary = browser.summary(eligible=summary.escalated)
                    if local:
                        summary.counts.update(local)
                        summary.checked += len(internal)
                        summary.planned += len(internal)
                    group.flush()  # the archive stage reads the states just written
                    if archiver is not None and summary.status is RunStatus.COMPLETED:
                        archive_deadline = deadline
                        if options.archive_budget_s is not None:
                            own = time.monotonic() + options.archive_budget_s
                            archive_deadline = own if deadline is None else min(deadline, own)
                        archived = await archive_pending(
                            store,
                            fetcher,
                            warc_dir=archiver.warc_dir,
                            limit=options.archive_limit,
                            deadline=archive_deadline,
                            max_age=options.archive_max_age,
                            stop=stop,
                            run_id=run_id,
                            now=now,
                            archiver=archiver,
                            checked=checked,
                            on_check=commit_archive_check,
                        )
                    elif archiver is not None:
                        # Offline or interrupted: no archive stage. The pages the checks captured
                        # stay (their images may be missing); nothing more is fetched.
                        await archiver.aclose()
                        if archiver.from_checks or archiver.failure is not None:
                            archived = captured_during_checks(archiver, "stopped")
                finally:
                    if archiver is not None:
                        await archiver.aclose()
            group.close()
        except BaseException:
            with contextlib.suppress(Exception):  # keep every finished check (Ctrl-C, SIGTERM …)
                group.close()
            # Cancelled, or the database failed (disk full …): what was committed stays; the run
            # row should not stay 'running' — unless the database cannot even take that, in which
            # case the next run marks it interrupted. The original error is the one to report.
            with contextlib.suppress(StoreError):
                store.runs.finish(run_id, RunStatus.INTERRUPTED.value, {"error": "aborted"}, now=now())
            raise
        counts = {**summary.counts, "checked": summary.checked, "planned": summary.planned}
        if browser_summary is not None:
            counts["browser"] = browser_summary.to_dict()
        if archived is not None:
            counts["archive"] = {k: v for k, v in archived.to_dict().items() if k not in ("pages", "repaired")}
        store.runs.finish(run_id, summary.status.value, counts, now=now())
        return JobResult(
            run_id=run_id,
            summary=summary,
            scan=scan,
            results=results,
            newly_dead=store.queries.newly_confirmed_dead(run_id),
            changes=store.queries.changes(run_id),
            planned_total=len(due),
            archive=archived,
            browser=browser_summary,
        )


def open_archiver(
    options: JobOptions,
    store: Store,
    fetcher: Fetcher,
    links: list[Link],
    *,
    run_id: int,
    now: Callable[[], datetime],
    synced: Future[object] | None = None,
) -> tuple[Archiver | None, ArchiveSummary | None]:
    """The run's :class:`Archiver`, before its first check: WARC files a crash left ``.open``
    repaired (the run holds the lock), and the pages the checks will capture planned. (None, the
    error) when the WARC directory is unusable: the run checks without archiving. ``synced``: the
    run's ``store.links.sync`` on the writer, which its first capture row waits for."""
    warc_dir = options.archive_dir or options.db.parent / "warc"
    try:
        repairs = repair_open_files(warc_dir, store)
    except OSError as exc:
        return None, ArchiveSummary(status="error", error=f"{type(exc).__name__}: {exc}"[:500])
    archiver = Archiver(store, fetcher, warc_dir, options.archive_settings, run_id=run_id, now=now, ready=synced)
    archiver.repaired = repairs
    archiver.plan(
        [(link.canonical, link.host) for link in links], max_age=options.archive_max_age, limit=options.archive_limit
    )
    return archiver, None


def open_browser(
    options: JobOptions,
    settings: FetchSettings,
    resolver: AbstractResolver | None,
    links: list[Link],
    archiver: Archiver | None,
) -> BrowserChecker:
    """The run's browser stage (Chromium starts with the first link escalated to it): the HTTP
    client's proxy, CA and routing; the pages the archive planned are captured through ``archiver``."""
    from linkcheck.browser import BrowserChecker, BrowserSettings, hosts_to_route, route_of

    route, fallback = route_of(resolver)
    return BrowserChecker(
        settings,
        options.browser_options or BrowserSettings(),
        route=route,
        route_hosts=hosts_to_route(link.host for link in links) if route is not None else (),
        route_fallback=fallback,
        archiver=archiver,
    )


def states_to_plan(recorded: list[UrlState], links: list[Link]) -> list[UrlState]:
    """What ``store.checks.link_states()`` will say once ``links`` (a full scan) are synced, from
    what it says before: the recorded states of the scan's checkable URLs (in the store's order),
    then the URLs new to the store as never checked (in scan order, as ``store.links.sync`` will
    add them)."""
    checkable = {link.canonical: link for link in links if link.checkable}
    states = [state for state in recorded if state.canonical in checkable]
    known = {state.canonical for state in recorded}
    states.extend(
        UrlState(link.canonical, profile_for(link.host).name, link.host, None, None)
        for link in checkable.values()
        if link.canonical not in known
    )
    return states
