"""``linkcheck publish``, seen by a person: the published pages opened in Debian's Chromium from disk
with the network off, and the tree built by Jekyll. Apart from tests/test_publish.py because these
need Playwright (the minimum-versions run has no browser: it leaves this module, as
tests/test_replay_browser.py, to the main run)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

from linkcheck.publish import page_path
from linkcheck.publish.tree import MANIFEST_NAME
from linkcheck.simweb import pages as P
from tests import test_publish
from tests.oracles import oracle_missing
from tests.test_archive import ZHIHU_LIVE
from tests.test_publish import POST_URL, WX_GONE, WX_TEMPLATE, WX_TEXT, ZH_TEXT, linkcheck
from tests.test_replay_browser import chromium, needs_browser

# The two nights of tests/test_publish.py (captures, then deletions), run once for this module.
after_two_nights = test_publish.after_two_nights


@needs_browser
def test_published_pages_read_offline_in_chromium_from_disk(after_two_nights: Path):
    """The files in the tree, as written: in the blog's layout (a fragment under its front matter)
    and without one (whole documents, --layout "")."""
    blog = after_two_nights
    for folder, layout in (("archived", "default"), ("offline-copies", "")):
        done = linkcheck("publish", ".", "--folder", folder, "--layout", layout, cwd=blog)
        assert done.returncode == 0, done.stderr
        pages = {
            WX_GONE: (blog / page_path(WX_GONE, folder), WX_TEXT, 3),
            ZHIHU_LIVE: (blog / page_path(ZHIHU_LIVE, folder), ZH_TEXT, 2),
        }
        looks = asyncio.run(_look_at([(p.as_uri(), text) for p, text, _n in pages.values()]))
        for (url, (_page, _text, count)), (look, refused) in zip(pages.items(), looks, strict=True):
            assert look.visible, (folder, url, look)
            assert len(look.loaded(f"/{folder}/")) == count, (folder, url, look)  # every figure, from beside it
            assert refused == [], refused  # nothing asked for the network


async def _look_at(targets: list[tuple[str, str]]):
    from tests.test_replay_browser import _look

    results = []
    async with chromium(None) as (context, refused):
        await context.set_offline(True)  # the network off, and every request aborted anyway
        for uri, text in targets:
            page = await context.new_page()
            await page.goto(uri)
            results.append((await _look(page, text, None, "/", timeout=15), list(refused)))
            await page.close()
    return results


@needs_browser
def test_jekyll_builds_the_published_tree_and_the_built_pages_show_text_and_images(after_two_nights: Path, tmp_path):
    if shutil.which("jekyll") is None:
        oracle_missing("Jekyll is not installed (apt-get install jekyll)")
    blog = after_two_nights
    done = linkcheck("publish", ".", cwd=blog)
    assert done.returncode == 0, done.stderr
    source = tmp_path / "source"  # the tree without linkcheck's state, as the blog's repository holds it
    shutil.copytree(blog, source)
    site = tmp_path / "_site"
    built = subprocess.run(
        ["jekyll", "build", "--source", str(source), "--destination", str(site)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env={**os.environ, "JEKYLL_ENV": "production"},
    )  # fmt: skip
    assert built.returncode == 0, built.stderr + built.stdout
    wx_built = site / page_path(WX_GONE)
    html = wx_built.read_text(encoding="utf-8")
    assert '<header class="site-header">Test blog</header>' in html  # in the blog's own layout
    assert f"<title>{P.WX_LIVE_TITLE} · Test blog</title>" in html
    assert not (site / "archived" / MANIFEST_NAME).exists()  # the manifest is not published
    assert (site / "archived" / "index.html").is_file() and (site / POST_URL.lstrip("/")).is_file()
    targets = [
        (wx_built.as_uri(), WX_TEXT),
        ((site / page_path(ZHIHU_LIVE)).as_uri(), ZH_TEXT),
    ]
    (wx, wx_refused), (zh, zh_refused) = asyncio.run(_look_at(targets))
    assert wx.visible and len(wx.loaded("/archived/")) == 3, wx
    assert zh.visible and len(zh.loaded("/archived/")) == 2, zh
    assert wx_refused == [] and zh_refused == []
    # The tutorial's template code went through Liquid as text: the reader sees it as written.
    shown = asyncio.run(_inner_text((site / page_path(WX_TEMPLATE)).as_uri()))
    assert P.WX_TEMPLATE_CODE.replace("\n", "") in shown.replace("\n", ""), shown
    assert "输出用 {{ 变量 }}，逻辑用 {% 标签 %}" in shown and P.WX_TEMPLATE_TITLE in shown


async def _inner_text(uri: str) -> str:
    async with chromium(None) as (context, _refused):
        await context.set_offline(True)
        page = await context.new_page()
        await page.goto(uri)
        return await page.evaluate("() => document.body.innerText")


# ---- the rules, one at a time --------------------------------------------------------------------
