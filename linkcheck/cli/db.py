"""CLI commands that read the history database (dead, history, status); registered in
``linkcheck.cli``.

They only read: a missing or empty database is an error (exit 2), never created; a database that
is not linkcheck's, corrupt, or newer than this linkcheck is refused untouched (exit 2); one from
an older linkcheck is upgraded in place first, like by any open. They take no run lock and can be
used while a nightly run is writing (WAL readers never block it).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from linkcheck.cli import common
from linkcheck.cli.common import VERDICT_STYLE, ConfigOpt, DbOpt, emit_json, fail, open_store
from linkcheck.cli.settings import ReadFlags, settings_for
from linkcheck.exitcodes import ExitCode

if TYPE_CHECKING:
    from rich.text import Text

CHANGE_TITLES = {
    "confirmed_dead": "confirmed dead",
    "newly_dead": "newly dead",
    "recovered": "recovered",
    "newly_blocked": "newly blocked",
}


class DeadFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class TableOrJson(StrEnum):
    table = "table"
    json = "json"


def _text(value: Any, style: str = "") -> Text:
    """User data (URLs, paths, reasons) as Text, so '[' in a URL is never read as markup."""
    from rich.text import Text

    return Text("" if value is None else str(value), style=style)


def _day(value: str | None) -> str:
    return value[:10] if value else ""


def _where(occurrences: list[dict], limit: int = 3) -> str:
    places = [f"{o['file']}:{o['line']}" for o in occurrences[:limit]]
    if len(occurrences) > limit:
        places.append(f"+{len(occurrences) - limit} more")
    return ", ".join(places)


# ---- dead ------------------------------------------------------------------------------------


def _dead_by_post(links: list[dict]) -> list[tuple[str, list[tuple[dict, dict | None]]]]:
    """(post, [(link, occurrence)]) sorted by post then line; uncited-anywhere links under ''."""
    posts: dict[str, list[tuple[dict, dict | None]]] = {}
    for link in links:
        if not link["occurrences"]:
            posts.setdefault("", []).append((link, None))
        for occurrence in link["occurrences"]:
            posts.setdefault(occurrence["file"], []).append((link, occurrence))
    for rows in posts.values():
        rows.sort(key=lambda pair: (pair[1] or {}).get("line", 0))
    return sorted(posts.items())


def _md_cell(value: Any) -> str:
    return str("" if value is None else value).replace("|", "\\|").replace("\n", " ")


def dead(
    db: DbOpt = None,
    output_format: Annotated[
        DeadFormat,
        typer.Option("--format", "-f", help="table, json, csv (one row per citation, as report -f csv) or markdown."),
    ] = DeadFormat.table,
    include_suspected: Annotated[
        bool,
        typer.Option("--include-suspected", help="Also list dead links not confirmed yet (marked 'suspected')."),
    ] = False,
    include_unreachable: Annotated[
        bool,
        typer.Option(
            "--include-unreachable",
            help="Also list links that never come back: errors (5xx, timeouts, redirect loops …) as long as a "
            "confirmed dead streak (marked 'unreachable').",
        ),
    ] = False,
    config_file: ConfigOpt = None,
) -> None:
    """Confirmed dead links and the posts and lines that cite them."""
    db = settings_for(ReadFlags(config=config_file, db=db)).db
    with open_store(db) as store:
        links = store.queries.dead_links(include_suspected=include_suspected)
        unreachable = store.queries.unreachable_links() if include_unreachable else []
        settings = store.settings.values()
    from linkcheck.report import dead_link_citations, dead_links_csv, open_command

    for link in links:
        link["state"] = "confirmed" if link["confirmed"] else "suspected"
    for row in unreachable:
        # In the dead list's shape: the error streak stands where the dead streak does.
        links.append(
            {
                **row,
                "first_dead_at": row["first_error_at"],
                "last_dead_at": row["last_error_at"],
                "dead_checks": row["error_checks"],
                "dead_days": row["error_days"],
                "confirmed": False,  # not dead: no answer said the page is gone
                "state": "unreachable",
            }
        )
    for link in links:
        link["open_with"] = open_command(
            link["canonical"], readable=bool(link.get("readable")), captured=bool(link.get("captured"))
        )
    rule = (
        f"confirmed = at least {settings['confirm_checks']:g} dead checks spanning at least "
        f"{settings['confirm_days']:g} days, no alive check in between"
    )
    if include_unreachable:
        rule += (
            f"; unreachable = at least {settings['confirm_checks']:g} error checks spanning at least "
            f"{settings['confirm_days']:g} days, no alive or dead check in between (blocked ones neutral)"
        )
    show_state = include_suspected or include_unreachable
    if output_format is DeadFormat.json:
        emit_json(links)
        return
    if output_format is DeadFormat.csv:  # the one dead-link CSV, as `report -f csv` writes it
        sys.stdout.write(dead_links_csv(dead_link_citations(links)))
        return
    state = " or ".join(
        ["confirmed"] + (["suspected"] if include_suspected else []) + (["unreachable"] if include_unreachable else [])
    )
    noun = "dead links" if not include_unreachable else "dead or unreachable links"
    grouped = _dead_by_post(links)
    if output_format is DeadFormat.markdown:
        heading = "Dead links" if not include_unreachable else "Dead and unreachable links"
        out = [f"# {heading} ({len(links)} {state}, in {len(grouped)} posts)", "", f"_{rule}._", ""]
        columns = ["line", "URL", "reason", "dead since", "dead checks", "archived"]
        if include_unreachable:
            columns[3:5] = ["failing since", "checks"]
        if show_state:
            columns.append("state")
        for post, rows in grouped:
            out += [f"## {post or '(not cited)'}", "", "| " + " | ".join(columns) + " |"]
            out.append("|" + "---|" * len(columns))
            for link, occurrence in rows:
                cells = [
                    (occurrence or {}).get("line", ""), f"<{link['canonical']}>", link["reason"],
                    _day(link["first_dead_at"]), link["dead_checks"], _archived(link),
                ]  # fmt: skip
                if show_state:
                    cells.append(link["state"])
                out.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
            out.append("")
        sys.stdout.write("\n".join(out).rstrip("\n") + "\n")
        return
    if not links:
        common.console.print(f"No {state} {noun}. ({rule}.)", highlight=False)
        return
    if include_unreachable:
        counts = {name: sum(link["state"] == name for link in links) for name in _STATE_STYLE}
        found = ", ".join(f"{count} {name}" for name, count in counts.items() if count)
        title = f"Dead and unreachable links in {len(grouped)} posts: {found}"
    else:
        title = f"{len(links)} {state} {noun} in {len(grouped)} posts"
    from rich.table import Table

    table = Table(
        title=title,
        caption=rule,
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("post", overflow="fold")
    table.add_column("line", justify="right")
    table.add_column("URL", overflow="fold")
    table.add_column("reason", overflow="fold")
    table.add_column("dead since" if not include_unreachable else "failing since")
    table.add_column("checks", justify="right")
    table.add_column("archive")
    if show_state:
        table.add_column("state")
    for post, rows in grouped:
        for index, (link, occurrence) in enumerate(rows):
            cells = [
                _text(post if index == 0 else "", "bold"),
                _text((occurrence or {}).get("line", "")),
                _text(link["canonical"]),
                _text(link["reason"]),
                _text(_day(link["first_dead_at"])),
                _text(link["dead_checks"]),
                _text(_archived(link), "green" if link.get("captured") else "dim"),
            ]
            if show_state:
                cells.append(_text(link["state"], _STATE_STYLE[link["state"]]))
            table.add_row(*cells, end_section=index == len(rows) - 1)
    common.console.print(table)


_STATE_STYLE = {"confirmed": "bold red", "suspected": "yellow", "unreachable": "bold magenta"}


def _archived(link: dict) -> str:
    """Whether a WARC capture of the dead link exists, and how to read it."""
    if not link.get("captured"):
        return "no"
    kind = "readable copy" if link.get("readable") else "yes"
    return f"{kind}, {_day(link.get('last_captured_at'))}: {link['open_with']}"


# ---- history ---------------------------------------------------------------------------------


def history(
    url: Annotated[str, typer.Argument(help="The URL, as written in a post or in canonical form.")],
    db: DbOpt = None,
    output_format: Annotated[TableOrJson, typer.Option("--format", "-f", help="table or json.")] = TableOrJson.table,
    config_file: ConfigOpt = None,
) -> None:
    """Every check of one URL over time, with where it is cited and its current state."""
    from linkcheck.scan.canonical import canonicalize

    db = settings_for(ReadFlags(config=config_file, db=db)).db
    with open_store(db) as store:
        info = store.queries.url_info(url)
        if info is None:
            canonical = canonicalize(url).canonical
            shown = url if canonical == url else f"{url} (canonical: {canonical})"
            raise fail(f"{shown}: not in the history database {db}", ExitCode.USAGE)
        checks = store.queries.history(info["canonical"])
    if output_format is TableOrJson.json:
        emit_json({"url": info, "checks": checks})
        return
    lines = [f"[bold]{_escape(info['canonical'])}[/]  site {info['site']}"]
    if info["occurrences"]:
        lines.append(f"cited in {_escape(_where(info['occurrences'], limit=6))}")
    else:
        lines.append("[dim]no longer cited in any post[/]")
    if info["verdict"]:
        style = VERDICT_STYLE.get(info["verdict"], "")
        state = f"now [{style}]{info['verdict']}[/] ({_escape(info['reason'] or '')})"
        state += f" for {info['streak']} check(s) since {info['streak_since']}"
        if info["dead_checks"]:
            state += f"; {info['dead_checks']} dead check(s) since {info['first_dead_at']}" + (
                " — [bold red]confirmed dead[/]" if info["confirmed"] else " — suspected"
            )
        if info["last_alive_at"]:
            state += f"; last alive {info['last_alive_at']}"
        lines.append(state)
    else:
        lines.append("never checked")
    for line in lines:
        common.console.print(line, highlight=False)
    if not checks:
        return
    from rich.table import Table

    table = Table(title=f"{len(checks)} checks", title_justify="left")
    for name, justify in (
        ("checked at", "left"), ("run", "right"), ("verdict", "left"), ("reason", "left"), ("via", "left"),
        ("HTTP", "right"), ("ms", "right"), ("final URL / error", "left"), ("change", "left"),
    ):  # fmt: skip
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for check in checks:
        detail = check["error"] or (check["final_url"] if check["final_url"] != info["canonical"] else "")
        table.add_row(
            _text(check["checked_at"]),
            _text(check["run_id"]),
            _text(check["verdict"], VERDICT_STYLE.get(check["verdict"], "")),
            _text(check["reason"]),
            _text(check["via"]),
            _text(check["http_status"]),
            _text(check["elapsed_ms"]),
            _text(detail),
            _text(check["change"], "bold"),
        )
    common.console.print(table)


def _escape(value: str) -> str:
    from rich.markup import escape

    return escape(value)


# ---- status ----------------------------------------------------------------------------------


def _duration(start: str | None, end: str | None) -> str:
    from linkcheck.store import parse_time

    if not start or not end:
        return ""
    seconds = int((parse_time(end) - parse_time(start)).total_seconds())  # type: ignore[operator]
    hours, rest = divmod(max(seconds, 0), 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


def status(
    db: DbOpt = None,
    output_format: Annotated[TableOrJson, typer.Option("--format", "-f", help="table or json.")] = TableOrJson.table,
    limit: Annotated[int, typer.Option("--limit", help="URLs listed per kind of change (table).", min=0)] = 20,
    config_file: ConfigOpt = None,
) -> None:
    """The latest run and what it changed: newly dead, confirmed dead, recovered, newly blocked."""
    db = settings_for(ReadFlags(config=config_file, db=db)).db
    with open_store(db) as store:
        latest = store.runs.latest()
        finished = store.runs.latest(finished=True)
        totals = store.queries.totals()
        summary = store.runs.summary(finished["id"]) if finished else None
        changes = store.queries.changes(finished["id"]) if finished else {k: [] for k in CHANGE_TITLES}
        running = latest if latest and latest["status"] == "running" else None
        running_summary = store.runs.summary(running["id"]) if running else None
    if output_format is TableOrJson.json:
        emit_json(
            {
                "run": finished,
                "summary": summary,
                "changes": changes,
                "running": running,
                "running_summary": running_summary,
                "totals": totals,
            }
        )
        return
    if running:
        alive = running.get("pid_alive")
        note = (
            f"in progress since {running['started_at']} (pid {running['pid']})"
            if alive
            else f"marked running since {running['started_at']} but pid {running['pid']} is gone — "
            "it was killed; the next run records it as interrupted"
        )
        common.console.print(
            f"[bold]Run #{running['id']}[/] {note}; {running_summary['checked']} checks so far.",  # type: ignore[index]
            highlight=False,
        )
    if finished is None:
        common.console.print("No finished run yet.", highlight=False)
    else:
        assert summary is not None
        verdicts = ", ".join(f"{v} {summary[v]:,}" for v in ("alive", "dead", "blocked", "error", "skipped"))
        took = _duration(finished["started_at"], finished["finished_at"])
        common.console.print(
            f"[bold]Last run #{finished['id']}[/]: {finished['status']}, {finished['started_at']} → "
            f"{finished['finished_at']}" + (f" ({took})" if took else ""),
            highlight=False,
        )
        common.console.print(f"  checked {summary['checked']:,}: {verdicts}", highlight=False)
    common.console.print(
        f"[bold]History[/]: {totals['cited_checkable']:,} cited checkable URLs "
        f"({totals['never_checked']:,} never checked); "
        f"[red]{totals['confirmed_dead']:,} confirmed dead[/], {totals['suspected_dead']:,} suspected, "
        f"[magenta]{totals['unreachable']:,} unreachable[/], {totals['drifted']:,} drifted, "
        f"{totals['flaky']:,} flaky; {totals['checks']:,} checks recorded",
        highlight=False,
    )
    if finished is None:
        return
    if not any(changes.values()):
        common.console.print(
            f"No changes in run #{finished['id']} (against each URL's previous check).", highlight=False
        )
        return
    from rich.table import Table

    table = Table(title=f"Changes in run #{finished['id']} (against each URL's previous check)", title_justify="left")
    table.add_column("change")
    table.add_column("URL", overflow="fold")
    table.add_column("reason", overflow="fold")
    table.add_column("cited in", overflow="fold")
    for key, title in CHANGE_TITLES.items():
        rows = changes.get(key, [])
        style = "bold red" if key == "confirmed_dead" else "red" if key == "newly_dead" else ""
        style = "green" if key == "recovered" else "yellow" if key == "newly_blocked" else style
        for index, row in enumerate(rows[:limit]):
            table.add_row(
                _text(f"{title} ({len(rows)})" if index == 0 else "", style),
                _text(row["canonical"]),
                _text(row["reason"]),
                _text(_where(row["occurrences"])),
                end_section=index == min(len(rows), limit) - 1 and len(rows) <= limit,
            )
        if len(rows) > limit:
            table.add_row(
                _text(""),
                _text(f"… and {len(rows) - limit} more", "dim"),
                _text(""),
                _text(""),
                end_section=True,
            )
    common.console.print(table)


__all__ = ["dead", "history", "status"]
