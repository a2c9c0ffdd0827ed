"""The command line: thin glue over the library. Only this layer knows about terminals."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from linkcheck.cli.output import write_json_list
from linkcheck.exitcodes import ExitCode

if TYPE_CHECKING:
    from linkcheck.config import Config

app = typer.Typer(
    name="linkcheck",
    help="Guard a blog's outbound links: extract, check, classify, remember, archive.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

VERDICT_STYLE = {"alive": "green", "dead": "bold red", "blocked": "yellow", "error": "magenta", "skipped": "dim"}
console = Console()
err_console = Console(stderr=True)


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


def database_path(given: Path | None, config: Config) -> Path:
    """``--db``, else ``db`` of the config file, else its default: the same for every command."""
    return given if given is not None else Path(config.get("db"))


def root_path(given: Path | None, config: Config) -> Path | None:
    """``--root``, else ``root`` of the config file, else None (found upward from the posts)."""
    configured = config.get("root")
    return given if given is not None else Path(configured) if configured else None


def load_config_or_fail(path: Path | None) -> Config:
    """The config file (``--config``, else ``./linkcheck.toml``, else ``[tool.linkcheck]``); a
    problem with it is a usage error naming the file and the key."""
    from linkcheck.config import ConfigError, load

    try:
        return load(Path("."), path)
    except ConfigError as exc:
        raise fail(f"config: {exc}") from None


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
    scanned = paths or [Path(p) for p in config.get("paths")]
    try:
        result = collect(
            scanned,
            site_url=config.get("site_url", site_url),
            exclude=tuple(config.get("exclude")),
            site=load_site(root_path(root, config), scanned),
        )
    except (MissingPathError, SiteError) as exc:
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
