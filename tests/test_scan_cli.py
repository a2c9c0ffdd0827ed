"""`linkcheck scan`: the command line over extract/collect."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app

REPO = Path(__file__).resolve().parent.parent
LINK_KEYS = {"url", "canonical", "host", "checkable", "skip_reason", "occurrences"}
OCCURRENCE_KEYS = {"file", "line", "column", "kind", "title"}
KINDS = {"bare", "markdown-link", "image", "autolink", "html-attr", "reference-definition", "code"}


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    return REPO


def check_scan_json(data: object) -> None:
    assert isinstance(data, list) and data
    for link in data:
        assert set(link) == LINK_KEYS
        assert isinstance(link["checkable"], bool)
        assert (link["skip_reason"] is None) == link["checkable"]
        assert link["occurrences"]
        for occ in link["occurrences"]:
            assert set(occ) == OCCURRENCE_KEYS
            assert occ["kind"] in KINDS
            assert occ["line"] >= 1 and occ["column"] >= 1
            line = (REPO / occ["file"]).read_text(encoding="utf-8").split("\n")[occ["line"] - 1]
            assert line[occ["column"] - 1 :].startswith(link["url"]) or link["url"].startswith("www.")


def test_scan_json(in_repo: Path) -> None:
    result = CliRunner().invoke(app, ["scan", "posts", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    check_scan_json(data)
    zhihu = next(link for link in data if link["url"] == "https://zhuanlan.zhihu.com/p/57234648")
    assert zhihu == {
        "url": "https://zhuanlan.zhihu.com/p/57234648",
        "canonical": "https://zhuanlan.zhihu.com/p/57234648",
        "host": "zhuanlan.zhihu.com",
        "checkable": True,
        "skip_reason": None,
        "occurrences": [
            # The title the post gives the cited article: the line after the URL (linkcheck.drift).
            {
                "file": "posts/000_c1c6585ebd1434a0.md",
                "line": 9,
                "column": 1,
                "kind": "bare",
                "title": "深入解读Airbnb推荐算法",
            }
        ],
    }
    image = next(link for link in data if link["url"] == "/images/img2/mask_rcnn.png")
    assert (image["checkable"], image["skip_reason"], image["occurrences"][0]["kind"]) == (
        False,
        "site-relative",
        "image",
    )


def test_scan_gives_an_in_process_caller_its_collector_back(in_repo: Path) -> None:
    """The command keeps the collector off its links while it writes them (gc.freeze), and leaves
    the caller's collector as it found it: nothing frozen, still on; a caller's own freeze kept."""
    import gc

    assert gc.isenabled() and gc.get_freeze_count() == 0
    for output in (["-f", "json"], []):
        result = CliRunner().invoke(app, ["scan", "posts", *output])
        assert result.exit_code == 0, result.output
        assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.freeze()
    try:
        kept = gc.get_freeze_count()
        assert CliRunner().invoke(app, ["scan", "posts", "-f", "json"]).exit_code == 0
        assert gc.get_freeze_count() >= kept > 0
    finally:
        gc.unfreeze()


def test_scan_default_path_is_posts(in_repo: Path) -> None:
    default = CliRunner().invoke(app, ["scan", "-f", "json"])
    explicit = CliRunner().invoke(app, ["scan", "posts", "-f", "json"])
    assert default.exit_code == explicit.exit_code == 0
    assert json.loads(default.stdout) == json.loads(explicit.stdout)


def test_scan_site_url(in_repo: Path) -> None:
    result = CliRunner().invoke(app, ["scan", "posts", "-f", "json", "--site-url", "https://blog.example"])
    assert result.exit_code == 0
    image = next(link for link in json.loads(result.stdout) if link["url"] == "/images/img2/mask_rcnn.png")
    assert image["canonical"] == "https://blog.example/images/img2/mask_rcnn.png"
    assert image["checkable"] is True


def test_scan_missing_path_exits_2_without_traceback(in_repo: Path) -> None:
    result = CliRunner().invoke(app, ["scan", "missing/"])
    assert result.exit_code == 2
    assert "not found" in result.output and "missing" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_scan_table_mentions_known_url(in_repo: Path) -> None:
    result = CliRunner().invoke(app, ["scan", "posts"])
    assert result.exit_code == 0
    assert "unique URLs in 4 files" in result.stdout
    # The terminal may be narrow and the URL column folded: join the first column's pieces.
    first_column = "".join(line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│"))
    assert "https://zhuanlan.zhihu.com/p/57234648" in first_column
    assert "/images/img2/mask_rcnn.png" in first_column


def test_scan_reports_file_problems_and_goes_on(tmp_path: Path) -> None:
    (tmp_path / "bin.md").write_bytes(b"\x00\x01http://x.example/")
    (tmp_path / "ok.md").write_text("http://ok.example/\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["scan", str(tmp_path), "-f", "json"])
    assert result.exit_code == 0
    assert [link["url"] for link in json.loads(result.stdout)] == ["http://ok.example/"]
    assert "bin.md" in result.stderr and "binary" in result.stderr


def test_scan_subprocess() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-m", "linkcheck", "scan", "posts", "-f", "json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    check_scan_json(data)
    assert any(link["url"] == "https://github.com/jasjeetIM/Mask-RCNN" for link in data)
    missing = subprocess.run(
        [sys.executable, "-m", "linkcheck", "scan", "missing/"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2
    assert "missing" in missing.stderr and "Traceback" not in missing.stderr


# Packages and modules a scan has no use for (issue #17: a scan of the whole blog is judged against
# `lychee --dump`, start-up included): the network, the history, the archive, the browser; the
# blog's site model when there is no blog root around the posts; IDNA when every host is ASCII;
# rich, as `-f json` writes past the consoles (and there is nothing to warn about); the other
# commands' modules (only the invoked command is loaded and built). (pydantic is loaded: typer 0.2x
# checks option values with it, and offers no way not to.)
_NOT_FOR_A_SCAN = (
    "aiohttp",
    "sqlite3",
    "sqlite_utils",
    "warcio",
    "yaml",
    "idna",
    "playwright",
    "rich",
    "linkcheck.net",
    "linkcheck.run",
    "linkcheck.store",
    "linkcheck.archive",
    "linkcheck.browser",
    "linkcheck.report",
    "linkcheck.scan.jekyll",
    "linkcheck.scan.anchors",
    "linkcheck.cli.archive",
    "linkcheck.cli.check",
    "linkcheck.cli.db",
    "linkcheck.cli.fix",
    "linkcheck.cli.progress",
    "linkcheck.cli.publish",
    # the drift rule compares titles a check read; a scan only finds the cited ones
    # (linkcheck.scan.titles), and reads no HTML entity or Unicode table for it
    "linkcheck.drift",
    "html",
    "unicodedata",
)

# Each way a user starts linkcheck, then the modules it loaded (on stderr).
_ENTRY_POINTS = {
    # the console script `linkcheck` (pyproject's linkcheck.__main__:run)
    "console script": "from linkcheck.__main__ import run\nrun()\n",
    # `python -m linkcheck`, as bench/bench_scan.py runs it
    "python -m": "import runpy\nrunpy.run_module('linkcheck', run_name='__main__', alter_sys=True)\n",
}


@functools.cache
def _typers_own_modules() -> frozenset[str]:
    """What importing typer loads by itself: typer before 0.2x imports rich (its help formatter)
    whatever the app; from 0.2x it does not, and a scan must then load no rich at all."""
    code = "import sys, typer, typer.main\nprint(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return frozenset(done.stdout.split())


@pytest.mark.parametrize("entry", sorted(_ENTRY_POINTS))
def test_scan_imports_only_what_it_needs(tmp_path: Path, entry: str) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "a.md").write_text("[a](https://a.example/x) http://b.example/y\n", encoding="utf-8")
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(' '.join(sorted(sys.modules)), file=sys.stderr))\n"
        "sys.argv = ['linkcheck', 'scan', 'posts', '-f', 'json']\n" + _ENTRY_POINTS[entry]
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert [link["url"] for link in json.loads(proc.stdout)] == ["https://a.example/x", "http://b.example/y"]
    loaded = set(proc.stderr.split())
    assert {"linkcheck.scan.collect", "linkcheck.cli.scan"} <= loaded  # (the list is the scan's)
    unneeded = sorted(m for m in loaded for name in _NOT_FOR_A_SCAN if m == name or m.startswith(name + "."))
    assert [m for m in unneeded if m not in _typers_own_modules()] == []
    # with a blog root, the site model is loaded: links into the blog are resolved from it
    (tmp_path / "_config.yml").write_text("title: t\n", encoding="utf-8")
    with_root = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert with_root.returncode == 0, with_root.stderr
    assert "linkcheck.scan.jekyll" in with_root.stderr.split()
