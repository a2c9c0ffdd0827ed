"""The `linkcheck` entry point (console script, `python -m linkcheck`) is the typer app: it says
exactly what the app says for the same arguments, and a reader that goes away ends it quietly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# The two routes to the same interface: the entry point (console script / `python -m`) and the
# typer app called directly.
ENTRY = [sys.executable, "-m", "linkcheck"]
APP = [sys.executable, "-c", "from linkcheck.cli import main; main()"]


@pytest.fixture(scope="module")
def messy_posts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Posts with every kind of link, plus files the scan warns about."""
    root = tmp_path_factory.mktemp("blog")
    posts = root / "posts"
    posts.mkdir()
    (posts / "a.md").write_text(
        "看这里https://mp.weixin.qq.com/s/_b5wRtOMwmGi8N5fxgMFEw看破\n"
        "[图](/images/x.png) <https://github.com/a/b> `http://in.code/x`\n"
        '<a href="https://zhuanlan.zhihu.com/p/1">知乎</a> http://192.168.1.1 www.gtk.org\n',
        encoding="utf-8",
    )
    (posts / "b.md").write_bytes("GBK 编码 http://gbk.example.cn/页面 完\n".encode("gb18030"))
    (posts / "c.md").write_bytes(b"\x00\x01binary")
    (posts / "d.md").write_bytes(b"broken \xff utf-8 https://broken.example/ok " + "中文".encode() * 10)
    return root


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=60)


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "-f", "json"],
        ["scan", "posts", "--format=json", "--site-url", "https://blog.example"],
        ["scan", "-fjson", "posts/a.md", "posts/b.md"],
        ["scan", "posts", "missing-dir", "-f", "json"],  # a usage error: exit 2, nothing printed
        ["scan", "-f", "json", "--no-such-option"],
    ],
)
def test_entry_point_and_app_say_the_same(messy_posts: Path, args: list[str]) -> None:
    via_entry = run([*ENTRY, *args], messy_posts)
    via_app = run([*APP, *args], messy_posts)
    assert via_entry.returncode == via_app.returncode
    assert via_entry.stdout == via_app.stdout
    # Usage messages name the program as it was invoked; everything else must match exactly.
    if via_app.returncode == 0:
        assert via_entry.stderr == via_app.stderr
        scans_whole_dir = "posts/a.md" not in args
        assert (b"warning:" in via_app.stderr) == scans_whole_dir  # the binary and broken files
        assert json.loads(via_entry.stdout)
    else:
        assert via_entry.returncode == 2 and not via_entry.stdout
        assert via_entry.stderr.splitlines()[-1] == via_app.stderr.splitlines()[-1]


def test_a_reader_that_goes_away_ends_the_scan_quietly(tmp_path: Path) -> None:
    """`linkcheck scan -f json | head -c 10`: exit 0 (the scan did its work; 1 would mean newly
    confirmed dead links) and nothing on stderr, by either route."""
    (tmp_path / "posts").mkdir()
    urls = "\n".join(f"https://mp.weixin.qq.com/s/article{i:05d}" for i in range(5000))
    (tmp_path / "posts" / "many.md").write_text(urls, encoding="utf-8")  # a report far over a pipe's buffer
    for cmd in (ENTRY, APP):
        proc = subprocess.Popen(
            [*cmd, "scan", "-f", "json"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(10)
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 0, err
        assert err == b""
