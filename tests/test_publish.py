"""`linkcheck publish DIR`: dead articles stay readable on the blog (issue #20 items 2 and 3).

The scenario is the real path end to end: a scratch Jekyll tree whose post cites two WeChat
articles and a Zhihu article; night 1, `linkcheck check` (a subprocess, the real client against the
simulated web) finds them alive and archives them with their images; then one WeChat article is
deleted and the Zhihu one answers Zhihu's 404 page, and night 2's `check` confirms them dead (the
config confirms on one dead check). The simulated web is then **stopped**: `publish` reads only the
history database and the WARC files. What a reader sees is checked in headless Chromium from
``file://`` with the network off, and — where Jekyll is installed (CI installs it) — in the site
`jekyll build` makes of the tree.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from linkcheck.publish import page_path, page_url
from linkcheck.publish.pages import front_matter, liquid_safe, plain_title
from linkcheck.publish.tree import MANIFEST_NAME, FileState, Manifest, PublishError, Tree, sha256
from linkcheck.simweb import SimulatedWeb
from linkcheck.simweb import pages as P
from tests.test_archive import WX, ZHIHU_LIVE, image_bytes, stop_web

runner = CliRunner()
# Words of the simulated articles' bodies (as tests/test_replay_browser.py looks for them).
WX_TEXT = "本文介绍"  # in #js_content, the part WeChat ships hidden
ZH_TEXT = "这是一篇写给初学者的专栏文章"
WX_GONE = WX + P.WX_LIVE_ID  # captured alive, then deleted by its author
WX_KEPT = WX + "publishKeptArticle0001"  # stays alive: published only with --all
WX_TEMPLATE = WX + "templateCode0000000000"  # a tutorial quoting {{ }} and {% %}: deleted too
WX_DELETED_FIXTURE = WX + "P9cMowFQ-QahLRnfHponKw"  # the simulated web's deleted article
ZH_404_FIXTURE = "https://zhuanlan.zhihu.com/p/100000001"  # Zhihu's "荒原" 404 page
POST_NAME = "2024-01-02-reading-list.md"
POST_URL = "/notes/2024/01/02/reading-list.html"

CONFIG = """\
paths = ["_posts"]
db = "../state/linkcheck.db"
confirm_checks = 1
confirm_days = 0
canaries = ["https://behave.test/ok"]
allow_private = true
ca_bundle = "../ca.pem"
backoff = 0.05

[archive]
dir = "../state/warc"

[hosts."mp.weixin.qq.com"]
interval = 0.02

[hosts."mmbiz.qpic.cn"]
interval = 0.01

[hosts."zhuanlan.zhihu.com"]
interval = 0.02
"""
LAYOUT = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ page.title | escape }} · Test blog</title></head>
<body><header class="site-header">Test blog</header><main>{{ content }}</main></body></html>
"""
POST = f"""---
layout: default
title: Reading list
categories: notes
---
A deleted article: {WX_GONE}

One that stays: {WX_KEPT}

A Liquid tutorial, since deleted: {WX_TEMPLATE}

And a Zhihu column: {ZHIHU_LIVE}
"""


def linkcheck(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linkcheck", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def net_args(web: SimulatedWeb) -> list[str]:
    return ["--resolve", f"*:443:127.0.0.1:{web.https_port}", "--resolve", f"*:80:127.0.0.1:{web.http_port}"]


def scratch_blog(root: Path) -> Path:
    blog = root / "blog"
    for name, text in {
        "_config.yml": "title: Test blog\nmarkdown: kramdown\n",
        "_layouts/default.html": LAYOUT,
        f"_posts/{POST_NAME}": POST,
        "linkcheck.toml": CONFIG,
        "about.md": "---\nlayout: default\ntitle: About\n---\nThe owner's page.\n",
        "archived/notes.txt": "the owner's own file in the publish folder\n",
    }.items():
        path = blog / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return blog


@pytest.fixture(scope="module")
def after_two_nights(tmp_path_factory, simweb_session: SimulatedWeb) -> Iterator[Path]:
    """The scratch blog after night 1 (all alive, archived) and night 2 (two articles dead and
    confirmed); the simulated web stopped afterwards. Yields the blog's root."""
    web = simweb_session
    web.ensure_running()
    root = tmp_path_factory.mktemp("publish")
    (root / "ca.pem").write_bytes(web.ca_pem())
    blog = scratch_blog(root)
    night1 = linkcheck("check", *net_args(web), "--format", "json", cwd=blog)
    assert night1.returncode == 0, night1.stderr
    verdicts = {row["url"]: row["verdict"] for row in json.loads(night1.stdout)}
    assert verdicts == {WX_GONE: "alive", WX_KEPT: "alive", ZHIHU_LIVE: "alive", WX_TEMPLATE: "alive"}, verdicts
    saved = dict(web.aliases)
    web.aliases["mp.weixin.qq.com/s/" + P.WX_LIVE_ID] = WX_DELETED_FIXTURE
    web.aliases[WX_TEMPLATE.removeprefix("https://")] = WX_DELETED_FIXTURE
    web.aliases["zhuanlan.zhihu.com/p/486808688"] = ZH_404_FIXTURE
    try:
        night2 = linkcheck("check", "--all", *net_args(web), "--format", "json", cwd=blog)
    finally:
        web.aliases.clear()
        web.aliases.update(saved)
    assert night2.returncode == 1, night2.stderr  # newly confirmed dead links
    reasons = {row["url"]: (row["verdict"], row["reason"]) for row in json.loads(night2.stdout)}
    assert reasons[WX_GONE] == ("dead", "tombstone:weixin-deleted")
    assert reasons[ZHIHU_LIVE] == ("dead", "tombstone:zhihu-404")
    assert reasons[WX_TEMPLATE] == ("dead", "tombstone:weixin-deleted")
    stop_web(web)  # from here on: the database and the WARC files only
    try:
        yield blog
    finally:
        web.ensure_running()


def front(text: str) -> dict[str, object]:
    block = text.split("---\n", 2)[1]
    return {key: json.loads(value) for key, value in (line.split(": ", 1) for line in block.splitlines())}


def files_under(folder: Path) -> dict[str, float]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_publish_writes_the_dead_articles_pages_images_and_index(after_two_nights: Path):
    blog = after_two_nights
    done = linkcheck("publish", ".", cwd=blog)
    assert done.returncode == 0, done.stderr
    assert "Published 3 dead links with a readable copy" in done.stdout and "3 created" in done.stdout
    folder = blog / "archived"
    wx_page, zh_page = blog / page_path(WX_GONE), blog / page_path(ZHIHU_LIVE)
    assert not (blog / page_path(WX_KEPT)).exists()  # alive: not published without --all
    wx = wx_page.read_text(encoding="utf-8")
    fields = front(wx)
    assert fields["layout"] == "default" and fields["permalink"] == page_url(WX_GONE)
    assert fields["title"] == P.WX_LIVE_TITLE and fields["archived_from"] == WX_GONE
    assert fields["sitemap"] is False
    # The page says where it came from, when, that it is a copy, and why it is here.
    assert f'href="{WX_GONE}"' in wx and "Readable copy of" in wx
    assert f"capture of {fields['archived_at']}" in wx and str(fields["archived_at"]).startswith("20")
    assert "the original is gone (tombstone:weixin-deleted" in wx and "archived copy" in wx
    assert WX_TEXT in wx and "<script" not in wx
    # Each image: a file beside the page, written from its WARC record (the bytes the site served).
    images = re.findall(r'<img src="([^"]+)"', wx)
    assert len(images) == 3 and all(re.fullmatch(r"[0-9a-f]{16}\.png", name) for name in images)
    served = {image_bytes(P.mmbiz_image_url(P.WX_LIVE_ID, n)) for n in range(3)}
    assert {(wx_page.parent / name).read_bytes() for name in images} == served
    zh = zh_page.read_text(encoding="utf-8")
    assert ZH_TEXT in zh and len(re.findall(r'<img src="[0-9a-f]{16}\.png"', zh)) == 2
    # The index: each article with its original URL, capture time and the post citing it.
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert front(index)["permalink"] == "/archived/"
    for url, page in ((WX_GONE, wx_page), (ZHIHU_LIVE, zh_page)):
        assert f'<a href="{page.parent.name}/">' in index and f'href="{url}"' in index
    assert f'<a href="{POST_URL}">{POST_NAME}</a>' in index
    assert "captured 20" in index and "tombstone:zhihu-404" in index
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert set(manifest["pages"]) == {WX_GONE, ZHIHU_LIVE, WX_TEMPLATE}
    assert "archived/notes.txt" not in manifest["files"]
    assert (folder / "notes.txt").read_text() == "the owner's own file in the publish folder\n"


def test_rerun_touches_nothing_and_owners_files_are_left_alone(after_two_nights: Path):
    blog = after_two_nights
    assert linkcheck("publish", ".", cwd=blog).returncode == 0
    before = files_under(blog / "archived")
    again = linkcheck("publish", ".", "--format", "json", cwd=blog)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert {page["state"] for page in report["pages"]} == {"unchanged"} and report["index"] == "unchanged"
    assert files_under(blog / "archived") == before  # not one file rewritten
    # The owner edits a published page: it is theirs now — never overwritten, said so.
    zh_page = blog / page_path(ZHIHU_LIVE)
    edited = zh_page.read_text(encoding="utf-8").replace("专栏", "专栏（编者按）", 1)
    zh_page.write_text(edited, encoding="utf-8")
    kept = linkcheck("publish", ".", cwd=blog)
    assert kept.returncode == 0, kept.stderr
    assert f"{page_path(ZHIHU_LIVE)}: changed since linkcheck wrote it; left as it is" in kept.stderr
    assert zh_page.read_text(encoding="utf-8") == edited
    # --all adds the live article; the others stay as they are.
    everything = linkcheck("publish", ".", "--all", "--format", "json", cwd=blog)
    assert everything.returncode == 0, everything.stderr
    states = {page["url"]: page["state"] for page in json.loads(everything.stdout)["pages"]}
    assert states == {WX_GONE: "unchanged", ZHIHU_LIVE: "edited", WX_TEMPLATE: "unchanged", WX_KEPT: "created"}
    kept_page = (blog / page_path(WX_KEPT)).read_text(encoding="utf-8")
    assert "the original is at the link above" in kept_page
    assert WX_KEPT in (blog / "archived" / "index.html").read_text(encoding="utf-8")


def test_liquid_in_an_article_is_shown_not_run():
    html = '<p>模板 {{ page.title }} 与 {% include x.html %}</p><a href="https://h.example/{%7B">x</a>'
    safe = liquid_safe(html)
    assert "{{" not in safe and "{%" not in safe
    assert safe.replace("&#123;", "{") == html  # a browser reads the same text


def test_front_matter_title_cannot_become_markup():
    assert plain_title('a <script>alert(1)</script>\n"b"') == 'a ‹script›alert(1)‹/script› "b"'


def test_front_matter_holds_any_title_as_yaml_reads_it():
    import yaml

    title = '标题 😀 "引号" \\ a\x85b\u2028c\x9fd\x00e\tf: {{ x }} # not a comment'
    text = front_matter({"layout": None, "title": title, "sitemap": False})
    data = yaml.safe_load(text.split("---\n")[1])
    assert data == {"layout": None, "title": '标题 😀 "引号" \\ a b cde\tf: {{ x }} # not a comment', "sitemap": False}


def test_tree_writes_only_its_own_files(tmp_path: Path):
    root = tmp_path / "blog"
    (root / "archived").mkdir(parents=True)
    manifest = Manifest.load(root / "archived" / MANIFEST_NAME)
    tree = Tree(root, manifest)
    assert tree.put("archived/a/index.html", b"one") is FileState.CREATED
    assert tree.put("archived/a/index.html", b"one") is FileState.UNCHANGED
    assert tree.put("archived/a/index.html", b"two") is FileState.UPDATED
    (root / "archived" / "b.html").write_bytes(b"owner's")
    assert tree.put("archived/b.html", b"ours") is FileState.NOT_OURS
    assert (root / "archived" / "b.html").read_bytes() == b"owner's"
    (root / "archived" / "c.png").write_bytes(b"same")  # a file a killed run wrote: taken back
    assert tree.put("archived/c.png", b"same") is FileState.UNCHANGED and "archived/c.png" in manifest.files
    assert tree.remove("archived/b.html") is None and (root / "archived" / "b.html").exists()
    (root / "archived" / "a" / "index.html").write_bytes(b"edited")
    assert tree.put("archived/a/index.html", b"three") is FileState.EDITED
    assert tree.remove("archived/a/index.html") is FileState.EDITED
    assert (root / "archived" / "a" / "index.html").read_bytes() == b"edited"
    assert tree.remove("archived/c.png") is FileState.REMOVED and not (root / "archived" / "c.png").exists()
    tree.save_manifest()
    saved = Manifest.load(root / "archived" / MANIFEST_NAME)
    assert saved.files == {} and sha256(b"x") == sha256(b"x")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "linked").symlink_to(outside)
    with pytest.raises(PublishError, match="outside the blog's tree"):
        tree.put("linked/x.html", b"x")
    assert not any(outside.iterdir())


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, after_two_nights: Path):
    blog = after_two_nights
    cases = [
        (["publish", str(tmp_path / "missing")], "not a directory"),
        (["publish", ".", "--folder", "../outside"], "--folder"),
        (["publish", ".", "--folder", "_site"], "Jekyll does not publish"),
        (["publish", ".", "--layout", "a b"], "--layout"),
        (["publish", ".", "--db", str(tmp_path / "none.db")], "no history database"),
    ]
    for args, named in cases:
        done = linkcheck(*args, cwd=blog)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert named in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    (blog / "broken").mkdir()
    (blog / "broken" / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    done = linkcheck("publish", ".", "--folder", "broken", cwd=blog)
    assert done.returncode == 2 and "publish manifest" in done.stderr
    assert (blog / "broken" / MANIFEST_NAME).read_text(encoding="utf-8") == "{not json"  # never overwritten
    config = tmp_path / "bad.toml"
    config.write_text('[publish]\nfolder = "/abs"\n', encoding="utf-8")
    done = linkcheck("publish", ".", "--config", str(config), cwd=blog)
    assert done.returncode == 2 and "publish.folder" in done.stderr


def test_a_lost_warc_file_is_named_exit_2(after_two_nights: Path, tmp_path: Path):
    blog = after_two_nights
    warcs = tmp_path / "warc"
    shutil.copytree(blog.parent / "state" / "warc", warcs)
    holding = next(p for p in warcs.iterdir() if p.name.endswith(".warc.gz"))
    holding.unlink()
    done = linkcheck("publish", ".", "--folder", "partial", "--warc-dir", str(warcs), cwd=blog)
    assert done.returncode == 2
    assert "not published" in done.stderr and "Traceback" not in done.stderr


def test_nothing_dead_nothing_written(tmp_path: Path):
    from linkcheck.store import Store

    Store(tmp_path / "db.sqlite").close()
    (tmp_path / "blog").mkdir()
    done = runner.invoke(app, ["publish", str(tmp_path / "blog"), "--db", str(tmp_path / "db.sqlite")])
    assert done.exit_code == 0, done.output
    assert "Nothing to publish" in done.stdout
    assert not any((tmp_path / "blog").iterdir())


def test_a_newer_capture_updates_the_page_and_removes_only_its_own_stale_images(tmp_path: Path, simweb, monkeypatch):
    from datetime import timedelta

    from tests.test_archive import T0, alive_db, archive

    edited = WX + "publishEditedArticle01"
    db, warcs, blog = tmp_path / "linkcheck.db", tmp_path / "warc", tmp_path / "blog"
    blog.mkdir()
    store = alive_db(db, [edited])
    monkeypatch.setattr(simweb, "wx_images", (3, 3))
    assert archive(simweb, store, warcs, now=lambda: T0).readable == 1
    args = ["publish", str(blog), "--all", "--db", str(db), "--warc-dir", str(warcs), "--format", "json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    page = blog / page_path(edited)
    written = {p.name for p in page.parent.iterdir()}
    assert len(written) == 4  # the page and its three images
    (page.parent / "owner-note.txt").write_text("mine", encoding="utf-8")
    # Later the article loses two of its figures; a capture past max_age records the new version.
    monkeypatch.setattr(simweb, "wx_images", (1, 1))
    assert archive(simweb, store, warcs, now=lambda: T0 + timedelta(days=100)).captured == 1
    store.close()
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert [p["state"] for p in report["pages"]] == ["updated"] and report["pages"][0]["images"] == 1
    assert len(report["removed"]) == 2 and report["kept_back"] == []
    left = {p.name for p in page.parent.iterdir()}
    assert left == (written - {Path(r).name for r in report["removed"]}) | {"owner-note.txt"}
    assert len(re.findall(r'<img src="([^"]+)"', page.read_text(encoding="utf-8"))) == 1
    # The owner edits the page; a newer capture changes the figures again: the edited page and
    # every image it may show stay.
    page.write_text(page.read_text(encoding="utf-8") + "<p>编者注</p>\n", encoding="utf-8")
    shown = {p.name for p in page.parent.iterdir()}
    monkeypatch.setattr(simweb, "wx_images", (0, 0))  # its last figure gone too
    store = alive_db(db, [edited], when=T0 + timedelta(days=150))
    assert archive(simweb, store, warcs, now=lambda: T0 + timedelta(days=200)).captured == 1
    store.close()
    third = runner.invoke(app, args)
    report = json.loads(third.stdout)
    assert [p["state"] for p in report["pages"]] == ["edited"] and report["removed"] == []
    assert {p.name for p in page.parent.iterdir()} >= shown and "编者注" in page.read_text(encoding="utf-8")
