"""What a run shows while it works: a live rich display on a terminal, a few plain lines elsewhere.

Terminal: the checks' bar (done/total, rate, ETA), the counts by verdict and the busiest hosts;
how many blocked links went to the browser re-check and how many it has decided (their results
come back through the checks' count, which waits for them); then, in the archive stage, its own
bar — pages and images archived of those planned, bytes written, the ETA at the sites' pacing —
and its sites' pacing (which site waits on its gate, and how long a request
asking now would wait).

Not a terminal (cron, a pipe): no animation, plain ``linkcheck:`` lines — the number of URLs
due, then a line per 10 % of the checks (with the browser re-check's count); the archive stage's
plan, a line per 10 % of its requests and a line at its end — plus, when a stage is slow, at
most one line every ``PLAIN_EVERY_S`` between the 10 % steps (so a nightly run of an hour mails a
few dozen lines at most). ``quiet``: nothing until the end.

The library reports progress through the job's callbacks (``run_job(on_plan=…, on_result=…,
on_fetcher=…, on_escalate=…, on_archive=…)``); everything here is formatting.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from linkcheck.archive.progress import STAGE_ARCHIVE, STAGE_CHECKS, STAGE_DONE, ArchiveProgress
from linkcheck.archive.stage import STATUS_TEXT
from linkcheck.cli.common import VERDICT_STYLE
from linkcheck.report import human_size

if TYPE_CHECKING:
    from linkcheck.models import Link, Outcome
    from linkcheck.net.gates import GateState
    from linkcheck.net.transport import Fetcher

BUSIEST_HOSTS = 6
# Plain lines: one per 10 % of a stage, and between those at most one every this many seconds.
PLAIN_EVERY_S = 300.0
PLAIN_STEP_PCT = 10


def human_duration(seconds: float) -> str:
    """``45s``, ``3m20s``, ``2h05m``."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def gate_text(gate: GateState, left: int | None = None) -> str:
    """One site's pacing state: what it has in flight, what waits on its gate, and for how long."""
    if gate.paused:
        return f"{gate.key} paused ({gate.paused})"
    parts = [f"{gate.in_flight} in flight"]
    if left:
        parts.insert(0, f"{left} requests left")
    if gate.waiting:
        wait = f", next start in {gate.wait_s:.1f}s" if gate.wait_s > 0.05 else ""
        parts.append(f"{gate.waiting} waiting{wait}")
    paced = f"paced {gate.interval:g}s" if gate.interval else f"{gate.concurrency} at a time"
    return f"{gate.key} {', '.join(parts)} ({paced})"


def archive_counts_text(event: ArchiveProgress) -> str:
    """``120/199 pages, 300/~552 images, 4.2 MB`` (the images still to come are estimated)."""
    images = event.images_done + event.images_failed
    expected = f"~{event.images_expected}" if event.stage != STAGE_DONE else str(event.images_expected)
    failed = f" ({event.images_failed} failed)" if event.images_failed else ""
    return (
        f"{event.pages_done}/{max(event.pages_planned, event.pages_done)} pages, "
        f"{images}/{expected} images{failed}, {human_size(event.bytes_written)}"
    )


def _eta(event: ArchiveProgress) -> bool:
    """Whether the event's pacing bound is worth showing (a second or more)."""
    return event.eta_s is not None and event.eta_s >= 1


class RunProgress:
    """Feed it ``plan(total)``, ``attach(fetcher)``, ``result(link, outcome)``,
    ``escalated(link, outcome)`` and ``archive(event)``; use as a context."""

    def __init__(self, console: Console, *, quiet: bool = False, clock=time.monotonic) -> None:
        self.console = console
        self.quiet = quiet
        self.live_mode = console.is_terminal and not quiet
        self.clock = clock
        self.total = 0
        self.done = 0
        self.verdicts: Counter[str] = Counter()
        self.done_by_host: Counter[str] = Counter()
        self.fetcher: Fetcher | None = None
        self.archive_event: ArchiveProgress | None = None  # the latest
        self._escalated: set[str] = set()  # handed to the browser re-check, not decided yet
        self.browser_queued = 0  # links handed to the browser re-check
        self.browser_done = 0  # of those, decided (by the browser, or left as first checked)
        self._started = clock()
        self._last_plain = self._started
        self._last_plain_pct = 0
        self._archive_announced = False
        self._archive_last_plain = self._started
        self._archive_last_pct = 0
        self._progress = Progress(
            TextColumn("[bold]checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:.1f} URL/s"),
            TimeRemainingColumn(),
            console=console,
        )
        self._task = self._progress.add_task("check", total=None, rate=0.0)
        self._archive_progress = Progress(
            TextColumn("[bold]archiving"),
            BarColumn(),
            TextColumn("{task.fields[counts]}"),
            TextColumn("{task.fields[eta]}"),
            console=console,
        )
        self._archive_task = self._archive_progress.add_task("archive", total=None, counts="", eta="")
        self._live: Live | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> RunProgress:
        if self.live_mode:
            # The display is built when rich refreshes it (4 times a second), not per result: a
            # sweep of 25,000 URLs would otherwise rebuild it 25,000 times.
            self._live = Live(console=self.console, refresh_per_second=4, transient=True, get_renderable=self._render)
            self._live.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._live is not None:
            self._live.__exit__(*exc_info)
            self._live = None

    # -- events --------------------------------------------------------------------------------

    def plan(self, total: int) -> None:
        self.total = total
        self._progress.update(self._task, total=total)
        if not self.live_mode and not self.quiet:
            self._plain(f"{total} URLs due this run")

    def attach(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher

    def escalated(self, link: Link, outcome: Outcome) -> None:
        """A link handed to the browser re-check (``run_job(on_escalate=…)``); its result follows."""
        self._escalated.add(link.canonical)
        self.browser_queued += 1

    def result(self, link: Link, outcome: Outcome) -> None:
        if link.canonical in self._escalated:
            self._escalated.discard(link.canonical)
            self.browser_done += 1
        self.done += 1
        self.verdicts[outcome.verdict.value] += 1
        # Counted by gate: a site whose hosts share one budget (Zhihu) is one row of the display.
        self.done_by_host[self.fetcher.gates.key(link.host) if self.fetcher is not None else link.host] += 1
        if self._live is None and not self.quiet:
            self._maybe_plain_line()

    def archive(self, event: ArchiveProgress) -> None:
        """What the archive has done (``run_job(on_archive=…)``, ``archive_pending(on_progress=…)``)."""
        self.archive_event = event
        if self._live is None and not self.quiet and event.stage != STAGE_CHECKS:
            self._maybe_plain_archive_line(event)

    # -- plain lines ---------------------------------------------------------------------------

    def _plain(self, text: str) -> None:
        self.console.print(f"linkcheck: {text}", highlight=False, markup=False, soft_wrap=True)

    def _counts_text(self) -> str:
        return ", ".join(f"{v} {self.verdicts[v]}" for v in VERDICT_STYLE if self.verdicts[v])

    def _maybe_plain_line(self) -> None:
        now = self.clock()
        pct = int(100 * self.done / self.total) if self.total else 100
        if pct >= self._last_plain_pct + PLAIN_STEP_PCT or now - self._last_plain >= PLAIN_EVERY_S:
            self._last_plain_pct = pct - pct % PLAIN_STEP_PCT
            self._last_plain = now
            self._plain(f"{self.done}/{self.total} checked ({pct}%) — {self._counts_text()}{self._browser_tail()}")

    def _browser_tail(self) -> str:
        if not self.browser_queued:
            return ""
        return f"; browser re-check {self.browser_done}/{self.browser_queued} done"

    def _maybe_plain_archive_line(self, event: ArchiveProgress) -> None:
        now = self.clock()
        if not self._archive_announced:
            self._archive_announced = True
            self._archive_last_plain = now
            if event.stage == STAGE_ARCHIVE and event.fraction < 1:  # else the line at its end says it all
                before = event.pages_done
                self._plain(
                    f"archive stage: {event.pages_planned} pages to archive"
                    + (f" ({before} already from their checks)" if before else "")
                    + f", ~{event.images_expected} images so far expected"
                    + (f"; about {human_duration(event.eta_s or 0)} at the sites' pacing" if _eta(event) else "")
                )
            pct = int(100 * event.fraction)
            self._archive_last_pct = pct - pct % PLAIN_STEP_PCT
        if event.stage == STAGE_DONE:
            how = "done" if event.status in ("", "completed") else STATUS_TEXT.get(event.status, event.status)
            self._plain(f"archive {how} — {archive_counts_text(event)} in {human_duration(event.elapsed_s)}")
            return
        pct = int(100 * event.fraction)
        if pct >= self._archive_last_pct + PLAIN_STEP_PCT or now - self._archive_last_plain >= PLAIN_EVERY_S:
            self._archive_last_pct = pct - pct % PLAIN_STEP_PCT
            self._archive_last_plain = now
            self._plain(f"archive {archive_counts_text(event)} ({pct}%){self._pacing_tail(event)}")

    @staticmethod
    def _pacing_tail(event: ArchiveProgress) -> str:
        """The pacing ETA and the site most waited on, for a plain line."""
        tail = ""
        if _eta(event):
            tail += f" — about {human_duration(event.eta_s or 0)} left at the sites' pacing"
        waiting = [gate for gate in event.gates if gate.state.waiting or gate.state.paused]
        if waiting:
            tail += f"; {gate_text(waiting[0].state, waiting[0].requests_left)}"
        return tail

    # -- the live display ----------------------------------------------------------------------

    def _hosts_table(self) -> Table:
        table = Table(title="busiest hosts", title_justify="left", expand=False, box=None, pad_edge=False)
        table.add_column("host")
        table.add_column("in flight", justify="right")
        table.add_column("done", justify="right")
        table.add_column("state")
        gates = dict(self.fetcher.gates.items()) if self.fetcher is not None else {}
        hosts = sorted(gates, key=lambda h: (gates[h].in_flight, self.done_by_host[h]), reverse=True)[:BUSIEST_HOSTS]
        for host in hosts:
            gate = gates[host]
            if gate.tripped:
                state = f"[yellow]paused ({escape(str(gate.tripped_reason))})[/]"
            elif gate.in_flight:
                state = f"paced {gate.politeness.interval:g}s" if gate.politeness.interval else "active"
            else:
                state = "[dim]idle[/]"
            table.add_row(escape(host), str(gate.in_flight), str(self.done_by_host[host]), state)
        return table

    def _verdict_table(self) -> Table:
        table = Table(box=None, pad_edge=False)
        for verdict, style in VERDICT_STYLE.items():
            table.add_column(verdict, justify="right", style=style)
        table.add_row(*(str(self.verdicts[v]) for v in VERDICT_STYLE))
        return table

    def _pacing_table(self, event: ArchiveProgress) -> Table:
        """The archive's sites, busiest first, as they are now (read from the fetcher's gates)."""
        table = Table(title="archive pacing", title_justify="left", expand=False, box=None, pad_edge=False)
        table.add_column("site")
        table.add_column("left", justify="right")
        table.add_column("in flight", justify="right")
        table.add_column("waiting", justify="right")
        table.add_column("next start in", justify="right")
        table.add_column("pacing")
        # The event is as of the last page or image: the gates themselves are newer.
        gates = dict(self.fetcher.gates.items()) if self.fetcher is not None else {}
        for shown in event.gates[:BUSIEST_HOSTS]:
            live = gates.get(shown.state.key)
            gate = live.state(shown.state.key) if live is not None else shown.state
            pacing = f"{gate.interval:g}s apart" if gate.interval else f"{gate.concurrency} at a time"
            if gate.paused:
                pacing = f"[yellow]paused ({escape(gate.paused)})[/]"
            wait = f"{gate.wait_s:.1f}s" if gate.waiting and gate.wait_s > 0.05 else "-"
            left = str(shown.requests_left)
            table.add_row(escape(gate.key), left, str(gate.in_flight), str(gate.waiting), wait, pacing)
        return table

    def _archive_renderables(self) -> list:
        event = self.archive_event
        if event is None:
            return []
        if event.stage == STAGE_CHECKS:
            if not event.pages_done and not event.images_done:
                return []
            return [
                Text(
                    f"archived while checking: {event.pages_captured} of {event.pages_planned} planned pages, "
                    f"{event.images_done} images, {human_size(event.bytes_written)}",
                    style="dim",
                )
            ]
        eta = f"ETA ~{human_duration(event.eta_s or 0)} at the sites' pacing" if _eta(event) else ""
        self._archive_progress.update(
            self._archive_task,
            total=event.requests_expected,
            completed=event.requests_done,
            counts=archive_counts_text(event),
            eta=eta,
        )
        return [self._archive_progress, self._pacing_table(event)]

    def _render(self) -> Group:
        elapsed = max(self.clock() - self._started, 1e-6)
        self._progress.update(self._task, completed=self.done, rate=self.done / elapsed)
        archive = self._archive_renderables()
        if self.archive_event is not None and self.archive_event.stage in (STAGE_ARCHIVE, STAGE_DONE):
            if not self.total and not self.done:  # `linkcheck archive`: no checks to show
                return Group(*archive)
            # The checks are over: their bar and counts stay, the archive's sites replace the hosts.
            return Group(self._progress, self._verdict_table(), *archive)
        browser = []
        if self.browser_queued:
            browser = [
                Text(
                    f"browser re-check (headless Chromium): {self.browser_done} of {self.browser_queued} blocked "
                    "links done",
                    style="yellow",
                )
            ]
        return Group(self._progress, self._verdict_table(), *browser, self._hosts_table(), *archive)
