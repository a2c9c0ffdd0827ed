"""Collecting posts into unique links: walking, decoding, problems, merging."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from linkcheck.models import LinkKind
from linkcheck.scan.collect import MissingPathError, collect, decode

REPO = Path(__file__).resolve().parent.parent


def by_url(result) -> dict:
    return {link.url: link for link in result.links}


def test_gb18030_post_is_decoded(tmp_path: Path) -> None:
    (tmp_path / "gbk.md").write_bytes("参见https://baike.baidu.com/item/图灵机\n百度一下\n".encode("gb18030"))
    result = collect([tmp_path])
    assert result.problems == []
    assert [link.url for link in result.links] == ["https://baike.baidu.com/item/图灵机"]


def test_invalid_bytes_are_a_problem_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a_bad.md").write_bytes(b"http://bad.example/x \xff\xfe\xfa\n")
    (tmp_path / "b_good.md").write_text("http://good.example/y\n", encoding="utf-8")
    result = collect([tmp_path])
    assert [p.path for p in result.problems] == [str(tmp_path / "a_bad.md")]
    assert "UTF-8" in result.problems[0].message
    assert [link.url for link in result.links] == ["http://bad.example/x", "http://good.example/y"]
    assert result.files == 2


def test_damaged_utf8_is_not_taken_for_gb18030() -> None:
    text = "深度学习推荐系统，字字珠玑。" * 5
    data = text.encode("utf-8") + b"\xe4\xb8"  # a truncated last character
    decoded, problem = decode(data)
    assert decoded.startswith(text)
    assert problem is not None
    assert decode("中文".encode("gb18030"))[0] == "中文"
    assert decode(b"\xef\xbb\xbfhttp://a.example/") == ("http://a.example/", None)  # BOM dropped


def test_binary_file_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR http://x.example/")
    (tmp_path / "post.md").write_text("https://ok.example/\n", encoding="utf-8")
    result = collect([tmp_path])
    assert [(p.path, "binary" in p.message) for p in result.problems] == [(str(tmp_path / "image.md"), True)]
    assert [link.url for link in result.links] == ["https://ok.example/"]
    assert result.files == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("http://hidden.example/\n", encoding="utf-8")
    secret.chmod(0)
    try:
        result = collect([tmp_path])
    finally:
        secret.chmod(0o644)
    assert [p.path for p in result.problems] == [str(secret)]
    assert result.links == []


def test_permission_errors_are_problems_even_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "x.md").write_text("http://locked.example/\n", encoding="utf-8")
    (tmp_path / "secret.md").write_text("http://hidden.example/\n", encoding="utf-8")
    (tmp_path / "visible.md").write_text("http://visible.example/\n", encoding="utf-8")
    real_open, real_scandir = open, os.scandir

    def deny_open(file, *args, **kwargs):
        if str(file).endswith("secret.md"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    def deny_scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("builtins.open", deny_open)
    monkeypatch.setattr(os, "scandir", deny_scandir)
    result = collect([tmp_path])
    assert sorted(p.path for p in result.problems) == [str(tmp_path / "locked"), str(tmp_path / "secret.md")]
    assert all("Permission denied" in p.message for p in result.problems)
    assert [link.url for link in result.links] == ["http://visible.example/"]


def test_missing_path_raises_before_scanning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "post.md").write_text("http://a.example/\n", encoding="utf-8")
    opened: list[str] = []
    real_open = open

    def spy_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy_open)
    missing = tmp_path / "no-such-dir"
    with pytest.raises(MissingPathError) as info:
        collect([tmp_path, missing])
    assert str(missing) in str(info.value)
    assert opened == []


def test_symlink_loop_terminates_and_files_are_scanned_once(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    (posts / "sub").mkdir(parents=True)
    (posts / "sub" / "a.md").write_text("https://loop.example/a\n", encoding="utf-8")
    (posts / "sub" / "back").symlink_to(posts, target_is_directory=True)  # posts/sub/back -> posts
    (posts / "alias.md").symlink_to(posts / "sub" / "a.md")  # the same post under a second name
    (posts / "dangling.md").symlink_to(tmp_path / "gone.md")
    result = collect([posts])
    [link] = result.links
    assert link.url == "https://loop.example/a"
    assert len(link.occurrences) == 1
    assert result.files == 1
    assert [p.path for p in result.problems] == [str(posts / "dangling.md")]


def test_walk_picks_post_extensions_but_named_files_always(tmp_path: Path) -> None:
    for name in ("a.md", "b.markdown", "c.html", "d.txt", "e.MD", "f.rst", "g.py"):
        (tmp_path / name).write_text(f"http://{name.replace('.', '-')}.example/\n", encoding="utf-8")
    walked = collect([tmp_path])
    assert [link.url for link in walked.links] == [
        "http://a-md.example/",
        "http://b-markdown.example/",
        "http://c-html.example/",
        "http://d-txt.example/",
        "http://e-MD.example/",
    ]
    named = collect([tmp_path / "f.rst"])
    assert [link.url for link in named.links] == ["http://f-rst.example/"]


def test_in_code_links_are_not_checkable(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "`curl http://only-code.example/x`\n\n```\nwget http://both.example/y\n```\nsee http://both.example/y\n"
        "`http://localhost:6006`\n",
        encoding="utf-8",
    )
    links = by_url(collect([tmp_path]))
    only = links["http://only-code.example/x"]
    assert (only.checkable, only.skip_reason) == (False, "in-code")
    both = links["http://both.example/y"]
    assert (both.checkable, both.skip_reason) == (True, None)
    assert [o.kind for o in both.occurrences] == [LinkKind.CODE, LinkKind.BARE]
    # a more basic reason is kept
    assert links["http://localhost:6006"].skip_reason == "loopback"


def test_duplicates_merge_by_canonical_url_with_every_occurrence(tmp_path: Path) -> None:
    (tmp_path / "1.md").write_text("x\nhttps://mp.weixin.qq.com/s/oOQfV35x9IJgE0y_ecjntA?scene=21\n", encoding="utf-8")
    (tmp_path / "2.md").write_text(
        "[解读](http://mp.weixin.qq.com/s/oOQfV35x9IJgE0y_ecjntA#rd)\nhttps://zhuanlan.zhihu.com/p/1/\n",
        encoding="utf-8",
    )
    (tmp_path / "3.md").write_text("https://zhuanlan.zhihu.com/p/1\n", encoding="utf-8")
    result = collect([tmp_path])
    assert [link.canonical for link in result.links] == [
        "https://mp.weixin.qq.com/s/oOQfV35x9IJgE0y_ecjntA",
        "https://zhuanlan.zhihu.com/p/1",
    ]
    wechat, zhihu = result.links
    assert wechat.url == "https://mp.weixin.qq.com/s/oOQfV35x9IJgE0y_ecjntA?scene=21"  # as first written
    assert [(o.file, o.line, o.column, o.kind) for o in wechat.occurrences] == [
        (str(tmp_path / "1.md"), 2, 1, LinkKind.BARE),
        (str(tmp_path / "2.md"), 1, 6, LinkKind.MARKDOWN_LINK),
    ]
    assert [(o.file, o.line) for o in zhihu.occurrences] == [
        (str(tmp_path / "2.md"), 2),
        (str(tmp_path / "3.md"), 1),
    ]


def test_www_links_canonicalised_with_http(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("官网是www.freetype.org，以及http://www.freetype.org/\n", encoding="utf-8")
    [link] = collect([tmp_path]).links
    assert (link.url, link.canonical, link.host, link.checkable) == (
        "www.freetype.org",
        "http://www.freetype.org/",
        "www.freetype.org",
        True,
    )
    assert len(link.occurrences) == 2


def test_site_url_makes_site_relative_links_checkable(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("![](/images/img2/mask_rcnn.png)\n", encoding="utf-8")
    [plain] = collect([tmp_path]).links
    assert (plain.checkable, plain.skip_reason) == (False, "site-relative")
    [based] = collect([tmp_path], site_url="https://antkillerfarm.github.io").links
    assert based.canonical == "https://antkillerfarm.github.io/images/img2/mask_rcnn.png"
    assert based.checkable


def test_real_posts_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = collect(["posts"])
    names = sorted(p.name for p in (REPO / "posts").iterdir() if p.suffix == ".md")
    assert result.files == len(names) == 4
    assert result.problems == []
    assert result.bytes == sum((REPO / "posts" / n).stat().st_size for n in names)
    # No code in these posts: every 'http(s)://' and every image is one occurrence.
    text = "".join((REPO / "posts" / n).read_text(encoding="utf-8") for n in names)
    expected = len(re.findall(r"https?://", text)) + len(re.findall(r"!\[[^\]]*\]\(/", text))
    assert sum(len(link.occurrences) for link in result.links) == expected
    links = by_url(result)
    zhihu = links["https://zhuanlan.zhihu.com/p/57234648"]
    assert [(o.file, o.line, o.column, o.kind) for o in zhihu.occurrences] == [
        ("posts/000_c1c6585ebd1434a0.md", 9, 1, LinkKind.BARE)
    ]
    repo = links["https://github.com/jasjeetIM/Mask-RCNN"]
    assert [(o.file, o.line) for o in repo.occurrences] == [
        ("posts/000_c1c6585ebd1434a0.md", 173),
        ("posts/001_62b663be56fc90c3.md", 312),
        ("posts/003_b8975941ffa4c284.md", 181),
    ]
    image = links["/images/img2/mask_rcnn.png"]
    assert (image.skip_reason, image.occurrences[0].kind, image.occurrences[0].line) == (
        "site-relative",
        LinkKind.IMAGE,
        187,
    )
    quoted = links["http://ise.thss.tsinghua.edu.cn/~mlong/"]
    assert [(o.file, o.line, o.column) for o in quoted.occurrences] == [("posts/001_62b663be56fc90c3.md", 23, 2)]
    # first-occurrence order
    assert result.links[0].url == "https://zhuanlan.zhihu.com/p/57234648"


def test_collect_imports_no_heavy_dependencies() -> None:
    code = (
        "import sys, linkcheck.scan.collect, linkcheck.scan.extract; "
        "print(sorted(m for m in ('aiohttp', 'rich', 'typer', 'click') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert proc.stdout.strip() == "[]"


def test_site_relative_links_resolve_against_the_site_origin(tmp_path: Path) -> None:
    # Issue #22 item 9: a blog under /blog/ whose post links /images/a.png: the browser fetches the
    # image from the root of the host, so that is what must be checked.
    (tmp_path / "a.md").write_text("![](/images/a.png)\n", encoding="utf-8")
    [link] = collect([tmp_path], site_url="https://example.com/blog/").links
    assert (link.url, link.canonical, link.checkable) == ("/images/a.png", "https://example.com/images/a.png", True)


def test_escaped_destination_is_fetched_unescaped(tmp_path: Path) -> None:
    # Issue #22 item 7: the link CommonMark renders, not the backslashes (…/a%5C(1%5C).html).
    (tmp_path / "a.md").write_text("[doc](https://h.example/a\\(1\\).html?x=1&amp;y=2)\n", encoding="utf-8")
    [link] = collect([tmp_path]).links
    assert link.canonical == "https://h.example/a(1).html?x=1&y=2"


def test_indented_lines_of_an_html_post_are_checked(tmp_path: Path) -> None:
    # Issue #22 item 5: an .html post got Markdown's indented-code rule (in-code, src not found).
    (tmp_path / "p.html").write_text(
        'Figures:\n\n    <img src="https://a.example/a.png">\n    <video src="/v.mp4"></video>\n',
        encoding="utf-8",
    )
    links = collect([tmp_path]).links
    assert [(link.url, link.checkable, link.occurrences[0].kind) for link in links] == [
        ("https://a.example/a.png", True, LinkKind.HTML_ATTR),
        ("/v.mp4", False, LinkKind.HTML_ATTR),  # site-relative: no --site-url
    ]


def test_links_in_html_code_elements_are_in_code(tmp_path: Path) -> None:
    # Issue #22 item 10: the same URL in Markdown code and in HTML <code>/<pre> is treated alike.
    (tmp_path / "a.md").write_text(
        "`http://md.example/x`\n\n<code>http://html.example/y</code>\n\n<pre>curl http://html.example/z</pre>\n",
        encoding="utf-8",
    )
    links = collect([tmp_path]).links
    assert [(link.url, link.checkable, link.skip_reason) for link in links] == [
        ("http://md.example/x", False, "in-code"),
        ("http://html.example/y", False, "in-code"),
        ("http://html.example/z", False, "in-code"),
    ]


def test_links_share_the_strings_they_repeat(tmp_path: Path) -> None:
    """Links live as long as the run checking them: a canonical form equal to the URL as written is
    that same string, and every Link of a host names it with one string."""
    urls = [f"https://docs.example.org/guide/{n}" for n in range(5)] + ["https://DOCS.example.org/b#sec"]
    (tmp_path / "a.md").write_text("".join(f"- <{url}>\n" for url in urls), encoding="utf-8")
    links = collect([tmp_path]).links
    assert [link.canonical for link in links][-1] == "https://docs.example.org/b"
    assert all(link.canonical is link.url for link in links[:5])
    assert links[-1].canonical != links[-1].url  # a different form stays its own
    assert len({id(link.host) for link in links}) == 1
