"""Cited titles: what a post says the article it links is called (issue #19, content drift).

In this blog a cited article's title stands on the next non-empty line after its URL, the URL
alone on its line (``https://mp.weixin.qq.com/s/…``, a blank line, ``图计算加速架构综述``); a
Markdown link's text is its title. :func:`cited_title` refuses what reads as anything else (a
heading, a list item, a sentence). The extractor (:mod:`linkcheck.scan.extract`) asks
:func:`title_below` and :func:`link_title` as it emits each occurrence, from the offsets it already
has: the post is never split into lines for it. :mod:`linkcheck.drift` compares these titles with
the pages'.

(A module of its own, not part of :mod:`linkcheck.drift`: the scan needs only this, and importing
the drift rule brought ``html``, ``unicodedata`` and a dataclass into every scan.)
"""

from __future__ import annotations

import re

# A cited title longer than this is a paragraph of commentary, not a title.
MAX_TITLE_CHARS = 160

# What a cited title cannot start with: a heading, a list item, a quote, an image, a table row,
# code, math or markup — all commentary or structure, not the cited article's title.
_NOT_A_TITLE_START = ("#", "- ", "* ", "+ ", ">", "!", "|", "`", "$", "<", "{", "[", "---", "***", "===")
# ...or end with: a sentence or an introduction ("…如下：") is the author's prose.
_NOT_A_TITLE_END = ("。", "：", ":", "，", ",", "；", ";")
# Zero-width characters the blog's titles often carry (copied from WeChat); a regular expression,
# as str.translate with a table goes through Python for every character (the scan calls this
# for 23,000 lines).
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_TWO_ALNUM = re.compile(r"[^\W_].*?[^\W_]", re.S)
# The text of a Markdown link whose destination follows: ``[text](`` (or ``[text](<``) ending the
# line's text before the destination.
_LINK_TEXT = re.compile(r"\[([^\[\]]*)\]\(\s*<?$")
# A line that certainly is a clean cited title: cited_title would return it as it is. Its
# characters are no white space and no zero-width character, single spaces between them (so the
# cleaning changes nothing), and it passes cited_title's checks: not starting as structure does,
# at most MAX_TITLE_CHARS long, no "://", not ending as a sentence, two letters or digits. Only a
# shortcut: a line it refuses goes to cited_title, so it may refuse more than it must, never
# accept what cited_title would not return unchanged (tests/test_titles.py).
_CLEAN_CHAR = r"[^\s\u200b\u200c\u200d\u2060\ufeff]"
_CLEAN_TITLE = (
    r"(?![#>!|`$<{\[]|[-*+] |---|\*\*\*|===)"  # not starting as structure does (_NOT_A_TITLE_START)
    rf"(?=[^\n]{{1,{MAX_TITLE_CHARS}}}(?![^\n]))"  # 1 to MAX_TITLE_CHARS characters
    r"(?![^\n]*://)"  # no URL
    r"(?=[^\n]*?[^\W_][^\n]*?[^\W_])"  # two letters or digits (_TWO_ALNUM)
    rf"{_CLEAN_CHAR}++(?: {_CLEAN_CHAR}++)*+"  # nothing to clean
    r"(?<![。：:，,；;])(?![^\n])"  # not ending as a sentence does (_NOT_A_TITLE_END), at the line's end
)
# Below a line (from its "\n"): the next line, or the one after it when the next is blank (then
# blank too when both are, which is no title). ``[^\S\n]`` is the white space str.strip()
# removes (re's \s and str.isspace are one set), but the newline: a blank line is one that strips
# to nothing, as when the post was split into lines.
_NEXT_LINES = r"\n(?:[^\S\n]*+\n)?"
_LINE_BELOW = re.compile(rf"{_NEXT_LINES}([^\n]*)")
# From the end of a URL: the rest of its line blank, then the line below as _LINE_BELOW finds it,
# as group "title" when it certainly is a clean one, else as group "line" (both None when the
# text ends on the URL's line). (Only this pattern, which nearly every URL meets, has the shortcut.)
_BLANK_THEN_BELOW = re.compile(rf"[^\S\n]*+(?:{_NEXT_LINES}(?:(?P<title>{_CLEAN_TITLE})|(?P<line>[^\n]*))|\Z)")


def cited_title(candidate: str) -> str | None:
    """``candidate`` (a link's text, or the line after a URL alone on its line) as a cited title,
    or None when it reads as something else: empty, a URL, a heading, a list item, a quote, code,
    a sentence of the author's, or too long."""
    text = " ".join(INVISIBLE.sub("", candidate).split())
    if not text or len(text) > MAX_TITLE_CHARS or "://" in text:
        return None
    if text.startswith(_NOT_A_TITLE_START) or text.endswith(_NOT_A_TITLE_END):
        return None
    if _TWO_ALNUM.search(text) is None:  # fewer than two letters or digits
        return None
    return text


def title_after(text: str, end: int) -> str | None:
    """The cited title of a URL that starts its line's text and ends at ``end``: when only white
    space follows it on that line, the first non-blank of the next two lines, if it reads as a
    title (none when text follows: a sentence is not its title)."""
    found = _BLANK_THEN_BELOW.match(text, end)
    if found is None:
        return None
    title, line = found.group("title", "line")
    if title is not None or line is None:
        return title  # (certainly clean and a title: cited_title would return it as it is)
    return cited_title(line)


def title_below(text: str, line_end: int) -> str | None:
    """The cited title of a URL alone on the line that ends at ``line_end`` (its ``\\n``, or the
    end of ``text``): the first non-blank of the next two lines, if it reads as a title."""
    found = _LINE_BELOW.match(text, line_end)
    return None if found is None else cited_title(found.group(1))


def link_title(before: str) -> str | None:
    """The cited title of a Markdown link whose destination follows ``before`` (its line's text up
    to the destination): the link's text, when it is written on that line."""
    found = _LINK_TEXT.search(before)
    return None if found is None else cited_title(found.group(1))


__all__ = ["INVISIBLE", "MAX_TITLE_CHARS", "cited_title", "link_title", "title_after", "title_below"]
