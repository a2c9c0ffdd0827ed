"""Readable copies: where each one written by :mod:`linkcheck.archive.readable` lies (migration 4).

One row per readable copy — the article of a page capture as a WARC ``resource`` record at
``urn:readable:<url>``: its file and offset, the capture it was derived from, and how many of the
article's images it shows. The dead-link views read it for their ``readable`` column.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from linkcheck.store.database import Repository, guarded, marks
from linkcheck.store.times import iso

_FIELDS = (
    "page_capture_id", "url", "warc_date", "warc_file", "warc_offset", "warc_length", "warc_record_id",
    "payload_length", "images", "images_archived", "text_chars",
)  # fmt: skip


class ReadableCopies(Repository):
    @guarded
    def record(self, *, now: datetime | None = None, **fields: Any) -> int:
        """Remember a readable copy written to a WARC file (call it after the record is flushed)."""
        if set(fields) != set(_FIELDS):
            raise ValueError(f"readable copy fields: {', '.join(_FIELDS)}")
        names = ["created_at", *_FIELDS]
        with self._db.write() as conn:
            cursor = conn.execute(
                f"INSERT INTO readable_copies ({', '.join(names)}) VALUES ({marks(names)})",
                (iso(now), *(fields[name] for name in _FIELDS)),
            )
            return int(cursor.lastrowid or 0)

    @guarded
    def of_capture(self, capture_id: int) -> dict | None:
        """The readable copy of a page capture (of the response it repeats, for a revisit), or None."""
        return self._db.query_one(
            "SELECT r.* FROM captures c JOIN readable_copies r ON r.page_capture_id = coalesce(c.refers_to, c.id) "
            "WHERE c.id = ?",
            [capture_id],
        )

    @guarded
    def all(self) -> list[dict]:
        """Every readable copy with its page's URL and title, oldest first (the WACZ page list)."""
        return self._db.query(
            "SELECT r.*, c.url AS page_url, c.title AS title FROM readable_copies r "
            "JOIN captures c ON c.id = r.page_capture_id ORDER BY r.id"
        )

    @guarded
    def latest_by_url(self) -> dict[int, dict]:
        """url id → the newest readable copy of each cited URL (``publish``): the copy's row with
        ``canonical`` and ``capture_id`` (its page capture)."""
        rows = self._db.query(
            "SELECT r.*, u.canonical, c.url_id, c.id AS capture_id FROM readable_copies r "
            "JOIN captures c ON c.id = r.page_capture_id JOIN urls u ON u.id = c.url_id "
            "WHERE u.cited = 1 ORDER BY r.warc_date DESC, r.id DESC"
        )
        newest: dict[int, dict] = {}
        for row in rows:
            newest.setdefault(row["url_id"], row)
        return newest


__all__ = ["ReadableCopies"]
