r"""Text → URL occurrences, with 1-based line and column (in characters), the kind of mention and
the title the post gives the cited article (:mod:`linkcheck.scan.titles`: the line below a URL
alone on its line, a Markdown link's text), found from the offsets the scan already has.

The input is Markdown as a Chinese technical blog writes it (kramdown/GFM flavoured, with HTML
mixed in), so the hard part is not finding ``http://`` but deciding where a URL *ends* when prose
is glued to it with no space. The rules, chosen by reading every non-ASCII case in the 817-post
corpus:

Structure (one compiled regex pass over each region; the named group that matched says what it is).
Markdown is read as CommonMark reads it (``tests/test_differential.py`` compares with markdown-it-py
and html5lib; the differences that are policy are listed there), without building its block
tree: where blocks matter (indented code, HTML blocks, paragraphs, tables, block quotes and list
items) the lines around a match are looked at, a bounded way back.

* **Code** is text the reader sees as code, and in it only bare URLs are looked for, reported
  with kind ``code`` (listed, never checked): Markdown's fenced code blocks (```` ``` ```` /
  ``~~~``, up to three spaces of indent, closed by a fence of the same character at least as long,
  or the end of the file), inline code spans (a backtick run closed by a run of the same length
  before the paragraph ends), indented code blocks (four spaces or a tab, after a blank line --
  or a closing fence, heading or definition -- when the last non-blank line before is neither
  indented nor a line of an HTML block nor in a list item's paragraph: list continuations and HTML
  blocks are indented too) -- these three in Markdown posts only: an ``.html``/``.htm`` post is
  not converted from Markdown (Jekyll leaves it as it is), so its backticks are backticks and its
  indentation is layout --, and in any post the contents of the HTML elements ``<pre>``,
  ``<code>``, ``<kbd>``, ``<samp>``, ``<script>`` and ``<style>`` (Markdown links and tags inside
  them too, as inside a Markdown code block; a ``<script>``/``<style>`` in one is raw text to its
  own end tag). The start tag's own attributes are not contents: ``<script src>`` and
  ``<pre data-src>`` are resources the page loads, checked as any tag's. In Markdown such an
  element ends with its paragraph or HTML block, closed or not, except that a ``<pre>``,
  ``<script>`` or ``<style>`` starting a line opens CommonMark's HTML block 1, which runs to the
  line holding one of its end tags (or the end of the file); in an HTML post each runs to its end
  tag or the end of the file. Indentation is only examined on lines where the scan found
  something, so it costs nothing elsewhere.
* ``[text](dest "title")`` → ``markdown-link``; ``![alt](dest)`` → ``image``. The destination may
  hold balanced parentheses (``Matrix_(mathematics)``, three levels deep), be written in ``<…>``,
  and, as kramdown tolerates, contain spaces. A destination is reported as CommonMark reads it: a
  backslash before ASCII punctuation escapes it and character references are decoded
  (``a\(1\).html`` → ``a(1).html``, ``&amp;`` → ``&``, ``&#0;`` → U+FFFD); the column is where the
  destination is written. Link text may hold escapes, one level of brackets and line breaks. A
  link cannot hold a link: when the text holds one, that inner link is the link. Link text is
  not scanned for bare URLs (``[http://a](http://a)`` is one occurrence); images and HTML in it are.
  Links are read before bare URLs: ``https://[t](/x)`` links ``/x``.
* ``[id]: dest`` starting a line (``[^1]:`` footnotes are text) where no paragraph goes on, the
  destination followed by white space or the line's end → ``reference-definition``.
* ``<scheme:…>`` → ``autolink``. In Markdown a backslash-escaped ``[``, ``!``, ````` or ``<``
  starts nothing.
* HTML start tags (``<name`` with CommonMark's tag names) are read as the HTML tokenizer reads
  them, over as many lines as they take (a tag the text ends inside is text). In Markdown, inside
  an HTML block (a line of its run starts one of CommonMark's HTML blocks 1-6, or its first line is
  a lone tag) a tag is read that way up to a blank line; elsewhere it must also be a tag by
  CommonMark's stricter grammar, and may not run out of a heading or table row nor into a line
  that starts a block. Inside container blocks (block quotes, list items) a tag is read from what
  CommonMark hands on: the lines of its leaf block with their container markers taken off
  (``> <img\n> src="/a.png">`` is ``<img\nsrc="/a.png">``); an HTML block there ends with the
  containers (a line not indented to the item's content, or without the quote's ``>``), while a
  paragraph also takes lazy lines. A ``<pre>``/``<code>``… element opened in a heading or table
  row ends with that line. The values of ``href``, ``src``, ``srcset`` (every image
  candidate, split as the HTML standard does) and ``data-src`` (a lazily loaded image's real
  source) → ``html-attr``, as a browser takes them: character references decoded by HTML's
  attribute rules, spaces around the URL and tabs/newlines inside it dropped. Of two attributes of
  one name the first counts. Other attribute values are text (their bare URLs are found). In
  comments (``<!-- -->``), processing instructions and declarations nothing is a tag; their bare
  URLs are found.
* Destinations without a scheme and not starting with ``/`` (``foo.md``, ``#anchor``) are relative
  links, not URLs, and are dropped. Site-relative ones (``/images/x.png``) and ``//host/x`` are kept.
* Bare URLs: ``http://``, ``https://``, ``ftp://`` (not preceded by an ASCII letter, so ``sftp://``
  is not ``ftp://``) and ``www.host.tld`` (not preceded by a host character). The raw run stops at
  whitespace and at ``<>"`{}|^``. A backslash is part of the URL, as written (GFM's extended
  autolinks run to whitespace or ``<``, and GitHub links the backslash as ``%5C``); in code it ends
  the URL instead, since there it starts a string escape (``"http://a.example/\n"``).

Where a bare URL ends (applied to that raw run):

* Only CJK characters decide; other non-ASCII characters (``Maxwell–Boltzmann``, ``Größe``) are
  part of the URL. "CJK letters" are ideographs, kana, hangul and full-width letters/digits;
  "CJK punctuation" is the CJK symbol block, full-width punctuation, curly quotes, ``…`` and ``—``.
* A path segment, query key/value or host that *begins* with a CJK letter is part of the URL
  (``/item/图灵机``, ``/tag/强化学习/``, ``/pdf/生成模型-生成对抗网络.pdf``). Such a segment may even hold
  CJK punctuation if it is closed by ``/``, ``?``, ``#``, ``&`` or ``=`` (one post links
  ``/wp/当变分推断（variational-inference）遇上神经网络，贝叶斯深度/``). When it runs to the end of the raw
  run instead, trailing punctuation is dropped (``/item/图灵机。``) but punctuation followed by more
  text means it was prose after a directory URL (``/eclipse/下载ADT时，发现…`` → ``/eclipse/``).
* A CJK letter glued to ASCII inside a segment ends the URL (``pkgs.org这个网站``,
  ``…FxgMFEw看破``, ``updates.xml的内容``), and so does CJK punctuation anywhere else
  (``cgi.html）``, ``msys2.org/，下载``).
* A ``)`` or ``]`` without an opening partner inside the URL ends it, wherever it stands:
  ``(http://4thline.org/)``, and ``(https://a.example/1)(https://b.example/2)`` is two URLs (GFM drops
  only a *trailing* unbalanced ``)``, which would keep ``1)(https://b…`` in the first). Balanced
  brackets stay (``Matrix_(mathematics)``, ``http://[::1]:8000/``).
* Then, as GFM does, trailing ``. , ; : ! ? ' " * ~`` are dropped (not ``_``: CSDN user names end
  with it), and a trailing backslash (a Markdown hard line break).

Known imperfect cases: a CJK-led last segment that is really prose without punctuation
(``https://example.com/这个网站`` at the end of a line) is kept; an ASCII-led segment that genuinely
continues in CJK (``/2018年报告/``) is cut at the CJK.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from linkcheck.models import LinkKind, Occurrence
from linkcheck.scan.titles import link_title, title_after, title_below

# ---------------------------------------------------------------------------------------------
# Character classes

# (Plain range tables rather than regex classes: compiling a class over most of the BMP costs
# milliseconds at every start, and these are only consulted for the rare non-ASCII URL.)
_CJK_LETTER_RANGES = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3040, 0x31FF),  # kana, bopomofo, hangul jamo
    (0x3400, 0x4DBF),  # ideographs, extension A
    (0x4E00, 0x9FFF),  # ideographs
    (0xAC00, 0xD7AF),  # hangul
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFF10, 0xFF19),  # full-width digits
    (0xFF21, 0xFF3A),  # full-width capitals
    (0xFF41, 0xFF5A),  # full-width small letters
    (0x20000, 0x3134F),  # ideographs, extensions B-G
)
_CJK_PUNCT_RANGES = (
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。《》「」【】
    (0xFF01, 0xFF0F),  # full-width ！＂＃＄％＆＇（）＊＋，－．／
    (0xFF1A, 0xFF20),  # ：；＜＝＞？＠
    (0xFF3B, 0xFF40),
    (0xFF5B, 0xFF65),
    (0x2014, 0x2015),  # —
    (0x2018, 0x201F),  # curly quotes
    (0x2026, 0x2026),  # …
    (0xFE10, 0xFE1F),  # vertical forms
    (0xFE30, 0xFE4F),  # compatibility forms
)
_CJK_PUNCT = frozenset(chr(c) for lo, hi in _CJK_PUNCT_RANGES for c in range(lo, hi + 1))


def _is_cjk_letter(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_LETTER_RANGES)


# Characters dropped from the end of a bare URL: GFM's list plus quotes, but not '_', which ends
# real URLs here (a CSDN user ``fengzhou_``) far more often than it closes emphasis; and a
# backslash, which at the end of a line is a Markdown hard line break.
_TRAILING = frozenset(".,;:!?'\"*~\\")
# Delimiters that start a new URL segment.
_SEGMENT_DELIMS = "/?#&="

# ---------------------------------------------------------------------------------------------
# Patterns. Every top-level alternative starts with a literal character so that the regex engine
# can skip quickly to candidate positions (sre's charset prefix scan).

# The raw run of a bare URL: anything but whitespace, controls and characters never in a URL. In
# prose a backslash is part of it, as in a GFM extended autolink; in code it ends it (``"…\n"``).
_RUN = r"""[^\s<>"`{}|^\x00-\x1f\x7f]*"""
_CODE_RUN = r"""[^\s<>"`{}|\\^\x00-\x1f\x7f]*"""


def _bare_alts(run: str) -> tuple[str, ...]:
    return (
        rf"h(?<![A-Za-z]h)ttps?://{run}",
        rf"f(?<![A-Za-z]f)tp://{run}",
        rf"w(?<![A-Za-z0-9./@_\-]w)ww\.[A-Za-z0-9\-]+\.[A-Za-z0-9]{run}",
    )


_BARE_ALTS = _bare_alts(_RUN)
_BARE = re.compile("|".join(_BARE_ALTS))
_CODE_BARE = re.compile("|".join(_bare_alts(_CODE_RUN)))

# Link text: backslash escapes, line breaks but not a blank line, brackets nested one level.
_TEXT_RUN = r"[^\[\]\\\n]*+(?:(?:\\.|\n(?![ \t]*\n))[^\[\]\\\n]*+)*+"
_LINK_TEXT = rf"{_TEXT_RUN}(?:\[{_TEXT_RUN}\]{_TEXT_RUN})*+"
# An unbracketed destination: no whitespace except spaces between pieces (kramdown), a piece never
# starting with a quote or '(' (that is a title), parentheses balanced (three levels deep here;
# CommonMark sets no limit, markdown-it 32), backslash escapes.
_IN_DEST = r"[^\s()\\]*+"
_PARENS = r"\((?:[^\s()\\]|\\\S?)*+\)"
for _ in range(2):
    _PARENS = rf"\({_IN_DEST}(?:(?:\\\S?|{_PARENS}){_IN_DEST})*+\)"
# (A backslash escapes a following character; before whitespace it is a backslash.)
_DEST_PIECE = rf"{_IN_DEST}(?:(?:\\\S?|{_PARENS}){_IN_DEST})*+"
_ANGLE_DEST = r"<[^<>\n\\]*(?:\\.[^<>\n\\]*)*>"
# (A space run is followed by a piece that is not empty: were it allowed to be, the spaces could be
# split between pieces in every way, exponential time when no ')' follows.)
# A destination that starts with '<' is bracketed or is none (CommonMark).
# A destination written with Liquid ({{ "/x.png" | relative_url }}, {% post_url … %}#a): its
# quotes and spaces are the template's, not a title (kept only with ``relative``, for a blog root).
_LIQUID_DEST = r"\{[{%][^{}\n]*[}%]\}(?:\{[{%][^{}\n]*[}%]\}|[^\s(){}\\])*"
_DEST = rf"{_ANGLE_DEST}|{_LIQUID_DEST}|(?!<){_DEST_PIECE}(?: ++(?=[^\s\"'()]){_DEST_PIECE})*+"
_TITLE = r"""(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\))"""
# (Braces doubled: the tail is a str.format template for the group name.)
_INLINE_TAIL = rf"\]\([ \t]*+(?P<{{g}}>{_DEST.replace('{', '{{').replace('}', '}}')})(?:[ \t]+{_TITLE})?[ \t]*\)"


_MASTER = re.compile(
    "|".join(
        (
            r"`(?P<tick>`*)",
            # a link, or an image when '!' comes before (looked at in Python: an optional '!' in
            # the pattern would cost the regex engine its fast skip to candidate characters)
            r"\[(?P<ltext>" + _LINK_TEXT + ")" + _INLINE_TAIL.format(g="ldest"),
            # (the destination ends its line or is followed by white space: a title, CommonMark)
            rf"\[(?P<label>[^\]\n^][^\]\n]*)\]:[ \t]*(?P<rdest>{_ANGLE_DEST}|(?!<)\S+)(?=\s|\Z)",
            r"<(?P<auto>[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>",
            # A comment, processing instruction or declaration: no tags inside
            r"<(?P<comment>!--|\?|!(?=[A-Za-z\[]))",
            # A start tag: CommonMark's tag names (HTML's are looser: ``<www.a.example>`` would be one)
            r"<(?P<tag>[A-Za-z][A-Za-z0-9-]*+)(?=[\t\n\f\r />])",
            *_BARE_ALTS,
        )
    )
)

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


class _LazyPattern:
    """A regular expression compiled on first use. The block and HTML patterns below are needed by
    few posts, and compiling them all cost a few milliseconds at every start of the scan."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str):  # match, search, fullmatch …
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return getattr(self._compiled, name)


_LINK_AT = _LazyPattern(r"!?\[" + _LINK_TEXT + _INLINE_TAIL.format(g="dest"))

# HTML start tags, read as the HTML tokenizer reads them (whitespace is HTML's: tab, LF, FF, CR,
# space; not U+3000). From the end of the tag name: attribute names, each maybe with "= value".
_ATTR_NAME = re.compile(r"[\t\n\f\r /]*+([^\t\n\f\r />][^\t\n\f\r />=]*+)?")
_ATTR_EQUALS = re.compile(r"[\t\n\f\r ]*+=[\t\n\f\r ]*+")
_ATTR_UNQUOTED = re.compile(r"[^\t\n\f\r >]*+")
# Attributes whose value is a URL the page links or loads. data-src: the real image of a lazily
# loaded <img> (WeChat's article HTML), which src only stands in for.
URL_ATTRIBUTES = frozenset({"href", "src", "srcset", "data-src"})
_HTML_SPACE = "\t\n\f\r "
# Elements whose contents are code, as Markdown code is: only bare URLs are looked for there.
_CODE_ELEMENTS = frozenset({"pre", "code", "kbd", "samp", "script", "style"})
# In Markdown, those that open an HTML block running to their end tag (or the end of the file) when
# they start a line (CommonMark's HTML block 1); elsewhere an element ends with its paragraph or
# HTML block, at a blank line. In an HTML post every one of them runs to its end tag or the end of
# the file (an unclosed <code> is re-opened by the browser in every following block).
_CODE_TO_END = frozenset({"pre", "script", "style"})
# Markdown blocks that are one line (ATX heading; a table row is told by _in_table), or whose next
# line would go on after a '>' the HTML tokenizer would take for the tag's end (block quote), and
# lines that end a paragraph by starting a block (blank, ATX heading, block quote, fence, list
# item, thematic break).
_ATX_HEADING = _LazyPattern(r" {0,3}#{1,6}(?=[ \t\r\n])")
_ONE_LINE_BLOCK = _LazyPattern(r" {0,3}(?:#{1,6}(?=[ \t\r\n])|>)")
_NEW_BLOCK = _LazyPattern(
    r"[ \t]*\r?(?:\n|\Z)| {0,3}(?:#{1,6}(?=[ \t\r\n])|>|```|~~~|[-*+][ \t]|1[.)][ \t]|(?:[-*_][ \t]*){3,}\r?$)",
    re.M,
)
# CommonMark's open tag (as markdown-it writes it): inside a Markdown paragraph only a tag of this
# grammar is HTML, the rest is text. (A tag starting a line may open an HTML block, which goes to
# an HTML parser as it is: read tolerantly.)
_CM_ATTRIBUTE = r"""\s++[A-Za-z_:][A-Za-z0-9:._-]*+(?:\s*+=\s*+(?:[^"'=<>`\x00-\x20]++|'[^']*+'|"[^"]*+"))?+"""
_CM_OPEN_TAG = _LazyPattern(rf"<[A-Za-z][A-Za-z0-9-]*+(?:{_CM_ATTRIBUTE})*+\s*+/?>")
# CommonMark's HTML blocks 1-6 start conditions (block 6: the block-level tag names), and block 7.
_HTML_BLOCK_NAMES = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|"
    "dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|"
    "menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|"
    "title|tr|track|ul"
)
_HTML_BLOCK_START = _LazyPattern(
    rf" {{0,3}}(?:<(?:script|pre|style|textarea)(?=\s|>|$)|<!--|<\?|<![A-Za-z]|<!\[CDATA\[|"
    rf"</?(?:{_HTML_BLOCK_NAMES})(?=\s|/?>|$))",
    re.IGNORECASE,
)
_HTML_BLOCK_LONE_TAG = _LazyPattern(rf" {{0,3}}(?:{_CM_OPEN_TAG.pattern}|</[A-Za-z][A-Za-z0-9-]*+\s*+>)\s*$")
_HTML_BLOCK_LOOKBACK = 50  # lines: a bound, so a long paragraph of tags stays linear
_DEFINITION = _LazyPattern(r" {0,3}\[[^\]\n]+\]:")
_TABLE_DELIMITER_ROW = _LazyPattern(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*\r?$")
_RAW_TEXT = frozenset({"script", "style"})
_RAW_TEXT_START = _LazyPattern(r"<(script|style)[\t\n\f\r />]", re.IGNORECASE)
_HTML_BLOCK_1_END = _LazyPattern(r"</(?:script|pre|style|textarea)>", re.IGNORECASE)
_END_TAGS = {name: _LazyPattern(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in _CODE_ELEMENTS}
# The URL parser drops C0 controls and spaces around a URL, and tabs and newlines inside it.
_URL_STRIP = "".join(chr(c) for c in range(0x21))
_URL_DROP = str.maketrans("", "", "\t\n\r")
# A character reference in an HTML attribute value (HTML's rules; see _attr_reference).
_CHAR_REF = _LazyPattern(r"&(?:#([0-9]+);?|#[xX]([0-9A-Fa-f]+);?|([A-Za-z][A-Za-z0-9]*;?))")
# Numeric references HTML maps elsewhere: NUL, and the C1 range read as windows-1252.
_NUMERIC_REPLACEMENTS = {0: "\ufffd", 0x0D: "\r"} | {
    code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0) if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_FENCE_CLOSE = {
    "`": re.compile(r"^[ ]{0,3}(`{3,})[ \t\r]*$", re.M),
    "~": re.compile(r"^[ ]{0,3}(~{3,})[ \t\r]*$", re.M),
}
# An indented code block: indented lines, possibly separated by (any number of) blank lines.
_INDENT_BLOCK = re.compile(r"(?:(?:[ ]{4}|[ ]{0,3}\t)[^\n]*(?:\n|\Z)(?:(?:[ \t]*\n)+(?=[ ]{4}|[ ]{0,3}\t))?)+")
_FENCE_OR_HEADING = _LazyPattern(r" {0,3}(?:(?:`{3,}|~{3,})[ \t\r]*$|#{1,6}(?:[ \t]|$)|\[[^\]\n]+\]:)")
_LIST_MARKER = _LazyPattern(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_LIST_ITEM = _LazyPattern(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
# Container blocks (CommonMark §5): a block quote marker, or a list item marker with the spaces
# after it (one to four: the item's content starts after them; five or more: after one, the rest
# is indented code; none: the line ends there). A thematic break (``- - -``, ``* * *``) is no item.
_CONTAINER_MARKER = _LazyPattern(r" {0,3}(?:(?P<quote>>) ?|(?:[-*+]|[0-9]{1,9}[.)])(?=[ \t]|\r?\n|\r?\Z)(?P<gap> *))")
_QUOTE_MARKER = _LazyPattern(r" {0,3}> ?")
_THEMATIC_BREAK = _LazyPattern(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})\r?$", re.M)
_CONTAINER_STARTS = frozenset(">-*+0123456789")  # what a container marker can begin with
_CONTAINER_LOOKBACK = 50  # lines: how far back the item a line goes on from is looked for
# Last characters of a raw run that may need trimming.
_MAYBE_TRIM = _TRAILING | frozenset(")]")
_TICK_CLOSERS: dict[int, re.Pattern[str]] = {}
_BARE_KIND = LinkKind.BARE
_HTML_ATTR = LinkKind.HTML_ATTR
_AUTOLINK = LinkKind.AUTOLINK
_MARKDOWN_LINK = LinkKind.MARKDOWN_LINK


def _tick_closer(n: int) -> re.Pattern[str]:
    rx = _TICK_CLOSERS.get(n)
    if rx is None:
        rx = _TICK_CLOSERS[n] = re.compile(rf"(?<!`)`{{{n}}}(?!`)")
    return rx


# ---------------------------------------------------------------------------------------------
# Where a bare URL ends


def _trim_trailing(url: str, cjk: bool = False) -> str:
    """Drop trailing punctuation (GFM autolink rules); with ``cjk`` also trailing CJK punctuation."""
    while url:
        last = url[-1]
        if not (last in _TRAILING or (cjk and last in _CJK_PUNCT)):
            break
        url = url[:-1]
    return url


def _cut_unopened(run: str) -> str:
    """``run`` up to the first ``)`` or ``]`` that closes nothing opened inside it.

    Such a bracket was opened before the URL: ``(https://a.example/1)(https://b.example/2)`` is two
    URLs, where GFM, which only drops a *trailing* unbalanced ``)``, would keep ``1)(https…``."""
    parens = brackets = 0
    for i, ch in enumerate(run):
        if ch == "(":
            parens += 1
        elif ch == "[":
            brackets += 1
        elif ch == ")":
            if not parens:
                return run[:i]
            parens -= 1
        elif ch == "]":
            if not brackets:
                return run[:i]
            brackets -= 1
    return run


def _cut_cjk(run: str, start: int) -> str:
    """The part of a non-ASCII ``run`` that belongs to the URL (see the module doc); ``start``
    is where the host begins."""
    n = len(run)
    seg_start = i = start
    while i < n:
        ch = run[i]
        if ch in _SEGMENT_DELIMS:
            seg_start = i = i + 1
        elif ch < "\x80":
            i += 1
        elif ch in _CJK_PUNCT:
            return run[:i]  # punctuation outside a CJK-led segment
        elif not _is_cjk_letter(ch):
            i += 1  # other non-ASCII (Maxwell–Boltzmann): part of the URL
        elif i != seg_start:
            return run[:i]  # a CJK letter glued to ASCII
        else:  # a segment that begins with a CJK letter
            ends = [j for j in (run.find(d, i) for d in _SEGMENT_DELIMS) if j != -1]
            if ends:  # closed by a delimiter: all of it belongs to the URL
                seg_start = i = min(ends) + 1
                continue
            url = _trim_trailing(run, cjk=True)
            if len(url) <= i or any(c in _CJK_PUNCT for c in url[i:]):
                return run[:i]  # punctuation inside the last segment: prose after the URL
            return url
    return run


def _bare_end(run: str) -> str:
    """The URL at the start of a raw bare run, as written."""
    if ")" in run or "]" in run:
        run = _cut_unopened(run)
    if not run.isascii():
        run = _cut_cjk(run, run.find("://") + 3 if "://" in run[:8] else 0)
    return _trim_trailing(run)


# CommonMark's backslash escapes (before ASCII punctuation) and character references (an HTML5
# entity name, 1-7 decimal or 1-6 hexadecimal digits, each ended by ';').
_MD_UNESCAPE = re.compile(
    r"\\([!-/:-@\[-`{-~])|&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z][A-Za-z0-9]{0,31}));"
)


def _md_unescape_match(m: re.Match[str]) -> str:
    escaped, decimal, hexadecimal, name = m.groups()
    if escaped is not None:
        return escaped
    if name is not None:
        from html.entities import html5  # a large table, needed only here (rarely)

        return html5.get(name + ";", m.group())
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    # CommonMark: an invalid code point (U+0000, a surrogate, past U+10FFFF) is U+FFFD.
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def _md_unescape(text: str) -> str:
    """A link destination as CommonMark reads it: escapes and character references resolved."""
    return _MD_UNESCAPE.sub(_md_unescape_match, text) if "\\" in text or "&" in text else text


def _attr_reference(m: re.Match[str], value: str) -> str:
    """What an HTML parser makes of the character reference ``m`` in an attribute ``value``."""
    decimal, hexadecimal, name = m.groups()
    if name is None:
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        if code in _NUMERIC_REPLACEMENTS:
            return _NUMERIC_REPLACEMENTS[code]
        return "\ufffd" if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF else chr(code)
    from html.entities import html5  # a large table, needed only here (rarely)

    if name[-1] == ";" and name in html5:
        return html5[name]
    # The longest name that is a reference without ';' ("&copy2" is "©2") ... except where a
    # letter, digit or '=' follows it in an attribute: "?a=1&copy=2" stays as written.
    for length in range(len(name) - (name[-1] == ";"), 1, -1):
        prefix = name[:length]
        if prefix in html5:
            following = name[length] if length < len(name) else value[m.end() : m.end() + 1]
            if following.isascii() and (following.isalnum() or following == "="):
                return m.group()
            return html5[prefix] + name[length:]
    return m.group()


def _decode_attribute(value: str) -> tuple[str, list[int] | None]:
    """An attribute value with its character references decoded, and for each character of the
    result the offset in ``value`` it comes from (None: nothing was decoded, offsets are equal)."""
    if "&" not in value:
        return value, None
    pieces: list[str] = []
    offsets: list[int] = []
    last = 0
    for m in _CHAR_REF.finditer(value):
        decoded = _attr_reference(m, value)
        pieces.append(value[last : m.start()])
        offsets.extend(range(last, m.start()))
        pieces.append(decoded)
        offsets.extend([m.start()] * len(decoded))
        last = m.end()
    pieces.append(value[last:])
    offsets.extend(range(last, len(value)))
    return "".join(pieces), offsets


def _srcset_urls(value: str) -> list[tuple[str, int]]:
    """(URL, offset) of every image candidate in a ``srcset`` value, split as the HTML standard's
    "parse a srcset attribute" does (descriptors are skipped, not validated)."""
    found = []
    n = len(value)
    i = 0
    while True:
        while i < n and (value[i] in _HTML_SPACE or value[i] == ","):
            i += 1
        if i >= n:
            return found
        start = i
        while i < n and value[i] not in _HTML_SPACE:
            i += 1
        url = value[start:i]
        if url.endswith(","):
            url = url.rstrip(",")  # the candidate has no descriptors
        else:  # descriptors, up to a comma outside parentheses
            in_parens = False
            while i < n:
                ch = value[i]
                i += 1
                if ch == "(":
                    in_parens = True
                elif ch == ")":
                    in_parens = False
                elif ch == "," and not in_parens:
                    break
        found.append((url, start))


def _read_tag(text: str, pos: int, end: int) -> tuple[list[tuple[str, int, int]], int] | None:
    """The attributes of the start tag whose name ends at ``pos``, as the HTML tokenizer reads
    them, as (lower-case name, value start, value end), and the offset after its ``>``; None when
    ``end`` comes first (the tag is unfinished: HTML drops it, Markdown shows it as text)."""
    attrs = []
    while True:
        m = _ATTR_NAME.match(text, pos, end)
        pos = m.end()
        name = m.group(1)
        if name is None:
            break  # at '>', or at the end
        equals = _ATTR_EQUALS.match(text, pos, end)
        if equals is None:
            attrs.append((name.lower(), pos, pos))
            continue
        pos = equals.end()
        if pos < end and text[pos] in "\"'":
            close = text.find(text[pos], pos + 1, end)
            if close == -1:
                return None
            attrs.append((name.lower(), pos + 1, close))
            pos = close + 1
        else:
            value_end = _ATTR_UNQUOTED.match(text, pos, end).end()
            attrs.append((name.lower(), pos, value_end))
            pos = value_end
    return (attrs, pos + 1) if pos < end else None


def _escaped(text: str, pos: int) -> bool:
    """Whether the character at ``pos`` follows an odd number of backslashes (is escaped)."""
    i = pos
    while i > 0 and text[i - 1] == "\\":
        i -= 1
    return (pos - i) % 2 == 1


def _is_url_dest(dest: str) -> bool:
    """A link destination worth recording: has a scheme, or is site-relative / scheme-relative."""
    return dest.startswith("/") or _SCHEME.match(dest) is not None


# ---------------------------------------------------------------------------------------------
# Regions


def _find_all(text: str, needle: str) -> list[int]:
    found = []
    i = text.find(needle)
    while i != -1:
        found.append(i)
        i = text.find(needle, i + 1)
    return found


def _fence_starts(text: str) -> list[int]:
    """Every offset where ```` ``` ```` or ``~~~`` starts (overlapping runs included), in order."""
    return sorted(_find_all(text, "```") + _find_all(text, "~~~"))


def _code_regions(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of fenced code blocks, in order."""
    regions: list[tuple[int, int]] = []
    candidates = _fence_starts(text)
    pos = 0
    for start in candidates:
        if start < pos:
            continue
        line_start = text.rfind("\n", 0, start) + 1
        if start - line_start > 3 or text[line_start:start].strip(" "):
            continue  # not at the start of a line: inline code or text
        fence_char = text[start]
        fence_end = start + 3
        while text.startswith(fence_char, fence_end):
            fence_end += 1
        fence_len = fence_end - start
        line_end = text.find("\n", fence_end)
        if line_end == -1:
            line_end = len(text)
        if fence_char == "`" and "`" in text[fence_end:line_end]:
            continue  # a backtick fence's info string has no backtick: this is inline code
        closer = _FENCE_CLOSE[fence_char]
        end = len(text)  # an unclosed fence runs to the end of the file
        search_from = line_end
        while (c := closer.search(text, search_from)) is not None:
            if len(c.group(1)) >= fence_len:
                end = c.end()
                break
            search_from = c.end()
        regions.append((line_start, end))
        pos = end
    return regions


def _is_indented(text: str, line_start: int) -> bool:
    return text.startswith(("    ", "\t", " \t", "  \t", "   \t"), line_start)


def _html_block_line(text: str, line_start: int) -> bool:
    """Whether the line at ``line_start`` lies in a Markdown HTML block, which goes to an HTML
    parser as it is: a line of its run of non-blank lines (looking back a bounded way) starts one
    of CommonMark's HTML blocks 1-6, or its first line is a lone tag (block 7, which cannot
    interrupt a paragraph)."""
    start = line_start
    for _ in range(_HTML_BLOCK_LOOKBACK):
        end = text.find("\n", start)
        line = text[start : end if end != -1 else len(text)]
        if _HTML_BLOCK_START.match(line) is not None:
            return True
        previous_start = text.rfind("\n", 0, start - 1) + 1 if start else 0
        if start == 0 or not text[previous_start : start - 1].strip():
            return _HTML_BLOCK_LONE_TAG.match(line) is not None
        start = previous_start
    return False


def _in_table(text: str, line_start: int) -> bool:
    """Whether the line at ``line_start`` is a row of a GFM table: a delimiter row (``|---|:-:|``)
    is above it in its run of non-blank lines (looking back a bounded way)."""
    for _ in range(_HTML_BLOCK_LOOKBACK):
        if line_start == 0:
            return False
        line_start = text.rfind("\n", 0, line_start - 1) + 1
        line_end = text.find("\n", line_start)
        line = text[line_start:line_end]
        if not line.strip():
            return False
        if _TABLE_DELIMITER_ROW.match(line) is not None:
            return True
    return False


def _in_list_item(text: str, line_start: int) -> bool:
    """Whether the line at ``line_start`` (the last before a blank line) or one above it in its run
    of non-blank lines (looking back a bounded way) starts a list item that goes on after the blank
    line (an empty item does not: an item begins with at most one blank line)."""
    line_end = text.find("\n", line_start)
    if not _LIST_MARKER.sub("", text[line_start : line_end if line_end != -1 else len(text)], count=1).strip():
        return False
    for _ in range(_HTML_BLOCK_LOOKBACK):
        line_end = text.find("\n", line_start)
        line = text[line_start : line_end if line_end != -1 else len(text)]
        if not line.strip():
            return False
        if _LIST_ITEM.match(line) is not None:
            return True
        if line_start == 0:
            return False
        line_start = text.rfind("\n", 0, line_start - 1) + 1
    return False


def _indented_run(text: str, line_start: int) -> tuple[int, int, bool]:
    """For an indented line: (start, end, is_code) of the indented code block holding it, or of
    the run of indented and blank lines around it when that is not code.

    The run is code when it follows a blank line (or the start of the text) and the last
    non-blank line before it is neither indented nor a line of an HTML block (kramdown reads an
    HTML element to its end tag, blank lines or not), nor part of a paragraph that a list item
    starts (a list item's text goes on, lazily, on unindented lines).
    """
    # Walk up over indented and blank lines to the line before the run.
    first = line_start
    while first > 0:
        prev_start = text.rfind("\n", 0, first - 1) + 1
        prev = text[prev_start : first - 1]
        if prev.strip() and not _is_indented(text, prev_start):
            break
        first = prev_start
    # `first` is the first line of the run; the code block starts at its first indented line.
    code_start = first
    while not _is_indented(text, code_start):  # skip leading blank lines
        code_start = text.find("\n", code_start) + 1
    m = _INDENT_BLOCK.match(text, code_start)  # matches: code_start is an indented line
    end = m.end() if m is not None else len(text)
    if first == 0:
        return code_start, end, True
    prev_start = text.rfind("\n", 0, first - 1) + 1
    prev = text[prev_start : first - 1]
    after_blank = code_start > first and not (
        (prev[:1] == "<" and _html_block_line(text, prev_start)) or _in_list_item(text, prev_start)
    )
    # No paragraph is open after a closing fence, a heading or a reference definition: indented
    # code needs no blank line there. In a list item the run is the item's (and a `[r]: …` line
    # there is a lazy line of its paragraph, text).
    if after_blank:
        return code_start, end, True
    if _FENCE_OR_HEADING.match(prev) is None:
        return code_start, end, False
    return code_start, end, not (prev.lstrip(" ").startswith("[") and _in_list_item(text, prev_start))


# A container is (True, 0) for a block quote, (False, width) for a list item whose content starts
# ``width`` columns after where its marker is looked for.
Container = tuple[bool, int]


def _open_containers(text: str, line_start: int, line_end: int) -> tuple[list[Container], int]:
    """The block quotes and list items whose markers start the line, outermost first, and where
    the line's content begins after them."""
    found: list[Container] = []
    pos = line_start
    while pos < line_end:
        if text[pos : pos + 4].lstrip(" ")[:1] not in _CONTAINER_STARTS:
            break  # (the usual line: no regex needed to tell)
        if _THEMATIC_BREAK.match(text, pos, line_end) is not None:
            break  # `- - -` is a thematic break, not an item
        m = _CONTAINER_MARKER.match(text, pos, line_end)
        if m is None:
            break
        if m.group("quote") is not None:
            found.append((True, 0))
            pos = m.end()
            continue
        gap = len(m.group("gap"))
        # One to four spaces: the content starts after them. None (a tab), more (indented code
        # in the item) or the end of the line: one column after the marker.
        content = m.end() if 1 <= gap <= 4 and m.end() < line_end else m.start("gap") + 1
        found.append((False, content - pos))
        pos = min(content, line_end)
    return found, pos


def _continue_containers(text: str, pos: int, line_end: int, containers: list[Container]) -> tuple[int, int]:
    """How many of ``containers`` the line at ``pos`` goes on (a block quote needs its ``>``, a
    list item its content's indentation), and where the rest of the line begins."""
    for i, (quote, width) in enumerate(containers):
        if quote:
            m = _QUOTE_MARKER.match(text, pos, line_end)
            if m is None:
                return i, pos
            pos = m.end()
        elif pos + width <= line_end and not text[pos : pos + width].strip(" "):
            pos += width
        else:
            return i, pos
    return len(containers), pos


def _line_end(text: str, pos: int, end: int) -> int:
    found = text.find("\n", pos, end)
    return end if found == -1 else found


def _containers_above(text: str, line_start: int, line_end: int) -> tuple[list[Container], int, int]:
    """For a line with no container markers of its own: the containers of a line above (looking
    back a bounded way) that it goes on in, where its content begins, and the start of that line:
    a list item whose content indentation it keeps (over blank lines too, when every line between
    keeps it), or, without a blank line between, a block quote or item whose paragraph it is a lazy
    line of. ([] when none.)"""
    start = line_start
    passed: list[int] = []  # the non-blank lines between, when a blank line was crossed
    crossed_blank = False
    for _ in range(_CONTAINER_LOOKBACK):
        if start == 0:
            break
        previous_start = text.rfind("\n", 0, start - 1) + 1
        if not text[previous_start : start - 1].strip():
            if text[line_start] not in " \t":
                break  # only an item's indented line goes on in it over a blank line
            crossed_blank = True
            start = previous_start
            continue
        opened, _ = _open_containers(text, previous_start, start - 1)
        if opened:
            kept, content = _continue_containers(text, line_start, line_end, opened)
            if kept == len(opened) and all(not quote for quote, _ in opened):
                if not crossed_blank or all(
                    _continue_containers(text, s, _line_end(text, s, len(text)), opened)[0] == len(opened)
                    for s in passed
                ):
                    return opened, content, previous_start
            elif (
                not crossed_blank
                and kept < len(opened)
                and _NEW_BLOCK.match(text, content) is None
                and _HTML_BLOCK_START.match(text, content, line_end) is None
            ):
                return opened, content, previous_start  # a lazy line, if a paragraph is open above
            break
        if crossed_blank:
            passed.append(previous_start)
        start = previous_start
    return [], line_start, line_start


def _container_leaf_is_html(text: str, line_start: int, content: int, containers: list[Container], opener: int) -> bool:
    """Whether the line at ``line_start`` (in ``containers``, its content at ``content``) lies in an
    HTML block inside them: a line of its leaf block, up from it, starts one of CommonMark's HTML
    blocks 1-6, or the leaf's first line is a lone tag (block 7, which cannot interrupt a
    paragraph). The leaf begins after a blank line, at the line that opened the containers, or
    below a line that does not go on in them."""
    for _ in range(_CONTAINER_LOOKBACK):
        line_end = _line_end(text, line_start, len(text))
        if _HTML_BLOCK_START.match(text, content, line_end) is not None:
            return True
        if line_start <= opener or line_start == 0:
            break
        previous_start = text.rfind("\n", 0, line_start - 1) + 1
        if previous_start == opener:
            _, previous_content = _open_containers(text, opener, line_start - 1)
            kept = len(containers)
        else:
            kept, previous_content = _continue_containers(text, previous_start, line_start - 1, containers)
        if kept < len(containers) or not text[previous_content : line_start - 1].strip():
            break
        line_start, content = previous_start, previous_content
    return _HTML_BLOCK_LONE_TAG.match(text, content, _line_end(text, line_start, len(text))) is not None


# ---------------------------------------------------------------------------------------------
# The scanner


class _Scanner:
    """Collects occurrences, turning offsets into (line, column) incrementally."""

    __slots__ = (
        "_ls", "_ls_from", "continues", "file", "indented", "line", "markdown", "offset", "out", "relative", "text"
    )  # fmt: skip

    def __init__(self, text: str, file: str, markdown: bool, relative: bool = False) -> None:
        self.text = text
        self.file = file
        self.markdown = markdown  # Markdown's code, escapes and blocks apply (else: an HTML post)
        self.relative = relative  # keep relative and Liquid destinations too (a blog root resolves them)
        self.line = 1
        self.offset = 0
        self.out: list[tuple[str, Occurrence]] = []
        self.indented = (-1, -1, False)  # the last indented run looked at
        self.continues: dict[int, bool] = {}  # _continues_paragraph() of line starts seen
        self._ls_from = 0  # line_start() cache: the start of the line holding offset _ls_from
        self._ls = 0

    def line_start(self, pos: int) -> int:
        """Offset of the first character of pos's line.

        Scanning moves forward, so only the text since the last call is searched: a 50 MB file
        that is one long line stays linear instead of searching back to its start at every URL.
        """
        if pos >= self._ls_from:
            found = self.text.rfind("\n", self._ls_from, pos)
            if found >= 0:
                self._ls = found + 1
            self._ls_from = pos
            return self._ls
        return self.text.rfind("\n", 0, pos) + 1

    def emit(self, url: str, pos: int, kind: LinkKind) -> None:
        text = self.text
        if pos >= self.offset:
            self.line += text.count("\n", self.offset, pos)
        else:
            self.line -= text.count("\n", pos, self.offset)
        self.offset = pos
        line_start = self.line_start(pos)
        title = self.title(url, pos, line_start, kind)
        self.out.append((url, Occurrence(self.file, self.line, pos - line_start + 1, kind, title)))

    def title(self, url: str, pos: int, line_start: int, kind: LinkKind) -> str | None:
        """The title the post gives ``url``, emitted at ``pos`` on the line starting at ``line_start``
        (:mod:`linkcheck.scan.titles`): a bare URL or an autolink alone on its line has the next
        non-blank line's, a Markdown link its text; None for any other."""
        text = self.text
        if kind is _MARKDOWN_LINK:
            return link_title(text[line_start:pos])
        if kind is not _BARE_KIND and kind is not _AUTOLINK:
            return None
        line_end = text.find("\n", pos)
        if line_end == -1:
            line_end = len(text)
        alone = text[line_start:line_end].strip()
        if alone != url and not (alone[1:-1] == url and alone[0] == "<"):  # (``<url>``: an autolink)
            return None  # a URL inside a sentence: the sentence is not its title
        return title_below(text, line_end)

    def bare(self, start: int, end: int, kind: LinkKind, pattern: re.Pattern[str] | None = None) -> None:
        """Bare URLs only (code regions; with the prose ``pattern``, attribute values)."""
        text = self.text
        search = (pattern or _CODE_BARE).search
        pos = start
        while (m := search(text, pos, end)) is not None:
            url = _bare_end(m.group())
            if url:
                self.emit(url, m.start(), kind)
                pos = m.start() + len(url)  # what was cut off may hold the next URL
            else:
                pos = m.end()

    def dest(self, dest: str, pos: int, kind: LinkKind) -> None:
        """A Markdown link destination at ``pos``, as written; emitted as CommonMark reads it."""
        if dest.startswith("<"):
            dest, pos = dest[1:-1], pos + 1
        dest = _md_unescape(dest)
        if dest and (self.relative or _is_url_dest(dest)):
            self.emit(dest, pos, kind)

    def prose(self, start: int, end: int) -> None:
        text = self.text
        search = _MASTER.search
        append = self.out.append
        file = self.file
        pos = start
        while (m := search(text, pos, end)) is not None:
            mstart = pos = m.start()
            if mstart == 0 or text[mstart - 1] == "\n":  # the usual: a match (a URL) starting its line
                line_start = self._ls = self._ls_from = mstart  # (line_start()'s cache, as it would set it)
            elif mstart >= self._ls_from:  # line_start(), inlined for the usual forward step
                found = text.rfind("\n", self._ls_from, mstart)
                if found >= 0:
                    self._ls = found + 1
                self._ls_from = mstart
                line_start = self._ls
            else:
                line_start = self.line_start(mstart)
            if text[line_start] in " \t" and self.markdown and _is_indented(text, line_start):
                run_start, run_end, is_code = self.indented
                if not run_start <= mstart < run_end:
                    run_start, run_end, is_code = self.indented = _indented_run(text, line_start)
                if is_code:
                    self.bare(mstart, min(run_end, end), LinkKind.CODE)
                    pos = run_end
                    continue
            group = m.lastgroup
            if (
                group is not None
                and mstart > 0
                and text[mstart - 1] == "\\"
                and self.markdown
                and _escaped(text, mstart)
            ):
                pos += 1  # a backslash-escaped '[', '!', '`' or '<' is text (in Markdown)
                continue
            if group is None:  # a bare URL, by far the most common: emit() inlined
                run = m.group()
                plain = run.isascii() and run[-1] not in _MAYBE_TRIM and ")" not in run and "]" not in run
                url = run if plain else _bare_end(run)
                if "[" in url and self.markdown:
                    url = self._before_link(mstart, url)
                if url:
                    self.line += text.count("\n", self.offset, mstart)
                    self.offset = mstart
                    if mstart == line_start:  # the usual: the URL starts its line (no '<' before it)
                        title = title_after(text, mstart + len(url))
                    else:
                        title = self.title(url, mstart, line_start, _BARE_KIND)
                    append((url, Occurrence(file, self.line, mstart - line_start + 1, _BARE_KIND, title)))
                    pos += len(url)  # what was cut off may hold the next URL
                else:
                    pos = m.end()
            elif group == "tick":
                pos = self._code_span(mstart, m.end(), end) if self.markdown else m.end()
            elif group == "ldest":
                image = mstart > 0 and text[mstart - 1] == "!" and not (self.markdown and _escaped(text, mstart - 1))
                text_group = "ltext"
                link_text = m.group(text_group)
                if "](" in link_text and self._inner_link_wins(m.start(text_group), m.end(text_group)):
                    pos += 1
                    continue
                if "](" in link_text or "<" in link_text:  # images or HTML inside the link text
                    found = len(self.out)
                    self.prose(m.start(text_group), m.end(text_group))
                    # (its bare URLs are text, not links: a link cannot hold a link)
                    self.out[found:] = [pair for pair in self.out[found:] if pair[1].kind is not _BARE_KIND]
                kind = LinkKind.IMAGE if image else LinkKind.MARKDOWN_LINK
                self.dest(m.group(group), m.start(group), kind)
                pos = m.end()
            elif group == "rdest":
                prefix = text[self.line_start(mstart) : mstart]
                if len(prefix) <= 3 and not prefix.strip(" ") and not self._continues_paragraph(mstart - len(prefix)):
                    self.dest(m.group("rdest"), m.start("rdest"), LinkKind.REFERENCE_DEFINITION)
                    pos = m.end()
                else:  # not a definition: read it again as ordinary text
                    pos += 1
            elif group == "auto":
                auto = m.group("auto")
                if "://" in auto or auto[:7].lower() == "mailto:":
                    self.emit(auto, mstart + 1, LinkKind.AUTOLINK)
                pos = m.end()
            elif group == "comment":
                pos = self._comment(mstart, end)
            else:  # group == "tag"
                pos = self._tag(mstart, m.end(), end)

    def _comment(self, start: int, end: int) -> int:
        """An HTML comment (``<!-- … -->``), processing instruction (``<? … ?>``) or declaration
        (``<!X … >``) at ``start``: what is inside is no tag or link, only its bare URLs are
        found. Returns where scanning resumes. Unclosed: the rest of an HTML post; text in
        Markdown (inline HTML must be complete)."""
        text = self.text
        if text.startswith("<!--", start):
            close, closer = text.find("-->", start + 2, end), "-->"  # '<!-->' is a whole comment
        elif not self.markdown:  # HTML: '<?…' and '<!…' are bogus comments, to the next '>'
            close, closer = text.find(">", start + 2, end), ">"
        elif text.startswith("<![CDATA[", start):
            close, closer = text.find("]]>", start + 9, end), "]]>"
        elif text[start + 1] == "?":
            close, closer = text.find("?>", start + 2, end), "?>"
        else:
            close, closer = text.find(">", start + 2, end), ">"
        if close == -1:
            if self.markdown:
                return start + 2
            close, closer = end, ""
        self.bare(start + 2, close, LinkKind.BARE, _BARE)
        return close + len(closer)

    def _inner_link_wins(self, start: int, end: int) -> bool:
        """Whether the link text at start..end holds a Markdown link, or an image that runs past
        the text's end: CommonMark closes the nearest '[' first, so that inner one is formed, and
        the outer '[' is text (links cannot hold links)."""
        text = self.text
        i = text.find("[", start, end)
        while i != -1:
            image = i > 0 and text[i - 1] == "!"
            inner = _LINK_AT.match(text, i - image)
            if inner is not None and (not image or inner.end() > end):
                return True
            i = text.find("[", i + 1, end)
        return False

    def _before_link(self, start: int, url: str) -> str:
        """``url`` (a bare URL at ``start``) cut where a Markdown link or image inside it begins:
        links are read before bare URLs (``https://[t](/x)`` links /x)."""
        i = url.find("[")
        while i != -1:
            if _LINK_AT.match(self.text, start + i - (url[i - 1 : i] == "!")) is not None:
                return _trim_trailing(url[: i - (url[i - 1 : i] == "!")])
            i = url.find("[", i + 1)
        return url

    def _tag(self, start: int, name_end: int, end: int) -> int:
        """The start tag at ``start``; returns where scanning resumes."""
        text = self.text
        found = None
        if self.markdown:
            line_start = self.line_start(start)
            line_end = _line_end(text, start, end)
            containers, content = _open_containers(text, line_start, line_end)
            opener = line_start
            if not containers:
                found = _read_tag(text, name_end, end)
                # (Only a tag over several lines, or one CommonMark's grammar refuses, which an
                # HTML block in the item would still read, can be read otherwise in an item.)
                if found is not None and (found[1] > line_end or _CM_OPEN_TAG.fullmatch(text, start, found[1]) is None):
                    containers, content, opener = _containers_above(text, line_start, line_end)
            # (A '>' or '-' on a line of an HTML block is text of that block, not a container.)
            if containers and not _html_block_line(text, opener):
                html = _container_leaf_is_html(text, line_start, content, containers, opener)
                lazy = opener != line_start and _continue_containers(text, line_start, line_end, containers)[0] < len(
                    containers
                )
                if not (html and lazy):  # (an HTML block takes no lazy line: this one is outside)
                    return self._container_tag(start, name_end, end, line_end, containers, html)
        if found is None:
            found = _read_tag(text, name_end, end)
        if found is None:
            return name_end  # not a tag: its text is read as text
        attrs, tag_end = found
        if self.markdown:
            multiline = "\n" in text[start:tag_end]
            strict = _CM_OPEN_TAG.fullmatch(text, start, tag_end) is not None
            if (multiline or not strict) and self._in_html_block(start):
                # An HTML block goes to an HTML parser as it is, up to a blank line.
                if multiline and _BLANK_LINE.search(text, start, tag_end) is not None:
                    return name_end
            elif not strict:
                return name_end  # inline HTML must be a tag by CommonMark's stricter grammar
            elif multiline and not self._tag_lines_hold(start, tag_end):
                return name_end  # Markdown ended the block before the tag did: it is text
        self._attributes(attrs, name_end, tag_end)
        element = text[start + 1 : name_end].lower()
        if element not in _CODE_ELEMENTS:
            return tag_end
        closer = self._end_tag(element, tag_end, end)
        content_end, resume = (end, end) if closer is None else (closer.start(), closer.end())
        if self.markdown and element in _CODE_TO_END and self._opens_html_block(start):
            # CommonMark's HTML block 1 ends with the line holding any of its end tags.
            block_end = _HTML_BLOCK_1_END.search(text, tag_end, content_end)
            if block_end is not None:
                line_end = text.find("\n", block_end.end(), end)
                content_end = resume = end if line_end == -1 else line_end
        elif self.markdown:
            # Inline HTML, or inside an HTML block: the element ends with its paragraph or block,
            # a heading's or table row's with its line.
            line_start = self.line_start(start)
            if _ATX_HEADING.match(text, line_start) is not None or _in_table(text, line_start):
                content_end = resume = min(content_end, _line_end(text, tag_end, end))
            content_end = resume = self._block_end(tag_end, content_end)
        self.bare(tag_end, content_end, LinkKind.CODE)
        return resume

    def _container_tag(
        self, start: int, name_end: int, end: int, line_end: int, containers: list[Container], html: bool
    ) -> int:
        """The start tag at ``start`` on a line inside block quotes or list items: read, as
        CommonMark hands it on, from the lines of its leaf block with their container markers
        taken off (``> <img\n> src="/a.png">`` is ``<img\nsrc="/a.png">``). In an HTML block only
        lines that go on in the containers belong to it; a paragraph also takes lazy lines, and
        its tag must be one by CommonMark's grammar. Returns where scanning resumes."""
        text = self.text
        pieces = [text[start:line_end]]
        segments = [(0, start)]  # (offset in the view, offset in the text) where each line's piece begins
        length = line_end - start
        leaf_end = line_end
        for _ in range(_CONTAINER_LOOKBACK):
            if leaf_end >= end:
                break
            next_start = leaf_end + 1
            next_end = _line_end(text, next_start, end)
            content = self._leaf_goes_on(next_start, next_end, containers, html)
            if content is None:
                break
            pieces.append("\n" + text[content:next_end])
            segments.append((length + 1, content))
            length += 1 + next_end - content
            leaf_end = next_end
        view = "".join(pieces)

        def locate(offset: int) -> int:
            """The offset in the text of ``offset`` in the view."""
            for view_start, text_start in reversed(segments):
                if view_start <= offset:
                    return text_start + offset - view_start
            return start + offset

        found = _read_tag(view, name_end - start, len(view))
        if found is None:
            return name_end  # not a tag: its text is read as text
        attrs, view_end = found
        if not html and _CM_OPEN_TAG.fullmatch(view, 0, view_end) is None:
            return name_end  # inline HTML must be a tag by CommonMark's stricter grammar
        tag_end = locate(view_end - 1) + 1
        self._attributes(attrs, name_end, tag_end, view, locate)
        element = text[start + 1 : name_end].lower()
        if element not in _CODE_ELEMENTS:
            return tag_end
        closer = self._end_tag(element, tag_end, end)
        content_end, resume = (end, end) if closer is None else (closer.start(), closer.end())
        # The element ends with its leaf block, whatever CommonMark block it is in: an HTML block
        # 1 (a <pre> starting the content) ends at the line of its end tag or with the containers.
        leaf_end = line_end
        while leaf_end < content_end:
            next_start = leaf_end + 1
            next_end = _line_end(text, next_start, end)
            if self._leaf_goes_on(next_start, next_end, containers, html, to_end_tag=True) is None:
                content_end = resume = leaf_end
                break
            leaf_end = next_end
        self.bare(tag_end, content_end, LinkKind.CODE)
        return resume

    def _leaf_goes_on(
        self, line_start: int, line_end: int, containers: list[Container], html: bool, *, to_end_tag: bool = False
    ) -> int | None:
        """Where the content of the line at ``line_start`` begins when it goes on the leaf block
        (an HTML block with ``html``, else a paragraph) of a line in ``containers``, else None.
        A blank line ends either (with ``to_end_tag``, an HTML block 1 goes on over it); a line
        that leaves a container ends an HTML block, and a paragraph unless it is a lazy
        continuation line; a line that starts a block ends a paragraph."""
        text = self.text
        kept, content = _continue_containers(text, line_start, line_end, containers)
        blank = not text[content:line_end].strip()
        if html:
            return content if kept == len(containers) and (to_end_tag or not blank) else None
        if blank or _NEW_BLOCK.match(text, content) is not None:
            return None
        if _HTML_BLOCK_START.match(text, content, line_end) is not None:
            return None  # an HTML block 1-6 interrupts a paragraph
        return content

    def _attributes(
        self,
        attrs: list[tuple[str, int, int]],
        name_end: int,
        tag_end: int,
        view: str | None = None,
        locate: Callable[[int], int] | None = None,
    ) -> None:
        """The URLs of a tag's attributes (read from ``view`` when given, whose offsets ``locate``
        turns into the text's), and the bare URLs in its other attribute values, which are text."""
        seen: set[str] = set()
        gap = name_end  # (a text offset)
        for name, value_start, value_end in attrs:
            if name in seen:
                continue  # HTML keeps the first of two attributes of one name
            seen.add(name)
            if name in URL_ATTRIBUTES:
                self.bare(gap, value_start if locate is None else locate(value_start), LinkKind.BARE, _BARE)
                self._attribute(name, value_start, value_end, view, locate)
                gap = value_end if locate is None else locate(value_end)
        self.bare(gap, tag_end, LinkKind.BARE, _BARE)

    def _in_html_block(self, pos: int) -> bool:
        """Whether ``pos`` lies in a Markdown HTML block (see _html_block_line)."""
        return _html_block_line(self.text, self.line_start(pos))

    def _continues_paragraph(self, line_start: int) -> bool:
        """Whether the line at ``line_start`` may continue a paragraph: the line before is text, not
        blank, a real reference definition, an ATX heading, a closing fence or indented code. (A
        definition cannot interrupt a paragraph.)"""
        text = self.text
        memo = self.continues
        walked = []
        answer = False
        while line_start > 0:
            if line_start in memo:
                answer = memo[line_start]
                break
            walked.append(line_start)
            previous_start = text.rfind("\n", 0, line_start - 1) + 1
            previous = text[previous_start : line_start - 1]
            if _DEFINITION.match(previous) is not None:
                line_start = previous_start  # a definition too: is that one really one?
                continue
            content = _LIST_MARKER.sub("", previous, count=1)  # a list item's own text
            if not content.strip() or _FENCE_OR_HEADING.match(content) is not None:
                break  # no paragraph is open after these
            if _HTML_BLOCK_START.match(content) is not None or _HTML_BLOCK_LONE_TAG.match(content) is not None:
                break  # nor in or after an HTML block
            if self.markdown and _is_indented(text, previous_start) and _indented_run(text, previous_start)[2]:
                break  # nor after indented code
            answer = True
            break
        for walked_start in walked:  # (so a run of definition lines is walked once)
            memo[walked_start] = answer
        return answer

    def _opens_html_block(self, start: int) -> bool:
        """Whether a tag at ``start`` opens a Markdown HTML block: it starts its line (after up to
        three spaces), and the line before is blank or not HTML (an HTML block interrupts a
        paragraph, but a tag on a line of an open HTML block belongs to that block)."""
        text = self.text
        line_start = self.line_start(start)
        if start - line_start > 3 or text[line_start:start].strip(" "):
            return False
        if line_start == 0:
            return True
        previous = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1].strip()
        return not previous.startswith("<")

    def _block_end(self, pos: int, limit: int) -> int:
        """``limit``, or the end of the line before the first line after ``pos`` that ends a
        Markdown paragraph (blank, or starting a block of its own), if that comes first."""
        text = self.text
        newline = text.find("\n", pos, limit)
        while newline != -1:
            if _NEW_BLOCK.match(text, newline + 1) is not None:
                return newline
            newline = text.find("\n", newline + 1, limit)
        return limit

    def _end_tag(self, element: str, start: int, end: int) -> re.Match[str] | None:
        """The end tag of a code element whose contents begin at ``start``. Inside <pre>, <code>,
        <kbd> or <samp>, a <script> or <style> is raw text up to its own end tag: an end tag in
        there ends nothing else (and an unclosed one takes the rest)."""
        text = self.text
        pattern = _END_TAGS[element]
        while True:
            closer = pattern.search(text, start, end)
            if element in _RAW_TEXT:
                return closer
            raw = _RAW_TEXT_START.search(text, start, end if closer is None else closer.start())
            if raw is None:
                return closer
            raw_end = _END_TAGS[raw.group(1).lower()].search(text, raw.end(), end)
            if raw_end is None:
                return None
            start = raw_end.end()

    def _tag_lines_hold(self, start: int, tag_end: int) -> bool:
        """Whether Markdown lets a tag run from ``start`` over the following lines to ``tag_end``:
        not across a blank line, not out of a heading or table row (one line each), not into a
        line that starts a block of its own."""
        line_start = self.line_start(start)
        if _ONE_LINE_BLOCK.match(self.text, line_start) is not None or _in_table(self.text, line_start):
            return False
        return self._block_end(start, tag_end) == tag_end

    def _attribute(
        self, name: str, start: int, end: int, view: str | None = None, locate: Callable[[int], int] | None = None
    ) -> None:
        """The URL(s) of the attribute value at start..end (of ``view``, when given, whose offsets
        ``locate`` turns into the text's), as a browser takes them."""
        value, offsets = _decode_attribute((self.text if view is None else view)[start:end])
        candidates = _srcset_urls(value) if name == "srcset" else [(value, 0)]
        for candidate, offset in candidates:
            url = candidate.strip(_URL_STRIP)
            if url and (self.relative or _is_url_dest(url)):
                first = offset + candidate.index(url[0])
                where = start + (first if offsets is None else offsets[first])
                self.emit(url.translate(_URL_DROP), where if locate is None else locate(where), _HTML_ATTR)

    def _code_span(self, start: int, opener_end: int, end: int) -> int:
        """Handle the backtick run at start..opener_end; return where scanning resumes."""
        text = self.text
        closer = _tick_closer(opener_end - start).search(text, opener_end, end)
        if closer is None:
            return opener_end  # a literal backtick run
        if self.markdown:  # not past the end of the paragraph
            if self._block_end(opener_end, closer.start()) != closer.start():
                return opener_end
        elif _BLANK_LINE.search(text, opener_end, closer.start()) is not None:
            return opener_end
        self.bare(opener_end, closer.start(), LinkKind.CODE)
        return closer.end()


HTML_SUFFIXES = (".html", ".htm")


def extract_urls(text: str, file: str, *, markdown: bool | None = None) -> Iterator[tuple[str, Occurrence]]:
    """Every URL written in ``text`` as ``(url, Occurrence)``, in text order.

    ``markdown``: whether the text is Markdown, whose code (fences, code spans, indented blocks),
    backslash escapes and blocks apply; by default it is unless ``file`` is an HTML file (``.html``,
    ``.htm``), which Jekyll does not convert."""
    return iter(extracted_list(text, file, markdown=markdown))


def extracted_list(
    text: str, file: str, *, markdown: bool | None = None, relative: bool = False
) -> list[tuple[str, Occurrence]]:
    """:func:`extract_urls` as a list; ``relative``: relative and Liquid link destinations too
    (``../images/a.png``, ``#anchor``, ``{% post_url … %}``), for a blog root to resolve."""
    if markdown is None:
        markdown = not file.lower().endswith(HTML_SUFFIXES)
    scanner = _Scanner(text, file, markdown, relative)
    pos = 0
    for start, end in _code_regions(text) if markdown else ():
        if start > pos:
            scanner.prose(pos, start)
        scanner.bare(start, end, LinkKind.CODE)
        pos = end
    if pos < len(text):
        scanner.prose(pos, len(text))
    return scanner.out


__all__ = ["HTML_SUFFIXES", "extract_urls", "extracted_list"]
