"""The command line: thin glue over the library. Only this layer knows about terminals."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from linkcheck.cli.output import write_json_list
from linkcheck.exitcodes import ExitCode

if TYPE_CHECKING:
    from linkcheck.config import Config, Key

# ctx.meta key: the exit code a command has earned before it writes its output (`check`: the run's),
# kept when the reader of that output goes away (`linkcheck check | head`).
EXIT_CODE_IF_READER_LEAVES = "linkcheck.exit_code_if_reader_leaves"

# The click that typer runs on: its own copy since typer 0.2x, the click package before. Its usage
# errors, exits and aborts are typer's to report (exit 2 naming the option, …), not failures.
_click = getattr(typer.core, "_click", None) or typer.core.click  # type: ignore[attr-defined]
_TYPER_OUTCOMES: tuple[type[BaseException], ...] = (
    _click.exceptions.ClickException,
    getattr(_click.exceptions, "Exit", typer.Exit),
    getattr(_click.exceptions, "Abort", typer.Abort),
    typer.Exit,
    typer.Abort,
)


class LinkcheckGroup(TyperGroup):
    """The commands, ending the same way whatever goes wrong: one line on stderr and a documented
    exit code (README "Exit codes"), never a traceback, never 1 — the code cron mails about.

    * a reader that goes away (``linkcheck report | head -1``): quietly, with the code the command
      had earned (0, or ``check``'s run result);
    * Ctrl-C: 130; a file that cannot be read or written: 2, naming it; anything unforeseen: 2,
      naming the exception (``LINKCHECK_TRACEBACK=1`` shows the traceback instead).
    """

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            result = super().invoke(ctx)
            _flush_stdout(ctx)
            return result
        except _TYPER_OUTCOMES:
            _flush_stdout(ctx)
            raise
        except KeyboardInterrupt:
            err_console.print("[yellow]interrupted[/]")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise _reader_went_away(ctx) from None
            if os.environ.get("LINKCHECK_TRACEBACK"):
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise fail(f"{where}{exc.strerror or exc}") from None
        except Exception as exc:
            if os.environ.get("LINKCHECK_TRACEBACK"):
                raise
            raise fail(f"internal error: {type(exc).__name__}: {exc} (LINKCHECK_TRACEBACK=1 shows where)") from None


def _flush_stdout(ctx: typer.Context) -> None:
    """Flush what the command wrote, so a closed pipe shows here rather than at interpreter exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise _reader_went_away(ctx) from None


def _reader_went_away(ctx: typer.Context) -> typer.Exit:
    """The reader of stdout went away: end quietly with the exit code earned (0 unless recorded)."""
    try:
        # Whatever is still buffered for stdout goes nowhere, and the interpreter's last flush
        # cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (an in-process runner)
        pass
    return typer.Exit(int(ctx.meta.get(EXIT_CODE_IF_READER_LEAVES, ExitCode.OK)))


app = typer.Typer(
    name="linkcheck",
    cls=LinkcheckGroup,
    help="Guard a blog's outbound links: extract, check, classify, remember, archive.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

VERDICT_STYLE = {"alive": "green", "dead": "bold red", "blocked": "yellow", "error": "magenta", "skipped": "dim"}


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """rich ends the process with exit 1 when its reader goes away — the code that means newly
        confirmed dead links. Let :class:`LinkcheckGroup` end it quietly with the code earned."""
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the reader went away")


console = _Console()
err_console = _Console(stderr=True)


class ScanFormat(StrEnum):
    table = "table"
    json = "json"


PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Files or directories to scan (default: posts/).", show_default=False),
]
SiteUrlOpt = Annotated[
    str | None,
    typer.Option("--site-url", help="Base URL of the blog; makes site-relative links checkable."),
]
RootOpt = Annotated[
    Path | None,
    typer.Option(
        "--root",
        help="The blog's Jekyll source tree (its _config.yml): links into the blog are checked from it "
        "[default: found upward from the posts].",
        file_okay=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Config file (default: ./linkcheck.toml, else [tool.linkcheck] in pyproject.toml)."),
]


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> typer.Exit:
    # Escaped: messages quote paths, URLs and config sections ("pyproject.toml [tool.linkcheck]"),
    # whose brackets rich would otherwise take for markup and drop.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(int(code))


DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db", help="History database (default: db of the config file, else state/linkcheck.db).", dir_okay=False
    ),
]


def database_path(given: Path | None, config: Config, *, create: bool = False) -> Path:
    """``--db``, else ``db`` of the config file, else its default: the same for every command.

    Checked here, naming the flag or key: a reading command needs an existing database (it never
    creates one); ``check`` (``create``) needs a place where one can be made."""
    path = given if given is not None else Path(config.get("db"))
    named = f"--db {path}" if given is not None else f"db {path}"
    if path.exists() and not path.is_file():
        raise fail(f"{named}: not a file")
    if not create and not path.exists():
        raise fail(f"{named}: no history database (run `linkcheck check` first)")
    if create and not path.exists():
        problem = unwritable(path)
        if problem:
            raise fail(f"{named}: {problem}")
    return path


def root_path(given: Path | None, config: Config) -> Path | None:
    """``--root``, else ``root`` of the config file, else None (found upward from the posts).
    One that is not a folder is a usage error naming the flag or the key."""
    configured = config.get("root")
    path = given if given is not None else Path(configured) if configured else None
    if path is not None and not path.is_dir():
        named = f"--root {path}" if given is not None else f"root {path}"
        raise fail(f"{named}: not a directory (the blog's source tree, where _config.yml is)")
    return path


def load_config_or_fail(path: Path | None) -> Config:
    """The config file (``--config``, else ``./linkcheck.toml``, else ``[tool.linkcheck]``); a
    problem with it is a usage error naming the file and the key."""
    from linkcheck.config import ConfigError, load

    try:
        return load(Path("."), path)
    except ConfigError as exc:
        raise fail(f"config: --config {exc}" if path is not None else f"config: {exc}") from None


def values_or_fail(config: Config, flags: Mapping[str, Any], archive_flags: Mapping[str, Any] | None = None):
    """(top-level values, ``[archive]`` values): the flags given (key → value, None when not given)
    over the config file over the defaults, every flag checked by its key's spec — ``--timeout 0``
    is refused exactly as ``timeout = 0`` is, naming the flag (exit 2)."""
    from linkcheck.config import ConfigError

    try:
        return config.with_flags(flags), config.archive_with_flags(archive_flags or {})
    except ConfigError as exc:
        raise fail(str(exc)) from None


def flag_or_fail(flag: str, spec: Key, value: Any) -> Any:
    """A flag with no config key of its own, checked by the spec of the key it means the same as
    (``--archive-budget`` is seconds like ``budget``)."""
    from linkcheck.config import ConfigError, check_flag

    if value is None:
        return None
    try:
        return check_flag(flag, spec, value)
    except ConfigError as exc:
        raise fail(str(exc)) from None


def unwritable(path: Path, *, directory: bool = False) -> str | None:
    """Why a file (or, with ``directory``, a folder) cannot be written at ``path`` — missing
    folders on the way are created — or None. Asked before the work, not found out after it."""
    if directory and path.exists():
        if not path.is_dir():
            return "not a directory"
        return _not_writable(path)
    folder = path.absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a directory"
    problem = _not_writable(folder)
    return f"{folder}: {problem}" if problem else None


def _not_writable(folder: Path) -> str | None:
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except (OSError, AttributeError):  # no statvfs (Windows)
        pass
    return "permission denied"


def warn_problems(problems) -> None:
    """One warning line per file that could not be read cleanly (the scan went on without it)."""
    for problem in problems:
        err_console.print(f"[yellow]warning:[/] {escape(problem.path)}: {escape(problem.message)}", highlight=False)


@app.command()
def scan(
    paths: PathsArg = None,
    output_format: Annotated[
        ScanFormat, typer.Option("--format", "-f", help="table (terminal) or json (one object per URL).")
    ] = ScanFormat.table,
    site_url: SiteUrlOpt = None,
    config_file: ConfigOpt = None,
    root: RootOpt = None,
) -> None:
    """Extract every URL from the posts, with post, line and column. Fetches nothing.

    ``paths``, ``site_url``, ``root`` and ``exclude`` come from the config file where not given here."""
    from linkcheck.scan.collect import MissingPathError, collect
    from linkcheck.scan.jekyll import SiteError, load_site

    config = load_config_or_fail(config_file)
    values, _ = values_or_fail(config, {"site_url": site_url})
    scanned = paths or [Path(p) for p in values["paths"]]
    try:
        result = collect(
            scanned,
            site_url=values["site_url"],
            exclude=tuple(values["exclude"]),
            site=load_site(root_path(root, config), scanned),
        )
    except MissingPathError as exc:
        raise fail(str(exc) if paths else f"config paths: {exc}") from None
    except SiteError as exc:
        raise fail(str(exc)) from None
    warn_problems(result.problems)
    if output_format is ScanFormat.json:
        write_json_list(result.links)  # Link dataclasses, encoded as they are
        return
    table = Table(title=f"{len(result.links)} unique URLs in {result.files} files", title_justify="left")
    table.add_column("URL", overflow="fold")
    table.add_column("count", justify="right")
    table.add_column("first seen", overflow="fold")
    table.add_column("skip", style="dim")
    for link in result.links:
        first = link.occurrences[0]
        table.add_row(
            link.url,
            str(len(link.occurrences)),
            f"{first.file}:{first.line}:{first.column}",
            link.skip_reason or "",
        )
    console.print(table)


def main() -> None:
    app()


# Each command group lives in its own module; importing it registers its commands on `app`.
from linkcheck.cli import archive as cli_archive  # noqa: E402, F401
from linkcheck.cli import check as cli_check  # noqa: E402, F401
from linkcheck.cli import db as cli_db  # noqa: E402, F401
from linkcheck.cli import fix as cli_fix  # noqa: E402, F401
