"""The files ``publish`` writes for Jekyll: an article's page, its images' names, the index page.

Pure functions of what the history database and the WARC files hold; :mod:`linkcheck.publish.build`
reads those and writes the results through :mod:`linkcheck.publish.tree`.

What Jekyll makes of them:

* every page starts with **front matter** (``layout``, ``title``, ``permalink``), so Jekyll renders
  it inside the blog's own layout (``[publish] layout``; ``""``: no layout, the page is then a whole
  HTML document) at :func:`linkcheck.publish.page_url`. Values are written as JSON strings, which
  YAML reads as the same strings whatever they hold;
* the content is **Liquid-proof**: Jekyll runs Liquid over every page with front matter, and an
  article quoting a template (``{{ x }}``, ``{% raw %}``) would break the build or change the text.
  Every ``{{`` and ``{%`` of the content is written with its brace as the character reference
  ``&#123;``, which a browser shows as ``{`` (text and attribute values alike); the only raw-text
  element of the page, its ``<style>``, holds neither;
* ``sitemap: false``: a copy of someone else's article is not offered to search engines as the
  blog's own page (jekyll-sitemap reads it).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

# Raster types written as files beside the page. Anything else (SVG above all, which runs scripts
# when opened on its own from the blog's origin) goes into the page as a data: URI, which an <img>
# shows and nothing navigates to.
IMAGE_FILE_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/avif": ".avif",
    "image/bmp": ".bmp",
    "image/x-icon": ".ico",
    "image/vnd.microsoft.icon": ".ico",
}

_LIQUID = re.compile(r"\{(?=[{%])")


def liquid_safe(html: str) -> str:
    """``html`` with every ``{{`` and ``{%`` written so Liquid sees no tag and a browser the same text."""
    return _LIQUID.sub("&#123;", html)


# What YAML (1.1, as Jekyll's Psych reads it) does not allow in a document at all, and the
# characters it takes for line breaks inside a quoted string (folded to a space there anyway).
_NOT_YAML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_YAML_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")


def yaml_text(text: str) -> str:
    """``text`` as one line YAML can hold: what it forbids dropped, its line breaks as spaces."""
    return _YAML_BREAKS.sub(" ", _NOT_YAML.sub("", text))


def front_matter(fields: Mapping[str, Any]) -> str:
    """YAML front matter; each value as JSON (a JSON string is a YAML string with the same value,
    once it holds nothing YAML forbids: :func:`yaml_text`; non-ASCII stays as it is, since YAML 1.1
    readers do not join the surrogate pairs JSON would write for an emoji)."""
    lines = ["---"]
    for key, value in fields.items():
        if isinstance(value, str):
            value = yaml_text(value)
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def plain_title(title: str) -> str:
    """A title fit for front matter: one line, no markup. Themes print ``page.title`` into the
    layout, some without escaping it; an archived page's title must not become markup on the blog."""
    cleaned = re.sub(r"[\x00-\x1f\x7f]+", " ", title).replace("<", "‹").replace(">", "›")
    return " ".join(cleaned.split())


def image_file_name(url: str, content_type: str) -> str | None:
    """The file an archived image is written to beside its page (named by its archived URL, so
    the same image gets the same name on every run), or None: inline it as a data: URI instead."""
    media = content_type.split(";")[0].strip().lower()
    suffix = IMAGE_FILE_TYPES.get(media)
    if suffix is None:
        return None
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16] + suffix


def page_document(
    content: str,
    *,
    layout: str,
    title: str,
    permalink: str,
    original_url: str,
    captured_at: str,
) -> str:
    """An article's page: front matter, then the readable copy (a fragment inside the layout, or a
    whole document without one), Liquid-proof."""
    fields = {
        "layout": layout or None,
        "title": plain_title(title) or original_url,
        "permalink": permalink,
        "sitemap": False,
        "archived_from": original_url,
        "archived_at": captured_at,
    }
    return front_matter(fields) + liquid_safe(content)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    url: str  # the original (canonical) URL
    href: str  # the page, relative to the index
    title: str
    captured_at: str
    state: str  # "dead: tombstone:weixin-deleted" …
    cited_in: tuple[tuple[str, str | None], ...]  # (label, site-relative URL of the post, if known)


INDEX_TITLE = "Archived articles"

_INDEX_STYLE = (
    ".lc-index{font-size:15px;line-height:1.6}.lc-index .lc-note{font-size:13px;color:#555;background:#f4f6f8;"
    "border:1px solid #dde3e8;border-radius:6px;padding:8px 12px}"
    ".lc-index li{margin:12px 0}.lc-index .lc-meta{font-size:13px;color:#555;word-break:break-all}"
)


def index_document(entries: Iterable[IndexEntry], *, layout: str, permalink: str) -> str:
    """The index of the published articles, newest capture first."""
    items = []
    for entry in sorted(entries, key=lambda e: (e.captured_at, e.url), reverse=True):
        posts = ", ".join(
            f'<a href="{escape(href)}">{escape(label)}</a>' if href else escape(label) for label, href in entry.cited_in
        )
        items.append(
            f'<li><a href="{escape(entry.href)}">{escape(entry.title or entry.url)}</a>'
            f'<div class="lc-meta">original: <a href="{escape(entry.url)}" rel="noopener noreferrer">'
            f"{escape(entry.url)}</a> ({escape(entry.state)})<br>captured {escape(entry.captured_at)}"
            + (f"<br>cited in {posts}" if posts else "")
            + "</div></li>"
        )
    body = (
        f'<div class="lc-index"><style>{_INDEX_STYLE}</style>\n<h1>{INDEX_TITLE}</h1>\n'
        '<p class="lc-note">Archived copies of articles this blog cites, kept because an original may '
        "be deleted or changed. Each is a copy made by linkcheck from its own capture, not the original: "
        "its page names the original URL and when it was captured.</p>\n"
        f"<ul>\n{chr(10).join(items)}\n</ul>\n</div>\n"
    )
    if not layout:
        body = (
            '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{INDEX_TITLE}</title>'
            f"</head>\n<body>\n{body}</body></html>\n"
        )
    fields = {"layout": layout or None, "title": INDEX_TITLE, "permalink": permalink, "sitemap": False}
    return front_matter(fields) + liquid_safe(body)


__all__ = [
    "INDEX_TITLE",
    "IndexEntry",
    "front_matter",
    "image_file_name",
    "index_document",
    "liquid_safe",
    "page_document",
    "plain_title",
]
