"""Internal links, from the scan to the verdict: every link form the test blog writes (tests/blog),
its canonical key, and the local checker's verdict and reason for it."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from linkcheck.models import Link, LinkKind, Outcome, Verdict
from linkcheck.run.local import (
    ALIVE_ANCHOR,
    ALIVE_FILE,
    ALIVE_PAGE,
    ALIVE_POST,
    CASE_MISMATCH,
    MISSING_ANCHOR,
    MISSING_FILE,
    MISSING_POST,
    LocalChecker,
    check_internal,
)
from linkcheck.scan.collect import collect
from linkcheck.scan.internal import is_internal
from linkcheck.scan.jekyll import JekyllSite

BLOG = Path(__file__).resolve().parent / "blog"
LINKS_POST = str(BLOG / "_posts" / "2018-12-01-links.md")
BROKEN_TAGS = str(BLOG / "_posts" / "2019-01-01-broken-tags.md")
ML2 = "/blog/ml/2016/08/02/Machine_Learning_2.html"

# As written in the test blog → (canonical key, verdict, reason, final_url: where it lands, or the fix).
FORMS = [
    # site-relative, with the baseurl
    ("/blog/images/a.png", "/blog/images/a.png", "alive", ALIVE_FILE, "/blog/images/a.png"),
    ("/blog/images/missing.png", "/blog/images/missing.png", "dead", MISSING_FILE, None),
    ("/blog/images/photo.png", "/blog/images/photo.png", "dead", CASE_MISMATCH, "/blog/images/Photo.png"),
    ("/blog/images/moved.png", "/blog/images/moved.png", "dead", MISSING_FILE, "/blog/images/sub/moved.png"),
    ("/images/a.png", "/images/a.png", "dead", MISSING_FILE, "/blog/images/a.png"),  # outside the baseurl
    # Liquid
    ("{{ site.baseurl }}/images/img5/io_uring.png", "/blog/images/img5/io_uring.png", "alive", ALIVE_FILE,
     "/blog/images/img5/io_uring.png"),
    ('{{ "/images/a.png" | relative_url }}', "/blog/images/a.png", "alive", ALIVE_FILE, "/blog/images/a.png"),
    ("{{ site.baseurl }}/images/img5/missing.png", "/blog/images/img5/missing.png", "dead", MISSING_FILE, None),
    ("{% post_url 2016-08-02-Machine_Learning_2 %}", ML2, "alive", ALIVE_POST, ML2),
    ("{% post_url 2016-08-02-Machine_Learning_2 %}#Pearson", f"{ML2}#Pearson", "alive", ALIVE_ANCHOR,
     f"{ML2}#Pearson"),
    ("{% post_url 2016-8-9-short_date %}#BN", "/blog/deep%20learning/2016/08/09/short_date.html#BN", "alive",
     ALIVE_ANCHOR, "/blog/deep%20learning/2016/08/09/short_date.html#BN"),
    ("{% link _posts/2017-01-12-custom.md %}#pca", "/blog/custom/custom/#pca", "alive", ALIVE_ANCHOR,
     "/blog/custom/custom/#pca"),
    ("{% link images/a.png %}", "/blog/images/a.png", "alive", ALIVE_FILE, "/blog/images/a.png"),
    ("{% post_url 2016-08-02-nope %}", "{% post_url 2016-08-02-nope %}", "dead", MISSING_POST, None),
    ("{% link images/nope.png %}", "/blog/images/nope.png", "dead", MISSING_FILE, None),
    ("{% link _posts/2020-01-01-nope.md %}#x", "{% link _posts/2020-01-01-nope.md %}#x", "dead", MISSING_POST, None),
    # document-relative: against the citing post's URL, as a browser resolves it
    ("../images/a.png", "/blog/ml/2018/12/images/a.png", "dead", MISSING_FILE, "/blog/images/a.png"),
    ("../../../../images/a.png", "/blog/images/a.png", "alive", ALIVE_FILE, "/blog/images/a.png"),
    ("about.html", "/blog/ml/2018/12/01/about.html", "dead", MISSING_POST, "/blog/about/"),
    ("#images", "/blog/ml/2018/12/01/links.html#images", "alive", ALIVE_ANCHOR,
     "/blog/ml/2018/12/01/links.html#images"),
    ("#nowhere", "/blog/ml/2018/12/01/links.html#nowhere", "dead", MISSING_ANCHOR, None),
    # absolute, to the blog's own url
    ("https://blog.example.com/blog/images/img5/io_uring.png", "/blog/images/img5/io_uring.png", "alive",
     ALIVE_FILE, "/blog/images/img5/io_uring.png"),
    (f"https://blog.example.com{ML2}#Gone", f"{ML2}#Gone", "dead", MISSING_ANCHOR, None),
    # posts, pages and anchors
    ("{{ site.baseurl }}/ml/2016/08/02/Machine_Learning_2.html#pearson-相关系数一",
     f"{ML2}#pearson-%E7%9B%B8%E5%85%B3%E7%B3%BB%E6%95%B0%E4%B8%80", "alive", ALIVE_ANCHOR,
     f"{ML2}#pearson-%E7%9B%B8%E5%85%B3%E7%B3%BB%E6%95%B0%E4%B8%80"),  # a kramdown header id
    (f"{ML2}#spearman", f"{ML2}#spearman", "alive", ALIVE_ANCHOR, f"{ML2}#spearman"),  # {#spearman}
    (f"{ML2}#kendall", f"{ML2}#kendall", "alive", ALIVE_ANCHOR, f"{ML2}#kendall"),  # {: #kendall}
    (f"{ML2}#least-squares-1", f"{ML2}#least-squares-1", "alive", ALIVE_ANCHOR, f"{ML2}#least-squares-1"),
    (f"{ML2}#comments", f"{ML2}#comments", "alive", ALIVE_ANCHOR, f"{ML2}#comments"),  # the layout's id
    (f"{ML2}#NoSuchAnchor", f"{ML2}#NoSuchAnchor", "dead", MISSING_ANCHOR, None),
    (f"{ML2}#pearson", f"{ML2}#pearson", "dead", MISSING_ANCHOR, f"{ML2}#Pearson"),  # ids are case-sensitive
    ("/blog/deep%20learning/2016/08/09/short_date.html#BN", "/blog/deep%20learning/2016/08/09/short_date.html#BN",
     "alive", ALIVE_ANCHOR, "/blog/deep%20learning/2016/08/09/short_date.html#BN"),
    ("/blog/custom/custom/#eigen", "/blog/custom/custom/#eigen", "alive", ALIVE_ANCHOR, "/blog/custom/custom/#eigen"),
    ("/blog/custom/custom", "/blog/custom/custom", "alive", ALIVE_POST, "/blog/custom/custom/"),
    ("/blog/about/", "/blog/about/", "alive", ALIVE_PAGE, "/blog/about/"),
    ("/blog/notes/tips/", "/blog/notes/tips/", "alive", ALIVE_PAGE, "/blog/notes/tips/"),
    ("/blog/ml/2016/08/03/Machine_Learning_3.html", "/blog/ml/2016/08/03/Machine_Learning_3.html", "dead",
     MISSING_POST, None),
    ("/blog/dl/2016/08/02/Machine_Learning_2.html", "/blog/dl/2016/08/02/Machine_Learning_2.html", "dead",
     MISSING_POST, ML2),  # the same post under another category: the one of that name
    ("/blog/ml/2019/05/05/draft.html", "/blog/ml/2019/05/05/draft.html", "dead", MISSING_POST, None),  # a draft
    ("/blog/notes-static/table.html#row2", "/blog/notes-static/table.html#row2", "alive", ALIVE_ANCHOR,
     "/blog/notes-static/table.html#row2"),
    ("/blog/notes-static/paper.pdf#page=3", "/blog/notes-static/paper.pdf#page=3", "alive", ALIVE_FILE,
     "/blog/notes-static/paper.pdf#page=3"),  # a PDF's fragment is its viewer's
]  # fmt: skip


@pytest.fixture(scope="module")
def site() -> JekyllSite:
    return JekyllSite.load(BLOG)


@pytest.fixture(scope="module")
def scanned(site: JekyllSite) -> dict[str, Link]:
    """The scan's link for each spelling in FORMS: the one holding the place where it is written."""
    links = collect([BLOG], site=site).links
    by_written: dict[str, Link] = {}
    for written, *_ in FORMS:
        file, line = next(
            (file, n)
            for file in (LINKS_POST, BROKEN_TAGS)
            for n, content in enumerate(Path(file).read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"[(\s\"]" + re.escape(written) + r"[)\"]", content)
        )
        by_written[written] = next(
            link for link in links if any(o.file == file and o.line == line for o in link.occurrences)
        )
    by_written["{{ page.image }}"] = next(link for link in links if link.url == "{{ page.image }}")
    return by_written


@pytest.mark.parametrize(("written", "key", "verdict", "reason", "final_url"), FORMS, ids=[f[0] for f in FORMS])
def test_each_link_form(
    site: JekyllSite, scanned: dict[str, Link], written: str, key: str, verdict: str, reason: str, final_url: str | None
) -> None:
    link = scanned[written]
    assert link.canonical == key and is_internal(link) and link.host == ""
    outcome = asyncio.run(LocalChecker(site).check(link))
    assert (outcome.verdict.value, outcome.reason, outcome.final_url) == (verdict, reason, final_url)
    assert outcome.via == "local" and outcome.marker == "local" and outcome.http_status is None
    assert (outcome.error is None) == (verdict == "alive")  # a dead one says why


def test_one_link_per_target_with_every_place_it_is_written(scanned: dict[str, Link]) -> None:
    image = scanned["/blog/images/a.png"]
    spellings = {(Path(o.file).name, o.line) for o in image.occurrences}
    # /blog/…, relative_url, ../../../../…, {% link %} in one post, the first post's, the about page's ../
    assert len(spellings) == 6
    assert all(o.kind is LinkKind.IMAGE or o.kind is LinkKind.MARKDOWN_LINK for o in image.occurrences)


def test_a_page_resolves_its_relative_links_against_its_own_url(site: JekyllSite) -> None:
    links = {link.url: link.canonical for link in collect([BLOG / "about.md"], site=site).links}
    assert links == {"../images/a.png": "/blog/images/a.png", "images/a.png": "/blog/about/images/a.png"}


def test_liquid_it_cannot_evaluate_is_skipped(scanned: dict[str, Link]) -> None:
    link = scanned["{{ page.image }}"]
    assert (link.checkable, link.skip_reason) == (False, "liquid")


def test_code_is_not_checked_and_other_sites_stay_external(site: JekyllSite, tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text(
        "`/blog/images/in-span.png` and www.example.com and [x](https://example.com/a) and [m](mailto:a@b.c)\n\n"
        "```\n![x](/blog/images/in-code.png) https://blog.example.com/blog/images/code.png www.baidu.com\n```\n",
        encoding="utf-8",
    )
    links = {link.url: link for link in collect([post], site=site).links}
    assert set(links) == {"www.example.com", "https://example.com/a", "mailto:a@b.c",
                          "https://blog.example.com/blog/images/code.png", "www.baidu.com"}  # fmt: skip
    assert links["https://example.com/a"].host == "example.com" and links["www.example.com"].checkable
    code = links["https://blog.example.com/blog/images/code.png"]
    assert code.canonical == "/blog/images/code.png" and code.skip_reason == "in-code"  # ours, but in code


def test_relative_links_of_files_outside_the_site_are_not_links(site: JekyllSite, tmp_path: Path) -> None:
    outside = tmp_path / "notes.md"
    outside.write_text("[a](../images/a.png) [b](/blog/images/a.png)\n", encoding="utf-8")
    links = collect([outside], site=site).links
    assert [(link.url, link.canonical) for link in links] == [("/blog/images/a.png", "/blog/images/a.png")]


def test_without_a_blog_root_nothing_changes() -> None:
    links = {link.url: link for link in collect([BLOG / "_posts"]).links}
    assert links["/blog/images/a.png"].skip_reason == "site-relative"
    assert "../images/a.png" not in links and "{% post_url 2016-08-02-nope %}" not in links
    assert f"{ML2}#pearson" not in {link.canonical for link in links.values()}  # the fragment is dropped


def test_exclude_applies_to_internal_links(site: JekyllSite) -> None:
    links = collect([BLOG / "_posts"], site=site, exclude=[r"/images/img5/"]).links
    excluded = [link for link in links if link.skip_reason == "excluded"]
    assert {link.canonical for link in excluded} == {"/blog/images/img5/io_uring.png", "/blog/images/img5/missing.png"}
    assert not any(is_internal(link) for link in excluded)


def test_the_site_url_option_names_the_blog_too(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("title: no url here\n", encoding="utf-8")
    (tmp_path / "a.png").write_bytes(b"png")
    post = tmp_path / "p.md"
    post.write_text("![x](https://me.example/a.png) ![y](https://other.example/a.png)\n", encoding="utf-8")
    site = JekyllSite.load(tmp_path)
    links = {link.url: link.canonical for link in collect([post], site=site, site_url="https://me.example").links}
    assert links == {"https://me.example/a.png": "/a.png", "https://other.example/a.png": "https://other.example/a.png"}


def test_check_internal_checks_only_internal_links(site: JekyllSite) -> None:
    links = collect([BLOG / "_posts"], site=site).links
    seen: list[tuple[Link, Outcome]] = []
    counts = asyncio.run(check_internal(links, LocalChecker(site), lambda link, outcome: seen.append((link, outcome))))
    assert len(seen) == sum(1 for link in links if is_internal(link)) == counts["alive"] + counts["dead"]
    assert {outcome.via for _, outcome in seen} == {"local"}
    assert counts["dead"] >= 10 and all(o.verdict in (Verdict.ALIVE, Verdict.DEAD) for _, o in seen)


def test_extraction_keeps_relative_and_liquid_destinations_only_when_asked() -> None:
    from linkcheck.scan.extract import extracted_list

    text = (
        '[a](../x.png) [b]({{ "/y.png" | relative_url }}) [c]({% post_url 2016-08-02-x %}#a) [d](#top) '
        '<img src="z.png"> [e](/s.png) [f](https://h.example/p "title")\n'
    )
    assert [url for url, _ in extracted_list(text, "p.md")] == ["/s.png", "https://h.example/p"]
    assert [url for url, _ in extracted_list(text, "p.md", relative=True)] == [
        "../x.png", '{{ "/y.png" | relative_url }}', "{% post_url 2016-08-02-x %}#a", "#top", "z.png",
        "/s.png", "https://h.example/p",
    ]  # fmt: skip


def test_the_report_lists_broken_links_into_the_blog_by_post_and_line(site: JekyllSite, tmp_path: Path) -> None:
    from linkcheck.report import build_report, to_markdown
    from linkcheck.store import Store

    links = collect([BLOG / "_posts"], site=site).links
    checker = LocalChecker(site)
    with Store(tmp_path / "l.db") as store:
        store.links.sync(links)
        run = store.runs.begin({})
        store.checks.record_many(run, [(link.canonical, checker.check_key(link.canonical), None) for link in links
                                  if is_internal(link)])  # fmt: skip
        store.runs.finish(run, "completed", {})
        report = build_report(store)
    problems = {(p.url, p.reason, Path(p.file).name): p for p in report.internal}
    moved = problems[("/blog/images/moved.png", MISSING_FILE, "2018-12-01-links.md")]
    assert moved.fix == "/blog/images/sub/moved.png" and moved.detail and not moved.confirmed
    assert moved.line == next(
        n for n, text in enumerate(Path(LINKS_POST).read_text(encoding="utf-8").splitlines(), 1) if "moved.png" in text
    )
    assert ("{% post_url 2016-08-02-nope %}", MISSING_POST, "2019-01-01-broken-tags.md") in problems
    assert not any(p.reason.startswith("local-") for p in report.internal)  # alive ones are not problems
    local = next(row for row in report.sites if row.site == "local")
    assert local.urls == sum(1 for link in links if is_internal(link)) and local.dead == len(
        {p.url for p in report.internal}
    )
    markdown = to_markdown(report)
    assert "## Broken links into the blog" in markdown and "| /blog/images/sub/moved.png |" in markdown


def test_math_is_not_a_link_and_posts_reached_through_a_symlink_resolve(tmp_path: Path) -> None:
    posts = tmp_path / "real-posts"
    posts.mkdir()
    (posts / "2018-07-28-math.md").write_text(
        "---\ncategory: Speech\n---\n$$[T](x,y)=[T_1](x_1,y_1)$$ and $$a^{[l](C)}$$\n\n"
        "![fig](../fig.png) [top](#top)\n",
        encoding="utf-8",
    )
    root = tmp_path / "blog"
    root.mkdir()
    (root / "_config.yml").write_text("title: t\n", encoding="utf-8")
    (root / "_posts").symlink_to(posts, target_is_directory=True)
    site = JekyllSite.load(root)
    for scanned in (root / "_posts", posts):  # through the link, or the real folder
        links = {link.url: link.canonical for link in collect([scanned], site=site).links}
        assert links == {"../fig.png": "/speech/2018/07/fig.png", "#top": "/speech/2018/07/28/math.html#top"}


def test_scan_cli_takes_the_root_from_the_option_or_the_config(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "p.md").write_text("![a](/blog/images/a.png)\n", encoding="utf-8")

    def scan(*args: str) -> list[tuple[str, bool, str | None]]:
        done = subprocess.run([sys.executable, "-m", "linkcheck", "scan", "posts", "--format", "json", *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return [(row["canonical"], row["checkable"], row["skip_reason"]) for row in json.loads(done.stdout)]

    assert scan() == [("/blog/images/a.png", False, "site-relative")]
    assert scan("--root", str(BLOG)) == [("/blog/images/a.png", True, None)]
    (tmp_path / "linkcheck.toml").write_text(f'root = "{BLOG}"\n', encoding="utf-8")
    assert scan() == [("/blog/images/a.png", True, None)]
    missing = subprocess.run([sys.executable, "-m", "linkcheck", "scan", "posts", "--root", "nope"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert missing.returncode == 2 and "nope" in missing.stderr and "Traceback" not in missing.stderr
