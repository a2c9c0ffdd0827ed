"""One run at a time: an advisory ``flock`` on ``state/linkcheck.lock``.

The kernel releases a ``flock`` when its holder exits for any reason — a ``kill -9``, a crash, a
reboot — so a stale lock never blocks the next night. The file itself stays (deleting a lock file
races with a process that has just opened it); its content, the holder's pid and start time, is
only there for the "already running" message. ``flock`` is not reliable on network file systems:
keep ``state/`` on a local disk.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType


class LockHeldError(Exception):
    """Another process holds the run lock (the CLI exits with code 4)."""

    def __init__(self, path: Path, pid: int | None, since: str | None) -> None:
        self.path, self.pid, self.since = path, pid, since
        holder = f"pid {pid}" if pid else "another process"
        when = f" since {since}" if since else ""
        super().__init__(f"another linkcheck run ({holder}{when}) holds {path}")


def lock_path_for(db_path: Path | str) -> Path:
    """The lock that guards a database: ``state/linkcheck.db`` → ``state/linkcheck.lock``."""
    return Path(db_path).with_suffix(".lock")


def read_holder(path: Path | str) -> dict:
    """What the lock file says about its last holder ({} when empty or unreadable); no locking."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class RunLock:
    """``with RunLock(path):`` — exclusive, non-blocking; raises :class:`LockHeldError` if taken."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, *, now: datetime | None = None) -> RunLock:
        if self._fd is not None:
            raise RuntimeError(f"{self.path}: already held by this RunLock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = read_holder(self.path)
            pid = holder.get("pid")
            raise LockHeldError(self.path, pid if isinstance(pid, int) else None, holder.get("since")) from None
        except BaseException:
            os.close(fd)
            raise
        moment = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps({"pid": os.getpid(), "since": moment}).encode() + b"\n")
        except OSError:
            pass  # the content is informational only; the flock is what counts
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> RunLock:
        """Acquire (unless ``acquire()`` was already called: ``with RunLock(p).acquire(now=…):``)."""
        return self if self.held else self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


__all__ = ["LockHeldError", "RunLock", "lock_path_for", "read_holder"]
