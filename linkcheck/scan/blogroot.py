"""Where the blog's Jekyll source tree is (the folder of its ``_config.yml``), found without reading it.

The site model, :mod:`linkcheck.scan.jekyll` (its config parser, permalinks, anchors …), is imported
only when there is a root: ``linkcheck scan`` of posts with no blog around them does not pay for it
(issue #17: the scan's start is a good part of its whole cost). :mod:`linkcheck.scan.jekyll`
re-exports these names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linkcheck.scan.jekyll import JekyllSite

CONFIG_NAMES = ("_config.yml", "_config.yaml", "_config.toml")


class SiteError(Exception):
    """The blog root or its configuration cannot be used."""


def find_root(paths: Iterable[Path]) -> Path | None:
    """The nearest directory holding a Jekyll config, upward from each path in turn."""
    for given in paths:
        try:
            current = given.resolve()
        except OSError:
            continue
        if not current.is_dir():
            current = current.parent
        for folder in (current, *current.parents):
            if any((folder / name).is_file() for name in CONFIG_NAMES):
                return folder
    return None


def load_site(root: Path | None, paths: Sequence[Path]) -> JekyllSite | None:
    """The site at ``root``, else at the root found upward from ``paths``, else None (no blog
    root: internal links stay ``site-relative``, as before)."""
    if root is None:
        root = find_root(paths)
        if root is None:
            return None
    from linkcheck.scan.jekyll import JekyllSite

    return JekyllSite.load(root)


__all__ = ["CONFIG_NAMES", "SiteError", "find_root", "load_site"]
