"""Bad input: a clear message, a documented exit code, nothing already recorded lost."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_job import POST, cli_args

PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 4


def _linkcheck(args: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "linkcheck", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, **kw)  # fmt: skip


@pytest.fixture()
def messy_blog(tmp_path: Path) -> Path:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "ok.md").write_text("正常的文章 https://example.org/ok\n", encoding="utf-8")
    (posts / "image.md").write_bytes(PNG)  # binary content with a text extension
    (posts / "photo.png").write_bytes(PNG)  # not a post: not read at all
    (posts / "gbk.md").write_bytes("中文博客 https://example.org/gbk 结束\n".encode("gbk"))
    (posts / "broken.md").write_bytes(b"https://example.org/broken \xff\xfe\xfd more text\n" + "好".encode() * 50)
    (posts / "frontmatter.md").write_text("---\ntitle: never closed\nhttps://example.org/fm\n", encoding="utf-8")
    (posts / "loop").symlink_to(posts)  # a directory symlink loop
    (posts / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    (posts / "empty.md").write_text("", encoding="utf-8")
    (posts / "one-line.md").write_text(
        ("长文" * 40 + "https://mp.weixin.qq.com/s/id{}看 ").format(0) + "x" * (50 * 1024 * 1024), encoding="utf-8"
    )
    return tmp_path


def test_scan_survives_a_messy_posts_directory(messy_blog: Path):
    done = _linkcheck(["scan", "-f", "json"], messy_blog)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    urls = {row["url"] for row in json.loads(done.stdout)}
    assert {"https://example.org/ok", "https://example.org/gbk", "https://example.org/broken",
            "https://example.org/fm", "https://mp.weixin.qq.com/s/id0"} <= urls  # fmt: skip
    assert "image.md" in done.stderr  # binary: reported, skipped
    assert "broken.md" in done.stderr  # damaged UTF-8: reported, read with replacement characters
    assert "dangling.md" in done.stderr


def test_empty_posts_directory_is_fine(tmp_path: Path):
    (tmp_path / "posts").mkdir()
    scan = _linkcheck(["scan"], tmp_path)
    assert scan.returncode == 0 and "0 unique URLs" in scan.stdout
    check = _linkcheck(["check", "--resolve", "*:*:nxdomain"], tmp_path)
    assert check.returncode == 0, check.stderr
    assert "Traceback" not in check.stderr


def test_missing_path_is_a_usage_error(tmp_path: Path):
    done = _linkcheck(["check", "no-such-dir"], tmp_path)
    assert done.returncode == 2 and "no-such-dir" in done.stderr and "Traceback" not in done.stderr


def _mount_tmpfs(where: Path, options: str) -> None:
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); needs root")


@pytest.fixture()
def tiny_fs(tmp_path: Path):
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    _mount_tmpfs(mount_point, "size=8m")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.fixture()
def read_only_state(tmp_path: Path):
    state = tmp_path / "state"
    state.mkdir()
    _mount_tmpfs(state, "ro,size=64k")  # read-only even for root
    yield state
    subprocess.run(["umount", "-l", str(state)], check=False)


def test_read_only_state_directory(tmp_path: Path, read_only_state: Path, simweb):
    """state/ is read-only: a clear message and exit 2, nothing touched."""
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "a.md").write_text(POST, encoding="utf-8")
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    done = subprocess.run(cli_args(simweb), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "state" in done.stderr and "read-only" in done.stderr.lower()
    assert list(read_only_state.iterdir()) == []


def test_full_disk_keeps_what_was_recorded(tiny_fs: Path, tmp_path: Path, simweb):
    """The database's disk is full: exit 2 with a clear message; the earlier history is intact."""
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "a.md").write_text("\n\n".join(f"https://h{i}.bench.test/page/{i}" for i in range(20)), encoding="utf-8")
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    db = tiny_fs / "linkcheck.db"
    first = subprocess.run(cli_args(simweb, "--db", str(db)), cwd=tmp_path, capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    assert first.returncode == 0, first.stderr
    # Fill the disk to the last byte, then add posts: the next run has nowhere to write.
    fd = os.open(tiny_fs / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    (posts / "b.md").write_text("\n\n".join(f"https://x{i}.bench.test/page/{i}" for i in range(300)), encoding="utf-8")
    second = subprocess.run(cli_args(simweb, "--db", str(db)), cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert second.returncode == 2, second.stderr[-2000:]
    assert "Traceback" not in second.stderr
    assert "full" in second.stderr.lower()
    (tiny_fs / "filler").unlink()
    db_check = sqlite3.connect(db)
    assert db_check.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert db_check.execute("select count(*) from checks").fetchone()[0] == 20
    assert db_check.execute("select status from runs order by id limit 1").fetchone()[0] == "completed"
