"""URLs and where the posts cite them (``urls``, ``occurrences``): a scan recorded, and lookups.

A URL is never deleted: one that leaves every post keeps its history with ``cited = 0``, and a
URL met outside the posts (a successor page, a capture) is added as not cited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from linkcheck.models import Link
from linkcheck.scan.canonical import canonicalize
from linkcheck.sites import profile_for
from linkcheck.store.database import Repository, chunks, guarded, marks
from linkcheck.store.times import iso


def _merged(links: list[Link]) -> dict[str, Link]:
    """One Link per canonical URL, holding the occurrences of every Link with that URL. The given
    Links are never changed: one is copied only when another has its URL (a scan gives each URL
    once, so usually none is — a copy of every link was 6 MB of a 25,000-URL run's start)."""
    merged: dict[str, Link] = {}
    copied: set[str] = set()
    for link in links:
        found = merged.get(link.canonical)
        if found is None:
            merged[link.canonical] = link
            continue
        if link.canonical not in copied:
            copied.add(link.canonical)
            found = merged[link.canonical] = Link(
                found.url, found.canonical, found.host, found.checkable, found.skip_reason, list(found.occurrences)
            )
        found.occurrences.extend(link.occurrences)
    return merged


class Links(Repository):
    @guarded
    def sync(self, links: list[Link], *, now: datetime | None = None, files: Iterable[str] | None = None) -> None:
        """Record a scan: upsert every URL, replace its occurrences, mark the rest not cited.

        ``files``: the scan covered only these post files (a partial scan); only their
        occurrences are replaced and URLs cited elsewhere stay cited. None: a full scan.
        A URL that leaves every post keeps its history with ``cited = 0``.
        """
        at = iso(now)
        merged = _merged(links)
        scope = None if files is None else sorted(set(files))
        with self._db.write() as conn:
            ids = dict(conn.execute("SELECT canonical, id FROM urls").fetchall())
            updates, inserts = [], []
            for link in merged.values():
                site = profile_for(link.host).name
                if link.canonical in ids:
                    updates.append((link.host, site, int(link.checkable), link.skip_reason, at, ids[link.canonical]))
                else:
                    inserts.append(
                        (link.canonical, link.url, link.host, site, int(link.checkable), link.skip_reason, at, at)
                    )
            conn.executemany(
                "UPDATE urls SET host = ?, site = ?, checkable = ?, skip_reason = ?, cited = 1, "
                "last_seen_in_posts = ? WHERE id = ?",
                updates,
            )
            conn.executemany(
                "INSERT INTO urls (canonical, raw, host, site, checkable, skip_reason, first_seen, "
                "last_seen_in_posts, cited) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                inserts,
            )
            if inserts:
                ids = dict(conn.execute("SELECT canonical, id FROM urls").fetchall())
            if scope is None:
                conn.execute("DELETE FROM occurrences")
            else:
                conn.executemany("DELETE FROM occurrences WHERE file = ?", [(f,) for f in scope])
            conn.executemany(
                "INSERT INTO occurrences (url_id, file, line, column, kind, title) VALUES (?, ?, ?, ?, ?, ?)",
                (  # made as they are written, not as a list of every occurrence first
                    # (A LinkKind is a str: sqlite3 binds it as its value.)
                    (ids[link.canonical], o.file, o.line, o.column, o.kind, o.title)
                    for link in merged.values()
                    for o in link.occurrences
                ),
            )
            given = {ids[c] for c in merged}
            uncited = [
                (row[0],)
                for row in conn.execute(
                    "SELECT id FROM urls u WHERE cited = 1 "
                    "AND NOT EXISTS (SELECT 1 FROM occurrences o WHERE o.url_id = u.id)"
                )
                if row[0] not in given
            ]
            conn.executemany("UPDATE urls SET cited = 0 WHERE id = ?", uncited)

    @staticmethod
    def id_of(conn: sqlite3.Connection, canonical: str, at: str) -> int:
        """The id of a canonical URL, adding it as not cited if it is not known (e.g. a successor
        checked without being in any post). Call it inside a write transaction."""
        row = conn.execute("SELECT id FROM urls WHERE canonical = ?", (canonical,)).fetchone()
        return int(row[0]) if row is not None else Links.add_uncited(conn, canonical, at)

    @staticmethod
    def add_uncited(conn: sqlite3.Connection, canonical: str, at: str) -> int:
        """Add a URL not in ``urls`` as not cited; its id. Inside a write transaction."""
        info = canonicalize(canonical)
        host = info.host
        cursor = conn.execute(
            "INSERT INTO urls (canonical, raw, host, site, checkable, skip_reason, first_seen, cited) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            (canonical, canonical, host, profile_for(host).name, int(info.checkable), info.skip_reason, at),
        )
        return int(cursor.lastrowid or 0)

    @guarded
    def find(self, url: str) -> tuple[int, str] | None:
        """(id, canonical) of a URL given as written in a post or in canonical form, or None."""
        conn = self._db.conn
        candidates = [url.strip()]
        info = canonicalize(url)
        if info.canonical not in candidates:
            candidates.append(info.canonical)
        for candidate in candidates:
            row = conn.execute("SELECT id, canonical FROM urls WHERE canonical = ?", (candidate,)).fetchone()
            if row is not None:
                return int(row[0]), row[1]
        row = conn.execute("SELECT id, canonical FROM urls WHERE raw = ? LIMIT 1", (url.strip(),)).fetchone()
        return (int(row[0]), row[1]) if row is not None else None

    @guarded
    def occurrences(self, url_ids: Iterable[int]) -> dict[int, list[dict]]:
        """url id → where the posts cite it (file, line, column, kind, and the title the post gives
        the cited article, or None), in file/line order."""
        ids = sorted(set(url_ids))
        found: dict[int, list[dict]] = {i: [] for i in ids}
        conn = self._db.conn
        for chunk in chunks(ids):
            for url_id, file, line, column, kind, title in conn.execute(
                "SELECT url_id, file, line, column, kind, title FROM occurrences "
                f"WHERE url_id IN ({marks(chunk)}) ORDER BY url_id, file, line, column",
                chunk,
            ):
                found[url_id].append({"file": file, "line": line, "column": column, "kind": kind, "title": title})
        return found

    @guarded
    def all_occurrences(self) -> list[tuple[str, str, int, int, str]]:
        """Every place the posts cite a URL, as (file, canonical, line, column, kind)."""
        return self._db.conn.execute(
            "SELECT o.file, u.canonical, o.line, o.column, o.kind FROM occurrences o JOIN urls u ON u.id = o.url_id"
        ).fetchall()


__all__ = ["Links"]
