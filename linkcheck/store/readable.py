"""The ``readable_copies`` table (migration 3): the readable copy written beside a page capture.

One row per readable copy (:mod:`linkcheck.archive.readable`): where its WARC ``resource`` record
is, which page capture it was derived from, and how many of the article's images it shows. The
views ``dead_candidates`` and ``dead_links`` gain ``readable``: 1 when the latest capture of the
dead link (the response it repeats, for a revisit) has a readable copy, 0 when it has none, NULL
when the link was never captured.

Kept apart from ``linkcheck.store`` so the table's code stays in one place; :class:`ReadableCopies`
is mixed into :class:`~linkcheck.store.Store`.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlite_utils import Database

_SCHEMA_V3 = """
CREATE TABLE readable_copies (
    id INTEGER PRIMARY KEY,
    page_capture_id INTEGER NOT NULL UNIQUE REFERENCES captures (id),
    url TEXT NOT NULL,
    created_at TEXT NOT NULL,
    warc_date TEXT NOT NULL,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER NOT NULL,
    warc_record_id TEXT NOT NULL,
    payload_length INTEGER NOT NULL,
    images INTEGER NOT NULL,
    images_archived INTEGER NOT NULL,
    text_chars INTEGER NOT NULL
);
CREATE INDEX readable_copies_file ON readable_copies (warc_file, warc_offset);
"""

# The latest page capture of a URL, or the response it repeats when it is a revisit.
_LATEST_ORIGINAL = """(SELECT coalesce(c.refers_to, c.id) FROM captures c WHERE c.url_id = u.id AND c.kind = 'page'
          ORDER BY c.captured_at DESC, c.id DESC LIMIT 1)"""


def views_v3(cited_in: str, last_captured: str) -> dict[str, str]:
    """The dead-link views with ``readable`` (migration 3; the SQL pieces come from the store)."""
    return {
        "dead_candidates": f"""
SELECT u.id AS url_id, u.canonical, u.site,
       s.dead_reason AS reason,
       s.verdict AS current_verdict,
       s.dead_checks, s.first_dead_at, s.last_dead_at,
       round((strftime('%s', s.last_dead_at) - strftime('%s', s.first_dead_at)) / 86400.0, 2)
           AS dead_days,
       s.failing_since AS first_failed_at, s.last_alive_at, s.last_checked_at,
       (s.dead_checks >= (SELECT value FROM settings WHERE key = 'confirm_checks')
        AND strftime('%s', s.last_dead_at) - strftime('%s', s.first_dead_at)
            >= 86400 * (SELECT value FROM settings WHERE key = 'confirm_days')) AS confirmed,
       {cited_in} AS cited_in,
       {last_captured} IS NOT NULL AS captured,
       {last_captured} AS last_captured_at,
       CASE WHEN {last_captured} IS NULL THEN NULL
            ELSE EXISTS (SELECT 1 FROM readable_copies r WHERE r.page_capture_id = {_LATEST_ORIGINAL})
       END AS readable
  FROM url_state s JOIN urls u ON u.id = s.url_id
 WHERE s.dead_checks > 0 AND u.cited = 1""",
        "dead_links": """
SELECT url_id, canonical, site, reason, current_verdict, dead_checks, first_dead_at, last_dead_at,
       dead_days, first_failed_at, last_alive_at, last_checked_at, cited_in,
       captured, last_captured_at, readable
  FROM dead_candidates WHERE confirmed""",
    }


def migrate(db: Database, views: dict[str, str]) -> None:
    """Migration 3: the table, and the dead-link views with ``readable``."""
    for statement in _SCHEMA_V3.strip().split(";\n"):
        if statement.strip():
            db.execute(statement)
    db.execute("DROP VIEW dead_links")  # it reads dead_candidates: drop it first
    db.execute("DROP VIEW dead_candidates")
    for name in ("dead_candidates", "dead_links"):
        db.create_view(name, views[name].strip())


_F = TypeVar("_F", bound=Callable[..., Any])


def _guarded(method: _F) -> _F:
    """As the store's own methods: one at a time, SQLite failures as StoreError."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        from linkcheck.store import StoreError

        with self._lock:
            if self._conn is None:
                raise StoreError(f"{self.path}: the store is closed")
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: database error: {exc}") from exc

    return wrapper  # type: ignore[return-value]


class ReadableCopies:
    """The store's methods for ``readable_copies`` (mixed into :class:`~linkcheck.store.Store`)."""

    _FIELDS = (
        "page_capture_id", "url", "warc_date", "warc_file", "warc_offset", "warc_length", "warc_record_id",
        "payload_length", "images", "images_archived", "text_chars",
    )  # fmt: skip

    @_guarded
    def record_readable(self, *, now: datetime | None = None, **fields: Any) -> int:
        """Remember a readable copy written to a WARC file (after the record is flushed)."""
        from linkcheck.store import iso

        if set(fields) != set(self._FIELDS):
            raise ValueError(f"readable copy fields: {', '.join(self._FIELDS)}")
        names = ["created_at", *self._FIELDS]
        with self._write() as conn:  # type: ignore[attr-defined]
            cursor = conn.execute(
                f"INSERT INTO readable_copies ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                (iso(now), *(fields[name] for name in self._FIELDS)),
            )
            return int(cursor.lastrowid or 0)

    @_guarded
    def readable_copy(self, page_capture_id: int) -> dict | None:
        """The readable copy of a page capture (of the response it repeats, for a revisit), or None."""
        conn = self._conn  # type: ignore[attr-defined]
        row = conn.execute("SELECT coalesce(refers_to, id) FROM captures WHERE id = ?", (page_capture_id,)).fetchone()
        if row is None:
            return None
        rows = list(self.db.query("SELECT * FROM readable_copies WHERE page_capture_id = ?", [row[0]]))  # type: ignore[attr-defined]
        return rows[0] if rows else None

    @_guarded
    def readable_copies(self) -> list[dict]:
        """Every readable copy with its page's URL and title, oldest first (the WACZ page list)."""
        return list(
            self.db.query(  # type: ignore[attr-defined]
                "SELECT r.*, c.url AS page_url, c.title AS title FROM readable_copies r "
                "JOIN captures c ON c.id = r.page_capture_id ORDER BY r.id"
            )
        )

    def _forget_readable(self, conn: sqlite3.Connection, warc_file: str, size: int, lost: list[int]) -> None:
        """In a repair's transaction: drop copies past the cut, and those of captures it drops."""
        conn.execute(
            "DELETE FROM readable_copies WHERE warc_file = ? AND warc_offset + warc_length > ?", (warc_file, size)
        )
        if lost:
            marks = ", ".join("?" * len(lost))
            conn.execute(f"DELETE FROM readable_copies WHERE page_capture_id IN ({marks})", lost)


__all__ = ["ReadableCopies", "migrate", "views_v3"]
