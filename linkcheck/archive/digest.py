"""What a captured page says: its title, readable text, excerpt and image URLs, from its HTML.

Used when a page is written (the ``captures`` row's title and excerpt, the images to fetch) and
when it is read back (``linkcheck show``). The HTML parser keeps no tree: memory stays flat for
multi-megabyte articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from html.parser import HTMLParser

from linkcheck.classify import Page, decode_body

EXCERPT_CHARS = 500

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object", "select"})
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
        "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip


class _PageParser(HTMLParser):
    def __init__(self, image_attrs: Sequence[str] = ()) -> None:
        super().__init__(convert_charrefs=True)
        self.image_attrs = tuple(image_attrs)
        self.images: list[str] = []
        self.og_title: str | None = None
        self.h1: str | None = None
        self._title: list[str] = []
        self._in_title = False
        self._h1: list[str] | None = None
        self._skip = 0
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = dict(attrs)
            if self.og_title is None and "og:title" in (values.get("property"), values.get("name")):
                self.og_title = (values.get("content") or "").strip() or None
        elif tag == "img" and self.image_attrs:
            values = dict(attrs)
            for name in self.image_attrs:
                value = (values.get(name) or "").strip()
                if value and not value.startswith("data:"):
                    self.images.append(value)
                    break
        elif tag == "h1" and self.h1 is None and self._h1 is None:
            self._h1 = []
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self._parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <img/>, <meta/>: no content, so a skip tag written this way opens nothing.
        if tag in _SKIP_TAGS:
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "h1" and self._h1 is not None:
            self.h1 = " ".join("".join(self._h1).split()) or None
            self._h1 = None
        if tag in _BLOCK_TAGS:
            self._parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
        elif not self._skip:
            self._parts.append(data)
            if self._h1 is not None:
                self._h1.append(data)

    @property
    def title(self) -> str | None:
        title = " ".join("".join(self._title).split())
        return self.og_title or title or self.h1

    @property
    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self._parts).split("\n"))
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True, slots=True)
class PageDigest:
    title: str | None
    text: str
    images: tuple[str, ...]

    @property
    def excerpt(self) -> str:
        return self.text[:EXCERPT_CHARS]


def digest_html(html: str, image_attrs: Sequence[str] = ()) -> PageDigest:
    """Title (og:title, else <title>, else the first <h1>), readable text and <img> URLs."""
    parser = _PageParser(image_attrs)
    with suppress(AssertionError):  # html.parser gives up on some broken markup: keep what it read
        # In slices: html.parser copies its unparsed buffer on every feed.
        for start in range(0, len(html), 65536):
            parser.feed(html[start : start + 65536])
        parser.close()
    return PageDigest(parser.title, parser.text, tuple(parser.images))


def digest_body(body: bytes, content_type: str, image_attrs: Sequence[str] = ()) -> PageDigest:
    """The digest of a body whose Content-Encoding is undone, decoded with its charset (the
    ``Content-Type`` parameter, else ``<meta charset>``, else UTF-8, else GB18030)."""
    return digest_html(decode_body(body, content_type), image_attrs)


def digest_answer(page: Page, window: bytes, image_attrs: Sequence[str] = ()) -> PageDigest | None:
    """The digest of a check's answer from its decoded window (the first bytes of the body); None
    when the answer is not HTML."""
    looks_html = "html" in page.content_type.lower() or bytes(window[:512]).lstrip()[:1] == b"<"
    if not looks_html:
        return None
    if page.body_read and page.body is window:  # the classifier decoded these very bytes already
        return digest_html(page.text, image_attrs)
    return digest_body(window, page.content_type, image_attrs)


__all__ = ["EXCERPT_CHARS", "PageDigest", "digest_answer", "digest_body", "digest_html"]
