"""The command line: thin glue over the library. Only this layer knows about terminals.

Every command is listed in :data:`COMMANDS` at the end of this file, with the module and function
that implement it: the whole CLI at a glance. Each command turns its flags and the config file
into settings with :func:`linkcheck.cli.settings.settings_for` (one function for every command),
calls the library, and formats what comes back. :mod:`linkcheck.cli.common` has what they share
(the consoles, the one way to fail, the options several take).

A command costs only what it needs: :class:`LinkcheckGroup` imports the module of the command
invoked, and only that one, and builds only its typer command (click's "lazily loading
subcommands"); ``--help`` alone builds them all, for their one-line help. The command modules
import typer and rich at most; each imports the stage it runs inside its function, and ``scan``
imports rich for its table only, so ``linkcheck scan -f json`` loads no rich, aiohttp, SQLite or
archive, and no other command's module.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any

import typer
import typer.core
import typer.main
from typer.core import TyperGroup

from linkcheck.cli import common
from linkcheck.cli.common import EXIT_CODE_IF_READER_LEAVES, fail
from linkcheck.exitcodes import ExitCode

if TYPE_CHECKING:
    from rich.console import Console

    console: Console  # linkcheck.cli.common's, made on first use (see __getattr__)
    err_console: Console

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

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        # Every command by name, each built when first looked up (typer reads `commands` too: the
        # names for "Did you mean 'scan'?").
        self.commands = _Commands()  # type: ignore[assignment]

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(self.commands)  # the names, in COMMANDS' order; nothing imported

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        return self.commands.get(cmd_name)  # that command's module only

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            result = super().invoke(ctx)
            _flush_stdout(ctx)
            return result
        except _TYPER_OUTCOMES:
            _flush_stdout(ctx)
            raise
        except KeyboardInterrupt:
            common.err_console.print("[yellow]interrupted[/]")
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


class _Commands(Mapping[str, Any]):
    """The commands of :data:`COMMANDS` by name; a command's module is imported, and its typer
    command built, when it is first looked up — by name, so one run builds one command."""

    def __init__(self) -> None:
        self._targets = dict(COMMANDS)
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        command = self._built.get(name)
        if command is None:
            command = self._built[name] = _build(name, self._targets[name])
        return command

    def __contains__(self, name: object) -> bool:
        return name in self._targets  # (Mapping's would build the command to answer)

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)


def _build(name: str, target: str) -> Any:
    """The click command of one entry of :data:`COMMANDS`, built by typer as the app would build
    it (same help, parameters, markup mode and tracebacks): the function registered alone on a
    Typer of its own, and ``typer.main.get_command`` of that."""
    module, _, function = target.partition(":")
    one = typer.Typer(
        add_completion=False,
        rich_markup_mode=app.rich_markup_mode,
        pretty_exceptions_short=app.pretty_exceptions_short,
    )
    one.command(name)(getattr(import_module(module), function))
    return typer.main.get_command(one)


app = typer.Typer(
    name="linkcheck",
    cls=LinkcheckGroup,
    help="Guard a blog's outbound links: extract, check, classify, remember, archive.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def _linkcheck() -> None:
    # linkcheck takes no options of its own. typer makes a group (here LinkcheckGroup, which
    # supplies the commands) of an app with a callback; registering the commands on the app
    # instead would import every command module to build them all.
    pass


# Every command: name → "module:function". In the README's order, which is the pipeline's: find the
# links, check them, archive and read the archive, then what the history database says.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("scan", "linkcheck.cli.scan:scan"),
    ("check", "linkcheck.cli.check:check"),  # the nightly job
    ("archive", "linkcheck.cli.archive:archive"),  # captures without a check run
    ("show", "linkcheck.cli.archive:show"),
    ("export", "linkcheck.cli.archive:export"),
    ("publish", "linkcheck.cli.publish:publish"),  # readable copies into the blog's tree
    ("fix", "linkcheck.cli.fix:fix"),  # the edits the history proposes for the posts
    ("report", "linkcheck.cli.check:report"),  # the morning report, as `check` prints it
    ("dead", "linkcheck.cli.db:dead"),  # the db commands read the history database
    ("history", "linkcheck.cli.db:history"),
    ("status", "linkcheck.cli.db:status"),
    ("demo", "linkcheck.cli.check:demo"),  # `check` against a simulated web
)


def __getattr__(name: str) -> Any:
    # `from linkcheck.cli import console`: the consoles of linkcheck.cli.common, made on first use.
    if name in ("console", "err_console"):
        return getattr(common, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    app()


__all__ = ["COMMANDS", "app", "console", "err_console", "main"]
