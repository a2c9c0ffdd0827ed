"""What the operator sees: live progress on a terminal, plain lines in cron, Ctrl-C, the demo."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.test_job import cli_args

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture()
def slow_blog(tmp_path: Path, simweb) -> Path:
    (tmp_path / "posts").mkdir()
    urls = [f"https://h{i}.bench.test/page/{i}" for i in range(24)]
    (tmp_path / "posts" / "many.md").write_text("\n\n".join(urls), encoding="utf-8")
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    simweb.latency = 0.15
    return tmp_path


def _run_in_pty(args: list[str], cwd: Path, timeout: float = 90) -> tuple[int, str]:
    """Run a command with a pseudo-terminal as stdout/stderr, as a person at a terminal would."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "LINES": "40", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(args, cwd=cwd, stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(leader)
    return proc.returncode, b"".join(chunks).decode("utf-8", errors="replace")


def test_progress_display_on_a_terminal(slow_blog, simweb):
    code, screen = _run_in_pty(cli_args(simweb, "--concurrency", "2"), slow_blog)
    assert code == 0, screen[-2000:]
    plain = ANSI.sub("", screen)
    assert "\x1b[" in screen  # a live, coloured display
    assert re.search(r"checking.*\d+/24", plain)  # the overall bar with done/total
    assert "busiest hosts" in plain and "bench.test" in plain
    assert "By site" in plain  # the report at the end


def test_plain_lines_when_piped(slow_blog, simweb):
    done = subprocess.run(cli_args(simweb, "--concurrency", "2"), cwd=slow_blog, capture_output=True, text=True,
                          timeout=90)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.startswith("linkcheck:")]
    assert 2 <= len(lines) <= 12
    checks = [line for line in lines if " checked (" in line]
    assert "24/24 checked (100%)" in checks[-1]
    # The pages were archived from their checks' own answers: the archive stage only says it is done.
    assert re.fullmatch(r"linkcheck: archive done — 24/24 pages, 0/0 images, [\d.,]+ KB in \d+s", lines[-1]), lines


def test_quiet_prints_only_the_summary(slow_blog, simweb):
    done = subprocess.run(cli_args(simweb, "--quiet"), cwd=slow_blog, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    assert "checked (" not in done.stderr
    assert "Run #1 completed" in done.stdout
    assert "By site" not in done.stdout


def test_ctrl_c_stops_cleanly_and_keeps_finished_checks(slow_blog, simweb):
    simweb.latency = 0.5
    proc = subprocess.Popen(cli_args(simweb, "--concurrency", "2"), cwd=slow_blog, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    db_path = slow_blog / "state" / "linkcheck.db"
    deadline = time.monotonic() + 60
    checks = 0
    while time.monotonic() < deadline and checks < 2:
        time.sleep(0.1)
        if db_path.exists():
            with contextlib.suppress(sqlite3.Error):
                checks = (
                    sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
                    .execute("select count(*) from checks")
                    .fetchone()[0]
                )
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    db = sqlite3.connect(db_path)
    assert db.execute("select status from runs").fetchall() == [("interrupted",)]
    kept = db.execute("select count(*) from checks").fetchone()[0]
    assert 2 <= kept < 24
