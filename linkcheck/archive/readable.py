"""Readable copies: the article a person reads, derived from an untouched capture.

A WeChat article replays blank from its raw capture: the body ships as ``#js_content`` with
``visibility: hidden; opacity: 0`` and every image as ``data-src``, and only WeChat's own
JavaScript reveals them (``shared/docs/archivers.md`` §3.1). Replay tools run a page's scripts
when they have them, and then ask for images under the runtime URLs that script makes up
(``…&tp=webp&wxfrom=5&wx_lazy=1&wx_co=1``), which pywb does not map onto the captured URL (its
fuzzy matching ignores the query only for URLs with a file extension; mmbiz paths end in
``/640``). So beside each capture of a page whose site profile has a :class:`~linkcheck.sites.Readable`
rule, linkcheck writes a **readable copy**:

* a WARC ``resource`` record (``text/html; charset=utf-8``) at a URI of its own,
  ``urn:readable:<page URL>`` (the ``urn:`` naming Browsertrix uses for ``urn:text:`` and
  ``urn:view:`` records), with the page's ``WARC-Date``: the article (title, text, figures) taken
  from the site's content element, scripts and inline hiding dropped, and each image named by the
  URL the archive captured it at — so pywb and ReplayWeb.page serve it from the archive;
* a ``metadata`` record (``application/warc-fields``, ``WARC-Refers-To`` the page's ``response``
  record) saying what it was derived from and how many images it holds — replay tools do not
  index ``warc-fields`` metadata, WARC readers find the link;
* a row in ``readable_copies`` (SQLite), which ``dead_links`` reads to say a dead link has one.

The ``response`` record is never altered: the copy is derived, and says so in its banner.

The same rendering, with every image inlined as a ``data:`` URI read from the WARC files, is
``linkcheck show URL --html FILE`` (:func:`standalone_html`): one self-contained file that makes
no request anywhere (its Content-Security-Policy allows ``data:`` images and inline styles only).

Only complete captures make a copy: a body cut by the size cap (``WARC-Truncated``) or one whose
article element never closes gives none, so a truncated page is never presented as the article
(walls and tombstones are never archived as the page in the first place).
"""

from __future__ import annotations

import base64
import codecs
import io
import re
import secrets
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from warcio.recordbuilder import RecordBuilder

from linkcheck.classify import declared_charsets
from linkcheck.sites import Readable, profile_for

READABLE_PREFIX = "urn:readable:"
READABLE_TYPE = "text/html; charset=utf-8"
MAX_SOURCE_BYTES = 64 * 1024 * 1024  # decoded HTML read to find the article (a gzip bomb stops here)
MAX_COPY_BYTES = 8 * 1024 * 1024  # the copy itself; a longer article is not copied (incomplete)
MAX_INLINE_IMAGE_BYTES = 20 * 1024 * 1024  # per image inlined by `show --html`

_DROP = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
        "applet", "form", "input", "button", "select", "textarea", "canvas", "audio", "video", "head",
        "title", "meta", "link", "base", "dialog",
    }
)  # fmt: skip
_KEEP = frozenset(
    {
        "a", "abbr", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption", "center",
        "cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i",
        "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp",
        "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
        # formulas: inline SVG (MathJax's output on WeChat) and MathML
        "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
        "tspan", "defs", "use", "symbol", "clippath", "lineargradient", "radialgradient", "stop",
        "mask", "pattern", "marker", "math", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace",
        "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot", "mtable", "mtr", "mtd", "munder",
        "mover", "munderover", "mstyle", "mpadded", "mphantom", "menclose", "semantics",
    }
)  # fmt: skip
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
_SVG = frozenset(
    {"svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan", "defs",
     "use", "symbol", "clippath", "lineargradient", "radialgradient", "stop", "mask", "pattern", "marker"}
)  # fmt: skip
_MATH = frozenset(
    {"math", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace", "msup", "msub", "msubsup", "mfrac", "msqrt",
     "mroot", "mtable", "mtr", "mtd", "munder", "mover", "munderover", "mstyle", "mpadded", "mphantom",
     "menclose", "semantics"}
)  # fmt: skip
_FORMULA = _SVG | _MATH
_GLOBAL_ATTRS = frozenset({"style", "title", "lang", "dir", "align", "colspan", "rowspan", "width", "height"})
# Inline CSS that hides what the site's script would reveal, or fetches something: dropped.
_HIDING = re.compile(r"^\s*(?:visibility|opacity)\s*:", re.I)
_FETCHING = re.compile(r"url\s*\(|expression\s*\(|@import", re.I)


@dataclass(slots=True)
class ReadableDraft:
    """The article of one capture: sanitised HTML whose images are numbered placeholders."""

    page_url: str
    content: str  # HTML; each image is ``<img src="{token}{n}" …>`` with n an index into ``images``
    token: str
    images: tuple[str, ...]  # absolute URLs, as the archive fetches them (urljoin, no fragment)
    text_chars: int  # visible characters of text
    complete: bool  # the whole source was read and every article element closed
    note: str = ""  # why it is incomplete

    @property
    def readable(self) -> bool:
        """Whether it is worth showing: complete, and some text or a picture."""
        return self.complete and (self.text_chars > 0 or bool(self.images))


def readable_uri(page_url: str) -> str:
    """The URI of a page's readable copy in the WARC files."""
    return READABLE_PREFIX + page_url


# For `show --html` of a page whose site has no rule: the page's article, main part, else its body.
GENERIC_RULE = Readable((("tag", "article"), ("tag", "main"), ("tag", "body")))


def rule_for(url: str) -> Readable | None:
    return profile_for((urlsplit(url).hostname or "").lower()).readable


# --------------------------------------------------------------------------------------------
# Decoding the stored body, in pieces
# --------------------------------------------------------------------------------------------


def _undo_content_encoding(chunks: Iterable[bytes], encoding: str | None, limit: int) -> Iterator[bytes]:
    """The chunks with gzip/deflate undone, at most ``limit`` bytes out; raises ValueError past it
    (so a cut source is never taken for the whole page)."""
    name = (encoding or "identity").strip().lower() or "identity"
    produced = 0
    if name == "identity":
        for chunk in chunks:
            produced += len(chunk)
            if produced > limit:
                raise ValueError("source longer than the limit")
            yield chunk
        return
    if name not in ("gzip", "x-gzip", "deflate"):
        raise ValueError(f"unreadable Content-Encoding {encoding}")
    decompressor: Any = zlib.decompressobj(16 + zlib.MAX_WBITS) if name != "deflate" else None
    for chunk in chunks:
        if decompressor is None:  # deflate: zlib-wrapped as specified, or raw as often sent
            wrapped = len(chunk) >= 2 and chunk[0] & 0x0F == 8 and ((chunk[0] << 8) | chunk[1]) % 31 == 0
            decompressor = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        data = chunk
        while data:
            out = decompressor.decompress(data, 1 << 20)
            produced += len(out)
            if produced > limit:
                raise ValueError("source longer than the limit")
            if out:
                yield out
            data = decompressor.unconsumed_tail
            if decompressor.eof:
                return


def _charset(content_type: str, head: bytes) -> str:
    """The page's charset as classify.decode_body picks it, for an incremental decoder."""
    for name in declared_charsets(content_type, head):
        try:
            codecs.lookup(name)
        except LookupError:
            continue
        return name
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "gb18030"
    return "utf-8"


def _text_pieces(chunks: Iterable[bytes], content_type: str) -> Iterator[str]:
    iterator = iter(chunks)
    head = b""
    for chunk in iterator:
        head += chunk
        if len(head) >= 65536:
            break
    decoder = codecs.getincrementaldecoder(_charset(content_type, head))(errors="replace")
    if head:
        yield decoder.decode(head)
    for chunk in iterator:
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def file_chunks(path: Any, size: int = 65536) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk


# --------------------------------------------------------------------------------------------
# The article, out of the page
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Capture:
    """One article element being copied: its tag, how deep in same-name tags we are, its HTML."""

    tag: str
    depth: int = 1
    parts: list[str] = field(default_factory=list)


class _ArticleParser(HTMLParser):
    """Copies the elements a :class:`Readable` rule names, sanitised, in one streaming pass."""

    def __init__(self, page_url: str, rule: Readable, image_attrs: Sequence[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.rule = rule
        self.image_attrs = tuple(image_attrs)
        self.token = f"lc-img-{secrets.token_hex(6)}-"
        self.images: list[str] = []
        self._image_index: dict[str, int] = {}
        # Per selector of the rule: the finished copies and the one open now (if any).
        self.found: list[list[str]] = [[] for _ in rule.content]
        self._open: list[_Capture | None] = [None for _ in rule.content]
        self._drop = 0  # inside a dropped element (script, noscript …)
        self._drop_tag: list[str] = []
        self.text_chars = [0 for _ in rule.content]
        self.size = 0
        self.overflow = False

    # -- matching --------------------------------------------------------------------------

    def _matches(self, attrs: Mapping[str, str | None]) -> list[int]:
        hits = []
        for index, (name, value) in enumerate(self.rule.content):
            have = attrs.get(name) if name != "tag" else None
            if have is None:
                continue
            if (name == "class" and value in have.split()) or (name != "class" and have == value):
                hits.append(index)
        return hits

    def _matches_tag(self, tag: str, attrs: Mapping[str, str | None]) -> list[int]:
        hits = self._matches(attrs)
        for index, (name, value) in enumerate(self.rule.content):
            if name == "tag" and value == tag:
                hits.append(index)
        return hits

    def _emit(self, text: str) -> None:
        if self.overflow:
            return
        active = [capture for capture in self._open if capture is not None]
        if not active:
            return
        self.size += len(text)
        if self.size > MAX_COPY_BYTES:
            self.overflow = True
            return
        for capture in active:
            capture.parts.append(text)

    @property
    def _copying(self) -> bool:
        return any(capture is not None for capture in self._open)

    # -- HTMLParser ------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs}
        if tag not in _VOID:  # (counted inside dropped elements too: their end tags are counted alike)
            for capture in self._open:
                if capture is not None and capture.tag == tag:
                    capture.depth += 1
        if self._drop:
            if tag in _DROP and tag not in _VOID:
                self._drop += 1
                self._drop_tag.append(tag)
            return
        if self._copying:
            if tag in _DROP:
                if tag not in _VOID:
                    self._drop += 1
                    self._drop_tag.append(tag)
                return
            if tag == "img":
                self._image(values)
            elif tag in _KEEP:  # (an element of the site's own — mp-style, mjx-container … — is unwrapped)
                self._emit(f"<{tag}{self._attrs(tag, values)}>")
        for index in self._matches_tag(tag, values):
            if self._open[index] is None:
                self._open[index] = _Capture(tag, parts=[f"<{_out_tag(tag)}{self._attrs(tag, values)}>"])
                if tag in _VOID:
                    self._close(index)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SVG and tag != "svg" and self._copying and not self._drop:
            # Self-closed SVG elements (<path … />) stay self-closed: in foreign content they close.
            self._emit(f"<{tag}{self._attrs(tag, dict(attrs))}/>")
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        emit = not self._drop
        if self._drop and self._drop_tag and self._drop_tag[-1] == tag:
            self._drop_tag.pop()
            self._drop -= 1
        if tag in _VOID:
            return
        closing = []
        for index, capture in enumerate(self._open):
            if capture is not None and capture.tag == tag:
                capture.depth -= 1
                if capture.depth == 0:
                    closing.append(index)
        if emit and tag in _KEEP:
            for index, capture in enumerate(self._open):
                if capture is not None and index not in closing:
                    capture.parts.append(f"</{tag}>")
        for index in closing:
            capture = self._open[index]
            assert capture is not None
            capture.parts.append(f"</{_out_tag(tag)}>")
            self._close(index)

    def _close(self, index: int) -> None:
        capture = self._open[index]
        self._open[index] = None
        if capture is not None:
            self.found[index].append("".join(capture.parts))

    def handle_data(self, data: str) -> None:
        if self._drop or not self._copying:
            return
        chars = sum(1 for char in data if not char.isspace())
        for index, capture in enumerate(self._open):
            if capture is not None:
                self.text_chars[index] += chars
        self._emit(escape(data, quote=False))

    # -- attributes and images ------------------------------------------------------------

    def _attrs(self, tag: str, values: Mapping[str, str | None]) -> str:
        out = []
        for name, value in values.items():
            if value is None or name.startswith("on"):
                continue
            if name == "style":
                value = _clean_style(value)
                if not value:
                    continue
            elif tag == "a" and name == "href":
                url = urljoin(self.page_url, value.strip())
                if urlsplit(url).scheme not in ("http", "https"):
                    continue
                out.append(f' href="{escape(url)}" rel="noopener noreferrer"')
                continue
            elif tag in _FORMULA:
                # Presentation attributes of formulas; links only within the document.
                if name in ("href", "xlink:href") and not value.startswith("#"):
                    continue
                if _FETCHING.search(value) or "javascript:" in value.lower():
                    continue
            elif name not in _GLOBAL_ATTRS:
                continue
            out.append(f' {name}="{escape(value)}"')
        return "".join(out)

    def _image(self, values: Mapping[str, str | None]) -> None:
        raw = None
        for name in (*self.image_attrs, "src"):
            value = (values.get(name) or "").strip()
            if value and not value.startswith("data:"):
                raw = value
                break
        if raw is None:
            return  # only a placeholder (an empty SVG, a 1-pixel GIF): nothing to show
        url = urljoin(self.page_url, raw).split("#", 1)[0]
        if urlsplit(url).scheme not in ("http", "https"):
            return
        index = self._image_index.get(url)
        if index is None:
            index = self._image_index[url] = len(self.images)
            self.images.append(url)
        alt = values.get("alt") or ""
        self._emit(f'<img src="{self.token}{index}" alt="{escape(alt)}">')

    # -- result ----------------------------------------------------------------------------

    def content(self) -> tuple[str, int] | None:
        """The copies of the first selector that matched, and its index."""
        for index, copies in enumerate(self.found):
            if copies:
                return "\n".join(copies), index
        return None


def _out_tag(tag: str) -> str:
    return tag if tag in _KEEP else "div"


def _clean_style(style: str) -> str:
    kept = [d.strip() for d in style.split(";") if d.strip() and not _HIDING.match(d) and not _FETCHING.search(d)]
    return "; ".join(kept)


def extract(
    chunks: Iterable[bytes],
    *,
    page_url: str,
    content_type: str,
    content_encoding: str | None = None,
    rule: Readable,
    image_attrs: Sequence[str] = ("data-src", "src"),
    source_complete: bool = True,
) -> ReadableDraft | None:
    """The article of a page, read from its stored body (``chunks``, still Content-Encoded).

    None when the rule finds no article element. ``source_complete``: the stored body is the
    whole page (not cut by the capture's size cap)."""
    parser = _ArticleParser(page_url, rule, image_attrs)
    note = "" if source_complete else "the page was cut when captured (WARC-Truncated)"
    try:
        for piece in _text_pieces(_undo_content_encoding(chunks, content_encoding, MAX_SOURCE_BYTES), content_type):
            for start in range(0, len(piece), 65536):  # html.parser copies its buffer on each feed
                parser.feed(piece[start : start + 65536])
        parser.close()
    except (ValueError, zlib.error, AssertionError) as exc:
        note = note or f"the page could not be read to its end ({exc})"
    found = parser.content()
    if found is None:
        # An article element that never closes (a cut page): what there is, marked incomplete.
        index = next((i for i, capture in enumerate(parser._open) if capture is not None), None)
        if index is None:
            return None
        capture = parser._open[index]
        assert capture is not None
        found = "".join(capture.parts), index
    content, index = found
    if parser.overflow:
        note = note or "the article is longer than a readable copy holds"
    elif parser._open[index] is not None:
        note = note or "the article element never closes (cut page?)"
    return ReadableDraft(
        page_url=page_url,
        content=content,
        token=parser.token,
        images=tuple(parser.images),
        text_chars=parser.text_chars[index],
        complete=not note,
        note=note,
    )


# --------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------

_STYLE = (
    "body{max-width:720px;margin:0 auto;padding:16px;font:16px/1.75 -apple-system,'PingFang SC',"
    "'Noto Sans CJK SC','Microsoft YaHei',sans-serif;color:#222;background:#fff}"
    "img{max-width:100%;height:auto}svg{max-width:100%}"
    ".lc-banner{font-size:13px;line-height:1.5;color:#555;background:#f4f6f8;border:1px solid #dde3e8;"
    "border-radius:6px;padding:8px 12px;margin-bottom:16px}"
    ".lc-missing{display:inline-block;font-size:13px;color:#a33;border:1px dashed #d99;padding:4px 8px}"
    "h1.lc-title{font-size:24px;line-height:1.4}"
)
# The same look inside a page of the blog's layout: scoped to the copy, leaving the theme's body alone.
_FRAGMENT_STYLE = (
    ".lc-readable{max-width:720px;margin:0 auto;font:16px/1.75 -apple-system,'PingFang SC',"
    "'Noto Sans CJK SC','Microsoft YaHei',sans-serif;color:#222}"
    ".lc-readable img{max-width:100%;height:auto}.lc-readable svg{max-width:100%}"
    ".lc-readable .lc-banner{font-size:13px;line-height:1.5;color:#555;background:#f4f6f8;"
    "border:1px solid #dde3e8;border-radius:6px;padding:8px 12px;margin-bottom:16px}"
    ".lc-readable .lc-missing{display:inline-block;font-size:13px;color:#a33;border:1px dashed #d99;padding:4px 8px}"
    ".lc-readable h1.lc-title{font-size:24px;line-height:1.4}"
)


def render(
    draft: ReadableDraft,
    *,
    title: str | None,
    captured_at: str,
    http_status: int | None,
    image_src: Callable[[str], str | None],
    standalone: bool = False,
    where: str | None = None,
    fragment: bool = False,
) -> str:
    """The readable document. ``image_src(url)``: what an image's ``src`` becomes (the archived
    URL for the WARC copy, a ``data:`` URI for ``show --html``, a file beside the page for
    ``publish``), or None when the archive does not hold it — then the place says so instead of
    pointing anywhere. ``where``: the banner's last clause (where the rest of the capture is);
    ``fragment``: the banner, title and article only, styled within a ``div.lc-readable`` (to go
    inside a page of the blog's own layout), not a whole document."""
    shown = 0
    sources: list[str | None] = []
    for url in draft.images:
        src = image_src(url)
        sources.append(src)
        shown += src is not None

    def image(match: re.Match[str]) -> str:
        index = int(match.group(1))
        src = sources[index]
        if src is None:
            return f'<span class="lc-missing">[image not archived: {escape(draft.images[index])}]</span>'
        return f'<img src="{escape(src)}"{match.group(2)}>'

    body = re.sub(rf'<img src="{re.escape(draft.token)}(\d+)"([^>]*)>', image, draft.content)
    heading = escape(title or draft.page_url)
    status = f" (HTTP {http_status})" if http_status else ""
    images = f"{shown} of {len(draft.images)} image(s)" if draft.images else "no images"
    if where is None:
        where = (
            "every image is inlined from the WARC files; this file makes no request"
            if standalone
            else "the original page is kept untouched beside it"
        )
    banner = (
        f'Readable copy of <a href="{escape(draft.page_url)}" rel="noopener noreferrer">'
        f"{escape(draft.page_url)}</a>, derived by linkcheck from its capture of {escape(captured_at)}{status}: "
        f"the article's text and {images} as archived, without the page's scripts; {where}."
    )
    if not draft.complete:
        banner += f" <strong>Incomplete: {escape(draft.note)} — not the whole article.</strong>"
    if fragment:
        return (
            f'<div class="lc-readable"><style>{_FRAGMENT_STYLE}</style>\n'
            f'<div class="lc-banner">{banner}</div>\n<h1 class="lc-title">{heading}</h1>\n'
            f'<article class="lc-article">\n{body}\n</article>\n</div>\n'
        )
    policy = ""
    if standalone:
        # Nothing in the file may reach the network: data: images and inline styles only.
        policy = (
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
            "style-src 'unsafe-inline'\">"
        )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'{policy}<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{heading} (readable copy)</title><style>{_STYLE}</style></head>\n"
        f'<body><div class="lc-banner">{banner}</div>\n<h1 class="lc-title">{heading}</h1>\n'
        f'<article class="lc-article">\n{body}\n</article>\n</body></html>\n'
    )


# --------------------------------------------------------------------------------------------
# WARC records
# --------------------------------------------------------------------------------------------


def build_records(
    html: bytes,
    *,
    page_url: str,
    warc_date: str,
    page_record_id: str,
    images: int,
    images_archived: int,
    version: str = "1.1",
) -> list[Any]:
    """[resource, metadata] for a readable copy (the caller closes their streams after writing)."""
    builder = RecordBuilder(warc_version=version)
    resource = builder.create_warc_record(
        readable_uri(page_url),
        "resource",
        payload=io.BytesIO(html),
        length=len(html),
        warc_content_type=READABLE_TYPE,
        warc_headers_dict={"WARC-Date": warc_date},
    )
    fields = (
        f"via: linkcheck readable copy\r\n"
        f"derived-from: {page_url}\r\n"
        f"derived-from-record: {page_record_id}\r\n"
        f"readable-copy: {readable_uri(page_url)}\r\n"
        f"readable-record: {resource.rec_headers.get_header('WARC-Record-ID')}\r\n"
        f"images: {images}\r\n"
        f"images-archived: {images_archived}\r\n"
    ).encode()
    metadata = builder.create_warc_record(
        readable_uri(page_url),
        "metadata",
        payload=io.BytesIO(fields),
        length=len(fields),
        warc_content_type="application/warc-fields",
        warc_headers_dict={"WARC-Date": warc_date, "WARC-Refers-To": page_record_id},
    )
    return [resource, metadata]


# --------------------------------------------------------------------------------------------
# One self-contained file (`linkcheck show URL --html FILE`)
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Standalone:
    html: str
    title: str | None
    images: int
    images_inlined: int
    complete: bool
    note: str
    copy: dict | None  # the readable_copies row of the capture, when one was written


class NotReadableError(Exception):
    pass


@dataclass(slots=True)
class Derived:
    """The article of a page capture, ready to render: what ``show --html`` and ``publish`` share."""

    draft: ReadableDraft
    title: str | None
    holder: dict  # the captures row holding the response (the revisited one for a revisit)


def derive(store: Any, warc_dir: Any, row: dict) -> Derived:
    """The article of a page capture (a ``captures`` row), derived from the untouched response
    (the revisited one for a revisit) by the site's rule (any other HTML page: its article, main
    part or body). Raises NotReadableError for a capture that is not an HTML page or holds no
    article; CaptureMissingError/OSError when the WARC files are gone."""
    from linkcheck.archive import digest_html, read_capture
    from linkcheck.classify import decode_body
    from linkcheck.sites import profile_for as profile

    holder = row.get("original") or row
    stored = read_capture(warc_dir, row)
    content_type = stored.content_type
    media = content_type.split(";")[0].strip().lower()
    if media and "html" not in media:
        raise NotReadableError(f"the capture is {media}, not an HTML page")
    site = profile((urlsplit(holder["url"]).hostname or "").lower())
    rule = site.readable or GENERIC_RULE
    attrs = site.requisites.attrs if site.requisites is not None else ("src",)
    draft = extract(
        [stored.body],
        page_url=holder["url"],
        content_type=content_type,
        rule=rule,
        image_attrs=attrs,
        source_complete=not stored.truncated,
    )
    if draft is None or not (draft.text_chars or draft.images):
        raise NotReadableError("no article text or picture found in the capture")
    title = row.get("title") or digest_html(decode_body(stored.body[: 2 * 1024 * 1024], content_type)).title
    return Derived(draft, title, holder)


def standalone_html(store: Any, warc_dir: Any, row: dict) -> Standalone:
    """The readable copy of a page capture (``store.captures.latest`` row) as one self-contained
    HTML file: :func:`derive`, and every image inlined as a ``data:`` URI from its own capture in
    the WARC files. Nothing in it is fetched from anywhere. Raises as :func:`derive` does."""
    derived = derive(store, warc_dir, row)
    draft, holder = derived.draft, derived.holder

    def inline(url: str) -> str | None:
        found = archived_image(store, warc_dir, url)
        return data_uri(found.content_type, found.body) if found is not None else None

    images = [inline(url) for url in draft.images]
    lookup = dict(zip(draft.images, images, strict=True))
    html = render(
        draft,
        title=derived.title,
        captured_at=holder["warc_date"],
        http_status=holder["http_status"],
        image_src=lookup.get,
        standalone=True,
    )
    copy = store.readable.of_capture(holder["id"])
    return Standalone(
        html, derived.title, len(images), sum(i is not None for i in images), draft.complete, draft.note, copy
    )


@dataclass(frozen=True, slots=True)
class ArchivedImage:
    url: str  # where the archive holds it (the last hop of archived redirects)
    content_type: str
    body: bytes


def archived_image(store: Any, warc_dir: Any, url: str, hops: int = 5) -> ArchivedImage | None:
    """An archived image read from the WARC files, following archived redirects; None when the
    archive has no complete 2xx image for it (then the copy says so — it never points at the origin)."""
    from linkcheck.archive import CaptureMissingError, read_capture

    for _ in range(hops):
        row = store.captures.latest(url)
        if row is None:
            return None
        try:
            stored = read_capture(warc_dir, row, max_bytes=MAX_INLINE_IMAGE_BYTES)
        except (CaptureMissingError, OSError):
            return None
        status = int((row.get("original") or row)["http_status"] or 0)
        if 300 <= status < 400:
            location = next((v for k, v in stored.http_headers if k.lower() == "location"), None)
            if not location:
                return None
            url = urljoin(url, location)
            continue
        if not 200 <= status < 300 or stored.truncated or not stored.content_type.lower().startswith("image/"):
            return None
        return ArchivedImage(url, stored.content_type, stored.body)
    return None


def data_uri(content_type: str, body: bytes) -> str:
    media = (content_type or "application/octet-stream").split(";")[0].strip() or "application/octet-stream"
    return f"data:{media};base64,{base64.b64encode(body).decode('ascii')}"


__all__ = [
    "GENERIC_RULE",
    "READABLE_PREFIX",
    "ArchivedImage",
    "Derived",
    "NotReadableError",
    "ReadableDraft",
    "Standalone",
    "archived_image",
    "build_records",
    "data_uri",
    "derive",
    "extract",
    "file_chunks",
    "readable_uri",
    "render",
    "rule_for",
    "standalone_html",
]
