"""Differential check of linkcheck.scan.extract against reference parsers.

Every link a CommonMark parser (markdown-it-py, with raw HTML on and GFM tables) renders as
``<a href>`` or ``<img src>`` from a post, and every ``href``/``src``/``srcset`` URL an HTML parser
(html5lib, the HTML standard's algorithm) finds in an HTML post or in the raw HTML of a Markdown
post, must be extracted by linkcheck with the same URL, at the same place (the lines of the block
that renders it, or of the reference definition it comes from). The other way round, every
``markdown-link``, ``image``, ``autolink``, ``html-attr`` and ``reference-definition`` occurrence of
linkcheck must be one of those links. Bare URLs are not compared (CommonMark has no bare links;
the CJK rules of bare URLs have tests of their own), code occurrences only where a reference link
lies in what linkcheck calls code.

What is compared is the URL as each side means it: markdown-it's destination with its escapes and
character references resolved (its percent-encoding, ``normalizeLink``, is turned off), html5lib's
attribute value with the URL parser's clean-up (spaces and C0 controls around it and tabs and
newlines in it dropped), srcset split by the standard's algorithm.

Each difference gets the first reason of :data:`POLICY` whose test says it applies: differences
that are linkcheck's policy, each with why. A difference no policy explains is ``unexplained``:
a bug, on one side or the other. :func:`compare_post` does one post.

``python -m tests.differential [CORPUS]`` prints the figures over the corpus (default
``../shared/corpus/_posts``); ``python -m tests.differential --generated N`` over N new random
Markdown and N HTML posts from the strategies of tests/test_differential.py (whose own runs are
derandomized, the same examples every time, so the suite is not flaky).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import html5lib
from markdown_it import MarkdownIt
from markdown_it.common.utils import isValidEntityCode

from linkcheck.models import LinkKind, Occurrence
from linkcheck.scan.extract import HTML_SUFFIXES, extracted_list

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "_posts"

# The one list of differences that are policy: reason → why linkcheck differs from the reference.
POLICY: dict[str, str] = {
    "relative": "a relative link (foo.md, ../img.png, #anchor, '') is not a URL: resolving it needs the "
    "post's published address, which linkcheck does not know; site-relative (/x) and scheme-relative "
    "(//host/x) links are kept",
    "html-code-element": "the contents of <pre>, <code>, <kbd>, <samp>, <script>, <style> are code, as "
    "Markdown code is: only bare URLs are looked for there (kind code, never checked), not links or tags",
    "non-web-autolink": "an autolink with neither '://' nor mailto: (<std::string>, <a:b>) is C++ or "
    "prose in this blog, not a link to check",
    "kramdown-space-in-destination": "kramdown, the blog's Markdown, accepts spaces in a link "
    "destination ([t](/deep object detection/x.html)); CommonMark shows such a link as text",
    "kramdown-footnote": "[^id]: … is a footnote in kramdown (its text is Markdown: links in it are "
    "links), a link reference definition with label ^id in CommonMark",
    "markdown-in-html-block": "Markdown link syntax inside an HTML block: CommonMark (and kramdown "
    'unless markdown="1") leaves it as text, linkcheck reads it: a URL the author wrote, most '
    "likely meaning a link",
    "markdown-in-html-post": "Markdown link syntax in an .html post: Jekyll does not convert .html "
    "posts, so a browser shows it as text; linkcheck reads it as in a Markdown post (a URL the author "
    "wrote; an absolute one would be found as a bare URL anyway)",
    "unused-reference-definition": "a reference definition no link uses (or a second one for the same "
    "label) renders nothing, but it is a URL the author wrote: it is checked",
    "data-src": "data-src holds the real image of a lazily loaded <img> (WeChat's article HTML): the "
    "image the page shows; it is not src, so an HTML parser does not call it a URL",
    "html-block-indented": "an indented line after a blank line inside an HTML block (<div>…</div>): "
    "kramdown keeps it HTML up to the end tag, CommonMark ends the HTML block at the blank line and "
    "makes an indented code block of it",
    "markdown-it-numeric-reference": "a numeric character reference to a control character, a "
    "noncharacter or past U+10FFFF: CommonMark decodes it (U+FFFD where invalid), markdown-it-py "
    "leaves it as text",
    "markdown-it-backslash": "markdown-it lets a backslash in a destination skip whatever follows it, "
    "a space or a line break too; CommonMark's reference implementation (commonmark.js) takes a "
    "backslash before whitespace as a backslash and ends the destination at the whitespace",
    "gfm-table-pipe": "in a GFM table row an unescaped | ends the cell, even inside a link; "
    "linkcheck does not split table rows, so a link whose destination holds | stays one link",
    "tolerant-tag": "a tag HTML reads but CommonMark's grammar does not (no space between attributes, "
    "odd attribute names) where linkcheck takes the line for part of an HTML block (read as HTML is) "
    "and CommonMark does not: linkcheck tells HTML blocks by their start lines, without the block tree",
    "limitation-container-block": "not policy but a limit of reading the text without Markdown's whole "
    "block tree: linkcheck follows the block quotes and list items a line opens, or the item an "
    "indented or lazy line goes on in (a tag's lines read without their markers, an HTML block ending "
    "with its container), but not a container opened on an earlier line *inside* one the line opens "
    "itself (a quote's line going on in an item opened on the line above: '>-\\n>   <script'), nor "
    "a lazy line between nested quotes",
    "unexplained": "no policy explains it: a bug",
}

_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
_MD.validateLink = lambda url: True  # javascript:, data: … are compared too
_MD.normalizeLink = lambda url: url  # the destination as CommonMark reads it, not percent-encoded

_CODE_ELEMENTS = frozenset({"pre", "code", "kbd", "samp", "script", "style"})
_LINKING = frozenset({"link_open", "image", "html_inline"})  # inline tokens that can hold a URL
_HTML_SPACE = "\t\n\f\r "
_URL_STRIP = "".join(chr(c) for c in range(0x21))
_STRUCTURAL = frozenset(
    {
        LinkKind.MARKDOWN_LINK,
        LinkKind.IMAGE,
        LinkKind.AUTOLINK,
        LinkKind.HTML_ATTR,
        LinkKind.REFERENCE_DEFINITION,
    }
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# CommonMark's open tag (spec 0.31 §6.6), to tell tags markdown-it reads from tags only HTML reads.
_CM_ATTRIBUTE = r"""(?:[ \t\n]+[A-Za-z_:][A-Za-z0-9_.:-]*(?:[ \t\n]*=[ \t\n]*(?:[^ \t\n"'=<>`]+|'[^']*'|"[^"]*"))?)"""
_CM_OPEN_TAG = re.compile(rf"<[A-Za-z][A-Za-z0-9-]*{_CM_ATTRIBUTE}*[ \t\n]*/?>")
_CONTAINER = re.compile(r" {0,3}(?:>|[-*+][ \t]|[0-9]{1,9}[.)][ \t])")
_FOOTNOTE = re.compile(r" {0,3}\[\^[^\]]+\]:")
_NUMERIC_REF = re.compile(r"&#(?:([0-9]{1,7})|[xX]([0-9A-Fa-f]{1,6}));")


@dataclass
class Reference:
    """A link a reference parser found."""

    url: str
    first_line: int  # 1-based, inclusive: the lines of the block that renders it
    last_line: int
    origin: str  # "link", "image", "autolink" (markdown-it) or "html" (html5lib)
    attribute: str = ""  # for "html": href, src or srcset
    in_code: bool = False  # inside <pre>, <code>, <kbd>, <samp>, <script> or <style>


@dataclass
class Difference:
    side: str  # "reference-only" or "linkcheck-only"
    reason: str
    file: str
    line: int
    url: str
    detail: str = ""


@dataclass
class Comparison:
    compared: int = 0  # reference links
    agreements: int = 0
    kind_differs: int = 0  # agreements in URL where linkcheck's kind is not the reference's
    linkcheck_structural: int = 0
    linkcheck_code: int = 0
    differences: list[Difference] = field(default_factory=list)

    def add(self, other: Comparison) -> None:
        self.compared += other.compared
        self.agreements += other.agreements
        self.kind_differs += other.kind_differs
        self.linkcheck_structural += other.linkcheck_structural
        self.linkcheck_code += other.linkcheck_code
        self.differences.extend(other.differences)

    def by_reason(self) -> Counter[tuple[str, str]]:
        return Counter((d.side, d.reason) for d in self.differences)

    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if d.reason == "unexplained"]


# --- the reference side ----------------------------------------------------------------------------


def srcset_urls(value: str) -> list[str]:
    """The URL of every image candidate, by the HTML standard's "parse a srcset attribute"
    (descriptors skipped). Written from the standard, independently of linkcheck's copy."""
    urls = []
    position, n = 0, len(value)
    while True:
        # 1. skip whitespace and commas
        while position < n and value[position] in _HTML_SPACE + ",":
            position += 1
        if position >= n:
            return urls
        # 2. the URL: a run of non-whitespace; trailing commas end the candidate
        start = position
        while position < n and value[position] not in _HTML_SPACE:
            position += 1
        url = value[start:position]
        if url.endswith(","):
            urls.append(url.rstrip(","))
            continue
        # 3. the descriptor tokenizer, up to a comma outside parentheses
        state = "in descriptor"
        while position < n:
            c = value[position]
            position += 1
            if state == "in parens":
                if c == ")":
                    state = "in descriptor"
            elif c == "(":
                state = "in parens"
            elif c == ",":
                break
        urls.append(url)


def _url_of(value: str) -> str:
    """An attribute value as the URL parser takes it."""
    return value.strip(_URL_STRIP).replace("\t", "").replace("\n", "").replace("\r", "")


_EtreeBuilder = html5lib.treebuilders.getTreeBuilder("etree")


class _MarkedElement(_EtreeBuilder.elementClass):  # type: ignore[name-defined]
    """An element that says when HTML's tree repair made it as a copy of another: an unclosed
    <a> is re-opened after the element that closed it, with the same attributes, but the author
    wrote one link."""

    def cloneNode(self):  # html5lib's name
        clone = super().cloneNode()
        clone._element.set("data-lc-clone", "1")
        return clone


class _MarkingBuilder(_EtreeBuilder):  # type: ignore[misc, valid-type]
    """Marks the elements inserted while a code element is open: inside it as written, even where
    HTML's tree repair then moves them out (a <div> in a <code> ends up beside it)."""

    elementClass = _MarkedElement

    def _mark(self, element):
        if any(getattr(e, "name", "").lower() in _CODE_ELEMENTS for e in self.openElements[:-1]):
            element._element.set("data-lc-in-code", "1")
        return element

    def insertElementNormal(self, token):  # html5lib's names
        return self._mark(super().insertElementNormal(token))

    def insertElementTable(self, token):
        return self._mark(super().insertElementTable(token))


_HTML_PARSER = html5lib.HTMLParser(tree=_MarkingBuilder, namespaceHTMLElements=False)


def html_references(fragment: str, first_line: int, last_line: int, *, document: bool = False) -> list[Reference]:
    """href/src/srcset URLs html5lib finds in ``fragment`` (a whole document with ``document``)."""
    tree = _HTML_PARSER.parse(fragment) if document else _HTML_PARSER.parseFragment(fragment)
    found: list[Reference] = []

    def walk(element, in_code: bool) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue  # a comment
            tag = child.tag.rsplit("}", 1)[-1].lower()
            origin = child.get("data-lc-origin", "html")
            inside = in_code or bool(child.get("data-lc-in-code"))
            if not child.get("data-lc-clone"):  # a copy has the attributes of an element already seen
                for name, value in child.attrib.items():
                    name = name if isinstance(name, str) else name[1]
                    if name == "srcset":
                        urls = [_url_of(url) for url in srcset_urls(value)]
                    elif name in ("href", "src"):
                        # A Markdown destination is compared as markdown-it reads it (its href would
                        # be percent-encoded, not cleaned up); an attribute as the URL parser takes it.
                        urls = [value if origin != "html" else _url_of(value)]
                    else:
                        continue
                    found.extend(Reference(u, first_line, last_line, origin, name, inside) for u in urls)
            walk(child, inside or tag in _CODE_ELEMENTS)

    walk(tree, False)
    return found


@dataclass
class MarkdownReference:
    """What markdown-it makes of a Markdown post."""

    links: list[Reference]
    definitions: dict[str, tuple[int, int]]  # destination → 1-based lines of its first definition
    html_blocks: list[tuple[int, int]]  # 1-based lines of each HTML block


def markdown_references(text: str) -> MarkdownReference:
    """The links markdown-it renders from a Markdown post, its reference definitions and HTML blocks."""
    env: dict = {}
    tokens = _MD.parse(text, env)
    found: list[Reference] = []
    html_blocks: list[tuple[int, int]] = []
    for token in tokens:
        if token.map is None:
            continue
        first, last = token.map[0] + 1, token.map[1]
        if token.type == "html_block":
            html_blocks.append((first, last))
            found.extend(html_references(token.content, first, last))
        elif token.type == "inline" and any(c.type in _LINKING for c in token.children or ()):
            for child in token.children:
                if child.type == "link_open":
                    child.attrSet("data-lc-origin", "autolink" if child.markup == "autolink" else "link")
                elif child.type == "image":
                    child.attrSet("data-lc-origin", "image")
            # The inline rendered to HTML and read back: Markdown links and raw HTML alike, with
            # whether they sit inside a code element.
            rendered = _MD.renderer.renderInline(token.children, _MD.options, env)
            found.extend(html_references(rendered, first, last))
    definitions: dict[str, tuple[int, int]] = {}
    for definition in env.get("references", {}).values():
        start, end = definition["map"]
        definitions.setdefault(definition["href"], (start + 1, end))
    return MarkdownReference(found, definitions, html_blocks)


# --- the comparison ---------------------------------------------------------------------------------


def _is_relative(url: str) -> bool:
    return not url.startswith("/") and _SCHEME.match(url) is None


def _commonmark_numeric(url: str) -> str:
    """``url`` (as markdown-it read it) with the numeric references markdown-it leaves as text
    decoded as CommonMark says."""

    def decode(m: re.Match[str]) -> str:
        code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
        if isValidEntityCode(code):
            return m.group()  # markdown-it decodes these: this one was escaped ('\\&#41;')
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    return _NUMERIC_REF.sub(decode, url)


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _after_container(lines: list[str], line: int) -> bool:
    """Whether the 1-based ``line`` goes on, without a blank line, from a block quote or list item
    line above it (and is not one itself)."""
    return line > 1 and _CONTAINER.match(lines[line - 1]) is None and _in_container(lines, line - 1)


def _in_container(lines: list[str], line: int) -> bool:
    """Whether the 1-based ``line`` or one above it in its run of non-blank lines starts a block
    quote or a list item."""
    index = line - 1
    while index >= 0 and lines[index].strip():
        if _CONTAINER.match(lines[index]) is not None:
            return True
        index -= 1
    return False


def _reference_only_reason(
    ref: Reference, ours: list[tuple[str, Occurrence]], lines: list[str], definitions: dict[str, tuple[int, int]]
) -> str:
    if _is_relative(ref.url):
        return "relative"
    if ref.url in definitions and _FOOTNOTE.match(lines[definitions[ref.url][0] - 1]):
        return "kramdown-footnote"
    if ref.in_code:
        return "html-code-element"
    if re.search(r"\\\s", ref.url):
        return "markdown-it-backslash"
    if ref.origin == "autolink" and "://" not in ref.url and not ref.url.lower().startswith("mailto:"):
        return "non-web-autolink"
    decoded = _commonmark_numeric(ref.url)
    if decoded != ref.url and any(url == decoded and _at(ref, o, definitions) for url, o in ours):
        return "markdown-it-numeric-reference"
    if (ref.last_line > ref.first_line and _in_container(lines, ref.first_line)) or _after_container(
        lines, ref.first_line
    ):
        return "limitation-container-block"
    return "unexplained"


def _at(ref: Reference, occurrence: Occurrence, definitions: dict[str, tuple[int, int]]) -> bool:
    """Whether ``occurrence`` is where ``ref`` is written: in its block, or at its definition."""
    first, last = definitions.get(ref.url, (ref.first_line, ref.last_line))
    return ref.first_line <= occurrence.line <= ref.last_line or first <= occurrence.line <= last


def _html_block_indented(line: int, lines: list[str], html_blocks: list[tuple[int, int]]) -> bool:
    """The 1-based ``line`` is indented 4+, in a run of indented and blank lines that follows,
    after a blank line, a line of one of markdown-it's HTML blocks."""
    index = line - 1
    if not lines[index].startswith(("    ", "\t")):
        return False
    above = index - 1
    while above >= 0 and (lines[above].startswith(("    ", "\t")) or not lines[above].strip()):
        above -= 1
    if above < 0 or above + 1 == index or lines[above + 1].strip():
        return False  # not after a blank line
    return any(first <= above + 1 <= last for first, last in html_blocks)


def _tag_around(text_lines: list[str], occurrence: Occurrence) -> tuple[str, int]:
    """The text of the start tag around an html-attr occurrence (from its '<' to its '>'), and
    the line it starts on."""
    text = "\n".join(text_lines)
    offset = sum(len(line) + 1 for line in text_lines[: occurrence.line - 1]) + occurrence.column - 1
    start = text.rfind("<", 0, offset)
    end = text.find(">", offset)
    if start == -1 or end == -1:
        return "", occurrence.line
    return text[start : end + 1], text.count("\n", 0, start) + 1


def _linkcheck_only_reason(
    url: str,
    occurrence: Occurrence,
    lines: list[str],
    html_blocks: list[tuple[int, int]],
    markdown: bool,
) -> str:
    kind = occurrence.kind
    if not markdown and kind is not LinkKind.HTML_ATTR:
        return "markdown-in-html-post"
    if _FOOTNOTE.match(lines[occurrence.line - 1]):
        return "kramdown-footnote"
    if kind is not LinkKind.HTML_ATTR and any(first <= occurrence.line <= last for first, last in html_blocks):
        return "markdown-in-html-block"
    if kind is LinkKind.REFERENCE_DEFINITION:
        return "unused-reference-definition"
    if kind in (LinkKind.MARKDOWN_LINK, LinkKind.IMAGE, LinkKind.REFERENCE_DEFINITION) and url.endswith("\\"):
        return "markdown-it-backslash"
    if kind in (LinkKind.MARKDOWN_LINK, LinkKind.IMAGE) and " " in url:
        return "kramdown-space-in-destination"
    if "|" in url and lines[occurrence.line - 1].lstrip(" ").startswith("|"):
        return "gfm-table-pipe"
    if markdown and _html_block_indented(occurrence.line, lines, html_blocks):
        return "html-block-indented"
    if kind is LinkKind.HTML_ATTR:
        line = lines[occurrence.line - 1]
        before = line[: occurrence.column - 1]
        if re.search(r"data-src[\t\n\f\r ]*=[\t\n\f\r ]*[\"']?$", before, re.IGNORECASE):
            return "data-src"
        tag, tag_line = _tag_around(lines, occurrence)
        if markdown and _html_block_indented(tag_line, lines, html_blocks):
            return "html-block-indented"
        if markdown and tag_line < occurrence.line and _in_container(lines, tag_line):
            return "limitation-container-block"
        if markdown and tag and _CM_OPEN_TAG.fullmatch(tag) is None:
            return "tolerant-tag"
    if markdown and _after_container(lines, occurrence.line):
        return "limitation-container-block"
    return "unexplained"


_PREFERRED = {
    "link": (LinkKind.MARKDOWN_LINK, LinkKind.REFERENCE_DEFINITION),
    "image": (LinkKind.IMAGE, LinkKind.REFERENCE_DEFINITION),
    "autolink": (LinkKind.AUTOLINK,),
    "html": (LinkKind.HTML_ATTR,),
}


def compare_post(text: str, name: str) -> Comparison:
    """Compare linkcheck with the reference parsers on one post (``name`` decides Markdown or HTML).

    Per block, as sets: a reference link agrees when linkcheck has a non-code occurrence of its URL
    in the block's lines (in an HTML post, anywhere), or at its reference definition; an occurrence
    of linkcheck agrees when a reference link of its block has its URL. (Sets, because HTML's tree
    repair clones elements: html5lib reports the href of an unclosed <a> once more after the block
    that contained it.)"""
    markdown = not name.lower().endswith(HTML_SUFFIXES)
    ours = extracted_list(text, name)
    lines = _lines(text)
    if markdown:
        parsed = markdown_references(text)
        found, definitions, html_blocks = parsed.links, parsed.definitions, parsed.html_blocks
    else:
        found, definitions, html_blocks = html_references(text, 1, len(lines), document=True), {}, []
    references = list({(r.url, r.first_line, r.last_line, r.origin, r.in_code): r for r in found}.values())
    result = Comparison(
        linkcheck_structural=sum(1 for _, o in ours if o.kind in _STRUCTURAL),
        linkcheck_code=sum(1 for _, o in ours if o.kind is LinkKind.CODE),
    )

    def in_block(ref: Reference, occurrence: Occurrence) -> bool:
        return not markdown or ref.first_line <= occurrence.line <= ref.last_line

    agreed: set[int] = set()  # linkcheck occurrences a reference link accounts for
    explained: set[int] = set()  # … or a difference already counted from the reference side
    for ref in references:
        result.compared += 1
        same = [
            i for i, (url, o) in enumerate(ours) if url == ref.url and o.kind is not LinkKind.CODE and in_block(ref, o)
        ]
        if not same and ref.url in definitions:
            first, last = definitions[ref.url]
            same = [
                i
                for i, (url, o) in enumerate(ours)
                if url == ref.url and o.kind is LinkKind.REFERENCE_DEFINITION and first <= o.line <= last
            ]
        if not same:
            reason = _reference_only_reason(ref, ours, lines, definitions)
            result.differences.append(
                Difference("reference-only", reason, name, ref.first_line, ref.url, f"{ref.origin} {ref.attribute}")
            )
            if reason == "markdown-it-numeric-reference":  # the same link, read two ways: one difference
                decoded = _commonmark_numeric(ref.url)
                explained.update(i for i, (url, o) in enumerate(ours) if url == decoded and _at(ref, o, definitions))
            continue
        result.agreements += 1
        if not any(ours[i][1].kind in _PREFERRED[ref.origin] for i in same):
            result.kind_differs += 1
        agreed.update(same)
    for i, (url, o) in enumerate(ours):
        if o.kind in _STRUCTURAL and i not in agreed and i not in explained:
            reason = _linkcheck_only_reason(url, o, lines, html_blocks, markdown)
            result.differences.append(Difference("linkcheck-only", reason, name, o.line, url, str(o.kind)))
    return result


def compare_corpus(root: Path) -> Comparison:
    total = Comparison()
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in {".md", ".markdown", ".html", ".htm", ".txt"} and path.is_file():
            total.add(compare_post(path.read_text(encoding="utf-8", errors="replace"), str(path.relative_to(root))))
    return total


def report(comparison: Comparison, examples: int = 3) -> str:
    """The figures, as printed by ``python -m tests.differential``."""
    out = [
        f"reference links compared   {comparison.compared}",
        f"agreements (same URL)      {comparison.agreements}"
        + (f"  ({comparison.kind_differs} with another kind)" if comparison.kind_differs else ""),
        f"linkcheck structural occurrences {comparison.linkcheck_structural}, code occurrences "
        f"{comparison.linkcheck_code} (code is not compared)",
        f"differences                {len(comparison.differences)}",
    ]
    for (side, reason), count in sorted(comparison.by_reason().items()):
        out.append(f"  {side:15} {reason:32} {count:5}   {POLICY[reason]}")
        for d in [d for d in comparison.differences if (d.side, d.reason) == (side, reason)][:examples]:
            out.append(f"      {d.file}:{d.line}  {d.url!r}  ({d.detail})")
    return "\n".join(out)


def compare_generated(count: int) -> tuple[Comparison, Comparison]:
    """The comparison over ``count`` new random Markdown posts and ``count`` HTML posts, drawn from
    the strategies of tests/test_differential.py (not shrunk: every example is counted)."""
    from hypothesis import HealthCheck, Phase, given, settings

    from tests.test_differential import HTML_POSTS, MARKDOWN_POSTS

    def campaign(strategy, name: str) -> Comparison:
        total = Comparison()

        @settings(
            max_examples=count,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def run(post: str) -> None:
            total.add(compare_post(post, name))

        run()
        return total

    return campaign(MARKDOWN_POSTS, "post.md"), campaign(HTML_POSTS, "post.html")


def main(argv: list[str]) -> int:
    """``[CORPUS]``: the figures over the corpus; ``--generated N``: over N random posts of each kind."""
    if argv[:1] == ["--generated"]:
        count = int(argv[1]) if len(argv) > 1 else 1000
        markdown, html = compare_generated(count)
        print(f"{count} generated Markdown posts")
        print(report(markdown))
        print(f"\n{count} generated HTML posts")
        print(report(html))
        return 1 if markdown.unexplained() or html.unexplained() else 0
    root = Path(argv[0]) if argv else CORPUS
    if not root.is_dir():
        print(f"corpus not found: {root}", file=sys.stderr)
        return 2
    comparison = compare_corpus(root)
    print(f"corpus: {root}")
    print(report(comparison))
    return 1 if comparison.unexplained() else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
