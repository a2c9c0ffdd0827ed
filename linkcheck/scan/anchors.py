"""The ids a `#fragment` may name in a Jekyll document, as kramdown (Jekyll's Markdown engine) makes them.

A link ``/ml/2016/08/02/Machine_Learning_2.html#Pearson`` works when the page built from that post
has an element with ``id="Pearson"`` (or an ``<a name="Pearson">``). In a post the ids come from:

* header ids kramdown generates (``auto_ids``, on by default in Jekyll): with Jekyll's default
  ``input: GFM`` by the GFM parser's rule (:func:`gfm_header_id`: lower case, every character that is
  not a Unicode word character, ``-``, space or tab dropped, spaces to ``-``: ``## 中文 标题（一）`` →
  ``中文-标题一``), with ``input: kramdown`` by kramdown's own rule (:func:`kramdown_header_id`:
  ASCII letters, digits and ``-`` only, leading non-letters dropped, ``section`` when empty). A
  repeated id gets ``-1``, ``-2`` … (both parsers, each its own way of counting);
* an explicit header id ``## Title {#my-id}`` and ``{: #my-id}`` attribute lists;
* HTML written in the post: any ``id="…"``, and ``name="…"`` on ``<a>``;
* footnotes (``fn:NAME``, ``fnref:NAME``) and ``{:toc}`` (``markdown-toc``).

The rules are kramdown 2.4's and kramdown-parser-gfm 1.1's (``lib/kramdown/converter/base.rb``
``generate_id``, ``lib/kramdown/parser/gfm.rb`` ``generate_gfm_header_id``); tests compare them
with the Ruby code itself where it is installed. Known approximation: the GFM id is computed from
the header's *rendered* text, which :func:`header_text` derives from the Markdown with a few
regular expressions (code spans, links, images, HTML tags, escapes, entities, emphasis, ``--``);
exotic inline syntax in a header may give a different id than kramdown would.

Everything here is pure: text in, ids out.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

GFM = "GFM"
KRAMDOWN = "kramdown"

# Characters Ruby's \p{Word} counts although their category is So (Other_Alphabetic circled and
# squared letters: ⓐ, 🄰 …).
_ALPHABETIC_SYMBOLS = ((0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))


def _is_word(ch: str) -> bool:
    """Ruby's ``\\p{Word}``: letters, marks, decimal and letter numbers, connector punctuation."""
    if ch.isascii():
        return ch.isalnum() or ch == "_"
    category = unicodedata.category(ch)
    if category[0] in "LM" or category in ("Nd", "Nl", "Pc"):
        return True
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _ALPHABETIC_SYMBOLS)


def gfm_header_id(text: str) -> str:
    """The GFM parser's id for a header whose rendered text is ``text`` (before de-duplication)."""
    lowered = text.lower()
    kept = "".join(ch for ch in lowered if ch in "- \t" or _is_word(ch))
    return kept.replace(" ", "-").replace("\t", "-")


_LEADING_NON_LETTERS = re.compile(r"^[^a-zA-Z]+", re.M)
_NOT_ID_CHARS = re.compile(r"[^a-zA-Z0-9 -]")


def kramdown_header_id(text: str) -> str:
    """kramdown's own id for a header whose source text is ``text`` (before de-duplication;
    ``section`` is what an empty result becomes)."""
    generated = _NOT_ID_CHARS.sub("", _LEADING_NON_LETTERS.sub("", text))
    return generated.replace(" ", "-").lower()


class HeaderIds:
    """Unique header ids in document order, counted as the chosen parser counts them."""

    def __init__(self, markdown_input: str = GFM, prefix: str = "") -> None:
        self.gfm = markdown_input.lower() == GFM.lower()
        self.prefix = prefix
        self._counts: dict[str, int] = {}

    def next_id(self, text: str) -> str:
        if self.gfm:
            # kramdown-parser-gfm: a counter per id, "-N" from the second occurrence on.
            base = gfm_header_id(header_text(text))
            count = self._counts.get(base, -1) + 1
            self._counts[base] = count
            return self.prefix + (f"{base}-{count}" if count else base)
        # kramdown's converter: 'section' for an empty id, then "-1", "-2" … for repeats.
        base = kramdown_header_id(text) or "section"
        if base in self._counts:
            self._counts[base] += 1
            base = f"{base}-{self._counts[base]}"
        else:
            self._counts[base] = 0
        return self.prefix + base


# ---------------------------------------------------------------------------------------------
# A header's rendered text (what kramdown's GFM parser builds the id from)

_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")
_ESCAPE = re.compile(r"\\([\\.*_+`<>()\[\]{}#!:|\"'$=-])")
_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])?")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]")
_LINK = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]*)>")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_MATH = re.compile(r"\$\$(.+?)\$\$")
# kramdown's typographic symbols: ---, --, ... and << >> become single characters (dropped by the
# GFM id rule, whereas the hyphens they were written with would have stayed).
_TYPOGRAPHIC = re.compile(r"---|--|\.\.\.")
_GUILLEMETS = re.compile(r"<<|>>")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![^\W_])(__?)(?=\S)(.+?)(?<=\S)\1(?![^\W_])")
_PLACEHOLDER = "\x00"


def header_text(markdown: str) -> str:
    """The text of a header as kramdown renders it (markup removed), from its Markdown source."""
    protected: list[str] = []

    def protect(text: str) -> str:
        protected.append(text)
        return f"{_PLACEHOLDER}{len(protected) - 1}{_PLACEHOLDER}"

    text = _CODE_SPAN.sub(lambda m: protect(m.group(2).strip()), markdown)
    text = _GUILLEMETS.sub("\u00ab", text)  # before tags: '<<quote>>' is no <quote> tag
    text = _MATH.sub(lambda m: protect(m.group(1)), text)
    text = _ESCAPE.sub(lambda m: protect(m.group(1)), text)
    text = _IMAGE.sub("", text)
    text = _FOOTNOTE_REF.sub("", text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _AUTOLINK.sub(lambda m: protect(m.group(1)), text)
    text = _TAG.sub("", text)
    text = _TYPOGRAPHIC.sub("\u2013", text)
    while True:
        stripped = _UNDERSCORE_EMPHASIS.sub(lambda m: m.group(2), text)
        if stripped == text:
            break
        text = stripped
    text = html.unescape(text)
    if protected:
        text = re.sub(f"{_PLACEHOLDER}(\\d+){_PLACEHOLDER}", lambda m: protected[int(m.group(1))], text)
    return text


# ---------------------------------------------------------------------------------------------
# A whole document

_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")
_ATX_GFM = re.compile(r"^(#{1,6})[\t ]+(.*?)[\t ]*$")
_ATX_KRAMDOWN = re.compile(r"^(#{1,6})[\t ]*([^ \t].*?)[\t ]*$")
_SETEXT_UNDERLINE = re.compile(r"^[-=]+[ \t]*$")
# XML name characters (what kramdown accepts in a {#id}), as REXML::XMLTokens writes them.
_NAME_START = (
    ":A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME = _NAME_START + r"\-.0-9\u00b7\u0300-\u036f\u203f-\u2040"
_HEADER_ID = re.compile(rf"[\t ]\{{#([{_NAME_START}][{_NAME}]*)\}}$")
_IAL = re.compile(r"\{:(?!toc\})([^{}\n]*)\}")
_IAL_ID = re.compile(r"(?:^|[\s])#([A-Za-z_][\w:.\-]*)")
_BLOCK_IAL_LINE = re.compile(r"^[ ]{0,3}\{:(?!toc\})[^{}\n]*\}[ \t]*$")
_TOC = re.compile(r"\{:toc\}")
_TAG_OPEN = re.compile(r"<([A-Za-z][A-Za-z0-9]*)(\s[^<>]*?)?/?>")
_ATTR = re.compile(r"""(?:^|\s)(id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))""", re.I)
_FOOTNOTE_DEF = re.compile(r"^[ ]{0,3}\[\^([^\]\s]+)\]:", re.M)
_LIQUID_CODE_START = re.compile(r"\{%-?\s*(highlight|raw)\b")
_LIQUID_CODE_END = {
    "highlight": re.compile(r"\{%-?\s*endhighlight\s*-?%\}"),
    "raw": re.compile(r"\{%-?\s*endraw\s*-?%\}"),
}


def strip_front_matter(text: str) -> str:
    """The document without its YAML front matter (``---`` … ``---`` at the very start)."""
    if not text.startswith("---"):
        return text
    m = re.match(r"---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)", text, re.S)
    return text[m.end() :] if m else text


def _prose_lines(text: str) -> Iterable[tuple[str, bool]]:
    """Each line with whether it is prose (not inside a fenced code block or a highlight block)."""
    fence: str | None = None
    liquid_end: re.Pattern[str] | None = None
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if liquid_end is not None:
            if liquid_end.search(line):
                liquid_end = None
            yield line, False
            continue
        if fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]} and len(line) - len(line.lstrip(" ")) <= 3:
                fence = None
            yield line, False
            continue
        m = _FENCE.match(line)
        if m is not None:
            fence = m.group(1)
            yield line, False
            continue
        start = _LIQUID_CODE_START.search(line)
        if start is not None and not _LIQUID_CODE_END[start.group(1)].search(line, start.end()):
            liquid_end = _LIQUID_CODE_END[start.group(1)]
        yield line, True


def document_anchors(
    text: str, *, markdown: bool = True, markdown_input: str = GFM, auto_ids: bool = True, prefix: str = ""
) -> set[str]:
    """Every id a fragment may name in the page built from ``text`` (a post or page source).

    ``markdown``: the source is Markdown (headers, attribute lists and footnotes count); else only
    the HTML ids do. ``markdown_input``, ``auto_ids`` and ``prefix`` are the site's kramdown
    options (``input``, ``auto_ids``, ``auto_id_prefix``)."""
    body = strip_front_matter(text)
    anchors: set[str] = set()
    header_ids = HeaderIds(markdown_input, prefix)
    gfm = header_ids.gfm
    atx = _ATX_GFM if gfm else _ATX_KRAMDOWN
    lines = list(_prose_lines(body))
    headers: list[str] = []  # header ids, for the table of contents
    toc = False
    previous_blank = True
    for index, (line, prose) in enumerate(lines):
        if not prose:
            previous_blank = False
            continue
        for tag in _TAG_OPEN.finditer(line):
            for attr in _ATTR.finditer(tag.group(2) or ""):
                name = attr.group(1).lower()
                if name == "id" or tag.group(1).lower() == "a":
                    value = next(v for v in attr.group(2, 3, 4) if v is not None)
                    if value:
                        anchors.add(html.unescape(value))
        if not markdown:
            continue
        for ial in _IAL.finditer(line):
            anchors.update(_IAL_ID.findall(ial.group(1)))
        if _TOC.search(line):
            toc = True
        header: str | None = None
        m = atx.match(line)
        if m is not None and (gfm or previous_blank or index == 0):
            header = m.group(2)
            header = re.sub(r"[\t ]#+$", "", header) if gfm else re.sub(r"(?<!\\)#+$", "", header).rstrip()
        elif (
            previous_blank
            and line.strip()
            and index + 1 < len(lines)
            and lines[index + 1][1]
            and _SETEXT_UNDERLINE.match(lines[index + 1][0])
            and not line.startswith((" " * 4, "\t"))
        ):
            header = line.strip()
        if header is not None:
            explicit = _HEADER_ID.search(header)
            attached = _attached_ial_id(lines, index)
            if explicit is not None:
                headers.append(explicit.group(1))
            elif attached is not None:
                headers.append(attached)
            elif auto_ids and header.strip():
                headers.append(header_ids.next_id(header))
        previous_blank = not line.strip()
    anchors.update(headers)
    if toc:
        # The table of contents is a list with id markdown-toc, each entry's link with id
        # markdown-toc-<header id>.
        anchors.add("markdown-toc")
        anchors.update(f"markdown-toc-{header}" for header in headers)
    if markdown:
        for name in _FOOTNOTE_DEF.findall(body):
            anchors.update((f"fn:{name}", f"fnref:{name}"))
    return anchors


def _attached_ial_id(lines: list[tuple[str, bool]], index: int) -> str | None:
    """The id a block attribute list right before or after the header line gives it, if any."""
    for neighbour in (index + 1, index - 1):
        if 0 <= neighbour < len(lines):
            line, prose = lines[neighbour]
            if prose and _BLOCK_IAL_LINE.match(line) and (found := _IAL_ID.findall(line)):
                return found[-1]
    return None


__all__ = ["GFM", "KRAMDOWN", "HeaderIds", "document_anchors", "gfm_header_id", "header_text", "kramdown_header_id"]
