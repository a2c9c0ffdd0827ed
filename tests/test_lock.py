"""The single-run lock: exclusive, informative, and never left stale by a killed process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linkcheck.run.lock import LockHeldError, RunLock, lock_path_for, read_holder

HOLDER = textwrap.dedent(
    """
    import sys, time
    from linkcheck.run.lock import RunLock
    lock = RunLock(sys.argv[1]).acquire()
    print("locked", flush=True)
    time.sleep(60)
    """
)


def start_holder(path: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked"
    return child


def test_lock_path_for_db() -> None:
    assert lock_path_for("state/linkcheck.db") == Path("state/linkcheck.lock")


def test_second_holder_in_process_is_refused_with_pid_and_time(tmp_path: Path) -> None:
    path = tmp_path / "state" / "linkcheck.lock"
    since = datetime(2025, 1, 1, 18, 0, tzinfo=UTC)
    with RunLock(path).acquire(now=since) as first:
        assert first.held
        assert read_holder(path) == {"pid": os.getpid(), "since": "2025-01-01T18:00:00Z"}
        with pytest.raises(LockHeldError) as caught:
            RunLock(path).acquire()
        assert caught.value.pid == os.getpid()
        assert caught.value.since == "2025-01-01T18:00:00Z"
        assert f"pid {os.getpid()} since 2025-01-01T18:00:00Z" in str(caught.value)
    assert not first.held
    assert read_holder(path) == {}  # emptied on release; the file itself stays
    with RunLock(path):
        pass


def test_acquire_twice_on_one_object_is_a_bug(tmp_path: Path) -> None:
    lock = RunLock(tmp_path / "x.lock").acquire()
    try:
        with pytest.raises(RuntimeError):
            lock.acquire()
    finally:
        lock.release()
    lock.release()  # idempotent


def test_other_process_holding_the_lock_is_named(tmp_path: Path) -> None:
    path = tmp_path / "linkcheck.lock"
    child = start_holder(path)
    try:
        with pytest.raises(LockHeldError) as caught:
            RunLock(path).acquire()
        assert caught.value.pid == child.pid
        assert caught.value.since is not None
    finally:
        child.kill()
        child.wait(timeout=10)


def test_lock_of_a_sigkilled_process_never_blocks(tmp_path: Path) -> None:
    path = tmp_path / "linkcheck.lock"
    child = start_holder(path)
    with pytest.raises(LockHeldError):
        RunLock(path).acquire()
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=10) == -signal.SIGKILL
    assert read_holder(path)["pid"] == child.pid  # the stale content is still there...
    with RunLock(path) as lock:  # ...but the kernel released the flock
        assert lock.held
        assert read_holder(path)["pid"] == os.getpid()


def test_lock_is_not_inherited_by_child_processes(tmp_path: Path) -> None:
    path = tmp_path / "linkcheck.lock"
    with RunLock(path):
        sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with RunLock(path):  # the child spawned while we held it does not keep it
            pass
    finally:
        sleeper.kill()
        sleeper.wait(timeout=10)
