"""Publish: readable copies of archived articles written into the blog's own source tree.

``linkcheck publish DIR`` (issue #20) writes one page per archived article under a folder of the
blog (``[publish] folder``, default :data:`DEFAULT_FOLDER`), images beside it, and an index page.
``linkcheck fix`` links a confirmed dead URL to that page. Both must agree on where an article's
page lives, so the rule is here, once: :func:`page_path` (a path relative to the blog root) and
:func:`page_url` (the site-relative URL a post links to).
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

DEFAULT_FOLDER = "archived"


def page_slug(url: str) -> str:
    """A stable, URL-safe name for the article at canonical ``url``.

    A hash, not the URL's own path: WeChat's ``/s?__biz=…&mid=…`` and ``/s/<id>`` shapes, Zhihu's
    ``/question/…/answer/…`` and any other site all give a short name with no characters a static
    host or Jekyll treats specially, and the same URL always gives the same name.
    """
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def page_path(url: str, folder: str = DEFAULT_FOLDER) -> PurePosixPath:
    """Where ``publish`` writes the readable page of ``url``, relative to the blog's root."""
    return PurePosixPath(folder.strip("/")) / page_slug(url) / "index.html"


def page_url(url: str, folder: str = DEFAULT_FOLDER, baseurl: str = "") -> str:
    """The site-relative URL of that page, as a post links to it (Jekyll serves ``dir/index.html``
    at ``dir/``); ``baseurl`` is the site's ``baseurl`` setting, if any."""
    prefix = baseurl.rstrip("/")
    return f"{prefix}/{folder.strip('/')}/{page_slug(url)}/"


__all__ = ["DEFAULT_FOLDER", "page_path", "page_slug", "page_url"]
