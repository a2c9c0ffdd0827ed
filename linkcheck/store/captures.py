"""Captures: where each WARC record written by :mod:`linkcheck.archive` (or the browser) lies.

A ``page`` capture belongs to a URL (``url_id``); its requisites (images) and redirect hops point
at it (``page_capture_id``). A ``revisit`` record repeats an earlier response's payload
(``refers_to``). Which due pages the archive takes first is the archive's policy
(:func:`linkcheck.archive.policy.pending_in_order`), not this module's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from linkcheck.store.database import Database, Repository, guarded, marks
from linkcheck.store.links import Links
from linkcheck.store.schema import CAPTURE_KINDS, LAST_CAPTURED
from linkcheck.store.times import iso, to_utc

_FIELDS = (
    "url", "kind", "page_capture_id", "run_id", "warc_date", "warc_file", "warc_offset",
    "warc_length", "warc_record_id", "record_type", "refers_to", "payload_digest",
    "payload_length", "truncated", "http_status", "content_type", "title", "excerpt",
)  # fmt: skip


class Captures(Repository):
    def __init__(self, db: Database, links: Links) -> None:
        super().__init__(db)
        self._links = links

    @guarded
    def record(self, *, canonical: str | None = None, now: datetime | None = None, **fields: Any) -> int:
        """Remember one response/revisit record written to a WARC file; returns the capture id.

        ``canonical``: the cited URL this record captures (kind ``page``); a URL not in ``urls``
        yet is added as not cited. Requisites and redirect hops pass ``page_capture_id`` instead.
        Call it only after the record is flushed to the WARC file.
        """
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise ValueError(f"unknown capture fields: {', '.join(sorted(unknown))}")
        if fields.get("kind") not in CAPTURE_KINDS:
            raise ValueError(f"capture kind must be one of {CAPTURE_KINDS}, not {fields.get('kind')!r}")
        at = iso(now)
        with self._db.write() as conn:
            url_id = Links.id_of(conn, canonical, at) if canonical is not None else None
            names = ["url_id", "captured_at", *fields]
            cursor = conn.execute(
                f"INSERT INTO captures ({', '.join(names)}) VALUES ({marks(names)})",
                (url_id, at, *fields.values()),
            )
            return int(cursor.lastrowid or 0)

    def _with_original(self, row: dict) -> dict:
        """A captures row plus ``original``: the row holding the payload (None unless a revisit)."""
        original = row
        seen = {row["id"]}
        while original["record_type"] == "revisit" and original["refers_to"] is not None:
            found = self._db.query("SELECT * FROM captures WHERE id = ?", [original["refers_to"]])
            if not found or found[0]["id"] in seen:
                break
            original = found[0]
            seen.add(original["id"])
        row["original"] = original if original is not row else None
        return row

    @guarded
    def get(self, capture_id: int) -> dict | None:
        """One captures row by id (with ``original`` for a revisit), or None."""
        rows = self._db.query("SELECT * FROM captures WHERE id = ?", [capture_id])
        return self._with_original(rows[0]) if rows else None

    @guarded
    def latest(self, url: str) -> dict | None:
        """The newest capture of ``url``: a cited page (raw or canonical form), else any captured URL.

        The row has the captures columns, ``canonical`` (None for requisites) and ``original``:
        for a revisit, the earlier response whose payload it repeats (else None).
        """
        found = self._links.find(url)
        rows: list[dict] = []
        if found is not None:
            rows = self._db.query(
                "SELECT c.*, u.canonical FROM captures c JOIN urls u ON u.id = c.url_id "
                "WHERE c.url_id = ? AND c.kind = 'page' ORDER BY c.captured_at DESC, c.id DESC LIMIT 1",
                [found[0]],
            )
        if not rows:
            rows = self._db.query(
                "SELECT c.*, u.canonical FROM captures c LEFT JOIN urls u ON u.id = c.url_id "
                "WHERE c.url = ? ORDER BY c.captured_at DESC, c.id DESC LIMIT 1",
                [url.strip()],
            )
        return self._with_original(rows[0]) if rows else None

    @guarded
    def of(self, url: str) -> list[dict]:
        """Every page capture of a cited URL (raw or canonical), oldest first."""
        found = self._links.find(url)
        if found is None:
            return []
        return self._db.query(
            "SELECT * FROM captures WHERE url_id = ? AND kind = 'page' ORDER BY captured_at, id", [found[0]]
        )

    @guarded
    def by_digest(self, digest: str) -> dict | None:
        """The newest complete (not truncated) response record with this payload digest, or None."""
        return self._db.query_one(
            "SELECT * FROM captures WHERE payload_digest = ? AND record_type = 'response' "
            "AND truncated IS NULL ORDER BY id DESC LIMIT 1",
            [digest],
        )

    @guarded
    def due(self, *, max_age: timedelta | None = None, now: datetime | None = None) -> list[dict]:
        """Cited, checkable URLs whose last check said ``alive`` and that need a capture, by url id.

        Needed: never captured, or (``max_age`` given) the newest page capture is older than it.
        The order the archive takes them in is :func:`linkcheck.archive.policy.pending_in_order`.
        """
        cutoff = iso(to_utc(now) - max_age) if max_age is not None else None
        rows = self._db.query(
            "SELECT u.id AS url_id, u.canonical, u.site, u.host, s.last_alive_at, "
            f"{LAST_CAPTURED} AS last_captured_at "
            "FROM urls u JOIN url_state s ON s.url_id = u.id "
            # Web pages only: links into the blog (no host) are checked from its source tree, never captured.
            "WHERE u.cited = 1 AND u.checkable = 1 AND u.host <> '' AND s.verdict = 'alive' ORDER BY u.id"
        )
        return [
            row
            for row in rows
            if row["last_captured_at"] is None or (cutoff is not None and row["last_captured_at"] <= cutoff)
        ]

    @guarded
    def forget_beyond(self, warc_file: str, size: int) -> int:
        """Drop captures whose record lies past ``size`` bytes of ``warc_file`` (cut by a repair).

        Revisits of a dropped record go too (their payload is gone); requisites of a dropped page
        keep their row with no page. Returns how many rows were dropped.
        """
        with self._db.write() as conn:
            lost = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM captures WHERE warc_file = ? AND warc_offset + warc_length > ?",
                    (warc_file, size),
                )
            ]
            # The readable copies past the cut, and those of captures it drops, go with them.
            conn.execute(
                "DELETE FROM readable_copies WHERE warc_file = ? AND warc_offset + warc_length > ?", (warc_file, size)
            )
            dropped = 0
            while lost:
                places = marks(lost)
                conn.execute(f"DELETE FROM readable_copies WHERE page_capture_id IN ({places})", lost)
                conn.execute(f"UPDATE captures SET page_capture_id = NULL WHERE page_capture_id IN ({places})", lost)
                dependants = [
                    row[0]
                    for row in conn.execute(
                        f"SELECT id FROM captures WHERE refers_to IN ({places}) AND id NOT IN ({places})",
                        lost + lost,
                    )
                ]
                conn.execute(f"UPDATE captures SET refers_to = NULL WHERE refers_to IN ({places})", lost)
                dropped += conn.execute(f"DELETE FROM captures WHERE id IN ({places})", lost).rowcount
                lost = dependants
            return dropped

    @guarded
    def last_page_times(self) -> dict[str, str]:
        """canonical URL → when its newest page capture was made, for every URL that has one
        (the archive's capture policy, consulted before a check run fetches anything)."""
        rows = self._db.conn.execute(
            "SELECT u.canonical, max(c.captured_at) FROM captures c JOIN urls u ON u.id = c.url_id "
            "WHERE c.kind = 'page' GROUP BY c.url_id"
        )
        return {canonical: captured_at for canonical, captured_at in rows}

    @guarded
    def files(self) -> list[str]:
        """The WARC file names that hold captures, oldest first."""
        return [
            row[0]
            for row in self._db.conn.execute("SELECT warc_file FROM captures GROUP BY warc_file ORDER BY min(id)")
        ]

    @guarded
    def pages(self) -> list[dict]:
        """Every page capture (response or revisit), oldest first, with the page's canonical URL."""
        return self._db.query(
            "SELECT c.*, u.canonical FROM captures c JOIN urls u ON u.id = c.url_id WHERE c.kind = 'page' ORDER BY c.id"
        )

    @guarded
    def totals(self) -> dict[str, int]:
        """How many pages are captured, records by type, and payload bytes stored."""
        pages, records, responses, revisits, stored = self._db.conn.execute(
            "SELECT count(DISTINCT url_id), count(*), coalesce(sum(record_type = 'response'), 0), "
            "coalesce(sum(record_type = 'revisit'), 0), "
            "coalesce(sum(CASE WHEN record_type = 'response' THEN payload_length END), 0) FROM captures"
        ).fetchone()
        return {
            "pages_captured": pages,
            "records": records,
            "responses": responses,
            "revisits": revisits,
            "payload_bytes": stored,
        }


__all__ = ["Captures"]
