"""``linkcheck scan``: the URLs of the posts, with where each is cited. Fetches nothing.

Kept light: it runs on every push of the blog, so this module imports typer only, and the scanner
(and, for the table, rich) when the command runs — never the transport, the store or the archive.
"""

from __future__ import annotations

import gc
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from linkcheck.cli import common
from linkcheck.cli.common import ConfigOpt, PathsArg, RootOpt, SiteUrlOpt, fail, warn_problems
from linkcheck.cli.output import write_json_list
from linkcheck.cli.settings import ScanFlags, settings_for

if TYPE_CHECKING:
    from linkcheck.scan.collect import ScanResult


class ScanFormat(StrEnum):
    table = "table"
    json = "json"


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
    from linkcheck.scan.blogroot import SiteError, load_site  # (the site model only when there is a blog)
    from linkcheck.scan.collect import MissingPathError, collect

    settings = settings_for(ScanFlags(config=config_file, paths=paths, site_url=site_url, root=root))
    try:
        result = collect(
            settings.paths,
            site_url=settings.site_url,
            exclude=settings.exclude,
            site=load_site(settings.root, settings.paths),
        )
    except MissingPathError as exc:
        raise fail(f"config paths: {exc}" if settings.paths_from_config else str(exc)) from None
    except SiteError as exc:
        raise fail(str(exc)) from None
    # The links form no cycles, but the collector (off during collect()) would walk every one of
    # them, 82,000 objects for the whole blog, at each collection while the output is written:
    # about a sixth of the scan's CPU. The command puts them out of its reach until it returns
    # (the library's collect() leaves its caller's heap alone; an in-process caller gets its
    # collector back as it was).
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        _write(result, output_format)
    finally:
        if not frozen_before:
            gc.unfreeze()


def _write(result: ScanResult, output_format: ScanFormat) -> None:
    warn_problems(result.problems)
    if output_format is ScanFormat.json:
        write_json_list(result.links)  # Link dataclasses, encoded as they are
        return
    from rich.table import Table

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
    common.console.print(table)


__all__ = ["scan"]
