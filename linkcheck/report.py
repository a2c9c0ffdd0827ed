"""The morning report as data, and its plain-text forms (JSON, Markdown, CSV).

:func:`build_report` reads the history database through ``store.runs`` and ``store.queries`` (the
SQL lives there); the renderers here are for machines and for pasting into an issue. The terminal
rendering (rich) lives in the CLI.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from linkcheck.scan.internal import is_internal_key
from linkcheck.sites import GENERIC, PROFILES
from linkcheck.store import Store

VERDICTS = ("alive", "dead", "blocked", "error", "skipped")
# Links into the blog itself (checked from its source tree) get a row of their own in the table.
LOCAL_SITE = "local"
_LABELS = {p.name: p.label for p in (*PROFILES, GENERIC)} | {LOCAL_SITE: "this blog (source tree)"}
_SITE_ORDER = {LOCAL_SITE: -1} | {p.name: i for i, p in enumerate((*PROFILES, GENERIC))}


@dataclass(slots=True)
class DeadLink:
    """One place a dead link is cited: a row of the dead-link CSV (:data:`DEAD_LINK_COLUMNS`),
    of the report's "Confirmed dead links" and of ``linkcheck dead``."""

    url: str  # canonical
    site: str
    reason: str
    since: str | None  # first dead check of the current streak
    dead_checks: int
    captured: bool  # a page capture exists (the dead-link views' ``captured``)
    file: str
    line: int
    # The latest capture has a readable copy (the article's text and archived images, no scripts).
    readable: bool = False
    column: int = 0
    confirmed: bool = True  # False: suspected (its dead streak is not confirmed yet)
    last_dead_at: str | None = None
    dead_days: float | None = None  # days between the first and last dead check of the streak
    last_alive_at: str | None = None
    current_verdict: str | None = None  # the latest check's (blocked/error do not break a dead streak)
    # "confirmed", "suspected", or "unreachable" (dead --include-unreachable lists those too: their
    # error streak in the dead streak's columns). None: as ``confirmed`` says.
    state: str | None = None

    @property
    def open_with(self) -> str:
        """How a person reads what was archived of it ("" when nothing was)."""
        return open_command(self.url, readable=self.readable, captured=self.captured)

    def csv_row(self) -> list[Any]:
        """The row under :data:`DEAD_LINK_COLUMNS`."""
        yes_no = {True: "yes", False: "no"}
        return [
            self.file, self.line, self.column, self.url, self.site, self.reason, yes_no[self.confirmed],
            self.since or "", self.last_dead_at or "", self.dead_checks,
            "" if self.dead_days is None else self.dead_days, self.last_alive_at or "", self.current_verdict or "",
            yes_no[self.captured], yes_no[self.readable], self.open_with,
            self.state or ("confirmed" if self.confirmed else "suspected"),
        ]  # fmt: skip


# The one CSV format of dead links, written by `linkcheck dead -f csv` and `linkcheck report -f csv`
# (README "Dead-link CSV"): one row per place a dead link is cited, by post and line.
DEAD_LINK_COLUMNS = (
    "file", "line", "column", "url", "site", "reason", "confirmed", "dead_since", "last_dead_at", "dead_checks",
    "dead_days", "last_alive_at", "current_verdict", "archived", "readable", "open_with", "state",
)  # fmt: skip


# A link the posts cite nowhere any more still gets one row, with no post.
_NOWHERE = ({"file": "", "line": 0, "column": 0},)


def _citing_places(rows: Iterable[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each row of a link query (``occurrences`` as the store gives them) with each place citing it."""
    for row in rows:
        for occurrence in row["occurrences"] or _NOWHERE:
            yield row, occurrence


def dead_link_citations(rows: Iterable[dict[str, Any]]) -> list[DeadLink]:
    """The rows of ``store.queries.dead_links()`` as one :class:`DeadLink` per citing place,
    sorted by post, line and column (a link cited nowhere any more: one row with no post)."""
    citations: list[DeadLink] = []
    for row, occurrence in _citing_places(rows):
        citations.append(
            DeadLink(
                url=row["canonical"],
                site=row["site"],
                reason=row["reason"],
                since=row["first_dead_at"],
                dead_checks=row["dead_checks"],
                captured=bool(row.get("captured")),
                file=occurrence["file"],
                line=occurrence["line"],
                readable=bool(row.get("readable")),
                column=occurrence.get("column") or 0,
                confirmed=bool(row["confirmed"]),
                last_dead_at=row.get("last_dead_at"),
                dead_days=row.get("dead_days"),
                last_alive_at=row.get("last_alive_at"),
                current_verdict=row.get("current_verdict"),
                state=row.get("state"),
            )
        )
    return sorted(citations, key=lambda d: (d.file, d.line, d.column, d.url))


def dead_links_csv(citations: Iterable[DeadLink]) -> str:
    """Dead links as CSV: the header :data:`DEAD_LINK_COLUMNS`, then one row per citation."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DEAD_LINK_COLUMNS)
    writer.writerows(link.csv_row() for link in citations)
    return out.getvalue()


def open_command(url: str, *, readable: bool, captured: bool) -> str:
    """The command that shows a dead link's archived copy: the readable copy as one HTML file
    when there is one, else the capture's text."""
    if readable:
        return f"linkcheck show {url} --html FILE"
    if captured:
        return f"linkcheck show {url}"
    return ""


@dataclass(slots=True)
class UnreachableLink:
    """A link that never comes back: its errors (503 every night, a redirect loop, a name that
    never resolves, timeouts) have lasted as long as a confirmed dead streak. Not dead — no
    answer said the page is gone — but as worth fixing, so listed as prominently."""

    url: str
    site: str
    reason: str  # the last error's reason
    since: str | None  # first error check of the streak
    error_checks: int
    captured: bool
    file: str
    line: int
    readable: bool = False

    @property
    def open_with(self) -> str:
        return open_command(self.url, readable=self.readable, captured=self.captured)


@dataclass(slots=True)
class DriftedLink:
    """A page that answers but is no longer the article the post cited: its title now is a strong
    mismatch with the title the post gives it and with its first capture's (linkcheck.drift). A
    flag, not a verdict: the link is alive."""

    url: str
    site: str
    page_title: str  # the page's title at the check that found the drift
    cited_title: str | None  # the title the post gives it
    first_capture_title: str | None
    similarity: float
    checked_at: str
    file: str
    line: int


@dataclass(slots=True)
class InternalProblem:
    """A link into the blog that is broken now (checked from its source tree: no confirmation
    needed to be worth fixing, as a local check does not flicker)."""

    url: str
    reason: str  # missing-file, missing-post, missing-anchor, case-mismatch
    fix: str | None  # the one existing file or page it most likely meant
    detail: str | None
    confirmed: bool
    file: str
    line: int


@dataclass(slots=True)
class SiteRow:
    site: str
    label: str
    urls: int
    alive: int = 0
    dead: int = 0
    blocked: int = 0
    error: int = 0
    skipped: int = 0
    unchecked: int = 0
    captured: int = 0


@dataclass(slots=True)
class Report:
    run: dict[str, Any] | None
    totals: dict[str, int]
    changes: dict[str, list[dict[str, Any]]]
    dead: list[DeadLink] = field(default_factory=list)
    sites: list[SiteRow] = field(default_factory=list)
    internal: list[InternalProblem] = field(default_factory=list)  # broken links into the blog, by post
    unreachable: list[UnreachableLink] = field(default_factory=list)  # by post and line
    drifted: list[DriftedLink] = field(default_factory=list)  # by post and line

    def dead_by_post(self) -> dict[str, list[DeadLink]]:
        grouped: dict[str, list[DeadLink]] = defaultdict(list)
        for link in self.dead:
            grouped[link.file].append(link)
        return dict(sorted(grouped.items()))

    def unreachable_by_post(self) -> dict[str, list[UnreachableLink]]:
        grouped: dict[str, list[UnreachableLink]] = defaultdict(list)
        for link in self.unreachable:
            grouped[link.file].append(link)
        return dict(sorted(grouped.items()))

    @property
    def archive(self) -> dict[str, Any] | None:
        """What the run's archive stage did (its ``ArchiveSummary`` as the run row keeps it), if
        the run had one."""
        counts = (self.run or {}).get("counts")
        data = counts.get("archive") if isinstance(counts, dict) else None
        return data if isinstance(data, dict) else None

    def to_dict(self) -> dict[str, Any]:
        archive = self.archive
        return {
            "run": self.run,
            "archive": None
            if archive is None
            else {**archive, "left_total": sum((archive.get("left") or {}).values())},
            "totals": self.totals,
            "changes": {key: [_change_row(row) for row in rows] for key, rows in self.changes.items()},
            "dead": [{**asdict(link), "open_with": link.open_with} for link in self.dead],
            "sites": [asdict(row) for row in self.sites],
            "internal": [asdict(problem) for problem in self.internal],
            "unreachable": [{**asdict(link), "open_with": link.open_with} for link in self.unreachable],
            "drifted": [asdict(link) for link in self.drifted],
        }


def _change_row(row: dict[str, Any]) -> dict[str, Any]:
    first = (row.get("occurrences") or [{}])[0]
    return {
        "url": row["canonical"],
        "site": row["site"],
        "verdict": row["verdict"],
        "reason": row["reason"],
        "checked_at": row["checked_at"],
        "file": first.get("file"),
        "line": first.get("line"),
    }


def build_report(store: Store, run_id: int | None = None) -> Report:
    """The report for ``run_id`` (default: the latest finished run)."""
    if run_id is None:
        latest = store.runs.latest(finished=True)
        run_id = latest["id"] if latest else None
    run = None
    if run_id is not None:
        row = store.runs.get(run_id)
        if row is not None:
            run = {**row, **store.runs.summary(run_id)}
    queries = store.queries
    dead = dead_link_citations(queries.dead_links())
    unreachable: list[UnreachableLink] = []
    for row, occurrence in _citing_places(queries.unreachable_links()):
        unreachable.append(
            UnreachableLink(
                url=row["canonical"],
                site=row["site"],
                reason=row["reason"],
                since=row["first_error_at"],
                error_checks=row["error_checks"],
                captured=row["captured"],
                file=occurrence["file"],
                line=occurrence["line"],
                readable=row["readable"],
            )
        )
    drifted: list[DriftedLink] = []
    for row, occurrence in _citing_places(queries.drifted_links()):
        drifted.append(
            DriftedLink(
                url=row["canonical"],
                site=row["site"],
                page_title=row["page_title"],
                # The title this citation gives, else the first the posts give.
                cited_title=occurrence.get("title") or row["cited_title"],
                first_capture_title=row["first_capture_title"],
                similarity=row["similarity"],
                checked_at=row["checked_at"],
                file=occurrence["file"],
                line=occurrence["line"],
            )
        )
    sites: dict[str, SiteRow] = {}
    for row in queries.site_verdicts():
        site = row["site"] or "generic"
        entry = sites.setdefault(site, SiteRow(site, _LABELS.get(site, site), 0))
        entry.urls += row["urls"]
        entry.captured += row["captured"]
        if row["verdict"] in VERDICTS:
            setattr(entry, row["verdict"], getattr(entry, row["verdict"]) + row["urls"])
        else:
            entry.unchecked += row["urls"]
    return Report(
        run=run,
        totals=queries.totals(),
        changes=queries.changes(run_id) if run_id is not None else {},
        dead=dead,
        sites=sorted(sites.values(), key=lambda r: (_SITE_ORDER.get(r.site, 99), r.site)),
        internal=internal_problems(store),
        unreachable=sorted(unreachable, key=lambda u: (u.file, u.line)),
        drifted=sorted(drifted, key=lambda d: (d.file, d.line)),
    )


def internal_problems(store: Store) -> list[InternalProblem]:
    """Every link into the blog that its last check found broken, one row per citing place."""
    problems: list[InternalProblem] = []
    for row in store.queries.dead_links(include_suspected=True):
        if not is_internal_key(row["canonical"]) or row["current_verdict"] != "dead":
            continue
        checks = store.queries.history(row["canonical"])
        last = checks[-1] if checks else {}
        for occurrence in row["occurrences"] or _NOWHERE:
            problems.append(
                InternalProblem(
                    url=row["canonical"],
                    reason=row["reason"],
                    fix=last.get("final_url"),
                    detail=last.get("error"),
                    confirmed=row["confirmed"],
                    file=occurrence["file"],
                    line=occurrence["line"],
                )
            )
    return sorted(problems, key=lambda p: (p.file, p.line, p.url))


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=1)


def to_csv(report: Report) -> str:
    """The report's confirmed dead links in the one dead-link CSV format (:func:`dead_links_csv`):
    what ``linkcheck dead -f csv`` writes for the same database."""
    return dead_links_csv(report.dead)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def headline(report: Report) -> str:
    run = report.run
    if run is None:
        return "No finished run yet."
    checked = run.get("checked", 0)
    counts = ", ".join(f"{run.get(v, 0)} {v}" for v in VERDICTS if run.get(v))
    return (
        f"Run #{run['id']} {run['status']} ({run['started_at']} → {run['finished_at'] or '…'}): "
        f"{checked} of {report.totals.get('cited_checkable', 0)} URLs checked" + (f" — {counts}" if counts else "")
    )


def browser_line(report: Report) -> str | None:
    """What the run's browser re-check resolved ("how many blocked links, and how"), if it ran."""
    counts = (report.run or {}).get("counts") or {}
    data = counts.get("browser") if isinstance(counts, dict) else None
    if not data:
        return None
    from linkcheck.browser import RecheckSummary

    return RecheckSummary.from_dict(data).describe()


def human_size(n: int) -> str:
    """Bytes as a person reads them (1,024-based, like ``ls -h``)."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{n} B"


def _by_count(counts: dict[str, int], names: dict[str, str] | None = None) -> str:
    return ", ".join(
        f"{n} {(names or {}).get(key, key)}" for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def archive_lines(report: Report) -> list[str]:
    """What the run's archive stage did, as a few lines of plain text: pages, images, readable
    copies, bytes; why pages failed; what is left for the next run and why. Empty without one."""
    data = report.archive
    if data is None:
        return []
    from linkcheck.archive.stage import LEFT_REASONS, STATUS_TEXT

    status = data.get("status", "completed")
    pages = data.get("captured", 0) + data.get("unchanged", 0)
    images_failed = data.get("requisites_failed", 0)
    lines = [
        f"Archive stage {STATUS_TEXT.get(status, status)} after {data.get('elapsed_s', 0):.1f}s: "
        f"{pages} of {data.get('planned', 0)} planned "
        f"pages archived ({data.get('unchanged', 0)} unchanged since their last capture, "
        f"{data.get('from_checks', 0)} from their check's own answer), {data.get('requisites', 0)} images"
        + (f" ({images_failed} could not be fetched)" if images_failed else "")
        + f", {data.get('readable', 0)} readable copies, {human_size(data.get('bytes_written', 0))} written."
    ]
    if data.get("error"):
        lines.append(f"  stopped by: {data['error']}")
    failures = data.get("failures") or {}
    if failures:
        lines.append(f"  not archived: {_by_count(failures)}")
    left = data.get("left") or {}
    if left:
        lines.append(f"  left for the next run: {sum(left.values())} pages — {_by_count(left, LEFT_REASONS)}")
    elif "left" in data:
        lines.append("  nothing left for the next run.")
    return lines


def _md_links_by_post(
    heading: str, by_post: dict[str, list[Any]], header: tuple[str, str], extra: Callable[[Any], list[str]]
) -> list[str]:
    """A Markdown section of links grouped by post: line, URL, reason, since, ``extra`` cells, archived."""
    lines = [f"## {heading}", ""]
    if not by_post:
        lines += ["None.", ""]
    for post, links in by_post.items():
        lines += [f"### {post}", "", *header]
        for link in links:
            cells = [str(link.line), _md_escape(link.url), str(link.reason), (link.since or "")[:10], *extra(link)]
            lines.append("| " + " | ".join([*cells, _archived_cell(link)]) + " |")
        lines.append("")
    return lines


def _archived_cell(link: DeadLink | UnreachableLink) -> str:
    if link.readable:
        return f"readable copy: `{link.open_with}`"
    if link.captured:
        return f"yes: `{link.open_with}`"
    return "no"


def to_markdown(report: Report) -> str:
    lines = ["# linkcheck report", "", headline(report), ""]
    browser = browser_line(report)
    if browser:
        lines += [browser, ""]
    changes = report.changes
    lines.append("## What changed since the last run")
    lines.append("")
    any_change = False
    for key, title in (
        ("confirmed_dead", "Confirmed dead"),
        ("newly_dead", "Newly dead (not yet confirmed)"),
        ("recovered", "Recovered"),
        ("newly_blocked", "Newly blocked"),
    ):
        rows = changes.get(key) or []
        if not rows:
            continue
        any_change = True
        lines.append(f"### {title} ({len(rows)})")
        lines.append("")
        for row in rows:
            first = (row.get("occurrences") or [{}])[0]
            where = f" — {first['file']}:{first['line']}" if first else ""
            lines.append(f"- {row['canonical']} ({row['reason']}){where}")
        lines.append("")
    if not any_change:
        lines += ["Nothing changed.", ""]
    archive = archive_lines(report)
    if archive:
        lines += ["## Archive stage", "", archive[0], ""]
        lines += [f"- {line.strip()}" for line in archive[1:]]
        lines += [""] if len(archive) > 1 else []
    if report.internal:
        lines.append(f"## Broken links into the blog ({len(report.internal)})")
        lines.append("")
        lines.append("| post:line | link | reason | fix |")
        lines.append("|---|---|---|---|")
        for problem in report.internal:
            fix = _md_escape(problem.fix) if problem.fix else ""
            lines.append(f"| {problem.file}:{problem.line} | {_md_escape(problem.url)} | {problem.reason} | {fix} |")
        lines.append("")
    lines += _md_links_by_post(
        f"Confirmed dead links ({len({d.url for d in report.dead})})",
        report.dead_by_post(),
        ("| line | URL | reason | dead since | archived |", "|---:|---|---|---|---|"),
        lambda link: [],
    )
    lines += _md_links_by_post(
        f"Unreachable links ({len({u.url for u in report.unreachable})})",
        report.unreachable_by_post(),
        ("| line | URL | last error | failing since | error checks | archived |", "|---:|---|---|---|---:|---|"),
        lambda link: [str(link.error_checks)],
    )
    if report.drifted:
        lines.append(f"## Drifted pages ({len({d.url for d in report.drifted})})")
        lines.append("")
        lines.append("Alive, but the page's title is no longer the cited article's.")
        lines.append("")
        lines.append("| post:line | URL | cited title | first capture's title | title now | similarity |")
        lines.append("|---|---|---|---|---|---:|")
        for link in report.drifted:
            lines.append(
                f"| {link.file}:{link.line} | {_md_escape(link.url)} | {_md_escape(link.cited_title or '')} "
                f"| {_md_escape(link.first_capture_title or '')} | {_md_escape(link.page_title)} "
                f"| {link.similarity:.2f} |"
            )
        lines.append("")
    lines.append("## By site")
    lines.append("")
    lines.append("| site | URLs | alive | dead | blocked | error | unchecked | archived |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in report.sites:
        lines.append(
            f"| {row.label} | {row.urls} | {row.alive} | {row.dead} | {row.blocked} | {row.error} "
            f"| {row.unchecked} | {row.captured} |"
        )
    lines.append("")
    return "\n".join(lines)
