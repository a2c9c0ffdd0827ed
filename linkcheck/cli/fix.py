"""``linkcheck fix``: print the edits the history proposes for the posts as a unified diff; with
``--write``, make them. The planning is :mod:`linkcheck.fix`; this formats.

It reads the posts, the history database and the WARC files; it fetches nothing. Exit codes: 0
nothing to propose (or, with ``--write``, everything proposed was written), 1 a diff to apply (for
CI), 2 a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from linkcheck.cli import common
from linkcheck.cli.common import ConfigOpt, DbOpt, PathsArg, WarcDirOpt, escape, fail, open_store
from linkcheck.exitcodes import ExitCode

if TYPE_CHECKING:
    from linkcheck.config import Config


def fix(
    paths: PathsArg = None,
    write: Annotated[
        bool, typer.Option("--write", help="Apply the edits to the posts (default: only print the diff).")
    ] = False,
    db: DbOpt = None,
    warc_dir: WarcDirOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Propose edits for the posts from the history: a permanent redirect's target, https where the
    site forces it, a migrated WeChat article's successor, an archive link beside a confirmed dead
    link with a readable capture. Prints a unified diff; --write applies it. Fetches nothing.

    Exit 0: nothing to propose (with --write: all written); 1: a diff was printed; 2: usage error."""
    from linkcheck.cli.settings import ReadFlags, load_config_or_fail, settings_for
    from linkcheck.config import PUBLISH_KEYS
    from linkcheck.fix import TemplateError, plan_fix, write_file
    from linkcheck.scan.collect import MissingPathError, walk_posts

    read = settings_for(ReadFlags(config=config_file, db=db, warc_dir=warc_dir))
    config = load_config_or_fail(config_file)  # its `paths` and [fix] table
    db_path, directory = read.db, read.warc_dir
    scanned = paths or [Path(p) for p in config.get("paths")]
    try:
        files = walk_posts(scanned)
    except MissingPathError as exc:
        raise fail(str(exc) if paths else f"config paths: {exc}") from None
    if directory.exists() and not directory.is_dir():  # (a missing one: nothing archived yet)
        named = f"--warc-dir {directory}" if warc_dir is not None else f"archive.dir {directory}"
        raise fail(f"{named}: not a directory")
    with open_store(db_path) as store:
        try:
            plan = plan_fix(
                files,
                store,
                directory,
                template=config.fix_get("archive_link"),
                folder=config.publish.get("folder", PUBLISH_KEYS["folder"].default),  # where publish puts them
                baseurl=_baseurl(scanned, config),
            )
        except TemplateError as exc:
            raise fail(f"config: fix.{exc}") from None
    if plan.unrecorded and len(plan.unrecorded) == len(files):
        common.err_console.print(
            f"none of the {len(files)} posts has a link in the history database {escape(str(db_path))} "
            "(never checked, or checked under another path): `linkcheck check` them first",
            highlight=False,
            soft_wrap=True,
        )
    for skipped in plan.skipped:
        common.err_console.print(
            f"[yellow]skipped[/] {escape(skipped.path)}: {escape(skipped.message)}", highlight=False, soft_wrap=True
        )
    for file in plan.files:
        for note in file.notes:
            common.err_console.print(f"[dim]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    changed = plan.changed
    if not write:
        for file in changed:
            sys.stdout.write(file.diff())
    else:
        for file in changed:
            write_file(Path(file.path), file)
    proposals = plan.proposals
    for proposal in proposals:
        change = f"→ {proposal.replacement}" if proposal.replacement else f"+ {(proposal.added or '').strip()}"
        common.err_console.print(
            f"{escape(proposal.file)}:{proposal.line}:{proposal.column} {proposal.reason} {escape(proposal.url)} "
            f"{escape(change)}" + (f" ({escape(proposal.detail)})" if proposal.detail else ""),
            highlight=False,
            soft_wrap=True,
        )
    if proposals:
        by_reason: dict[str, int] = {}
        for proposal in proposals:
            by_reason[proposal.reason] = by_reason.get(proposal.reason, 0) + 1
        what = ", ".join(f"{n} {reason.removeprefix('fix:')}" for reason, n in sorted(by_reason.items()))
        verb = "written to" if write else "proposed in"
        common.err_console.print(
            f"{len(proposals)} edits {verb} {len(changed)} posts ({what})", highlight=False, soft_wrap=True
        )
    else:
        common.err_console.print("nothing to propose", highlight=False)
    if proposals and not write:
        raise typer.Exit(int(ExitCode.CHANGES_PROPOSED))


def _baseurl(posts: list[Path], config: Config) -> str:
    """The site's ``baseurl`` (its ``_config.yml``, found as ``scan`` finds the blog root), which
    Jekyll puts before every page's URL — the published copies' too; "" without a blog root."""
    from linkcheck.cli.settings import root_path
    from linkcheck.scan.blogroot import SiteError, load_site

    try:
        site = load_site(root_path(None, config), posts)
    except SiteError as exc:
        raise fail(str(exc)) from None
    return site.config.baseurl if site is not None else ""
