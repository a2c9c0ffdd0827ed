"""Anchor ids by kramdown's rules (linkcheck.scan.anchors): a table of header ids, then kramdown
itself as the oracle (Debian's ruby-kramdown + ruby-kramdown-parser-gfm, which `jekyll` pulls in;
those tests skip without Ruby) on the same table, on the test blog and on the real corpus's posts."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from linkcheck.scan.anchors import (
    GFM,
    KRAMDOWN,
    HeaderIds,
    document_anchors,
    gfm_header_id,
    header_text,
    kramdown_header_id,
    strip_front_matter,
)
from tests.oracles import oracle_missing

HERE = Path(__file__).resolve().parent
ORACLE = HERE / "oracles" / "kramdown_ids.rb"
BLOG = HERE / "blog"
CORPUS = Path(os.environ.get("LINKCHECK_CORPUS", HERE.parent.parent / "shared" / "corpus" / "_posts"))

# (header as written after "## ", GFM id (Jekyll's default input), kramdown-input id): ids as
# kramdown 2.4 / kramdown-parser-gfm 1.1 give them, each in a document of its own.
HEADERS = [
    ("Hello World", "hello-world", "hello-world"),
    ("中文 标题（一）", "中文-标题一", "section"),
    ("Hello, World! -- ok", "hello-world--ok", "hello-world----ok"),
    ("`code_x` and *em* and [link](http://x.com) &amp; __init__ method", "code_x-and-em-and-link--init-method",
     "codex-and-em-and-linkhttpxcom-amp-init-method"),
    ("1. Numbers first", "1-numbers-first", "numbers-first"),
    ("1. Numbers first {#custom}", "custom", "custom"),
    ('<a name="Pearson"></a>Pearson系数', "pearson系数", "a-namepearsonapearson"),
    ("C++ & C#", "c--c", "c--c"),
    ("Ünïcödé Straße", "ünïcödé-straße", "ncd-strae"),
    ("what's \"new\"...", "whats-new", "whats-new"),
    ("snake_case_name", "snake_case_name", "snakecasename"),
    ("**bold** _it_ ~~strike~~", "bold-it-strike", "bold-it-strike"),
    ("![img](/a.png) Image caption", "-image-caption", "imgapng-image-caption"),
    ("Tab\there", "tab-here", "tabhere"),
    ('<span style="color:red">红色</span>文字', "红色文字", "span-stylecolorredspan"),
    ("中文，English；混合。", "中文english混合", "english"),
    ("ⓐ circled", "ⓐ-circled", "circled"),
    ("Ends with hashes ##", "ends-with-hashes", "ends-with-hashes"),
    ("Escaped \\# hash", "escaped--hash", "escaped--hash"),
    ("<<quote>>", "quote", "quote"),
    ("100%", "100", "section"),
    ("<https://example.com/y>", "httpsexamplecomy", "httpsexamplecomy"),
    ("&#x4E2D;文", "中文", "x4e2d"),
]  # fmt: skip


def _kramdown(documents: list[dict[str, str]]) -> list[dict[str, list[str]]]:
    if shutil.which("ruby") is None or not ORACLE.is_file():
        oracle_missing("Ruby is not installed (apt-get install ruby-kramdown ruby-kramdown-parser-gfm, or jekyll)")
    result = subprocess.run(
        ["ruby", str(ORACLE)], input=json.dumps(documents), capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0 and "cannot load such file" in result.stderr:
        oracle_missing(f"kramdown is not installed for Ruby: {result.stderr.strip().splitlines()[0]}")
    assert result.returncode == 0, result.stderr
    return [{key: [html.unescape(v) for v in values] for key, values in d.items()} for d in json.loads(result.stdout)]


@pytest.mark.parametrize(("written", "gfm", "kramdown"), HEADERS)
def test_header_ids_by_the_table(written: str, gfm: str, kramdown: str) -> None:
    html_ids = {"Pearson"} if "<a name" in written else set()  # the header's HTML has an id of its own
    assert document_anchors(f"## {written}\n") == {gfm, *html_ids}
    assert document_anchors(f"## {written}\n", markdown_input=KRAMDOWN) == {kramdown, *html_ids}


def test_the_two_id_rules_on_plain_text() -> None:
    assert gfm_header_id("Pearson 相关系数（一）") == "pearson-相关系数一"
    assert kramdown_header_id("2. Pearson 相关系数") == "pearson-"
    assert header_text("[Pearson](http://x) `r` &lt;1") == "Pearson r <1"


def test_repeated_headers_are_numbered_as_each_parser_numbers_them() -> None:
    gfm, kramdown = HeaderIds(GFM), HeaderIds(KRAMDOWN)
    assert [gfm.next_id(t) for t in ("A", "a", "A", "中文", "中文")] == ["a", "a-1", "a-2", "中文", "中文-1"]
    assert [kramdown.next_id(t) for t in ("A", "a", "中文", "中文")] == ["a", "a-1", "section", "section-1"]


def test_ids_come_from_headers_html_attribute_lists_footnotes_and_the_toc_but_not_code() -> None:
    text = """---
title: front matter is not the document
---
* toc
{:toc}

# Title

<a name="Pearson"/> and <span id='eigen'>x</span> and <div name="not-an-anchor"></div>

Paragraph
{: #para .note}

## Kendall
{: #kendall}

```
# not a header
<a name="in-code"></a>
```

{% highlight python %}
# not a header either
{% endhighlight %}

Text[^note].

[^note]: A footnote.
"""
    assert document_anchors(text) == {
        "markdown-toc", "markdown-toc-title", "markdown-toc-kendall",
        "title", "Pearson", "eigen", "para", "kendall", "fn:note", "fnref:note",
    }  # fmt: skip
    assert document_anchors(text, markdown=False) == {"Pearson", "eigen"}  # an HTML page: only its HTML
    assert "title" not in document_anchors(text, auto_ids=False)
    assert "x-title" in document_anchors(text, prefix="x-")


def test_front_matter_is_stripped_only_at_the_start() -> None:
    assert strip_front_matter("---\na: 1\n---\n# T\n") == "# T\n"
    assert strip_front_matter("# T\n---\na\n---\n") == "# T\n---\na\n---\n"


def test_kramdown_agrees_on_the_table() -> None:
    for markdown_input, column in ((GFM, 1), (KRAMDOWN, 2)):
        documents = [{"text": f"## {row[0]}\n", "input": markdown_input} for row in HEADERS]
        for row, answer in zip(HEADERS, _kramdown(documents), strict=True):
            assert answer["headers"] == [row[column]], (markdown_input, row[0])
            mine = document_anchors(f"## {row[0]}\n", markdown_input=markdown_input)
            assert mine == set(answer["ids"]), (markdown_input, row[0])


def _compare_documents(paths: list[Path], markdown_input: str = GFM) -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in paths]
    answers = _kramdown([{"text": strip_front_matter(t), "input": markdown_input} for t in texts])
    return [
        f"{path.name}: kramdown has {sorted(set(a['ids']) - mine)[:5]}, we have {sorted(mine - set(a['ids']))[:5]}"
        for path, text, a in zip(paths, texts, answers, strict=True)
        if (mine := document_anchors(text, markdown_input=markdown_input)) != set(a["ids"])
    ]


def test_kramdown_agrees_on_every_post_of_the_test_blog() -> None:
    posts = sorted((BLOG / "_posts").glob("*.md"))
    assert len(posts) >= 4
    assert _compare_documents(posts) == []
    assert _compare_documents(posts, KRAMDOWN) == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the blog corpus is not at {CORPUS}")
def test_kramdown_agrees_on_every_post_of_the_real_blog() -> None:
    """All 817 posts, every id: headers (Chinese, numbered, repeated), <a name>, the toc."""
    posts = sorted(CORPUS.glob("*.markdown"))
    assert len(posts) > 800
    assert _compare_documents(posts) == []
