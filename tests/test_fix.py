"""``linkcheck fix``: after nights of the real nightly job against the simulated web, the diff it
proposes, ``--write``, and a scan of the result (issue #20 items 1 and 3).

The posts hold what the history has proposals for — a chain of 301s, a temporary 302, a host that
forces HTTPS with a 301, an ``http://`` WeChat link (the WeChat profile forces HTTPS), a migrated
WeChat account's article, a WeChat article captured alive and deleted afterwards, the same in an
HTML post's ``<a href>`` — in CRLF with a BOM, in GB18030, in code fences, code spans and the front
matter. The byte comparison undoes each proposed edit in the written file and must get the
original bytes back.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck import reasons
from linkcheck.fix import DEFAULT_ARCHIVE_LINK, Target, plan_file, redirect_target, write_file
from linkcheck.models import LinkKind
from linkcheck.net.resolve import RoutingResolver
from linkcheck.net.transport import FetchSettings
from linkcheck.publish import page_url
from linkcheck.run import eventloop
from linkcheck.run.job import JobOptions, run_job
from linkcheck.scan.canonical import canonicalize
from linkcheck.scan.extract import extracted_list
from linkcheck.simweb import serve_in_thread
from linkcheck.simweb.catalog import by_id
from linkcheck.simweb.demo import demo_pacing
from linkcheck.store import Store

WX = "https://mp.weixin.qq.com"
REDIRECTS = "https://behave.test/redirect/2"  # 301 → 301 → /ok
TEMPORARY = "https://behave.test/redirect-to?url=/ok&status=302"
MOVED_REPO = "https://github.com/owner/old-name"  # 301 → /owner/new-name
FORCED = "http://secure.example/guide/intro.html"  # 301 → https://secure.example/guide/intro.html
WX_LIVE = by_id("WX-LIVE").url
WX_PLAIN = WX_LIVE.replace("https://", "http://")
MIGRATED = by_id("WX-MIGRATED").url
DEAD = f"{WX}/s/archivedThenDeleted0001"  # captured alive on the first night, deleted after
DEAD_HTML = f"{WX}/s/archivedThenDeleted0002"

POST_CRLF = (
    "---\r\n"
    "title: 重定向与迁移\r\n"
    f"source: {REDIRECTS}\r\n"
    "---\r\n"
    f'看这里{REDIRECTS}，还有[仓库]({MOVED_REPO} "repo")。\r\n'
    f"临时跳转 <{TEMPORARY}> 不改。\r\n"
    f"强制 HTTPS：{FORCED}\r\n"
    f"微信 {WX_PLAIN} 与迁移的公众号文章 [旧文]({MIGRATED})\r\n"
    "\r\n"
    f"已删除的文章：[死文]({DEAD})\r\n"
    "\r\n"
    "```sh\r\n"
    f"curl {REDIRECTS}\r\n"
    "```\r\n"
    f"行内代码 `{MOVED_REPO}` 不改。\r\n"
)
POST_GBK = f"# 国标编码的文章\n\n链接：{REDIRECTS} 结束\n死文 {DEAD}\n"
POST_HTML = (
    "<!DOCTYPE html>\n<html><body>\n"
    f'<p><a class="x" href="{DEAD_HTML}">死文</a> and <a href="{MOVED_REPO}">repo</a></p>\n'
    f"<pre>{MOVED_REPO}</pre>\n"
    "</body></html>\n"
)


def _linkcheck(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """The command as a user runs it; its output decoded as written (CRLF kept: the diff shows it)."""
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", *args], cwd=cwd, capture_output=True, timeout=180,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def _nights(
    blog: Path,
    days: list[int],
    first: dict[str, str],
    after: dict[str, str],
    https_only: tuple[str, ...] = ("secure.example",),
) -> None:
    """The real nightly job (scan → check → archive → record) on ``blog``'s posts, one run per
    day in ``days`` on an injected clock, against the simulated web: ``first`` and ``after`` are
    its aliases (blog URL → catalogue URL) on the first night and from the second on — an article
    alive on the first (captured, with its readable copy) and deleted afterwards."""
    start = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    alias = {url.split("://")[1]: target for url, target in first.items()}
    with serve_in_thread(unknown_hosts="alive", aliases=alias, https_only=https_only) as web:
        hosts = {url.split("/")[2] for url in [*first, *after]}
        settings = FetchSettings(
            concurrency=8, total_timeout=5.0, connect_timeout=2.0, max_attempts=1, backoff_initial=0.1,
            extra_ca_pem=web.ca_pem(), allow_private=True,
            politeness_overrides=demo_pacing({*hosts, "behave.test", "github.com", *https_only}),
        )  # fmt: skip
        options = JobOptions(
            paths=[Path("posts")], db=Path("state/linkcheck.db"), check_all=True,
            canaries=("https://behave.test/ok",),
        )  # fmt: skip
        for night, day in enumerate(days):
            if night == 1:
                web.aliases.clear()
                web.aliases.update({url.split("://")[1]: target for url, target in after.items()})
            when = start + timedelta(days=day)
            cwd = os.getcwd()
            os.chdir(blog)
            try:
                eventloop.run(run_job(options, settings, resolver=RoutingResolver(web.route), now=lambda w=when: w))
            finally:
                os.chdir(cwd)


@pytest.fixture(scope="module")
def checked_blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A blog after five nights over nine days (enough to confirm the deletions dead and the
    redirects permanent), its posts and state kept as the template each test copies."""
    blog = tmp_path_factory.mktemp("blog")
    posts = blog / "posts"
    posts.mkdir()
    (posts / "2020-01-01-crlf.md").write_bytes(b"\xef\xbb\xbf" + POST_CRLF.encode("utf-8"))
    (posts / "2020-01-02-gbk.md").write_bytes(POST_GBK.encode("gb18030"))
    (posts / "2020-01-03-page.html").write_bytes(POST_HTML.encode("utf-8"))
    deleted = by_id("WX-DEL").url
    _nights(blog, [0, 1, 4, 8, 9], {DEAD: WX_LIVE, DEAD_HTML: WX_LIVE}, {DEAD: deleted, DEAD_HTML: deleted})
    return blog


@pytest.fixture
def blog(checked_blog: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "blog"
    shutil.copytree(checked_blog, copy)
    return copy


def _scan(blog: Path) -> dict[str, dict]:
    done = _linkcheck(["scan", "-f", "json"], blog)
    assert done.returncode == 0, done.stderr
    return {link["url"]: link for link in json.loads(done.stdout)}


def test_the_history_holds_what_fix_reads(checked_blog: Path):
    """The nights did what the proposals rest on (else the tests below prove nothing)."""
    with Store(checked_blog / "state/linkcheck.db", create=False) as store:
        dead = {row["canonical"]: row for row in store.queries.dead_links()}
        assert dead[DEAD]["readable"] and dead[DEAD_HTML]["readable"]
        statuses = store.db.execute(
            "SELECT c.redirect_statuses FROM checks c JOIN urls u ON u.id = c.url_id WHERE u.canonical = ?",
            [REDIRECTS],
        ).fetchall()
        assert [json.loads(s) for (s,) in statuses] == [[301, 301]] * 5
        temporary = store.db.execute(
            "SELECT c.redirect_statuses FROM checks c JOIN urls u ON u.id = c.url_id WHERE u.canonical = ?",
            [TEMPORARY],
        ).fetchall()
        assert [json.loads(s) for (s,) in temporary] == [[302]] * 5
        migrated = store.queries.url_info(MIGRATED)
        assert migrated is not None and migrated["reason"] == "moved:weixin-migrated"


def test_fix_prints_the_diff_writes_it_and_the_scan_reads_the_new_urls(blog: Path):
    before = {p.name: p.read_bytes() for p in (blog / "posts").iterdir()}
    scanned_before = _scan(blog)
    shown = _linkcheck(["fix"], blog)
    assert shown.returncode == 1, shown.stderr  # a diff: CI fails
    diff = shown.stdout
    archive = page_url(DEAD)
    expected_lines = [
        '+看这里https://behave.test/ok，还有[仓库](https://github.com/owner/new-name "repo")。\r\n',
        "+强制 HTTPS：https://secure.example/guide/intro.html\r\n",
        f"+微信 {WX_LIVE} 与迁移的公众号文章 [旧文]({WX_LIVE})\r\n",
        f"+已删除的文章：[死文]({DEAD})[（存档）]({archive})\r\n",
        "+链接：https://behave.test/ok 结束\n",
        f"+死文 {DEAD}[（存档）]({archive})\n",
        f'+<p><a class="x" href="{DEAD_HTML}" data-versionurl="{page_url(DEAD_HTML)}" data-versiondate=',
    ]
    for line in expected_lines:
        assert line in diff, line
    changed = "".join(line for line in diff.splitlines(keepends=True) if line[:1] in "+-" and line[:3] not in "+++---")
    assert TEMPORARY not in changed and "curl" not in changed and "source:" not in changed
    assert "<pre>" not in changed and "行内代码" not in changed
    assert all((blog / "posts" / name).read_bytes() == data for name, data in before.items())  # nothing written
    assert "10 edits proposed in 3 posts" in shown.stderr
    # Each proposal on stderr with its reason and the evidence.
    assert (
        f"posts/2020-01-01-crlf.md:5:4 fix:permanent-redirect {REDIRECTS} → https://behave.test/ok "
        "(301 → 301 on 5 checks over 9 days)"
    ) in shown.stderr
    assert f"fix:successor {MIGRATED} → {WX_LIVE} (moved:weixin-migrated" in shown.stderr
    assert "fix:https http://secure.example/guide/intro.html → https://secure.example/guide/intro.html" in shown.stderr

    written = _linkcheck(["fix", "--write"], blog)
    assert written.returncode == 0, written.stderr
    assert "edits written to 3 posts" in written.stderr
    again = _linkcheck(["fix"], blog)
    assert (again.returncode, again.stdout) == (0, ""), again.stderr  # nothing left to propose
    # Until the next check records where the URLs are now, fix leaves the posts it wrote alone.
    assert "nothing to propose" in again.stderr and again.stderr.count("edited since the last check") == 3

    # Byte for byte: undoing each edit gives the original file back (BOM, CRLF, GB18030 and all).
    replaced = {
        "https://behave.test/ok": REDIRECTS,
        "https://github.com/owner/new-name": MOVED_REPO,
        "https://secure.example/guide/intro.html": FORCED,
    }
    after = {p.name: p.read_bytes() for p in (blog / "posts").iterdir()}
    crlf = after["2020-01-01-crlf.md"].decode("utf-8")
    assert (
        crlf.startswith("\ufeff")
        and crlf.count("\r\n") == POST_CRLF.count("\r\n")
        and "\n" not in crlf.replace("\r\n", "")
    )
    undone = crlf.replace(f"[（存档）]({archive})", "").replace(f"微信 {WX_LIVE}", f"微信 {WX_PLAIN}")
    undone = undone.replace(f"[旧文]({WX_LIVE})", f"[旧文]({MIGRATED})")
    for new, old in replaced.items():
        undone = undone.replace(new, old)
    assert undone.encode("utf-8") == before["2020-01-01-crlf.md"]
    gbk = after["2020-01-02-gbk.md"].decode("gb18030").replace(f"[（存档）]({archive})", "")
    assert gbk.replace("https://behave.test/ok", REDIRECTS).encode("gb18030") == before["2020-01-02-gbk.md"]
    page = after["2020-01-03-page.html"].decode("utf-8")
    robust = f' data-versionurl="{page_url(DEAD_HTML)}" data-versiondate="2026-11-02"'
    assert robust in page
    page = page.replace(robust, "").replace('href="https://github.com/owner/new-name"', f'href="{MOVED_REPO}"')
    assert page.encode("utf-8") == before["2020-01-03-page.html"]

    # The scan finds the new URLs where the old ones were; code and front matter kept theirs.
    scanned = _scan(blog)
    for new in [*replaced, WX_LIVE]:
        assert new in scanned, new
    old_places = {o["kind"] for o in scanned[REDIRECTS]["occurrences"]}
    assert old_places == {"code", "bare"} and len(scanned[REDIRECTS]["occurrences"]) == 2  # the fence, the front matter
    assert FORCED not in scanned and WX_PLAIN not in scanned and MIGRATED not in scanned
    assert [o["kind"] for o in scanned[MOVED_REPO]["occurrences"]] == ["code", "code"]
    assert archive in scanned and page_url(DEAD_HTML) not in scanned  # an attribute Robust Links reads, not a link
    assert TEMPORARY in scanned and DEAD in scanned and DEAD_HTML in scanned
    assert set(scanned) - set(scanned_before) == {*replaced, archive, WX_LIVE}


def test_a_post_edited_since_the_check_is_skipped_naming_it(blog: Path):
    post = blog / "posts" / "2020-01-02-gbk.md"
    post.write_bytes("新的一行\n".encode("gb18030") + post.read_bytes())
    before = post.read_bytes()
    shown = _linkcheck(["fix", "--write"], blog)
    assert shown.returncode == 0, shown.stderr
    assert "skipped posts/2020-01-02-gbk.md: edited since the last check" in shown.stderr
    assert post.read_bytes() == before
    assert "edits written to 2 posts" in shown.stderr


def test_posts_the_history_never_saw_are_named_not_silently_passed(blog: Path):
    """A copy of the posts elsewhere: the database knows its links under the original paths, so
    nothing can be proposed, and fix says why instead of a bare 'nothing to propose'."""
    import shutil

    shutil.copytree(blog / "posts", blog / "copy")
    shown = _linkcheck(["fix", "copy"], blog)
    assert shown.returncode == 0, shown.stderr
    assert "none of the" in shown.stderr and "`linkcheck check` them first" in shown.stderr
    assert shown.stdout == ""
    known = _linkcheck(["fix", "posts"], blog)  # the original paths: the proposals are there
    assert known.returncode == 1 and "none of the" not in known.stderr


def test_a_custom_archive_link_template_and_bad_ones(blog: Path):
    (blog / "linkcheck.toml").write_text(
        '[fix]\narchive_link = " ([archived {date}]({archive_url}))"\n[publish]\nfolder = "copies"\n',
        encoding="utf-8",
    )
    (blog / "_config.yml").write_text("title: a blog\nbaseurl: /blog\n", encoding="utf-8")  # Jekyll's
    shown = _linkcheck(["fix", "posts/2020-01-02-gbk.md"], blog)
    assert shown.returncode == 1, shown.stderr
    assert f"+死文 {DEAD} ([archived 2026-11-02]({page_url(DEAD, 'copies', '/blog')}))\n" in shown.stdout
    (blog / "linkcheck.toml").write_text('[fix]\narchive_link = "[x]({archiv_url})"\n', encoding="utf-8")
    bad = _linkcheck(["fix"], blog)
    assert bad.returncode == 2 and "fix.archive_link" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    "args",
    [["fix", "no-such-posts"], ["fix", "--db", "state/none.db"], ["fix", "--writ"]],
)
def test_usage_errors_are_exit_2(blog: Path, args: list[str]):
    done = _linkcheck(args, blog)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if line.strip()]) <= 6


# ---- the planning, on its own --------------------------------------------------------------


def _checks(*rows: tuple[int, list[int], list[str]]) -> list[dict]:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        {"verdict": "alive", "via": "http", "checked_at": (start + timedelta(days=day)).isoformat(),
         "redirects": hops, "redirect_statuses": statuses}
        for day, statuses, hops in sorted(rows, reverse=True)
    ]  # fmt: skip


def test_a_redirect_is_proposed_only_when_permanent_on_every_check_of_the_window():
    to_b = ["https://b.example/x"]
    assert redirect_target("https://a.example/x", _checks((0, [301], to_b), (4, [301], to_b), (8, [308], to_b)), 3, 7)
    assert not redirect_target(
        "https://a.example/x", _checks((0, [301], to_b), (4, [301], to_b), (6, [301], to_b)), 3, 7
    )
    assert not redirect_target("https://a.example/x", _checks((0, [301], to_b), (8, [301], to_b)), 3, 7)
    assert not redirect_target(
        "https://a.example/x", _checks((0, [301], to_b), (4, [302], to_b), (8, [301], to_b)), 3, 7
    )
    # 301 then 302: the permanent part is proposed, not where the temporary hop went.
    chain = ["https://b.example/x", "https://c.example/today"]
    found = redirect_target("https://a.example/x", _checks(*((d, [301, 302], chain) for d in (0, 4, 8))), 3, 7)
    assert found is not None and found.new_url == "https://b.example/x" and found.reason == reasons.FIX_REDIRECT
    # To the front page: a deleted article, not a move.
    home = ["https://a.example/"]
    assert not redirect_target("https://a.example/x", _checks(*((d, [301], home) for d in (0, 4, 8))), 3, 7)
    # http → https by a temporary redirect still says the site forces HTTPS.
    twin = ["https://a.example/x", "https://a.example/x/"]
    found = redirect_target("http://a.example/x", _checks(*((d, [302, 302], twin) for d in (0, 4, 8))), 3, 7)
    assert found is not None and found.reason == reasons.FIX_HTTPS and found.new_url == "https://a.example/x"


OLD = "https://old.example/a"
GONE = f"{WX}/s/goneGoneGoneGoneGone01"
TARGETS = {
    OLD: Target(OLD, reasons.FIX_REDIRECT, new_url="https://new.example/b"),
    GONE: Target(GONE, reasons.FIX_ARCHIVE_LINK, archive_url="/archived/x/", archive_date="2026-11-02"),
}


def _plan(text: str, data: bytes, name: str = "p.md"):
    recorded = [(canonicalize(url).canonical, o.line, o.column, str(o.kind)) for url, o in extracted_list(text, name)]
    return plan_file(name, data, recorded, TARGETS, template=DEFAULT_ARCHIVE_LINK)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b"")])
def test_only_the_urls_change_whatever_the_encoding_and_line_endings(newline: str, encoding: str, bom: bytes):
    lines = [
        "---", f"link: {OLD}", "---", f"正文{OLD}，[死]({GONE})", "", "~~~", OLD, "~~~", "", f"    {OLD}",
        "", f"`{OLD}` <{OLD}> 結束", "", f"[ref]: {OLD}", "", f"![图]({GONE})",
    ]  # fmt: skip
    text = newline.join(lines) + newline
    data = bom + text.encode(encoding)
    plan = _plan(text, data)
    assert plan.after.startswith(bom) and plan.after.count(newline.encode()) == data.count(newline.encode())
    after = plan.after[len(bom) :].decode(encoding)
    undone = after.replace("https://new.example/b", OLD).replace("[（存档）](/archived/x/)", "")
    assert (bom + undone.encode(encoding)) == data
    if newline == "\r":
        return  # one line to the scan (it splits lines at LF): what it reads there is its own business
    kinds = sorted((p.kind, p.reason) for p in plan.proposals)
    assert kinds == sorted(
        [(LinkKind.BARE, reasons.FIX_REDIRECT), (LinkKind.AUTOLINK, reasons.FIX_REDIRECT),
         (LinkKind.REFERENCE_DEFINITION, reasons.FIX_REDIRECT), (LinkKind.MARKDOWN_LINK, reasons.FIX_ARCHIVE_LINK)]
    )  # fmt: skip
    assert any("is an image; no archive link added" in note for note in plan.notes)


def test_a_file_that_does_not_decode_byte_for_byte_is_not_edited():
    data = f"正文 {OLD} ".encode() + b"\xff\xfe broken"
    text = data.decode("utf-8", errors="replace")
    plan = _plan(text, data)
    assert not hasattr(plan, "after") and "byte for byte" in plan.message


def test_an_edit_the_extractor_would_read_differently_is_dropped():
    # The new URL glued to a letter would run on into it: not read back as written, not made.
    targets = {OLD: Target(OLD, reasons.FIX_REDIRECT, new_url="https://new.example/b")}
    text = f"见{OLD}）"
    recorded = [(canonicalize(u).canonical, o.line, o.column, str(o.kind)) for u, o in extracted_list(text, "p.md")]
    plan = plan_file("p.md", text.encode(), recorded, {**targets})
    assert plan.after == "见https://new.example/b）".encode()
    weird = {OLD: Target(OLD, reasons.FIX_REDIRECT, new_url="https://new.example/b c")}
    plan = plan_file("p.md", text.encode(), recorded, weird)
    assert plan.after == text.encode() and any("not edited" in n for n in plan.notes)


# ---- property: whatever surrounds the URLs, only they change -----------------------------------


_FRAGMENTS = [
    f"正文{OLD}，完", f"see {OLD} here", f"[链接]({OLD})", f"<{OLD}>", f"`{OLD}`", f"[死]({GONE})", f"{GONE}看破",
    f'<a href="{OLD}">x</a>', f'<a href="{GONE}">死</a>', f"![图]({GONE})", "普通的一段中文。", "- 列表项",
    "", "```", "~~~", "    缩进的代码", "<pre>", "</pre>", "# 标题", "> 引用", "|a|b|",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=14),
    front=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_property_only_the_edits_change_the_bytes(lines: list[str], front: bool, newline: str, encoding: str):
    text = newline.join((["---", f"url: {OLD}", "---"] if front else []) + lines) + newline
    bom = b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    data = bom + text.encode(codec)
    plan = _plan(text, data)
    after = plan.after[len(bom) :].decode(codec)
    assert plan.after.startswith(bom)
    # Undo every edit: the original bytes come back.
    undone = after.replace("https://new.example/b", OLD).replace("[（存档）](/archived/x/)", "")
    undone = undone.replace(' data-versionurl="/archived/x/" data-versiondate="2026-11-02"', "")
    assert bom + undone.encode(codec) == data
    # What the reader sees as code, and the front matter, kept the old URL; elsewhere none is left
    # unless a note says why.
    code_before = sum(1 for u, o in extracted_list(text, "p.md") if u == OLD and o.kind is LinkKind.CODE)
    code_after = sum(1 for u, o in extracted_list(after, "p.md") if u == OLD and o.kind is LinkKind.CODE)
    assert code_after == code_before
    prose_left = [o for u, o in extracted_list(after, "p.md") if u == OLD and o.kind is not LinkKind.CODE]
    assert all(front and o.line == 2 for o in prose_left) or plan.notes


def test_write_replaces_the_post_where_it_lives_and_only_if_unchanged(tmp_path: Path):
    real = tmp_path / "real.md"
    text = f"见 {OLD} 完\r\n"
    real.write_bytes(text.encode())
    real.chmod(0o640)
    link = tmp_path / "link.md"
    link.symlink_to(real)
    plan = _plan(text, text.encode(), "link.md")
    write_file(link, plan)
    assert link.is_symlink() and real.read_bytes() == "见 https://new.example/b 完\r\n".encode()
    assert real.stat().st_mode & 0o777 == 0o640
    real.write_bytes(text.encode() + b"more\r\n")  # edited between planning and writing
    with pytest.raises(OSError, match="changed while fix ran"):
        write_file(link, plan)
    assert real.read_bytes() == text.encode() + b"more\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "real.md"]  # no temporary left


# ---- the repository's own posts ------------------------------------------------------------------

POSTS = Path(__file__).resolve().parent.parent / "posts"
RENAMED_REPO = "https://github.com/TuSimple/mx-maskrcnn"  # answers as a renamed repository (301)
PLAIN_HTTP = "http://zh.gluon.ai/chapter_computer-vision/object-detection.html"  # the site forces HTTPS
MIGRATED_ARTICLE = f"{WX}/s/mcf3Aoub6VbNwtA-Izsdbg"  # answers as a migrated account's article
DELETED_ARTICLE = f"{WX}/s/2Th2PO4rC-r4LOU46uYDjg"  # alive the first night, deleted after


def test_fix_on_a_copy_of_posts_after_a_simulated_run(tmp_path: Path):
    """The README's four real posts, a few of their URLs given the behaviours fix acts on."""
    blog = tmp_path / "blog"
    shutil.copytree(POSTS, blog / "posts")
    behaviours = {RENAMED_REPO: MOVED_REPO, MIGRATED_ARTICLE: MIGRATED}
    _nights(
        blog,
        [0, 1, 4, 8],
        {**behaviours, DELETED_ARTICLE: WX_LIVE},
        {**behaviours, DELETED_ARTICLE: by_id("WX-DEL").url},
        https_only=("zh.gluon.ai",),
    )
    before = {p.name: p.read_bytes() for p in (blog / "posts").iterdir()}
    shown = _linkcheck(["fix"], blog)
    assert shown.returncode == 1, shown.stderr
    archive = page_url(DELETED_ARTICLE)
    proposed = {line.split(" ", 2)[1] for line in shown.stderr.splitlines() if " fix:" in line}
    assert proposed == {reasons.FIX_REDIRECT, reasons.FIX_HTTPS, reasons.FIX_SUCCESSOR, reasons.FIX_ARCHIVE_LINK}
    written = _linkcheck(["fix", "--write"], blog)
    assert written.returncode == 0, written.stderr
    new_repo = "https://github.com/owner/new-name"
    undo = {
        new_repo: RENAMED_REPO,
        PLAIN_HTTP.replace("http://", "https://"): PLAIN_HTTP,
        WX_LIVE: MIGRATED_ARTICLE,
    }
    # The posts also cite WeChat articles as http:// (the WeChat profile forces HTTPS, and they
    # were found alive): those are written https:// now.
    plain_wechat = {
        url
        for data in before.values()
        for url, _ in extracted_list(data.decode(), "p.md")
        if url.startswith("http://mp.")
    }
    assert plain_wechat
    for name, data in before.items():
        after = (blog / "posts" / name).read_text(encoding="utf-8").replace(f"[（存档）]({archive})", "")
        for new, old in undo.items():
            after = after.replace(new, old)
        for url in plain_wechat:
            after = after.replace(url.replace("http://", "https://"), url)
        assert after.encode("utf-8") == data, name  # every byte outside the edits as it was
    scanned = _scan(blog)
    assert {new_repo, PLAIN_HTTP.replace("http://", "https://"), WX_LIVE, archive} <= set(scanned)
    assert RENAMED_REPO not in scanned and PLAIN_HTTP not in scanned and MIGRATED_ARTICLE not in scanned
    assert DELETED_ARTICLE in scanned  # kept, the archive link beside it
    assert len(scanned[archive]["occurrences"]) == len(scanned[DELETED_ARTICLE]["occurrences"])


def test_fix_reads_no_network(blog: Path, monkeypatch: pytest.MonkeyPatch):
    """Only the posts, the database and the WARC files: with every socket refused, the same diff."""
    import socket

    from typer.testing import CliRunner

    from linkcheck.cli import app

    expected = _linkcheck(["fix"], blog).stdout

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("linkcheck fix tried the network")

    monkeypatch.setattr(socket.socket, "connect", refused)
    monkeypatch.setattr(socket, "getaddrinfo", refused)
    monkeypatch.chdir(blog)
    done = CliRunner().invoke(app, ["fix"])
    same = done.stdout.replace("\r\n", "\n") == expected.replace("\r\n", "\n")  # the runner's newline handling
    assert done.exit_code == 1 and same and "+++ b/posts/2020-01-01-crlf.md" in expected, done.output
