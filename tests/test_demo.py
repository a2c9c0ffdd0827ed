"""`linkcheck demo` as a newcomer runs it: through the real CLI, anywhere, then export its archive."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from linkcheck.samples import sample_posts_dir

REPO = Path(__file__).resolve().parent.parent


def _linkcheck(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "linkcheck", *args], cwd=cwd, capture_output=True, text=True, timeout=180,
        env={**os.environ, "COLUMNS": "160", **(env or {})},
    )  # fmt: skip


def test_the_bundled_sample_posts_are_the_four_seed_posts():
    bundled = sorted(p.name for p in sample_posts_dir().glob("*.md"))
    assert bundled == sorted(p.name for p in (REPO / "posts").glob("*.md"))
    assert len(bundled) == 4


def test_demo_in_an_empty_directory_runs_on_the_sample_posts_and_its_archive_exports(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _linkcheck(["demo", "--keep", "kept"], empty)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert "No posts/ here: the demo uses the 4 sample posts bundled with linkcheck" in done.stdout
    assert "night 3 of 3" in done.stdout
    assert "Confirmed dead links" in done.stdout
    assert "tombstone:weixin-deleted" in done.stdout
    # The archive stage says what it did: every page found alive (no cap by default: [archive] max_pages 0).
    assert "archived 205 page(s), 0 unchanged, 0 failed" in done.stderr
    # A blog root made for the sample posts' images, one deleted: the report shows the broken image.
    assert "an image deleted from images/ (missing-file)" in done.stdout
    assert "Broken links into the blog" in done.stdout
    # The host too slow to answer timed out on each of the three nights, 8 days: unreachable.
    assert "Unreachable links (1)" in done.stdout
    assert f"linkcheck export --db {Path('kept') / 'linkcheck.db'} --wacz demo.wacz" in done.stdout
    db = sqlite3.connect(empty / "kept" / "linkcheck.db")
    assert db.execute("select count(*) from runs where status = 'completed'").fetchone()[0] == 3
    assert db.execute("select count(*) from dead_links").fetchone()[0] >= 4
    local = db.execute("select count(*), sum(verdict = 'dead') from checks where via = 'local'").fetchone()
    assert local[0] > 0 and local[1] == 3 * 2  # each night: the deleted image and the case mismatch
    assert sorted(p.name for p in empty.iterdir()) == ["kept"]  # nothing else written where it ran

    # The flow the demo suggests: export its archive (wacz is a dependency), then validate it.
    exported = _linkcheck(["export", "--db", "kept/linkcheck.db", "--wacz", "demo.wacz"], empty)
    assert exported.returncode == 0, exported.stderr
    assert re.search(r"Wrote demo\.wacz: \d+ WARC file\(s\), 2\d\d page\(s\)", exported.stdout), exported.stdout
    valid = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", "demo.wacz"], cwd=empty, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "Validation succeeded" in valid.stdout + valid.stderr
    with zipfile.ZipFile(empty / "demo.wacz") as wacz:
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode().splitlines()[1:]]
    assert any(page["url"].startswith("https://mp.weixin.qq.com/s/") for page in pages)


def test_demo_uses_posts_of_the_working_directory_and_removes_its_state(tmp_path: Path):
    blog = tmp_path / "blog"
    (blog / "posts").mkdir(parents=True)
    (blog / "posts" / "one.md").write_text(
        "已删除的文章 https://mp.weixin.qq.com/s/demoDeleted0000000000a ，代码 https://github.com/x/y\n",
        encoding="utf-8",
    )
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = _linkcheck(["demo", "--nights", "1"], blog, env={"TMPDIR": str(scratch)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "sample posts" not in done.stdout
    assert "2 unique URLs in 1 files" in done.stdout
    assert "deleted by its author" in done.stdout
    assert "The demo's state was removed" in done.stdout
    assert list(scratch.iterdir()) == []  # the temporary state directory is gone
    assert sorted(p.name for p in blog.iterdir()) == ["posts"]


def test_demo_keep_refuses_a_directory_holding_a_previous_demo(tmp_path: Path):
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "linkcheck.db").write_bytes(b"")
    done = _linkcheck(["demo", "--keep", "kept"], tmp_path)
    assert done.returncode == 2
    assert "already holds a demo's state" in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "kept" / "linkcheck.db").read_bytes() == b""
