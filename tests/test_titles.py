"""Cited titles as the extractor finds them (linkcheck.scan.titles), against the rule as first
written: the post split into lines, a URL alone on its line titled by the next non-blank of the two
lines below, a Markdown link by its text on its line. The extractor reads them from offsets it
already has, and a shortcut takes most lines as titles without asking cited_title; here both are
held to that reference over the real blog and over generated posts, and the shortcut to
cited_title."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from linkcheck.models import LinkKind
from linkcheck.scan.collect import decode
from linkcheck.scan.extract import extracted_list
from linkcheck.scan.titles import _CLEAN_TITLE, cited_title
from tests.differential import CORPUS

_LINK_TEXT = re.compile(r"\[([^\[\]]*)\]\(\s*<?$")


def _slow_cited_title(candidate: str) -> str | None:
    """cited_title, which the extractor's shortcut (_CLEAN_TITLE) skips for most lines."""
    return cited_title(candidate)


def reference_titles(text: str, file: str) -> list[str | None]:
    """The title of every occurrence extracted from ``text``, by the rule as first written."""
    lines = text.split("\n")
    titles: list[str | None] = []
    for url, occurrence in extracted_list(text, file):
        title = None
        if occurrence.kind in (LinkKind.BARE, LinkKind.AUTOLINK):
            index = occurrence.line - 1
            alone = lines[index].strip()
            if alone == url or (alone[1:-1] == url and alone[0] == "<"):
                for following in lines[index + 1 : index + 3]:
                    if following.strip():
                        title = _slow_cited_title(following)
                        break
        elif occurrence.kind is LinkKind.MARKDOWN_LINK:
            found = _LINK_TEXT.search(lines[occurrence.line - 1][: occurrence.column - 1])
            if found is not None:
                title = _slow_cited_title(found.group(1))
        titles.append(title)
    return titles


def _titles(text: str, file: str) -> list[str | None]:
    return [occurrence.title for _, occurrence in extracted_list(text, file)]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the blog corpus is not at {CORPUS}")
def test_the_blogs_titles_are_the_rules() -> None:
    titled = 0
    for path in sorted(CORPUS.iterdir()):
        text, _ = decode(path.read_bytes())
        found = _titles(text, path.name)
        assert found == reference_titles(text, path.name), path.name
        titled += sum(title is not None for title in found)
    assert titled > 20_000  # the corpus was read: ~23,000 of its links carry a title


_PIECES = st.sampled_from(
    [
        "https://a.example/x",
        "https://a.example/y.",
        "www.b.example/z",
        "<https://c.example/a>",
        "<https://c.example/b.",
        "[文章标题](https://d.example/l)",
        "[\u200b标题](<https://d.example/m>)",
        "`https://e.example/code`",
        "图计算加速架构综述",
        "Title with  two spaces",
        "\u3000全角空格\u3000",
        "标题\u200b带零宽",
        "结尾是冒号：",
        "## heading",
        "- item",
        "> quote",
        "x",
        " ",
        "\t",
        "\r",
        "\u2028",
        "\x1c",
        "\xa0",
        "\n",
        "\n",
        "\n",
        "    ",
        "```",
        "<!--",
        "-->",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=14).map("".join))
@example("https://a.example/x\n\n标题\n")
@example("  https://a.example/x \r\n \n 标题 \n")
@example("<https://a.example/x.\n标题")
@example("https://a.example/x\n")
@example("https://a.example/x\n \n")
@example("<!--\n<https://a.example/x>\n标题\n-->")
def test_generated_posts_titles_are_the_rules(text: str) -> None:
    for file in ("p.md", "p.html"):
        assert _titles(text, file) == reference_titles(text, file)


_CLEAN = re.compile(_CLEAN_TITLE)
# Characters every check of cited_title turns on: white space of several kinds, zero-width ones,
# structure and sentence ends, letters, digits, '_', a format character that is not zero-width.
_TITLE_CHARS = "aZ9_中 \u3000\t\r\xa0\u2028\u200b\ufeff\u0600#>!|`$<{[-*+=:/.。：，,；;？)"


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(st.text(alphabet=_TITLE_CHARS, max_size=12), st.text(alphabet=_TITLE_CHARS, min_size=150, max_size=170))
)
@example("图计算加速架构综述")
@example("a://b")
@example("- 列表")
@example("-- 不是列表")
@example("结尾是冒号：")
@example("一" * 160)
@example("一" * 161)
@example("a_")
@example("ab c")
def test_a_line_taken_as_clean_is_what_cited_title_returns(line: str) -> None:
    """The shortcut may refuse what cited_title accepts (it goes to cited_title then), never accept
    a line cited_title would refuse or change."""
    if _CLEAN.fullmatch(line) is not None:
        assert cited_title(line) == line


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the blog corpus is not at {CORPUS}")
def test_the_shortcut_takes_most_of_the_blogs_titles() -> None:
    """(So the shortcut is the path the tests above exercise, not a regex that never matches.)"""
    lines = [line for path in CORPUS.iterdir() for line in decode(path.read_bytes())[0].split("\n")]
    titles = [line for line in lines if cited_title(line) == line]
    taken = sum(_CLEAN.fullmatch(line) is not None for line in titles)
    assert taken > 0.9 * len(titles)
    assert all(cited_title(line) == line for line in lines if _CLEAN.fullmatch(line) is not None)


def test_re_white_space_is_str_white_space() -> None:
    """The title patterns find blank lines with ``[^\\S\\n]``; the rule says 'strips to nothing'."""
    space = re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        assert (space.match(ch) is not None) == ch.isspace(), hex(code)
