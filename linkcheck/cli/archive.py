"""CLI commands over the web archive (archive, show, export); registered in ``linkcheck.cli``.

``archive`` captures the alive pages that need it into WARC files without a check run (it takes
the run lock, like ``check``); ``show`` prints the latest capture of a URL from its WARC record;
``export --wacz`` packages every WARC file into one WACZ for ReplayWeb.page. WARC files live in
``--warc-dir``, by default ``warc/`` next to the database (``state/warc/``).

Exit codes: 0 done; 2 usage, database error, or nothing to show/export (a URL never captured, a
missing WARC file); 4 another run holds the lock; 130 interrupted (finished captures are kept).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from linkcheck.cli import common
from linkcheck.cli.common import (
    ConfigOpt,
    DbOpt,
    TextOrJson,
    WarcDirOpt,
    emit_json,
    escape,
    fail,
    install_stop_handlers,
    open_store,
)
from linkcheck.cli.settings import ArchiveFlags, ReadFlags, settings_for, unwritable
from linkcheck.exitcodes import ExitCode


def _size(n: int) -> str:
    from linkcheck.report import human_size

    return human_size(n)


# ---- archive ---------------------------------------------------------------------------------


def archive(
    db: DbOpt = None,
    warc_dir: WarcDirOpt = None,
    config_file: ConfigOpt = None,
    limit: Annotated[
        int | None,
        typer.Option(help="Capture at most this many pages; 0: no limit [archive.max_pages: 0]."),
    ] = None,
    budget: Annotated[float | None, typer.Option(help="Start no new capture after this many seconds.")] = None,
    max_age: Annotated[
        float | None,
        typer.Option(help="Days before a captured page is fetched again (unchanged: a revisit) [90]."),
    ] = None,
    max_resource_mb: Annotated[
        float | None, typer.Option(help="Cut a longer body, recorded with WARC-Truncated: length [20].")
    ] = None,
    rotate_mb: Annotated[float | None, typer.Option(help="New WARC file past this size [1000].")] = None,
    requisites: Annotated[
        bool, typer.Option(help="Also capture article images (WeChat mmbiz.qpic.cn, Zhihu zhimg.com).")
    ] = True,
    concurrency: Annotated[int, typer.Option(help="Pages in flight (per-host politeness still applies).", min=1)] = 4,
    timeout: Annotated[float, typer.Option(help="Seconds for one request, body included.")] = 120.0,
    connect_timeout: Annotated[float | None, typer.Option(help="Seconds to establish a connection [10].")] = None,
    proxy: Annotated[str | None, typer.Option(help="HTTP proxy URL (default: HTTP(S)_PROXY / NO_PROXY).")] = None,
    ca_bundle: Annotated[
        Path | None, typer.Option(help="PEM file of CA certificates to trust instead of the system store.")
    ] = None,
    resolve: Annotated[
        list[str] | None,
        typer.Option("--resolve", help="HOST:PORT:ADDRESS[:TARGET_PORT] (curl style; * wildcards)."),
    ] = None,
    allow_private: Annotated[
        bool | None,
        typer.Option("--allow-private/--no-allow-private", help="Fetch loopback/private addresses (SSRF guard off)."),
    ] = None,
    output_format: Annotated[TextOrJson, typer.Option("--format", "-f", help="text or json.")] = TextOrJson.text,
) -> None:
    """Capture alive pages into WARC files now, without a check run: WeChat and Zhihu first.

    Pages never captured come first, then by decay risk; a page captured less than --max-age days
    ago is left alone. Options left out come from the config file ([archive], hosts, proxy …).
    Exit codes: 0 done; 2 usage/config/database error, or the disk failed (full …), or any other
    failure; 4 another run holds the lock; 130 interrupted (finished captures are kept).
    """
    import asyncio
    import time

    from linkcheck.archive import archive_pending
    from linkcheck.cli.progress import RunProgress
    from linkcheck.net.transport import Fetcher
    from linkcheck.run import eventloop
    from linkcheck.run.lock import LockHeldError, RunLock, lock_path_for

    settings = settings_for(
        ArchiveFlags(
            config=config_file, db=db, warc_dir=warc_dir, limit=limit, budget=budget, max_age=max_age,
            max_resource_mb=max_resource_mb, rotate_mb=rotate_mb, requisites=requisites, concurrency=concurrency,
            timeout=timeout, connect_timeout=connect_timeout, proxy=proxy, ca_bundle=ca_bundle, resolve=resolve,
            allow_private=allow_private,
        )
    )  # fmt: skip

    progress = RunProgress(common.err_console, quiet=output_format is TextOrJson.json)

    async def run(store):
        stop = asyncio.Event()
        install_stop_handlers(asyncio.get_running_loop(), stop)
        deadline = time.monotonic() + settings.budget_s if settings.budget_s else None
        async with Fetcher(settings.fetch, resolver=settings.resolver) as fetcher:
            progress.attach(fetcher)
            with progress:
                return await archive_pending(
                    store,
                    fetcher,
                    warc_dir=settings.warc_dir,
                    limit=settings.limit,
                    deadline=deadline,
                    max_age=settings.max_age,
                    settings=settings.archive,
                    stop=stop,
                    on_progress=progress.archive,
                )

    try:
        with RunLock(lock_path_for(settings.db)), open_store(settings.db) as store:
            summary = eventloop.run(run(store))
    except LockHeldError as exc:
        raise fail(str(exc), ExitCode.LOCKED) from None
    except KeyboardInterrupt:
        common.err_console.print("[yellow]interrupted:[/] finished captures are kept.")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except OSError as exc:  # a read-only or full state directory …
        where = f"{exc.filename}: " if exc.filename else ""
        raise fail(f"{where}{exc.strerror or exc}; finished captures are kept") from None
    if output_format is TextOrJson.json:
        emit_json(summary.to_dict())
    else:
        _print_archive_report(summary, settings.warc_dir)
    if summary.status == "error":
        raise fail(f"the archive stage stopped: {summary.error}; finished captures are kept")
    if summary.status == "stopped":
        common.err_console.print("[yellow]interrupted:[/] finished captures are kept.")
        raise typer.Exit(int(ExitCode.INTERRUPTED))


def _print_archive_report(summary, directory: Path) -> None:
    from rich.table import Table

    for repair in summary.repaired:
        what = "removed (nothing complete)" if repair.removed else f"cut {repair.cut_bytes:,} bytes and closed"
        common.err_console.print(
            f"[yellow]repaired[/] {repair.name}.open from an interrupted run: {what}",
            highlight=False,
            soft_wrap=True,
        )
    common.console.print(
        f"[bold]Archive[/] {summary.status}: {summary.attempted} of {summary.pending_total} pending pages in "
        f"{summary.elapsed_s:.1f}s — [green]{summary.captured} captured[/], {summary.unchanged} unchanged, "
        f"{summary.skipped} not alive now (recorded as checks), [magenta]{summary.failed} failed[/]; "
        f"{summary.requisites} images; "
        f"{_size(summary.bytes_written)} written to {escape(str(directory))}",
        highlight=False,
    )
    notable = [p for p in summary.pages if p.outcome in ("failed", "skipped")]
    if not notable:
        return
    table = Table(title="Not captured", title_justify="left")
    table.add_column("outcome")
    table.add_column("reason", overflow="fold")
    table.add_column("URL", overflow="fold")
    for page in notable:
        table.add_row(page.outcome, escape(page.reason), escape(page.url))
    common.console.print(table)


# ---- show ------------------------------------------------------------------------------------


def show(
    url: Annotated[str, typer.Argument(help="The URL, as written in a post or in canonical form.")],
    db: DbOpt = None,
    warc_dir: WarcDirOpt = None,
    raw: Annotated[
        bool, typer.Option("--raw", help="Write the archived body itself (Content-Encoding undone) to stdout.")
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Write the readable copy as one self-contained HTML file (images inlined from the WARC files).",
            dir_okay=False,
        ),
    ] = None,
    open_it: Annotated[
        bool, typer.Option("--open", help="Write the readable copy to a temporary file and open it in the browser.")
    ] = False,
    output_format: Annotated[TextOrJson, typer.Option("--format", "-f", help="text or json.")] = TextOrJson.text,
    config_file: ConfigOpt = None,
) -> None:
    """The title and readable text of a URL's latest capture, read from its WARC record.

    Says when it was captured. --raw writes the original bytes (the capture time goes to stderr).
    --html FILE / --open: the article as one HTML file that needs nothing else — no request to the
    site, images inlined from the archive. A URL never captured is an error (exit 2).
    """
    from linkcheck.archive.read import CaptureMissingError, read_capture

    if html is not None and not html.parent.is_dir():  # (refused before anything is read or written)
        raise fail(f"--html {html}: {html.parent} is not a folder", ExitCode.USAGE)
    settings = settings_for(ReadFlags(config=config_file, db=db, warc_dir=warc_dir))
    db, directory = settings.db, settings.warc_dir
    with open_store(db) as store:
        row = store.captures.latest(url)
        info = store.queries.url_info(url) if row is None else None
        count = len(store.captures.of(url)) if row is not None else 0
    if row is None:
        if info is None:
            raise fail(f"{url}: not in the history database {db} and never captured", ExitCode.USAGE)
        state = f"last check: {info['verdict']}" if info["verdict"] else "never checked"
        raise fail(
            f"{info['canonical']}: never captured ({state}); `linkcheck archive` captures alive pages",
            ExitCode.USAGE,
        )
    try:
        stored = read_capture(directory, row)
    except (CaptureMissingError, OSError) as exc:
        raise fail(f"{url}: capture {row['id']} cannot be read: {exc}", ExitCode.USAGE) from None
    when = _when(row)
    if html is not None or open_it:
        _write_readable(row, directory, db, html, open_it)
        return
    if raw:
        common.err_console.print(when, highlight=False, markup=False, soft_wrap=True)
        sys.stdout.buffer.write(stored.body)
        sys.stdout.buffer.flush()
        return
    digest = stored.digest()
    title = digest.title or row.get("title") or ""
    if output_format is TextOrJson.json:
        capture = {k: v for k, v in row.items() if k != "original"}
        capture["original"] = row["original"]
        emit_json(
            {
                "capture": capture,
                "captures": count,
                "status_line": stored.status_line,
                "title": title,
                "text": digest.text,
            }
        )
        return
    out = sys.stdout
    out.write(f"{title or '(no title)'}\n")
    out.write(f"{row['url']}\n")
    out.write(f"{when}\n")
    if count > 1:
        out.write(f"{count} captures of this page; this is the latest.\n")
    if stored.truncated:
        out.write(f"Note: the body was cut when captured (WARC-Truncated: {stored.truncated}).\n")
    out.write("\n")
    if not _is_text(stored.content_type):
        # An image or other binary requisite: its bytes would only garble the terminal.
        kind = stored.content_type.split(";")[0].strip() or "no content type"
        out.write(f"({kind}, {len(stored.body):,} bytes: not text; --raw writes the body)\n")
        return
    out.write(digest.text + "\n")
    copy = _readable_row(db, row)
    if copy is not None:
        out.write(
            f"\nReadable copy (text and {copy['images_archived']} of {copy['images']} image(s)): {copy['url']} "
            f"in {copy['warc_file']}; `linkcheck show {row['url']} --html FILE` writes it as one file.\n"
        )


def _readable_row(db: Path, row: dict) -> dict | None:
    from linkcheck.store import StoreError

    with open_store(db) as store:
        try:
            return store.readable.of_capture((row.get("original") or row)["id"])
        except StoreError:
            return None


def _write_readable(row: dict, directory: Path, db: Path, target: Path | None, open_it: bool) -> None:
    """`show --html FILE` / `--open`: the readable copy of the capture as one self-contained file."""
    import tempfile
    import webbrowser

    from linkcheck.archive import CaptureMissingError
    from linkcheck.archive.readable import NotReadableError, standalone_html
    from linkcheck.store import StoreError

    with open_store(db) as store:
        try:
            made = standalone_html(store, directory, row)
        except NotReadableError as exc:
            raise fail(f"{row['url']}: no readable copy: {exc}", ExitCode.USAGE) from None
        except (CaptureMissingError, OSError, StoreError) as exc:
            raise fail(f"{row['url']}: capture {row['id']} cannot be read: {exc}", ExitCode.USAGE) from None
    if target is None:
        handle, name = tempfile.mkstemp(prefix="linkcheck-readable-", suffix=".html")
        os.close(handle)
        target = Path(name)
    try:
        target.write_text(made.html, encoding="utf-8")
    except OSError as exc:
        raise fail(f"--html {target}: {exc.strerror or exc}", ExitCode.USAGE) from None
    common.console.print(
        f"Wrote {escape(str(target))}: {escape(made.title or row['url'])} — text and {made.images_inlined} of "
        f"{made.images} image(s), from the capture of {(row.get('original') or row)['warc_date']}; "
        "it makes no request to any site.",
        highlight=False,
        soft_wrap=True,
    )
    if not made.complete:
        common.err_console.print(f"[yellow]warning:[/] incomplete copy: {escape(made.note)}", highlight=False)
    elif made.images_inlined < made.images:
        common.err_console.print(
            f"[yellow]warning:[/] {made.images - made.images_inlined} image(s) are not in the archive", highlight=False
        )
    if open_it:
        webbrowser.open(target.resolve().as_uri())


def _is_text(content_type: str) -> bool:
    """Whether a capture's body reads as text (an unlabelled body is given the benefit)."""
    media = content_type.split(";")[0].strip().lower()
    return not media or media.startswith("text/") or any(k in media for k in ("html", "xml", "json", "javascript"))


def _when(row: dict) -> str:
    original = row.get("original")
    text = (
        f"Captured {row['warc_date']} (HTTP {row['http_status']}) in {row['warc_file']} at offset {row['warc_offset']}"
    )
    if original is not None:
        text += f"; unchanged since {original['warc_date']} (the content is stored with that capture)"
    return text


# ---- export ----------------------------------------------------------------------------------


def export(
    wacz: Annotated[Path, typer.Option("--wacz", help="The WACZ file to write.", dir_okay=False)],
    db: DbOpt = None,
    warc_dir: WarcDirOpt = None,
    title: Annotated[str, typer.Option(help="Collection title shown by ReplayWeb.page.")] = "linkcheck captures",
    config_file: ConfigOpt = None,
) -> None:
    """Package every WARC file and the captured pages into one WACZ (open it in ReplayWeb.page)."""
    from linkcheck.archive.export import ExportError, export_wacz
    from linkcheck.store import StoreError

    settings = settings_for(ReadFlags(config=config_file, db=db, warc_dir=warc_dir))
    problem = unwritable(wacz)
    if problem:  # found before the packaging work, not after it
        raise fail(f"--wacz {wacz}: {problem}")
    with open_store(settings.db) as store:
        try:
            result = export_wacz(store, settings.warc_dir, wacz, title=title)
        except (ExportError, StoreError) as exc:
            raise fail(str(exc), ExitCode.USAGE) from None
        except OSError as exc:  # an unwritable folder or file, a full disk …
            raise fail(f"--wacz {wacz}: {exc.strerror or exc}") from None
    for name in result["skipped_open"]:
        common.err_console.print(
            f"[yellow]warning:[/] {name} is still being written (or a run was killed); not exported — "
            "the next `linkcheck archive`/`check` closes it",
            highlight=False,
        )
    common.console.print(
        f"Wrote {escape(str(wacz))}: {len(result['files'])} WARC file(s), {result['pages']} page(s), "
        f"{result['readable']} readable cop{'y' if result['readable'] == 1 else 'ies'}. "
        "Open it at https://replayweb.page (runs in the browser; nothing is uploaded).",
        highlight=False,
    )


__all__ = ["archive", "export", "show"]
