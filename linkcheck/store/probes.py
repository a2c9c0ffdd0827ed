"""Soft-404 probes (migration 6): each host's latest answer for a URL that cannot exist.

:mod:`linkcheck.net.probes` asks a host at most once per run; what it got is kept here with the
time, so later runs compare with it instead of asking again until it is older than the job's
``soft404_max_age`` (30 days by default: how a site answers for missing pages is a property of its
software, which changes rarely, and a page is called dead only when it matches that answer). Only
HTTP answers are kept: a probe that got none is tried again by the next run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from linkcheck.soft404 import Answer, host_is_soft
from linkcheck.store.database import Repository, guarded, marks
from linkcheck.store.times import iso, to_utc

_COLUMNS = ("host", "probed_at", "probe_url", "status", "final_url", "content_type", "title", "text", "soft")


class Probes(Repository):
    @guarded
    def record(self, host: str, answer: Answer, *, now: datetime | None = None) -> None:
        """Keep ``host``'s probe answer (replacing the one before)."""
        values = (host, iso(now), answer.url, answer.status, answer.final_url, answer.content_type,
                  answer.title, answer.text, int(host_is_soft(answer)))  # fmt: skip
        with self._db.write() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO soft404_probes ({', '.join(_COLUMNS)}) VALUES ({marks(_COLUMNS)})",
                values,
            )

    @guarded
    def fresh(self, max_age: timedelta, *, now: datetime | None = None) -> dict[str, Answer]:
        """Host → probe answer, for the answers younger than ``max_age``."""
        since = iso(to_utc(now) - max_age)
        rows = self._db.query(
            "SELECT host, probe_url, status, final_url, content_type, title, text FROM soft404_probes "
            "WHERE probed_at > ?",
            [since],
        )
        return {
            row["host"]: Answer(
                row["probe_url"], row["status"], row["final_url"], row["content_type"], row["title"], row["text"]
            )
            for row in rows
        }

    @guarded
    def all(self) -> list[dict]:
        """Every host's probe, the newest first."""
        return self._db.query("SELECT * FROM soft404_probes ORDER BY probed_at DESC, host")


__all__ = ["Probes"]
