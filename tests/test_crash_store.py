"""kill -9 while writing: the database stays intact and loses nothing that was reported committed."""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from linkcheck.models import Outcome, Verdict
from linkcheck.store import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

RECORDER = textwrap.dedent(
    """
    import sys
    from linkcheck.models import Outcome, Verdict
    from linkcheck.store import Store

    store = Store(sys.argv[1])
    run = store.runs.begin({"crash-test": True})
    print(f"run {run}", flush=True)
    i = 0
    while True:
        url = f"https://crash.example/{i % 40}"
        verdict = (Verdict.DEAD, Verdict.ALIVE, Verdict.BLOCKED, Verdict.DEAD)[i % 4]
        store.checks.record(run, url, Outcome(verdict, "r", 200 + i))
        print(f"{i} {url}", flush=True)  # only after the commit
        i += 1
    """
)

SYNCER = textwrap.dedent(
    """
    import sys
    from linkcheck.models import Link, LinkKind, Occurrence
    from linkcheck.store import Store

    def links(tag):
        return [
            Link(u, u, "sync.example", True, None, [Occurrence(f"posts/{tag}.md", n, 1, LinkKind.BARE)])
            for n, u in enumerate(f"https://sync.example/{tag}/{k}" for k in range(3000))
        ]

    store = Store(sys.argv[1])
    sets = {"a": links("a"), "b": links("b")}
    i = 0
    while True:
        tag = "ab"[i % 2]
        store.links.sync(sets[tag])
        print(f"{i} {tag}", flush=True)
        i += 1
    """
)


class Child:
    """A writer subprocess whose stdout lines are collected by a thread (no blocking reads)."""

    def __init__(self, script: str, db: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.seen) < count:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.proc.kill()
                pytest.fail(f"writer produced only {len(self.seen)} lines in {timeout}s")
            if line is None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                pytest.fail(f"writer exited early: {err}")
            self.seen.append(line)

    def kill(self) -> list[str]:
        """SIGKILL, then every line it managed to print (all of them were committed)."""
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL
        while (line := self.lines.get(timeout=30)) is not None:
            self.seen.append(line)
        if self.proc.stderr:
            self.proc.stderr.close()
        return self.seen


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_sigkill_during_record_check_loses_nothing_committed(tmp_path: Path) -> None:
    db = tmp_path / "state" / "linkcheck.db"
    killed_runs: dict[int, list[str]] = {}
    for after in (5, 50, 200):
        child = Child(RECORDER, db)
        child.wait_for(1 + after)
        lines = child.kill()
        run_id = int(lines[0].split()[1])
        killed_runs[run_id] = [line.split()[1] for line in lines[1:]]
        assert len(killed_runs[run_id]) >= after

        assert integrity(db) == "ok"
        conn = sqlite3.connect(db)
        recorded = [
            url
            for (url,) in conn.execute(
                "SELECT u.canonical FROM checks c JOIN urls u ON u.id = c.url_id WHERE c.run_id = ? ORDER BY c.id",
                (run_id,),
            )
        ]
        conn.close()
        printed = killed_runs[run_id]
        # every check reported committed is there, in order; at most one more was in flight
        assert recorded[: len(printed)] == printed
        assert len(recorded) - len(printed) <= 1

    with Store(db) as store:
        url_state_before = _url_state(db)
        store.checks.rebuild_state()
        assert _url_state(db) == url_state_before  # the summary was committed with each check
        run = store.runs.begin({})
        for run_id in killed_runs:
            row = store.runs.get(run_id)
            assert row is not None
            assert row["status"] == "interrupted"
            assert row["finished_at"] is not None
        store.checks.record(run, "https://crash.example/0", Outcome(Verdict.ALIVE, "ok", 200))
        store.runs.finish(run, "completed", {})
        assert store.runs.get(run)["status"] == "completed"
    assert integrity(db) == "ok"


def test_sigkill_during_sync_links_is_all_or_nothing(tmp_path: Path) -> None:
    db = tmp_path / "state" / "linkcheck.db"
    for after in (1, 3):
        child = Child(SYNCER, db)
        child.wait_for(after)
        time.sleep(0.05 * after)  # land somewhere inside a later sync
        lines = child.kill()
        assert integrity(db) == "ok"
        conn = sqlite3.connect(db)
        files = {f for (f,) in conn.execute("SELECT DISTINCT file FROM occurrences")}
        count = conn.execute("SELECT count(*) FROM occurrences").fetchone()[0]
        cited = conn.execute("SELECT count(*) FROM urls WHERE cited = 1").fetchone()[0]
        conn.close()
        # exactly one complete scan is visible, never a mix or a half-deleted one
        assert files in ({"posts/a.md"}, {"posts/b.md"})
        assert count == cited == 3000
        assert len(lines) >= after


def _url_state(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM url_state ORDER BY url_id").fetchall()
    finally:
        conn.close()
