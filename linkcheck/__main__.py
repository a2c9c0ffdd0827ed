"""The ``linkcheck`` command (console script and ``python -m linkcheck``).

``linkcheck scan --format json`` is what scripts, editors and CI call on the whole blog, and the
typer app costs more to import (typer, click, rich: about 60 ms) than a third of the whole scan. So
a plain JSON scan — only the arguments :func:`plain_json_scan` recognises — runs here without them.
Everything else (other commands, ``--help``, the table, any spelling this small parser does not know,
a missing path) goes to the typer app, which stays the one definition of the interface; the tests
run both routes on the same arguments and compare their output byte for byte.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

TYPE_CHECKING = False  # (typing.TYPE_CHECKING without importing typing: see linkcheck.canonical)
if TYPE_CHECKING:
    from linkcheck.collect import ScanResult

_FORMAT_OPTIONS = ("--format", "-f")
_SITE_URL_OPTION = "--site-url"


def plain_json_scan(args: Sequence[str]) -> tuple[list[Path], str | None] | None:
    """(paths, site URL) when ``args`` (after ``scan``) ask for exactly a JSON scan in a way
    parsed the same as click would; None for anything else.

    Click rules followed: the last of a repeated option wins; ``--opt=value``, ``-fvalue`` and a
    separate value are one; ``--`` ends the options. Rejected (left to click): unknown options, an
    option without its value, a bare ``-`` or empty path, and every format but ``json``.
    """
    paths: list[Path] = []
    site_url: str | None = None
    output_format: str | None = None
    options_ended = False
    i = 0
    while i < len(args):
        arg = args[i]
        if options_ended or not arg.startswith("-"):
            if not arg:
                return None
            paths.append(Path(arg))
        elif arg == "--":
            options_ended = True
        elif arg in _FORMAT_OPTIONS or arg == _SITE_URL_OPTION:
            if i + 1 == len(args):
                return None
            i += 1
            if arg == _SITE_URL_OPTION:
                site_url = args[i]
            else:
                output_format = args[i]
        elif arg.startswith("--format="):
            output_format = arg[len("--format=") :]
        elif arg.startswith(_SITE_URL_OPTION + "="):
            site_url = arg[len(_SITE_URL_OPTION) + 1 :]
        elif arg.startswith("-f") and not arg.startswith("--"):
            output_format = arg[2:]
        else:
            return None
        i += 1
    if output_format != "json":
        return None
    return paths, site_url


def _scan_json(paths: list[Path], site_url: str | None) -> ScanResult | None:
    """Run the scan and print its JSON; None when it must be left to the typer app."""
    import gc

    # The process ends after this, and nothing it allocates forms a cycle: the cyclic collector
    # would only re-traverse the growing heap (a third of the JSON stage's time).
    gc.disable()
    from linkcheck.cli_json import write_json_list
    from linkcheck.collect import MissingPathError, collect

    try:
        result = collect(paths or [Path("posts")], site_url=site_url)
    except MissingPathError:
        return None  # the app words the usage error
    if result.problems:
        from linkcheck.cli import warn_problems

        warn_problems(result.problems)
    write_json_list(result.links)  # Link dataclasses, encoded as they are
    return result


def main(argv: Sequence[str] | None = None, *, exit_when_done: bool = False) -> None:
    """Run the command in ``argv``. With ``exit_when_done`` (the console script) a completed plain
    JSON scan ends the process at once: see :func:`_exit_now`."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["scan"]:
        request = plain_json_scan(args[1:])
        try:
            # (`scanned` is held until the end: see _exit_now.)
            if request is not None and (scanned := _scan_json(*request)) is not None:
                if exit_when_done:
                    _exit_now()
                del scanned
                return
        except BrokenPipeError:
            # The reader went away (`linkcheck scan -f json | head`): as the app (click) does,
            # exit 1 quietly, with stdout pointed at /dev/null so the final flush cannot fail too.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
    from linkcheck.cli import app

    app(args=args)


def _exit_now() -> None:
    """End the process after a plain JSON scan, its output written and flushed, without freeing
    what it made: the tens of thousands of links and occurrences of a whole blog's scan, one by
    one, then the modules, cost about a tenth of the scan's CPU (so the caller still holds the
    result here). Nothing on this route registers work to do at exit. (A flush that finds the
    reader gone raises BrokenPipeError, as before.)"""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def run() -> None:
    """The console script ``linkcheck`` and ``python -m linkcheck``."""
    main(exit_when_done=True)


if __name__ == "__main__":
    run()
