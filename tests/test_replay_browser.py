"""What a person sees: archived WeChat and Zhihu articles opened in a real headless Chromium.

The simulated web's articles have the real structure (``#js_content`` hidden until WeChat's
script runs, images as ``data-src``; Zhihu's lazy figures), so a raw replay without the page's
script shows the title and nothing else. Each test captures articles from the simulated web,
**stops it**, and opens the archive in Debian's Chromium (driven by Playwright) with every name
resolving nowhere (``--host-resolver-rules``) and every request leaving loopback aborted:

* pywb (``wayback`` on a loopback port, unframed replay): the readable copy
  ``urn:readable:<url>`` shows the text and the ``mmbiz.qpic.cn`` images; the raw article shows
  its text too, its captured script having run;
* ReplayWeb.page 2.5.3 (``npm pack replaywebpage@2.5.3``, served from loopback with the WACZ of
  ``linkcheck export --wacz``): the readable copy and the raw article, text and images;
* the file of ``linkcheck show URL --html FILE`` from a ``file://`` URL, the browser offline.

Skipped with the reason where Playwright/Chromium (or the ReplayWeb.page files) are missing;
``LINKCHECK_REQUIRE_BROWSER`` / ``LINKCHECK_REQUIRE_REPLAYWEBPAGE`` (set by ``.ci/run``) make a
missing piece fail instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from typer.testing import CliRunner

import linkcheck.cli.archive  # noqa: F401  (registers the commands)
from linkcheck import browser as B
from linkcheck.cli import app
from tests.test_archive import WX_LIVE, ZHIHU_LIVE, alive_db, archive, stop_web

OK, WHY = B.available()
if not OK and os.environ.get("LINKCHECK_REQUIRE_BROWSER"):
    raise RuntimeError(f"LINKCHECK_REQUIRE_BROWSER is set but Chromium cannot run: {WHY}")
needs_browser = pytest.mark.skipif(not OK, reason=f"no headless Chromium here: {WHY}")

RWP_VERSION = "2.5.3"
RWP_DIR = os.environ.get("LINKCHECK_REPLAYWEBPAGE", "")
RWP_OK = bool(RWP_DIR) and all((Path(RWP_DIR) / name).is_file() for name in ("ui.js", "sw.js"))
RWP_WHY = (
    f"ReplayWeb.page files not found: set LINKCHECK_REPLAYWEBPAGE to the package/ directory of "
    f"`npm pack replaywebpage@{RWP_VERSION}` (.ci/run does)"
)
if not RWP_OK and os.environ.get("LINKCHECK_REQUIRE_REPLAYWEBPAGE"):
    raise RuntimeError(f"LINKCHECK_REQUIRE_REPLAYWEBPAGE is set but {RWP_WHY}")

runner = CliRunner()
WX_TEXT = "本文介绍"  # in #js_content, the part WeChat ships hidden
ZH_TEXT = "这是一篇写给初学者的专栏文章"


# ---- the browser ------------------------------------------------------------------------------


class Look:
    """What the page showed: whether the text was visible, and every image with its natural width."""

    def __init__(self, visible: bool, images: list[tuple[str, int]], url: str) -> None:
        self.visible, self.images, self.url = visible, images, url

    def loaded(self, host: str) -> list[str]:
        """Images whose URL names ``host`` (as the replay rewrote it) that decoded to a picture."""
        return [src for src, width in self.images if host in src and width > 0]

    def __repr__(self) -> str:
        return f"Look(visible={self.visible}, images={self.images}, url={self.url})"


_INSPECT = """() => [...document.images].map(i => [decodeURIComponent(i.currentSrc || i.src || ''),
                                                   i.complete ? i.naturalWidth : 0])"""


async def _look(page, text: str, frame_marker: str | None, host: str, timeout: float = 30.0) -> Look:
    """Poll until ``text`` is visible and an image from ``host`` has loaded (or time runs out)."""
    deadline = time.monotonic() + timeout
    look = Look(False, [], "")
    while time.monotonic() < deadline:
        frames = [f for f in page.frames if frame_marker is None or frame_marker in f.url]
        for frame in frames[-1:]:
            with contextlib.suppress(Exception):  # a frame navigating away while we look
                locator = frame.get_by_text(text, exact=False).first
                visible = await locator.count() > 0 and await locator.is_visible()
                images = [(src, int(width)) for src, width in await frame.evaluate(_INSPECT)]
                look = Look(visible, images, frame.url)
                if visible and look.loaded(host):
                    return look
        await asyncio.sleep(0.3)
    return look


@contextlib.asynccontextmanager
async def chromium(allowed_port: int | None):
    """Headless Chromium that can reach nothing but 127.0.0.1:``allowed_port`` (and file:, data:)."""
    from playwright.async_api import async_playwright

    refused: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=B.find_chromium(),
            args=[*B.CHROMIUM_FLAGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        context = await browser.new_context()

        async def guard(route) -> None:
            url = route.request.url
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "file") or (
                allowed_port is not None and parts.hostname == "127.0.0.1" and parts.port == allowed_port
            ):
                await route.continue_()
            else:
                refused.append(url)
                await route.abort()

        await context.route("**/*", guard)
        try:
            yield context, refused
        finally:
            await browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def capture(tmp_path: Path, simweb, urls: list[str]) -> Path:
    """state/linkcheck.db + state/warc/ with the URLs captured; the simulated web is then stopped."""
    db = tmp_path / "state" / "linkcheck.db"
    store = alive_db(db, urls)
    summary = archive(simweb, store, db.parent / "warc")
    assert summary.captured == len(urls) and summary.readable == len(urls), summary
    store.close()
    stop_web(simweb)  # from here on, only the archive
    return db


def timestamp(db: Path, url: str) -> str:
    from linkcheck.store import Store

    with Store(db, create=False) as store:
        return re.sub(r"\D", "", store.captures.latest(url)["warc_date"])[:14]


# ---- pywb ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def pywb(tmp_path: Path, warc_dir: Path) -> Iterator[int]:
    """pywb's `wayback` on a loopback port over a collection of the WARC files (unframed replay:
    pywb's framed top page does not handle urn: URIs)."""
    wayback = Path(sys.executable).with_name("wayback")
    indexer = Path(sys.executable).with_name("cdxj-indexer")
    if not wayback.exists() or not indexer.exists():
        pytest.skip("pywb and cdxj-indexer (test extra) replay the archive")
    root = tmp_path / "pywb"
    collection = root / "collections" / "linkcheck"
    (collection / "archive").mkdir(parents=True)
    (collection / "indexes").mkdir()
    for path in sorted(warc_dir.glob("*.warc.gz")):
        (collection / "archive" / path.name).write_bytes(path.read_bytes())
    index = subprocess.run(
        [indexer, "-s", *sorted((collection / "archive").iterdir())], capture_output=True, text=True, timeout=60
    )
    assert index.returncode == 0, index.stderr
    (collection / "indexes" / "index.cdxj").write_text(index.stdout)
    (root / "config.yaml").write_text("collections_root: collections\nframed_replay: false\n")
    port = free_port()
    server = subprocess.Popen(
        [wayback, "-b", "127.0.0.1", "-p", str(port)], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/linkcheck/")
        yield port
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(15)


@needs_browser
def test_pywb_replay_shows_the_wechat_and_zhihu_articles_text_and_images(tmp_path, simweb):
    db = capture(tmp_path, simweb, [WX_LIVE, ZHIHU_LIVE])
    wx_ts, zh_ts = timestamp(db, WX_LIVE), timestamp(db, ZHIHU_LIVE)
    with pywb(tmp_path, db.parent / "warc") as port:
        base = f"http://127.0.0.1:{port}/linkcheck"

        async def main() -> tuple[Look, Look, Look, list[str]]:
            async with chromium(port) as (context, refused):
                page = await context.new_page()
                await page.goto(f"{base}/{wx_ts}/urn:readable:{WX_LIVE}")
                readable = await _look(page, WX_TEXT, None, "mmbiz.qpic.cn")
                await page.goto(f"{base}/{zh_ts}/urn:readable:{ZHIHU_LIVE}")
                zhihu = await _look(page, ZH_TEXT, None, "zhimg.com")
                await page.goto(f"{base}/{wx_ts}/{WX_LIVE}")  # the untouched response, its script archived
                raw = await _look(page, WX_TEXT, None, "mmbiz.qpic.cn", timeout=10)
                return readable, zhihu, raw, refused

        readable, zhihu, raw, refused = asyncio.run(main())
    assert readable.visible and readable.loaded("mmbiz.qpic.cn"), readable
    assert len(readable.loaded("mmbiz.qpic.cn")) == 3  # every figure, from the archive
    assert zhihu.visible and len(zhihu.loaded("zhimg.com")) == 2, zhihu
    # The raw article: WeChat's archived script ran in the replay and revealed the body. (Its
    # images it names with runtime parameters pywb does not match: the readable copy has them.)
    assert raw.visible, raw
    assert refused == []  # nothing tried to leave loopback


# ---- ReplayWeb.page ----------------------------------------------------------------------------


EMBED = """<!doctype html><html><head><meta charset="utf-8"><script src="replay/ui.js"></script></head>
<body><replay-web-page source="blog.wacz" url="{url}" replaybase="./replay/" embed="replayonly"
style="display:block;height:700px"></replay-web-page></body></html>"""


@contextlib.contextmanager
def replaywebpage_site(wacz: Path) -> Iterator[int]:
    """ReplayWeb.page's ui.js and sw.js under /replay/, the WACZ, and an embedding page, served
    from loopback (a service worker needs a secure context: 127.0.0.1 is one)."""
    from aiohttp import web

    async def embed(request: web.Request) -> web.Response:
        url = request.query.get("url", "")
        return web.Response(text=EMBED.format(url=url.replace('"', "&quot;")), content_type="text/html")

    files = {
        "/blog.wacz": (wacz, "application/wacz"),
        "/replay/ui.js": (Path(RWP_DIR) / "ui.js", "application/javascript"),
        "/replay/sw.js": (Path(RWP_DIR) / "sw.js", "application/javascript"),
    }

    async def serve(request: web.Request) -> web.StreamResponse:
        path, media = files[request.path]
        return web.FileResponse(path, headers={"Content-Type": media})  # (ranges too: the WACZ is read in parts)

    app_ = web.Application()
    app_.router.add_get("/", embed)
    for name in files:
        app_.router.add_get(name, serve)
    loop = asyncio.new_event_loop()
    runner_ = web.AppRunner(app_)
    port = free_port()
    loop.run_until_complete(runner_.setup())
    loop.run_until_complete(web.TCPSite(runner_, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(runner_.cleanup(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)
        loop.close()


@needs_browser
@pytest.mark.skipif(not RWP_OK, reason=RWP_WHY)
def test_replaywebpage_replays_the_exported_wacz_text_and_images(tmp_path, simweb):
    db = capture(tmp_path, simweb, [WX_LIVE, ZHIHU_LIVE])
    wacz = tmp_path / "blog.wacz"
    done = runner.invoke(app, ["export", "--wacz", str(wacz), "--db", str(db)])
    assert done.exit_code == 0, done.output
    with replaywebpage_site(wacz) as port:

        async def main() -> tuple[Look, Look, Look, list[str]]:
            async with chromium(port) as (context, refused):
                looks = []
                for url, text, host in (
                    (f"urn:readable:{WX_LIVE}", WX_TEXT, "mmbiz.qpic.cn"),
                    (f"urn:readable:{ZHIHU_LIVE}", ZH_TEXT, "zhimg.com"),
                    (WX_LIVE, WX_TEXT, "mmbiz.qpic.cn"),  # the untouched response, its script archived
                ):
                    page = await context.new_page()
                    await page.goto(f"http://127.0.0.1:{port}/?url={quote(url, safe='')}")
                    looks.append(await _look(page, text, "mp_/", host, timeout=60))
                    await page.close()
                return (*looks, refused)

        readable, zhihu, raw, refused = asyncio.run(main())
    # ReplayWeb.page serves images from its service worker at /replay/w/…: the original URL is
    # the last part of the rewritten one.
    assert readable.visible and len(readable.loaded("mmbiz.qpic.cn")) == 3, readable
    assert zhihu.visible and len(zhihu.loaded("zhimg.com")) == 2, zhihu
    assert raw.visible and raw.loaded("mmbiz.qpic.cn"), raw
    simulated = ("weixin.qq.com", "qpic.cn", "zhihu.com", "zhimg.com", "wx.qq.com")
    assert not [url for url in refused if (urlsplit(url).hostname or "").endswith(simulated)], refused


# ---- show --html ---------------------------------------------------------------------------------


@needs_browser
def test_show_html_file_reads_offline_in_chromium(tmp_path, simweb):
    db = capture(tmp_path, simweb, [WX_LIVE, ZHIHU_LIVE])
    files = {}
    for url in (WX_LIVE, ZHIHU_LIVE):
        out = tmp_path / f"{urlsplit(url).hostname}.html"
        done = runner.invoke(app, ["show", url, "--db", str(db), "--html", str(out)])
        assert done.exit_code == 0, done.output
        files[url] = out

    async def main() -> tuple[Look, Look, list[str]]:
        async with chromium(None) as (context, refused):
            await context.set_offline(True)  # the network off, and every request aborted anyway
            looks = []
            for url, text, host in ((WX_LIVE, WX_TEXT, "data:image/png"), (ZHIHU_LIVE, ZH_TEXT, "data:image/png")):
                page = await context.new_page()
                await page.goto(files[url].resolve().as_uri())
                looks.append(await _look(page, text, None, host, timeout=15))
            return (*looks, refused)

    wechat, zhihu, refused = asyncio.run(main())
    assert wechat.visible and len(wechat.loaded("data:image/png")) == 3, wechat
    assert zhihu.visible and len(zhihu.loaded("data:image/png")) == 2, zhihu
    assert refused == []  # the file asked for nothing
