"""What a run shows while it works: a live rich display on a terminal, a few log lines elsewhere.

Terminal: an overall bar (done/total, rate, ETA), the busiest hosts (in flight, done, paused), and
the counts by verdict so far. Not a terminal (cron, a pipe): no animation, a plain line every ~10 %
or 30 s. ``quiet``: nothing until the end.
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

from linkcheck.cli.common import VERDICT_STYLE
from linkcheck.models import Link, Outcome

if TYPE_CHECKING:
    from linkcheck.net.transport import Fetcher

BUSIEST_HOSTS = 6
PLAIN_EVERY_S = 30.0


class RunProgress:
    """Feed it ``plan(total)``, ``attach(fetcher)`` and ``result(link, outcome)``; use as a context."""

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.live_mode = console.is_terminal and not quiet
        self.total = 0
        self.done = 0
        self.verdicts: Counter[str] = Counter()
        self.done_by_host: Counter[str] = Counter()
        self.fetcher: Fetcher | None = None
        self._started = time.monotonic()
        self._last_plain = self._started
        self._last_plain_pct = 0
        self._progress = Progress(
            TextColumn("[bold]checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:.1f} URL/s"),
            TimeRemainingColumn(),
            console=console,
        )
        self._task = self._progress.add_task("check", total=None, rate=0.0)
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
            self.console.print(f"linkcheck: {total} URLs due this run", highlight=False)

    def attach(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher

    def result(self, link: Link, outcome: Outcome) -> None:
        self.done += 1
        self.verdicts[outcome.verdict.value] += 1
        # Counted by gate: a site whose hosts share one budget (Zhihu) is one row of the display.
        self.done_by_host[self.fetcher.gates.key(link.host) if self.fetcher is not None else link.host] += 1
        if self._live is None and not self.quiet:
            self._maybe_plain_line()

    # -- rendering -----------------------------------------------------------------------------

    def _counts_text(self) -> str:
        return ", ".join(f"{v} {self.verdicts[v]}" for v in VERDICT_STYLE if self.verdicts[v])

    def _maybe_plain_line(self) -> None:
        now = time.monotonic()
        pct = int(100 * self.done / self.total) if self.total else 100
        if pct >= self._last_plain_pct + 10 or now - self._last_plain >= PLAIN_EVERY_S:
            self._last_plain_pct = pct - pct % 10
            self._last_plain = now
            self.console.print(
                f"linkcheck: {self.done}/{self.total} checked ({pct}%) — {self._counts_text()}",
                highlight=False,
            )

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

    def _render(self) -> Group:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self._progress.update(self._task, completed=self.done, rate=self.done / elapsed)
        return Group(self._progress, self._verdict_table(), self._hosts_table())
