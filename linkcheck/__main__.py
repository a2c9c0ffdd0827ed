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


def _scan_json(paths: list[Path], site_url: str | None) -> bool:
    """Run the scan and print its JSON; False when it must be left to the typer app."""
    import gc

    # The process ends after this, and nothing it allocates forms a cycle: the cyclic collector
    # would only re-traverse the growing heap (a third of the JSON stage's time).
    gc.disable()
    from linkcheck.cli_json import write_json_list
    from linkcheck.collect import MissingPathError, collect

    try:
        result = collect(paths or [Path("posts")], site_url=site_url)
    except MissingPathError:
        return False  # the app words the usage error
    if result.problems:
        from linkcheck.cli import warn_problems

        warn_problems(result.problems)
    write_json_list(result.links)  # Link dataclasses, encoded as they are
    return True


def main(argv: Sequence[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["scan"]:
        request = plain_json_scan(args[1:])
        try:
            if request is not None and _scan_json(*request):
                return
        except BrokenPipeError:
            # The reader went away (`linkcheck scan -f json | head`): as the app (click) does,
            # exit 1 quietly, with stdout pointed at /dev/null so the final flush cannot fail too.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
    from linkcheck.cli import app

    app(args=args)


if __name__ == "__main__":
    main()
