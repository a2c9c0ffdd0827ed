"""CLI commands that run the pipeline (check, demo) and show its report (report); registered in
``linkcheck.cli``. Their settings come from :func:`linkcheck.cli.settings.settings_for`."""

from __future__ import annotations

import sys
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from linkcheck.cli import common
from linkcheck.cli.common import (
    EXIT_CODE_IF_READER_LEAVES,
    VERDICT_STYLE,
    ConfigOpt,
    DbOpt,
    PathsArg,
    RootOpt,
    SiteUrlOpt,
    escape,
    fail,
    install_stop_handlers,
    warn_problems,
)
from linkcheck.cli.output import write_json_list
from linkcheck.cli.settings import CheckFlags, ReadFlags, settings_for
from linkcheck.exitcodes import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    from linkcheck.report import Report
    from linkcheck.run.job import JobResult
    from linkcheck.scan.collect import ScanResult


class CheckFormat(StrEnum):
    table = "table"
    json = "json"


class RequestMethod(StrEnum):
    head = "head"
    get = "get"


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


def check(
    ctx: typer.Context,
    paths: PathsArg = None,
    config_file: ConfigOpt = None,
    output_format: Annotated[
        CheckFormat,
        typer.Option("--format", "-f", help="table (terminal report) or json (one object per URL)."),
    ] = CheckFormat.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress; only the summary and problems.")] = False,
    site_url: SiteUrlOpt = None,
    root: RootOpt = None,
    db: DbOpt = None,
    budget: Annotated[float | None, typer.Option(help="Start no new check after this many seconds.")] = None,
    max_urls: Annotated[int | None, typer.Option(help="Check at most this many URLs this run.")] = None,
    check_all: Annotated[bool, typer.Option("--all", help="Full sweep: every URL, due or not.")] = False,
    recheck_after: Annotated[
        float | None, typer.Option(help="Days after which an alive URL is due again [default: 5].")
    ] = None,
    concurrency: Annotated[int | None, typer.Option(help="Requests in flight across all hosts [64].")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds for one attempt [30].")] = None,
    connect_timeout: Annotated[float | None, typer.Option(help="Seconds to connect [10].")] = None,
    max_attempts: Annotated[int | None, typer.Option(help="Attempts per URL for transient failures [3].")] = None,
    backoff: Annotated[float | None, typer.Option(help="First retry wait in seconds, doubling [1.0].")] = None,
    proxy: Annotated[str | None, typer.Option(help="HTTP proxy URL (default: HTTP(S)_PROXY / NO_PROXY).")] = None,
    ca_bundle: Annotated[Path | None, typer.Option(help="PEM CA file trusted instead of the system store.")] = None,
    resolve: Annotated[
        list[str] | None,
        typer.Option(
            "--resolve",
            help="HOST:PORT:ADDRESS[:TARGET_PORT] (curl style; * wildcards; ADDRESS may be nxdomain).",
        ),
    ] = None,
    allow_private: Annotated[
        bool | None,
        typer.Option("--allow-private/--no-allow-private", help="Fetch loopback/private addresses (SSRF guard off)."),
    ] = None,
    canary: Annotated[
        list[str] | None,
        typer.Option(help="URL proving the network is up (repeatable); all failing = offline."),
    ] = None,
    method: Annotated[
        RequestMethod | None,
        typer.Option(help="head: HEAD first, GET when it says nothing (default); get: always GET (reads bodies)."),
    ] = None,
    archive: Annotated[
        bool | None,
        typer.Option(
            "--archive/--no-archive",
            help="After the checks, capture alive pages into WARC files, WeChat and Zhihu first [archive.enabled: on].",
        ),
    ] = None,
    archive_budget: Annotated[
        float | None, typer.Option(help="Seconds for the archive stage at most (--budget also applies).")
    ] = None,
    browser: Annotated[
        bool | None,
        typer.Option(
            "--browser/--no-browser",
            help="Re-check blocked Zhihu/WeChat links in headless Chromium (needs linkcheck[browser], chromium).",
        ),
    ] = None,
    chromium: Annotated[
        Path | None, typer.Option("--chromium", help="Chromium executable (default: /usr/bin/chromium, else PATH).")
    ] = None,
) -> None:
    """Check the due URLs, classify what is really there, record every check in SQLite, report.

    Every value, given here or in the config file, is checked the same way before anything runs:
    a bad one is exit 2 naming it.

    Exit codes: 0 healthy; 1 this run confirmed links dead (newly: they were not confirmed before);
    2 usage/config/database error, or any other failure; 3 offline (nothing marked); 4 another run
    holds the lock; 130 interrupted (finished checks are kept).
    """
    import asyncio

    from linkcheck.cli.progress import RunProgress
    from linkcheck.run import eventloop
    from linkcheck.run.job import run_job
    from linkcheck.run.lock import LockHeldError
    from linkcheck.scan.collect import MissingPathError
    from linkcheck.scan.jekyll import SiteError
    from linkcheck.store import StoreError

    settings = settings_for(
        CheckFlags(
            config=config_file, paths=paths, site_url=site_url, root=root, db=db, budget=budget, max_urls=max_urls,
            check_all=check_all, recheck_after=recheck_after, concurrency=concurrency, timeout=timeout,
            connect_timeout=connect_timeout, max_attempts=max_attempts, backoff=backoff, proxy=proxy,
            ca_bundle=ca_bundle, resolve=resolve, allow_private=allow_private, canary=canary,
            method=method.value if method else None, archive=archive, archive_budget=archive_budget,
            browser=browser, chromium=chromium,
        )
    )  # fmt: skip
    options = settings.job
    progress = RunProgress(common.err_console, quiet=quiet or output_format is CheckFormat.json)

    async def run() -> JobResult:
        stop = asyncio.Event()
        install_stop_handlers(asyncio.get_running_loop(), stop)
        with progress:
            return await run_job(
                options, settings.fetch, resolver=settings.resolver, stop=stop,
                on_result=progress.result, on_plan=progress.plan, on_fetcher=progress.attach,
                on_archive=progress.archive, on_escalate=progress.escalated,
            )  # fmt: skip

    try:
        job = eventloop.run(run())
    except MissingPathError as exc:
        raise fail(f"config paths: {exc}" if settings.paths_from_config else str(exc)) from None
    except (SiteError, StoreError) as exc:
        raise fail(str(exc)) from None
    except LockHeldError as exc:
        raise fail(str(exc), ExitCode.LOCKED) from None
    except KeyboardInterrupt:
        common.err_console.print("[yellow]interrupted:[/] finished checks are kept.")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except OSError as exc:  # a read-only or full state directory, a vanished file …
        where = f"{exc.filename}: " if exc.filename else ""
        raise fail(f"{where}{exc.strerror or exc}; finished checks are kept") from None
    warn_problems(job.scan.problems)
    code = exit_code_for(job)
    # The run is over and recorded: a reader leaving the report early (`| head`) does not change
    # what it found.
    ctx.meta[EXIT_CODE_IF_READER_LEAVES] = code
    if output_format is CheckFormat.json:
        write_json_list(r.to_dict() for r in job.results)
    else:
        _print_run(job, quiet=quiet)
        _print_report(common.console, _report_for(options.db, job.run_id), quiet=quiet)
    raise typer.Exit(int(code))


def exit_code_for(job: JobResult) -> ExitCode:
    """The run's exit code; says why on stderr when it is not a plain finish."""
    from linkcheck.run.runner import RunStatus

    status = job.summary.status
    if status is RunStatus.OFFLINE:
        common.err_console.print(
            "[bold yellow]offline:[/] the network is unreachable (canaries failed); nothing was marked dead."
        )
        return ExitCode.OFFLINE
    if status is RunStatus.INTERRUPTED:
        common.err_console.print("[yellow]interrupted:[/] finished checks are kept; the next run carries on.")
        return ExitCode.INTERRUPTED
    return ExitCode.NEW_DEAD if job.newly_dead else ExitCode.OK


def _report_for(db: Path, run_id: int | None) -> Report:
    from linkcheck.report import build_report
    from linkcheck.store import Store, StoreError

    try:
        with Store(db, create=False) as store:
            if run_id is not None and store.runs.get(run_id) is None:
                raise fail(f"--run {run_id}: no such run in {db}")
            return build_report(store, run_id)
    except StoreError as exc:
        raise fail(str(exc)) from None


def _print_run(job: JobResult, *, quiet: bool) -> None:
    """This run's own problems (the report shows the history-wide picture)."""
    from rich.table import Table

    archived = job.archive
    if archived is not None:
        if archived.status == "error":
            common.err_console.print(
                f"[yellow]warning:[/] the archive stage stopped: {escape(str(archived.error))}", highlight=False
            )
        elif archived.attempted or not quiet:
            common.err_console.print(
                f"archived {archived.captured} page(s), {archived.unchanged} unchanged, {archived.failed} failed "
                f"({archived.from_checks} from their check's own answer; {archived.requisites} images; "
                f"{archived.pending_total - archived.attempted} still pending)",
                highlight=False,
            )
    problems = [r for r in job.results if r.outcome.verdict.value in ("dead", "error")]
    if quiet or not problems:
        return
    table = Table(title=f"This run: {len(problems)} dead or unresolved", title_justify="left")
    table.add_column("verdict")
    table.add_column("reason")
    table.add_column("URL", overflow="fold")
    table.add_column("cited at", overflow="fold")
    for r in sorted(problems, key=lambda r: (r.outcome.verdict.value != "dead", r.link.canonical))[:50]:
        first = r.link.occurrences[0]
        verdict = r.outcome.verdict.value
        table.add_row(
            f"[{VERDICT_STYLE[verdict]}]{verdict}[/]",
            escape(r.outcome.reason),
            escape(r.link.url),
            escape(f"{first.file}:{first.line}"),
        )
    common.console.print(table)
    if len(problems) > 50:
        common.console.print(f"… and {len(problems) - 50} more (`--format json` lists all)")


def _print_report(out: Console, report: Report, *, quiet: bool = False) -> None:
    from rich.table import Table

    from linkcheck.report import archive_lines, browser_line, headline

    # Report text quotes URLs, post paths and install hints ("linkcheck[browser]"): escaped, so
    # that rich prints their brackets instead of reading them as markup.
    out.print(f"[bold]{escape(headline(report))}[/]", highlight=False)
    browser = browser_line(report)
    if browser:
        out.print(escape(browser), highlight=False)
    changes = report.changes
    titles = {
        "confirmed_dead": ("Confirmed dead this run", "bold red"),
        "newly_dead": ("Newly dead (confirmation pending)", "red"),
        "recovered": ("Recovered", "green"),
        "newly_blocked": ("Newly blocked", "yellow"),
    }
    changed = False
    for key, (title, style) in titles.items():
        rows = changes.get(key) or []
        if not rows:
            continue
        changed = True
        out.print(f"[{style}]{title}: {len(rows)}[/]")
        for row in rows[:20]:
            first = (row.get("occurrences") or [{}])[0]
            where = f"{first.get('file')}:{first.get('line')}" if first else ""
            out.print(
                f"  {escape(row['canonical'])}  [dim]{escape(row['reason'])}  {escape(where)}[/]", highlight=False
            )
        if len(rows) > 20:
            out.print(f"  … and {len(rows) - 20} more")
    if not changed:
        out.print("[dim]Nothing changed since the previous run.[/]")
    if not quiet:
        for line in archive_lines(report):
            out.print(escape(line), highlight=False)
    if report.internal:
        broken = Table(title=f"Broken links into the blog ({len(report.internal)})", title_justify="left")
        for column in ("post:line", "link", "reason", "fix"):
            broken.add_column(column, overflow="fold")
        for problem in report.internal[:50]:
            where = f"{problem.file}:{problem.line}"
            broken.add_row(escape(where), escape(problem.url), escape(problem.reason), escape(problem.fix or ""))
        out.print(broken)
        if len(report.internal) > 50:
            out.print(f"… and {len(report.internal) - 50} more (`linkcheck report -f markdown` lists all)")
    if report.dead:
        grouped = report.dead_by_post()
        table = Table(title=f"Confirmed dead links ({len({d.url for d in report.dead})})", title_justify="left")
        table.add_column("post:line", overflow="fold")
        table.add_column("URL", overflow="fold")
        table.add_column("reason")
        table.add_column("dead since")
        table.add_column("archive", overflow="fold")
        for post, links in grouped.items():
            for link in links:
                if link.readable:
                    archive = f"[green]readable copy[/]: {escape(link.open_with)}"
                elif link.captured:
                    archive = f"[green]yes[/]: {escape(link.open_with)}"
                else:
                    archive = "[dim]no[/]"
                table.add_row(
                    escape(f"{post}:{link.line}"),
                    escape(link.url),
                    escape(link.reason),
                    (link.since or "")[:10],
                    archive,
                )
        out.print(table)
    if report.unreachable:
        # As prominent as the dead: a link that has not answered for as long as it takes to
        # confirm a death needs the same attention, though nothing says the page is gone.
        table = Table(
            title=f"Unreachable links ({len({u.url for u in report.unreachable})}): no answer for as long as "
            "confirming a dead link takes",
            title_justify="left",
        )
        table.add_column("post:line", overflow="fold")
        table.add_column("URL", overflow="fold")
        table.add_column("last error")
        table.add_column("failing since")
        table.add_column("checks", justify="right")
        table.add_column("archive", overflow="fold")
        for post, unreachable in report.unreachable_by_post().items():
            for link in unreachable:
                archive = f"[green]yes[/]: {escape(link.open_with)}" if link.captured else "[dim]no[/]"
                table.add_row(
                    escape(f"{post}:{link.line}"),
                    escape(link.url),
                    f"[magenta]{escape(link.reason)}[/]",
                    (link.since or "")[:10],
                    str(link.error_checks),
                    archive,
                )
        out.print(table)
    if report.drifted:
        table = Table(
            title=f"Drifted pages ({len({d.url for d in report.drifted})}): alive, but no longer the cited article",
            title_justify="left",
        )
        for column in ("post:line", "URL", "cited title", "title now", "similarity"):
            table.add_column(column, overflow="fold", justify="right" if column == "similarity" else "left")
        for link in report.drifted[:50]:
            cited = link.cited_title or link.first_capture_title or ""
            table.add_row(
                escape(f"{link.file}:{link.line}"),
                escape(link.url),
                escape(cited),
                f"[yellow]{escape(link.page_title)}[/]",
                f"{link.similarity:.2f}",
            )
        out.print(table)
        if len(report.drifted) > 50:
            out.print(f"… and {len(report.drifted) - 50} more (`linkcheck report -f markdown` lists all)")
    if quiet:
        return
    sites = Table(title="By site", title_justify="left")
    for column in ("site", "URLs", "alive", "dead", "blocked", "error", "unchecked", "archived"):
        sites.add_column(column, justify="left" if column == "site" else "right")
    for row in report.sites:
        sites.add_row(
            escape(row.label), str(row.urls), f"[green]{row.alive}[/]", f"[red]{row.dead}[/]",
            f"[yellow]{row.blocked}[/]", f"[magenta]{row.error}[/]", str(row.unchecked), str(row.captured),
        )  # fmt: skip
    out.print(sites)


def report(
    db: DbOpt = None,
    config_file: ConfigOpt = None,
    output_format: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="table (terminal), json, markdown or csv (dead links)."),
    ] = ReportFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file.")] = None,
    run_id: Annotated[int | None, typer.Option("--run", help="Report on this run (default: the latest).")] = None,
) -> None:
    """The morning report: last run, what changed, confirmed dead links by post, per-site table."""
    from linkcheck.report import to_csv, to_json, to_markdown

    data = _report_for(settings_for(ReadFlags(config=config_file, db=db)).db, run_id)
    if output_format is ReportFormat.table:
        if output is None:
            _print_report(common.console, data)
            return
        try:
            with output.open("w", encoding="utf-8") as handle:
                from rich.console import Console

                _print_report(Console(file=handle, width=120, color_system=None), data)
        except OSError as exc:
            raise fail(f"--output {output}: {exc.strerror}") from None
        return
    text = {ReportFormat.json: to_json, ReportFormat.markdown: to_markdown, ReportFormat.csv: to_csv}[output_format](
        data
    )
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"--output {output}: {exc.strerror or exc}") from None


def demo(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or directories of posts (default: posts/, else the sample posts bundled with linkcheck).",
            show_default=False,
        ),
    ] = None,
    nights: Annotated[int, typer.Option(help="Simulated nights, four days apart.", min=1, max=5)] = 3,
    keep: Annotated[
        Path | None,
        typer.Option(
            help="Keep the demo's state (database, WARC files) in this new directory, to query afterwards.",
        ),
    ] = None,
) -> None:
    """See linkcheck work without internet: the real pipeline against a simulated web of your posts.

    Starts a local simulated web (HTTPS with a throw-away CA) that answers for every host in the
    posts, gives some of their URLs the behaviours of deleted WeChat articles, a Zhihu 404 and
    challenge, a 404 and a slow host, then runs a few nights of `check` (days apart on an injected
    clock, pacing shortened) and shows the progress and report. Without posts/ it uses the sample
    posts shipped with linkcheck. Its state goes to a temporary directory, removed at the end,
    unless --keep names one.
    """
    import shutil
    import tempfile

    from linkcheck.samples import sample_posts_dir
    from linkcheck.scan.collect import MissingPathError, collect
    from linkcheck.simweb.demo import choose_posts

    try:
        bundled_dir = sample_posts_dir()
    except FileNotFoundError as exc:
        bundled_dir = Path("posts")  # nothing to fall back on: a missing posts/ is reported as such
        common.err_console.print(f"[yellow]warning:[/] {escape(str(exc))}", highlight=False)
    chosen, bundled = choose_posts(paths, Path.cwd(), bundled_dir)
    try:
        scan = collect(chosen)
    except MissingPathError as exc:
        raise fail(str(exc)) from None
    if keep is not None:
        if (keep / "linkcheck.db").exists():
            raise fail(f"--keep {keep}: it already holds a demo's state; name a new directory")
        try:
            keep.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # an existing file, a read-only parent …
            raise fail(f"--keep {keep}: {exc.strerror}" + (" (not a directory)" if keep.exists() else "")) from None
    state = keep or Path(tempfile.mkdtemp(prefix="linkcheck-demo-"))
    try:
        _run_demo(scan, chosen, bundled, state, kept=keep is not None, nights=nights)
    finally:
        if keep is None:
            shutil.rmtree(state, ignore_errors=True)


def _run_demo(scan: ScanResult, chosen: list[Path], bundled: bool, state: Path, *, kept: bool, nights: int) -> None:
    """The demo's nights against the simulated web, into ``state``; prints what it shows."""
    from datetime import UTC, datetime

    from rich.table import Table

    from linkcheck.cli.progress import RunProgress
    from linkcheck.net.resolve import RoutingResolver
    from linkcheck.net.transport import FetchSettings
    from linkcheck.run import eventloop
    from linkcheck.run.job import JobOptions, run_job
    from linkcheck.simweb import serve_in_thread
    from linkcheck.simweb.demo import DEMO_TIMEOUT_S, aliases_for, demo_blog, demo_pacing, plan_scenario, titles_for

    if bundled:
        common.console.print(
            f"No posts/ here: the demo uses the {scan.files} sample posts bundled with linkcheck "
            f"({escape(str(chosen[0]))}).",
            highlight=False,
            soft_wrap=True,
        )
    assignments = plan_scenario(scan.links)
    blog_root, local_scripted = demo_blog(scan.links, state)  # the images, one deleted: a broken image
    where = (
        f"State: {escape(str(state))}"
        if kept
        else "State: a temporary directory, removed at the end (--keep DIR keeps it)"
    )
    common.console.print(
        f"[bold]linkcheck demo[/]: {len(scan.links)} unique URLs in {scan.files} files; "
        f"a simulated web answers for all of them. {where}",
        highlight=False,
    )
    table = Table(title="Scripted behaviours (everything else answers as its platform does)", title_justify="left")
    table.add_column("blog URL", overflow="fold")
    table.add_column("behaves as")
    for assignment in [*assignments, *local_scripted]:
        table.add_row(escape(assignment.url), assignment.description)
    common.console.print(table)
    hosts = {link.host for link in scan.links if link.checkable}
    start = datetime.now(UTC)
    with serve_in_thread(unknown_hosts="alive", aliases=aliases_for(assignments), titles=titles_for(scan.links)) as web:
        settings = FetchSettings(
            concurrency=32, total_timeout=DEMO_TIMEOUT_S, connect_timeout=2.0, max_attempts=2, backoff_initial=0.1,
            extra_ca_pem=web.ca_pem(), allow_private=True, politeness_overrides=demo_pacing(hosts),
        )  # fmt: skip
        options = JobOptions(
            paths=chosen, db=state / "linkcheck.db", check_all=True, canaries=("https://behave.test/ok",),
            root=blog_root,
        )  # fmt: skip
        shown_capture: str | None = None  # a page captured by the demo, for `linkcheck show`
        for night in range(nights):
            when = start + timedelta(days=4 * night)
            common.console.rule(f"night {night + 1} of {nights} — {when:%Y-%m-%d %H:%M} UTC (simulated clock)")
            progress = RunProgress(common.err_console)

            async def run(when: datetime = when, progress: RunProgress = progress) -> JobResult:
                with progress:
                    return await run_job(
                        options, settings, resolver=RoutingResolver(web.route), now=lambda: when,
                        on_result=progress.result, on_plan=progress.plan, on_fetcher=progress.attach,
                on_archive=progress.archive, on_escalate=progress.escalated,
                    )  # fmt: skip

            job = eventloop.run(run())
            if job.archive is not None and shown_capture is None:
                shown_capture = next((p.url for p in job.archive.pages if p.outcome == "captured"), None)
            _print_run(job, quiet=True)  # the archive stage's line (the report shows the checks)
            _print_report(common.console, _report_for(options.db, job.run_id), quiet=night + 1 < nights)
    if not kept:
        common.console.print(
            "\nThe demo's state was removed. To look around in it afterwards, keep it: "
            "[bold]linkcheck demo --keep DIR[/], then e.g. [bold]linkcheck dead --db DIR/linkcheck.db[/].",
            highlight=False,
        )
        return
    db = escape(str(options.db))
    common.console.print(
        f"\nTry: [bold]linkcheck dead --db {db}[/], "
        f"[bold]linkcheck report --db {db} -f markdown[/], "
        + (f"[bold]linkcheck show --db {db} {escape(shown_capture)}[/], " if shown_capture else "")
        + f"[bold]linkcheck export --db {db} --wacz demo.wacz[/], "
        f'[bold]sqlite3 {db} "select canonical, reason, cited_in from dead_links"[/]',
        highlight=False,
    )
