"""What every command shares: the two consoles, the one way to fail (a line on stderr, an exit
code), the options several commands take, and small helpers for opening the history database,
writing JSON and stopping on a signal.

Only terminal concerns live here; how flags and the config file become settings is
:mod:`linkcheck.cli.settings`. Light on purpose: every command module imports it, ``scan`` too,
so nothing here imports aiohttp, SQLite or the archive at module level — nor rich: the consoles
are made when first used (``scan -f json`` writes its JSON past them and never loads rich).
"""

from __future__ import annotations

import contextlib
import errno
import json
import signal
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from linkcheck.exitcodes import ExitCode

if TYPE_CHECKING:
    import asyncio

    from rich.console import Console

    from linkcheck.scan.collect import FileProblem
    from linkcheck.store import Store

    # Made on first use by __getattr__ below; declared here for type checkers.
    console: Console
    err_console: Console

# ctx.meta key: the exit code a command has earned before it writes its output (`check`: the run's),
# kept when the reader of that output goes away (`linkcheck check | head`).
EXIT_CODE_IF_READER_LEAVES = "linkcheck.exit_code_if_reader_leaves"

VERDICT_STYLE = {"alive": "green", "dead": "bold red", "blocked": "yellow", "error": "magenta", "skipped": "dim"}


# ---- the consoles: made when first used ------------------------------------------------------
#
# `console` (stdout) and `err_console` (stderr) are attributes of this module made on first access
# (PEP 562 __getattr__), so `from linkcheck.cli.common import console` keeps working and every
# user gets the same two objects. rich costs about 0.03 s to import and print with (`scan EMPTY`
# against `scan EMPTY -f json` in bench/bench_cli.py, a sixth of the latter); a command that never
# prints through rich (`scan -f json` with nothing to warn about) never pays it.
_CONSOLES = ("console", "err_console")


def _console(name: str) -> Console:
    made = globals().get(name)
    if made is None:
        from rich.console import Console

        class _Console(Console):
            def on_broken_pipe(self) -> None:
                """rich ends the process with exit 1 when its reader goes away — the code that
                means newly confirmed dead links. Let :class:`~linkcheck.cli.LinkcheckGroup` end it
                quietly with the code earned."""
                self.quiet = True
                raise BrokenPipeError(errno.EPIPE, "the reader went away")

        made = globals()[name] = _Console(stderr=name == "err_console")
    return made


def __getattr__(name: str) -> Any:
    if name in _CONSOLES:
        return _console(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def escape(markup: str) -> str:
    """rich's :func:`rich.markup.escape` (imported when first needed, with the consoles)."""
    from rich.markup import escape as rich_escape

    return rich_escape(markup)


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> typer.Exit:
    # Escaped: messages quote paths, URLs and config sections ("pyproject.toml [tool.linkcheck]"),
    # whose brackets rich would otherwise take for markup and drop.
    _console("err_console").print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(int(code))


# ---- options more than one command takes ----------------------------------------------------


class TextOrJson(StrEnum):
    """``--format`` of ``archive``, ``show``, ``export`` and ``publish`` (here, not in one command's
    module: a command imports no other command's module)."""

    text = "text"
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
DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db", help="History database (default: db of the config file, else state/linkcheck.db).", dir_okay=False
    ),
]
WarcDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--warc-dir",
        help="Where the WARC files are (default: [archive] dir of the config, else warc/ next to the database).",
        file_okay=False,
    ),
]


# ---- helpers ---------------------------------------------------------------------------------


@contextmanager
def open_store(db: Path) -> Iterator[Store]:
    """Open an existing history database (never creating one); a StoreError, on opening or while
    it is open, is 'error: …', exit 2."""
    from linkcheck.store import Store, StoreError

    try:
        store = Store(db, create=False)
    except StoreError as exc:
        raise fail(str(exc), ExitCode.USAGE) from None
    try:
        yield store
    except StoreError as exc:
        raise fail(str(exc), ExitCode.USAGE) from None
    finally:
        store.close()


def emit_json(data: Any) -> None:
    """One JSON document on stdout (``--format json`` of the commands that show one thing)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1, default=str)
    sys.stdout.write("\n")


def warn_problems(problems: Iterable[FileProblem]) -> None:
    """One warning line per file that could not be read cleanly (the scan went on without it)."""
    for problem in problems:
        _console("err_console").print(
            f"[yellow]warning:[/] {escape(problem.path)}: {escape(problem.message)}", highlight=False
        )


def install_stop_handlers(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set ``stop``: the run finishes what is in flight, records it and ends."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not possible outside the main thread (in-process test runners): Ctrl-C then just raises.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)


__all__ = [
    "EXIT_CODE_IF_READER_LEAVES",
    "VERDICT_STYLE",
    "ConfigOpt",
    "DbOpt",
    "PathsArg",
    "RootOpt",
    "SiteUrlOpt",
    "TextOrJson",
    "WarcDirOpt",
    "console",
    "emit_json",
    "err_console",
    "escape",
    "fail",
    "install_stop_handlers",
    "open_store",
    "warn_problems",
]
