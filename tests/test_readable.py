"""Readable copies: the article out of an untouched capture, in the WARC files, `show --html`, reports.

What a person sees in a browser is proven in tests/test_replay_browser.py (Chromium over pywb,
ReplayWeb.page and the `show --html` file); here: the extraction, the records, the rows, the
commands, and that a cut page or a missing image is never passed off as the article.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

import linkcheck.cli.archive  # noqa: F401  (registers the commands)
from linkcheck.archive import ArchiveSettings, warc_path
from linkcheck.archive import readable as R
from linkcheck.cli import app
from linkcheck.models import Outcome, Verdict
from linkcheck.report import build_report, to_csv, to_markdown
from linkcheck.simweb import pages as P
from linkcheck.sites import profile_for
from tests.test_archive import (
    T0,
    WX,
    WX_GZIP,
    WX_LIVE,
    ZHIHU_LIVE,
    alive_db,
    archive,
    assert_valid_warcs,
    image_bytes,
    pywb_replay,
    stop_web,
)

runner = CliRunner()
WX_SHARE = WX + "JJyPUpHLM2bGvfk5FNvTUA"  # an image share (show type 8): no #js_content
WEIXIN, ZHIHU = profile_for("mp.weixin.qq.com"), profile_for("zhuanlan.zhihu.com")


def draft_of(url: str, body: bytes, **kwargs) -> R.ReadableDraft:
    profile = profile_for(urlsplit(url).hostname or "")
    assert profile.readable is not None and profile.requisites is not None
    draft = R.extract(
        [body],
        page_url=url,
        content_type="text/html; charset=utf-8",
        rule=profile.readable,
        image_attrs=profile.requisites.attrs,
        **kwargs,
    )
    assert draft is not None
    return draft


# ---- extraction -------------------------------------------------------------------------------


def test_wechat_body_is_unhidden_scriptless_and_names_the_images_the_archive_fetches():
    raw = P.wx_live()
    assert b'id="js_content" style="visibility: hidden; opacity: 0;"' in raw  # as WeChat ships it
    draft = draft_of(WX_LIVE, raw)
    assert draft.readable and draft.complete
    assert draft.images == tuple(P.mmbiz_image_url(P.WX_LIVE_ID, n) for n in range(3))  # data-src, in order
    assert "本文介绍" in draft.content and "欢迎关注" in draft.content
    assert "visibility" not in draft.content and "opacity" not in draft.content
    assert "<script" not in draft.content and "__wx_cfg" not in draft.content and "data-src" not in draft.content
    assert "<h1" not in draft.content  # the title is outside #js_content: the document's own <h1>
    html = R.render(draft, title=P.WX_LIVE_TITLE, captured_at="2026-03-01", http_status=200, image_src=lambda u: u)
    srcs = re.findall(r'<img src="([^"]+)"', html)
    assert [s.replace("&amp;", "&") for s in srcs] == list(draft.images)  # exactly the captured URLs
    assert f'<h1 class="lc-title">{P.WX_LIVE_TITLE}</h1>' in html and "Readable copy of" in html


def test_image_share_page_and_zhihu_pages():
    share = draft_of(WX_SHARE, P.wx_article("JJyPUpHLM2bGvfk5FNvTUA", share_page=True))
    assert share.readable and len(share.images) == 3  # from #js_article: there is no #js_content
    article = draft_of(ZHIHU_LIVE, P.ZH_LIVE_P)
    # The lazy figure's picture (data-actualsrc), not its SVG placeholder nor the <noscript> twin.
    assert article.images == tuple(P.zhimg_image_url("486808688", n, "720w") for n in range(2))
    assert "这是一篇写给初学者的专栏文章" in article.content and "svg+xml" not in article.content
    answer = draft_of("https://www.zhihu.com/question/296904119", P.ZH_LIVE_Q)
    assert "正文" in answer.content and len(answer.images) == 1


def test_sanitised_but_formulas_and_figures_kept():
    page = (
        '<html><body><div id="js_content" style="visibility: hidden;">'
        '<p onclick="steal()" style="color:red;opacity:0;background:url(https://track.example/x.gif)">段落</p>'
        '<a href="javascript:alert(1)">bad</a><a href="/s/other">good</a>'
        '<mp-style-type data-value="3"><section>自定义元素的内容</section></mp-style-type>'
        '<svg viewBox="0 0 10 10" onload="x()"><path d="M0 0L10 10"/><use xlink:href="https://evil/x"/></svg>'
        "<math><mi>x</mi><mo>=</mo><mn>1</mn></math>"
        '<noscript><img src="https://mmbiz.qpic.cn/n/640"></noscript>'
        '<img data-src="https://mmbiz.qpic.cn/a/640?wx_fmt=png&amp;from=appmsg" src="data:image/gif;base64,R0">'
        '<img src="data:image/svg+xml;utf8,&lt;svg&gt;&lt;/svg&gt;">'
        "<iframe src=\"https://v.qq.com/x\"></iframe><script>document.write('no')</script>"
        "</div><div>outside</div></body></html>"
    ).encode()
    draft = draft_of(WX_LIVE, page)
    content = draft.content
    assert draft.images == ("https://mmbiz.qpic.cn/a/640?wx_fmt=png&from=appmsg",)  # placeholders dropped
    assert "段落" in content and 'style="color:red"' in content
    assert "onclick" not in content and "onload" not in content and "url(" not in content
    assert "javascript:" not in content and 'href="https://mp.weixin.qq.com/s/other"' in content
    assert "自定义元素的内容" in content and "mp-style-type" not in content
    assert '<path d="M0 0L10 10"/>' in content and "evil" not in content and "<mi>x</mi>" in content
    assert "<iframe" not in content and "document.write" not in content and "outside" not in content
    assert "/n/640" not in content


def test_a_cut_or_unclosed_article_is_never_complete():
    raw = P.wx_live()
    cut = raw[: raw.index(b"\xe6\xac\xa2\xe8\xbf\x8e")]  # stops inside #js_content, before "欢迎"
    unclosed = draft_of(WX_LIVE, cut)
    assert not unclosed.complete and not unclosed.readable and "never closes" in unclosed.note
    flagged = draft_of(WX_LIVE, raw, source_complete=False)
    assert not flagged.readable and "WARC-Truncated" in flagged.note
    html = R.render(flagged, title="t", captured_at="x", http_status=200, image_src=lambda u: None)
    assert "Incomplete:" in html and "not the whole article" in html
    assert html.count("[image not archived:") == 3 and "<img" not in html  # never pointing at the origin


def test_sources_in_gzip_and_gb18030_decode():
    text = "<html><body><div id='js_content'><p>中文页面，GBK 编码</p></div></body></html>"
    for body, encoding, ctype in (
        (gzip.compress(P.wx_live()), "gzip", "text/html; charset=utf-8"),
        (text.encode("gbk"), None, "text/html; charset=gbk"),
        (text.encode("gbk"), None, "text/html"),  # no charset anywhere: not UTF-8, so GB18030
    ):
        pieces = [body[i : i + 1000] for i in range(0, len(body), 1000)]  # decoded across chunk boundaries
        draft = R.extract(pieces, page_url=WX_LIVE, content_type=ctype, content_encoding=encoding, rule=WEIXIN.readable)
        assert draft is not None and draft.complete
        assert ("本文介绍" if encoding else "中文页面，GBK 编码") in draft.content


# ---- in the archive ---------------------------------------------------------------------------


def resource_records(warc_dir: Path) -> dict[str, tuple]:
    found = {}
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type in ("resource", "metadata"):
                    key = (record.rec_type, record.rec_headers.get_header("WARC-Target-URI"))
                    found[key] = (record.rec_headers, record.content_stream().read())
    return found


def test_capture_writes_a_readable_copy_beside_the_untouched_response(tmp_path, simweb):
    store = alive_db(tmp_path / "linkcheck.db", [WX_LIVE, WX_GZIP, ZHIHU_LIVE, WX_SHARE])
    warc_dir = tmp_path / "warc"
    summary = archive(simweb, store, warc_dir)
    assert summary.captured == 4 and summary.readable == 4
    assert {p.url: p.readable for p in summary.pages} == dict.fromkeys(
        (WX_LIVE, WX_GZIP, ZHIHU_LIVE, WX_SHARE), "written"
    )
    files = assert_valid_warcs(warc_dir, store)  # resource + metadata records linted, rows point at them
    records = resource_records(warc_dir)
    page = store.captures.latest(WX_LIVE)
    headers, html = records[("resource", "urn:readable:" + WX_LIVE)]
    assert headers.get_header("WARC-Date") == page["warc_date"]
    text = html.decode()
    assert "本文介绍" in text and "visibility" not in text and "<script" not in text
    for n in range(3):  # each image by the URL its capture is archived at
        assert f'src="{P.mmbiz_image_url(P.WX_LIVE_ID, n).replace("&", "&amp;")}"' in text
    meta, fields = records[("metadata", "urn:readable:" + WX_LIVE)]
    assert meta.get_header("WARC-Refers-To") == page["warc_record_id"]
    assert b"images: 3\r\nimages-archived: 3" in fields
    row = store.readable.of_capture(page["id"])
    assert (row["images"], row["images_archived"], row["url"]) == (3, 3, "urn:readable:" + WX_LIVE)
    # The response record is what the server sent, byte for byte.
    with open(warc_path(warc_dir, page["warc_file"]), "rb") as fh:
        fh.seek(page["warc_offset"])
        assert next(iter(ArchiveIterator(fh))).content_stream().read() == P.wx_live()

    stop_web(simweb)  # replayed offline by pywb (in-process), by its own URI
    replayed = pywb_replay(tmp_path, files, ["urn:readable:" + WX_LIVE, "urn:readable:" + ZHIHU_LIVE])
    assert (
        replayed["urn:readable:" + WX_LIVE]["status"] == 200
        and "本文介绍" in replayed["urn:readable:" + WX_LIVE]["text"]
    )
    assert "这是一篇写给初学者的专栏文章" in replayed["urn:readable:" + ZHIHU_LIVE]["text"]


def test_an_unchanged_page_keeps_its_copy_and_a_cut_page_gets_none(tmp_path, simweb):
    store = alive_db(tmp_path / "linkcheck.db", [WX_LIVE])
    archive(simweb, store, tmp_path / "warc", now=lambda: T0)
    later = T0 + timedelta(days=100)
    again = archive(simweb, store, tmp_path / "warc", now=lambda: later)
    assert again.unchanged == 1 and again.readable == 0  # a revisit: the first copy stands for it
    latest = store.captures.latest(WX_LIVE)
    assert latest["record_type"] == "revisit" and store.readable.of_capture(latest["id"]) is not None

    big = WX + "liveBig000000000000000"
    small = alive_db(tmp_path / "cut.db", [big])
    cut = archive(simweb, small, tmp_path / "cut-warc", settings=ArchiveSettings(max_resource_bytes=200_000))
    assert cut.captured == 1 and cut.pages[0].truncated
    assert cut.pages[0].readable == "no: the page was cut when captured (WARC-Truncated)"
    assert list(small.db.query("select * from readable_copies")) == []
    assert_valid_warcs(tmp_path / "cut-warc", small)


def test_a_missing_image_is_shown_as_missing(tmp_path, simweb, monkeypatch):
    store = alive_db(tmp_path / "linkcheck.db", [WX_LIVE])
    real = P.mmbiz_image_url(P.WX_LIVE_ID, 1)
    summary = archive(simweb, store, tmp_path / "warc", settings=ArchiveSettings(max_requisites=2))
    assert summary.pages[0].requisites == 2
    row = store.readable.of_capture(store.captures.latest(WX_LIVE)["id"])
    assert (row["images"], row["images_archived"]) == (3, 2)
    _headers, html = resource_records(tmp_path / "warc")[("resource", "urn:readable:" + WX_LIVE)]
    missing = P.mmbiz_image_url(P.WX_LIVE_ID, 2)
    assert f"[image not archived: {missing.replace('&', '&amp;')}]" in html.decode()
    assert real.replace("&", "&amp;") in html.decode()
    assert "2 of 3 image(s)" in html.decode()


# ---- show --html, dead links, reports -----------------------------------------------------------


def test_show_html_is_one_self_contained_file(tmp_path, simweb, monkeypatch):
    db = tmp_path / "state" / "linkcheck.db"
    store = alive_db(db, [WX_LIVE, ZHIHU_LIVE, "https://behave.test/ok"])
    archive(simweb, store, db.parent / "warc")
    store.close()
    stop_web(simweb)  # nothing but the WARC files
    out = tmp_path / "wx.html"
    done = runner.invoke(app, ["show", WX_LIVE, "--db", str(db), "--html", str(out)])
    assert done.exit_code == 0, done.output
    assert "text and 3 of 3 image(s)" in done.stdout
    html = out.read_text(encoding="utf-8")
    assert "本文介绍" in html and P.WX_LIVE_TITLE in html
    srcs = re.findall(r'src="([^"]+)"', html)
    assert len(srcs) == 3 and all(s.startswith("data:image/png;base64,") for s in srcs)
    import base64

    assert base64.b64decode(srcs[0].split(",", 1)[1]) == image_bytes(P.mmbiz_image_url(P.WX_LIVE_ID, 0))
    # Nothing in the file can reach a network: no http(s) resource anywhere but the banner's link,
    # and a policy that allows data: images and inline styles only.
    resources = re.findall(r'(?:src|srcset|href|action|data)="(https?:[^"]*)"', html)
    assert resources == [WX_LIVE]  # the banner's <a href> to where it came from
    assert "default-src 'none'; img-src data:" in html
    zhihu = runner.invoke(app, ["show", ZHIHU_LIVE, "--db", str(db), "--html", str(tmp_path / "zh.html")])
    assert zhihu.exit_code == 0 and "2 of 2 image(s)" in zhihu.stdout
    generic = runner.invoke(
        app, ["show", "https://behave.test/ok", "--db", str(db), "--html", str(tmp_path / "g.html")]
    )
    assert generic.exit_code == 0, generic.output  # any HTML page: its body, sanitised
    text = runner.invoke(app, ["show", WX_LIVE, "--db", str(db)])
    assert f"Readable copy (text and 3 of 3 image(s)): urn:readable:{WX_LIVE}" in text.stdout
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)  # --open: a temporary file, handed to the browser
    shown = runner.invoke(app, ["show", WX_LIVE, "--db", str(db), "--open"])
    assert shown.exit_code == 0, shown.output
    [uri] = opened
    assert uri.startswith("file://") and "本文介绍" in Path(urlsplit(uri).path).read_text(encoding="utf-8")
    Path(urlsplit(uri).path).unlink()
    image = runner.invoke(app, ["show", P.mmbiz_image_url(P.WX_LIVE_ID, 0), "--db", str(db), "--html", str(out)])
    assert image.exit_code == 2 and "not an HTML page" in image.stderr


def test_dead_links_and_reports_say_how_to_open_the_readable_copy(tmp_path, simweb):
    db = tmp_path / "linkcheck.db"
    plain = "https://behave.test/ok"
    never = "https://behave.test/redirect/1"
    store = alive_db(db, [WX_LIVE, plain, never], when=T0)
    archive(simweb, store, tmp_path / "warc", limit=2, now=lambda: T0)
    for day in (1, 4, 8):
        for url in (WX_LIVE, plain, never):
            store.checks.record(None, url, Outcome(Verdict.DEAD, "http-404", 404), now=T0 + timedelta(days=day))
    rows = {r["canonical"]: r for r in store.queries.dead_links()}
    assert (rows[WX_LIVE]["captured"], rows[WX_LIVE]["readable"]) == (1, 1)
    assert (rows[plain]["captured"], rows[plain]["readable"]) == (1, 0)  # captured, no site rule: raw only
    assert (rows[never]["captured"], rows[never]["readable"]) == (0, None)
    report = build_report(store)
    store.close()
    by_url = {d.url: d for d in report.dead}
    assert by_url[WX_LIVE].open_with == f"linkcheck show {WX_LIVE} --html FILE"
    assert by_url[plain].open_with == f"linkcheck show {plain}" and by_url[never].open_with == ""
    assert f"readable copy: `linkcheck show {WX_LIVE} --html FILE`" in to_markdown(report)
    csv_rows = {r["url"]: r for r in csv.DictReader(io.StringIO(to_csv(report)))}
    assert csv_rows[WX_LIVE]["readable"] == "yes" and csv_rows[WX_LIVE]["open_with"].endswith("--html FILE")
    dead = subprocess.run(
        [sys.executable, "-m", "linkcheck", "dead", "--db", str(db), "--format", "json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert dead.returncode == 0, dead.stderr
    listed = {d["canonical"]: d for d in json.loads(dead.stdout)}
    assert listed[WX_LIVE]["readable"] == 1 and listed[WX_LIVE]["open_with"].endswith("--html FILE")
    table = subprocess.run(
        [sys.executable, "-m", "linkcheck", "dead", "--db", str(db)],
        capture_output=True, text=True, timeout=60, env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert "readable copy" in table.stdout and "--html FILE" in table.stdout
    # The one dead-link CSV: `dead -f csv` writes what `report -f csv` (and to_csv) write.
    dead_csv, report_csv = (
        subprocess.run(
            [sys.executable, "-m", "linkcheck", command, "--db", str(db), "-f", "csv"],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout
        for command in ("dead", "report")
    )  # fmt: skip
    assert dead_csv == report_csv == to_csv(report)
    assert [(r["url"], r["archived"], r["readable"]) for r in csv.DictReader(io.StringIO(dead_csv))] == [
        (url, "yes" if url != never else "no", "yes" if url == WX_LIVE else "no") for url in sorted(csv_rows)
    ]


def test_export_lists_each_readable_copy_as_a_page(tmp_path, simweb):
    import zipfile

    db = tmp_path / "linkcheck.db"
    store = alive_db(db, [WX_LIVE, ZHIHU_LIVE])
    archive(simweb, store, tmp_path / "warc")
    store.close()
    out = tmp_path / "blog.wacz"
    done = runner.invoke(app, ["export", "--wacz", str(out), "--db", str(db), "--warc-dir", str(tmp_path / "warc")])
    assert done.exit_code == 0, done.output
    assert "2 page(s), 2 readable copies" in done.stdout
    with zipfile.ZipFile(out) as wacz:
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()[1:]]
    titles = {p["url"]: p["title"] for p in pages}
    assert titles["urn:readable:" + WX_LIVE] == f"{P.WX_LIVE_TITLE} (readable copy)"
    assert "urn:readable:" + ZHIHU_LIVE in titles and titles[WX_LIVE] == P.WX_LIVE_TITLE
    validated = subprocess.run(
        [Path(sys.executable).with_name("wacz"), "validate", "-f", out], capture_output=True, text=True, timeout=120
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
