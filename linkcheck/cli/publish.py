"""``linkcheck publish DIR``: the readable copies of dead archived articles, into the blog's tree.

Glue over :func:`linkcheck.publish.build.publish`: the options, the config's ``[publish]`` table,
and what happened, said plainly. Reads only the history database and the WARC files.

Exit codes: 0 done (files left alone because they are the owner's are listed as warnings); 2 usage
or config error, a tree that cannot be written, or an article that could not be read from the
archive (the others are published).
"""

from __future__ import annotations

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
    open_store,
)
from linkcheck.cli.settings import PublishFlags, settings_for, unwritable
from linkcheck.exitcodes import ExitCode


def publish(
    directory: Annotated[
        Path, typer.Argument(help="The blog's source tree (where _config.yml is).", show_default=False)
    ],
    everything: Annotated[
        bool, typer.Option("--all", help="Every archived article with a readable copy, not only the dead ones.")
    ] = False,
    folder: Annotated[
        str | None, typer.Option("--folder", help="Folder of the tree the pages go to [publish.folder: archived].")
    ] = None,
    layout: Annotated[
        str | None,
        typer.Option("--layout", help='Jekyll layout of the pages; "" for none [publish.layout: default].'),
    ] = None,
    db: DbOpt = None,
    warc_dir: WarcDirOpt = None,
    output_format: Annotated[TextOrJson, typer.Option("--format", "-f", help="text or json.")] = TextOrJson.text,
    config_file: ConfigOpt = None,
) -> None:
    """Write the readable copies of dead archived articles into the blog's source tree (opt-in).

    One page per article under the folder, its images beside it, and an index page; front matter
    so Jekyll renders them in the blog's layout. Reads only the history database and the WARC
    files. Files the owner wrote or changed are never touched; re-running updates what changed.
    """
    from linkcheck.publish.build import PublishOptions
    from linkcheck.publish.build import publish as publish_articles
    from linkcheck.publish.tree import PublishError

    if not directory.is_dir():
        raise fail(f"{directory}: not a directory (the blog's source tree, where _config.yml is)")
    settings = settings_for(PublishFlags(config=config_file, db=db, warc_dir=warc_dir, folder=folder, layout=layout))
    problem = unwritable(directory, directory=True)
    if problem:
        raise fail(f"{directory}: {problem}")
    options = PublishOptions(folder=settings.folder, layout=settings.layout, everything=everything)
    with open_store(settings.db) as store:
        try:
            result = publish_articles(store, settings.warc_dir, directory, options)
        except PublishError as exc:
            raise fail(str(exc)) from None
    if output_format is TextOrJson.json:
        emit_json(
            {
                "root": str(result.root),
                "folder": result.folder,
                "selected": result.selected,
                "pages": [
                    {
                        "url": p.url, "path": p.path, "state": p.state.value, "title": p.title,
                        "captured_at": p.captured_at, "images": p.images, "images_written": p.images_written,
                        "complete": p.complete, "note": p.note,
                    }
                    for p in result.pages
                ],
                "index": result.index.value if result.index else None,
                "removed": result.removed,
                "kept_back": [{"path": path, "state": state.value} for path, state in result.kept_back],
                "failed": [{"url": url, "error": why} for url, why in result.failed],
                "without_copy": result.without_copy,
            }
        )  # fmt: skip
    else:
        _print_result(result, everything)
    if result.failed:
        raise typer.Exit(int(ExitCode.USAGE))


def _print_result(result, everything: bool) -> None:
    from linkcheck.publish.tree import FileState

    what = "archived articles with a readable copy" if everything else "dead links with a readable copy"
    if not result.selected and not result.index:
        common.console.print(f"Nothing to publish: no {what}.", highlight=False, soft_wrap=True)
    else:
        counts = ", ".join(
            f"{result.count(state)} {state.value}"
            for state in (FileState.CREATED, FileState.UPDATED, FileState.UNCHANGED)
            if result.count(state)
        )
        index = f"{result.folder}/index.html {result.index.value}" if result.index else "no index"
        common.console.print(
            f"Published {result.selected} {what} into {escape(str(result.root))}/{escape(result.folder)}/: "
            f"{counts or 'no page written'}; {index}.",
            highlight=False,
            soft_wrap=True,
        )
        for page in result.pages:
            if page.state in (FileState.CREATED, FileState.UPDATED):
                common.console.print(
                    f"  {page.state.value:8} {escape(page.path)}  {escape(page.title or page.url)} "
                    f"({page.images_written} of {page.images} image(s))",
                    highlight=False,
                    soft_wrap=True,
                )
    for path in result.removed:
        common.console.print(
            f"  removed  {escape(path)} (written by linkcheck, no longer shown)", highlight=False, soft_wrap=True
        )
    for path, state in result.kept_back:
        why = "changed since linkcheck wrote it" if state is FileState.EDITED else "not written by linkcheck"
        common.err_console.print(
            f"[yellow]warning:[/] {escape(path)}: {why}; left as it is", highlight=False, soft_wrap=True
        )
    for page in result.pages:
        if not page.complete:
            common.err_console.print(
                f"[yellow]warning:[/] {escape(page.url)}: incomplete copy: {escape(page.note)}", soft_wrap=True
            )
    if result.without_copy:
        common.err_console.print(
            f"{len(result.without_copy)} dead link(s) have no readable copy to publish (never archived while "
            "alive, or not an article): `linkcheck dead` lists them.",
            highlight=False,
            soft_wrap=True,
        )
    for url, why in result.failed:
        common.err_console.print(
            f"[bold red]error:[/] {escape(url)}: not published: {escape(why)}", highlight=False, soft_wrap=True
        )


__all__ = ["publish"]
