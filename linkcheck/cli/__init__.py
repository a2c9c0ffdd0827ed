"""The command line: thin glue over the library. Only this layer knows about terminals.

Every command, and the module it lives in, is listed in :data:`COMMANDS` at the end of this file:
the whole CLI at a glance. Each command turns its flags and the config file into settings with
:func:`linkcheck.cli.settings.settings_for` (one function for every command), calls the library,
and formats what comes back. :mod:`linkcheck.cli.common` has what they share (the consoles, the
one way to fail, the options several take).

The command modules import typer and rich only; each imports the stage it runs inside its
function, so ``linkcheck scan`` never loads aiohttp, SQLite or the archive.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from typing import Any

import typer
import typer.core
from typer.core import TyperGroup

from linkcheck.cli import archive, check, db, fix, publish, scan
from linkcheck.cli.common import EXIT_CODE_IF_READER_LEAVES, console, err_console, fail
from linkcheck.exitcodes import ExitCode

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

# Every command: (name, function). In the README's order, which is the pipeline's: find the links,
# check them, archive and read the archive, then what the history database says.
COMMANDS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("scan", scan.scan),  # cli/scan.py
    ("check", check.check),  # cli/check.py: the nightly job
    ("archive", archive.archive),  # cli/archive.py: captures without a check run
    ("show", archive.show),  # cli/archive.py
    ("export", archive.export),  # cli/archive.py
    ("publish", publish.publish),  # cli/publish.py: readable copies into the blog's tree
    ("fix", fix.fix),  # cli/fix.py: the edits the history proposes for the posts
    ("report", check.report),  # cli/check.py: the morning report, as `check` prints it
    ("dead", db.dead),  # cli/db.py: reads the history database
    ("history", db.history),  # cli/db.py
    ("status", db.status),  # cli/db.py
    ("demo", check.demo),  # cli/check.py: `check` against a simulated web
)
for _name, _command in COMMANDS:
    app.command(_name)(_command)


def main() -> None:
    app()


__all__ = ["COMMANDS", "app", "console", "err_console", "main"]
