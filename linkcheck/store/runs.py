"""Runs: one row per ``linkcheck check``, from 'running' to how it ended, and what it checked."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime
from typing import Any

from linkcheck.store.database import Repository, StoreError, guarded
from linkcheck.store.schema import CHANGES, RUN_STATUSES, VERDICTS
from linkcheck.store.times import iso


def _json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Runs(Repository):
    @guarded
    def begin(self, options: dict, *, now: datetime | None = None) -> int:
        """Record a new run as 'running' and return its id.

        Call it while holding the run lock (:class:`linkcheck.run.lock.RunLock`): every earlier run
        still marked 'running' is then a run that died without finishing and is marked
        'interrupted'.
        """
        at = iso(now)
        with self._db.write() as conn:
            self._interrupt_running(conn, at)
            cursor = conn.execute(
                "INSERT INTO runs (started_at, status, pid, options, counts) VALUES (?, 'running', ?, ?, '{}')",
                (at, os.getpid(), _json(options)),
            )
            return int(cursor.lastrowid or 0)

    def _interrupt_running(self, conn: sqlite3.Connection, at: str) -> list[int]:
        stale = [row[0] for row in conn.execute("SELECT id FROM runs WHERE status = 'running'")]
        for run_id in stale:
            counts = self._verdict_counts(conn, run_id)
            counts["note"] = f"found still running at {at}; the process had died"
            (last,) = conn.execute("SELECT max(checked_at) FROM checks WHERE run_id = ?", (run_id,)).fetchone()
            conn.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = coalesce(?, started_at), "
                "counts = ? WHERE id = ?",
                (last, json.dumps(counts), run_id),
            )
        return stale

    @staticmethod
    def _verdict_counts(conn: sqlite3.Connection, run_id: int) -> dict[str, Any]:
        counts: dict[str, Any] = dict.fromkeys(VERDICTS, 0)
        for verdict, count in conn.execute(
            "SELECT verdict, count(*) FROM checks WHERE run_id = ? GROUP BY verdict", (run_id,)
        ):
            counts[verdict] = count
        counts["checked"] = sum(counts[v] for v in VERDICTS)
        return counts

    @guarded
    def finish(self, run_id: int, status: str, counts: dict, *, now: datetime | None = None) -> None:
        if status not in RUN_STATUSES or status == "running":
            raise ValueError(f"finish_run status must be one of completed/interrupted/offline, not {status!r}")
        with self._db.write() as conn:
            cursor = conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, counts = ? WHERE id = ?",
                (status, iso(now), _json(counts), run_id),
            )
            if cursor.rowcount != 1:
                raise StoreError(f"no run {run_id}")

    @staticmethod
    def _row(row: dict) -> dict:
        """A runs row with its JSON columns decoded, and ``pid_alive`` for a 'running' one."""
        for key in ("options", "counts"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
        if row.get("status") == "running":
            row["pid_alive"] = _pid_alive(row.get("pid"))
        return row

    def _first(self, sql: str, params: list[Any]) -> dict | None:
        rows = self._db.query(sql, params)
        return self._row(rows[0]) if rows else None

    @guarded
    def get(self, run_id: int) -> dict | None:
        return self._first("SELECT * FROM runs WHERE id = ?", [run_id])

    @guarded
    def recent(self, limit: int | None = None) -> list[dict]:
        """Runs, newest first (``limit``: at most that many)."""
        sql = "SELECT * FROM runs ORDER BY id DESC"
        params: list[Any] = []
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [self._row(row) for row in self._db.query(sql, params)]

    @guarded
    def latest(self, *, finished: bool = False) -> dict | None:
        where = "WHERE finished_at IS NOT NULL" if finished else ""
        return self._first(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT 1", [])

    @guarded
    def summary(self, run_id: int) -> dict:
        """Checks made in a run, by verdict and by change."""
        conn = self._db.conn
        summary = self._verdict_counts(conn, run_id)
        for change in CHANGES:
            summary[change] = 0
        for change, count in conn.execute(
            "SELECT change, count(*) FROM checks WHERE run_id = ? AND change IS NOT NULL GROUP BY change",
            (run_id,),
        ):
            summary[change] = count
        return summary


__all__ = ["Runs"]
