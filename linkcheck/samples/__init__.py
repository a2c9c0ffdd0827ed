"""Sample posts shipped with linkcheck: ``linkcheck demo`` runs on them where there is no posts/.

``posts/`` holds the four seed posts of the blog (Chinese technical articles citing WeChat,
Zhihu, CSDN, GitHub …), so a fresh install can show the whole pipeline before it has seen a blog.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def sample_posts_dir() -> Path:
    """The directory of the bundled sample posts.

    pip installs packages as plain directories, where ``files()`` is a real path; a package
    imported from a zip file has no such directory, and the demo cannot scan it."""
    location = files(__name__) / "posts"
    if not isinstance(location, Path) or not location.is_dir():
        raise FileNotFoundError(f"the sample posts are not a directory on disk here ({location})")
    return location


__all__ = ["sample_posts_dir"]
