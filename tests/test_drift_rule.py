"""The content-drift rule's pure parts (linkcheck.drift): which titles the posts give, which title a
page has, and what counts as the same article. The rule run end to end: tests/test_drift.py."""

from __future__ import annotations

import pytest

from linkcheck.classify import Page, classify
from linkcheck.drift import DRIFT_BELOW, cited_title, compare, normalise, page_title, similarity
from linkcheck.models import LinkKind, Verdict
from linkcheck.scan.collect import collect
from linkcheck.simweb import pages as P
from linkcheck.sites import WEIXIN, ZHIHU

CORPUS_TITLES = [  # titles as the real blog cites them (/work/shared/corpus/_posts)
    "洪小文：以科学的方式赤裸裸地剖析人工智能：混沌初开",
    "图神经网络新书《图表示学习》，140页pdf，William L. Hamilton-McGill University",
    "如何评价特斯拉的超级计算机Dojo?",
    "Visualizing the AI Revolution in One Infographic",
    "矩阵乘法电路使用内积外积的优缺点及对计算架构需求分析",
]


def test_titles_the_posts_give_next_line_or_link_text(tmp_path) -> None:
    post = tmp_path / "2020-1-1-a.md"
    post.write_text(
        "https://mp.weixin.qq.com/s/h_BjRGiNFV0V511RUumR0w\n\nL1, L2 范数以及高斯，拉普拉斯分布\n\n"
        "https://www.zhihu.com/question/478288123\n如何评价特斯拉的超级计算机Dojo?\n\n"
        "详见https://behave.test/inline这篇文章。\n下一行不是标题\n\n"  # a URL in a sentence: no title
        "https://behave.test/heading\n\n## 下一节\n\n"  # a heading is not a title
        "https://behave.test/prose\n\n如果PC是Linux平台的话，patch包名称的OS字段是unix。\n\n"  # a sentence
        "https://behave.test/list\n\n* do make\n\n"
        "https://behave.test/a\nhttps://behave.test/b\n\n两篇之一\n\n"  # the next line is another URL
        "[\u200b端到端传感器建模](https://behave.test/linked) and [https://behave.test/self](https://behave.test/self)\n",
        encoding="utf-8",
    )
    found = {link.canonical: link.occurrences[0] for link in collect([tmp_path]).links}
    titles = {url.rsplit("/", 1)[-1]: occurrence.title for url, occurrence in found.items()}
    assert titles == {
        "h_BjRGiNFV0V511RUumR0w": "L1, L2 范数以及高斯，拉普拉斯分布",
        "478288123": "如何评价特斯拉的超级计算机Dojo?",
        "inline": None,
        "heading": None,
        "prose": None,
        "list": None,
        "a": None,
        "b": "两篇之一",
        "linked": "端到端传感器建模",  # the zero-width space the blog often carries is dropped
        "self": None,
    }
    assert found["https://behave.test/linked"].kind is LinkKind.MARKDOWN_LINK


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("  AAAI2019 Tutorial《图表示学习》, 180页PPT  ", "AAAI2019 Tutorial《图表示学习》, 180页PPT"),
        ("> 吐槽一下，这只是个基本的问题", None),
        ("`pip install gensim`", None),
        ("改为清华大学的地址：", None),
        ("![](/images/a.png)", None),
        ("—", None),
        ("x" * 161, None),
    ],
)
def test_cited_title_refuses_what_reads_as_something_else(candidate: str, expected: str | None) -> None:
    assert cited_title(candidate) == expected


def test_page_title_og_title_then_site_markup_then_title() -> None:
    wx = P.wx_article("abc", title="图计算加速架构综述 & 展望").decode()
    assert page_title(wx, WEIXIN) == "图计算加速架构综述 & 展望"
    # Without og:title, WeChat's <h1 id="activity-name"> (its <title> is empty until its script runs).
    no_og = wx.replace('property="og:title"', 'property="og:description"')
    assert page_title(no_og, WEIXIN) == "图计算加速架构综述 & 展望"
    zh = P.zh_article("486808688", "内积还是外积？").decode()
    assert page_title(zh, ZHIHU) in ("内积还是外积？", "内积还是外积？ - 知乎")
    assert normalise(page_title(zh, ZHIHU) or "", ZHIHU) == normalise("内积还是外积？")
    assert page_title(P.generic_page("h.example", "/x", "A Title").decode(), None) == "A Title | h.example"
    assert page_title("<html><body>no title</body></html>") is None


def test_normalise_width_punctuation_case_and_site_suffix() -> None:
    assert normalise("如何评价特斯拉的超级计算机Dojo？ - 知乎", ZHIHU) == normalise(
        "如何评价特斯拉的超级计算机ＤＯＪＯ?"
    )
    assert normalise("“共轭分布”是什么？") == "共轭分布是什么"
    assert normalise("Visualizing  the AI\u3000Revolution") == "visualizingtheairevolution"


@pytest.mark.parametrize(
    ("cited", "now"),
    [
        # A title edited slightly is not drift: punctuation, a word dropped, a series tag, a site suffix.
        ("洪小文：以科学的方式赤裸裸地剖析人工智能：混沌初开", "洪小文：以科学方式剖析人工智能：混沌初开"),
        ("如何评价特斯拉的超级计算机Dojo?", "如何评价特斯拉的超级计算机 Dojo？"),
        ("图计算加速架构综述", "【干货】图计算加速架构综述 | 机器之心"),
        ("Visualizing the AI Revolution in One Infographic", "Visualizing The AI Revolution In One Infographic"),
        ("矩阵乘法电路使用内积外积的优缺点及对计算架构需求分析", "矩阵乘法电路使用内积外积的优缺点分析"),
        ("深度学习六十年简史", "深度学习60年简史"),
    ],
)
def test_near_misses_are_not_drift(cited: str, now: str) -> None:
    drift = compare(now, [cited])
    assert drift is not None and not drift.drifted, drift


@pytest.mark.parametrize(
    ("cited", "now"),
    [
        # The article replaced by another (a reused account, a recycled URL, a domain's new owner).
        ("洪小文：以科学的方式赤裸裸地剖析人工智能：混沌初开", "双十一爆款清单：这些好物闭眼入"),
        ("如何评价特斯拉的超级计算机Dojo?", "为什么猫咪喜欢把东西推下桌子？"),
        ("Visualizing the AI Revolution in One Infographic", "Domain names for sale — buy this domain"),
        ("图神经网络新书《图表示学习》，140页pdf", "公众号迁移说明"),
        # Two articles of one topic and one author are still two articles.
        ("洪小文：以科学的方式赤裸裸地剖析AI（二）：从寒冬到复兴", "微软亚洲研究院2024年度回顾"),
    ],
)
def test_replaced_articles_are_drift(cited: str, now: str) -> None:
    drift = compare(now, [cited])
    assert drift is not None and drift.drifted and drift.similarity < DRIFT_BELOW, drift


def test_every_reference_must_disagree_and_no_reference_is_no_verdict() -> None:
    # The post's line after the URL was the author's comment, not the title; the first capture
    # still matches the page: not drift.
    drift = compare("深度学习六十年简史", ["解决方法统一使用一种函数", "深度学习六十年简史"])
    assert drift is not None and not drift.drifted and drift.reference == "深度学习六十年简史"
    assert compare("深度学习六十年简史", [None, ""]) is None
    assert compare("！？", ["深度学习"]) is None  # a title with no letters says nothing


def test_similarity_is_symmetric_and_bounded() -> None:
    for a in CORPUS_TITLES:
        for b in CORPUS_TITLES:
            x, y = normalise(a), normalise(b)
            assert similarity(x, y) == similarity(y, x)
            assert 0.0 <= similarity(x, y) <= 1.0
            assert (similarity(x, y) == 1.0) == (a == b)


def test_classify_names_the_title_of_an_alive_page_only() -> None:
    url = "https://mp.weixin.qq.com/s/abc"
    alive = classify(Page(url, url, 200, "text/html", P.wx_article("abc", title="一篇文章"), body_read=True))
    assert (alive.verdict, alive.title) == (Verdict.ALIVE, "一篇文章")
    dead = classify(Page(url, url, 200, "text/html", P.WX_DEL.encode(), body_read=True))
    assert (dead.verdict, dead.title) == (Verdict.DEAD, None)
    head = classify(Page("https://h.example/", "https://h.example/", 200, "text/html"))
    assert (head.verdict, head.title) == (Verdict.ALIVE, None)  # HEAD: no body, no title
    pdf = classify(Page("https://h.example/a.pdf", "https://h.example/a.pdf", 200, "application/pdf",
                        b"%PDF-1.4 <title>x</title>", body_read=True))  # fmt: skip
    assert pdf.title is None
