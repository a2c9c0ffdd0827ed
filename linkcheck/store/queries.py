"""The read side: what the commands and the report show, read from the views.

Every query a command or :mod:`linkcheck.report` runs is here, so what they say and what plain
``sqlite3`` on the views says stay one thing. Only reads: no method writes.
"""

from __future__ import annotations

import json
from typing import Any

from linkcheck.store.database import Database, Repository, guarded
from linkcheck.store.links import Links
from linkcheck.store.schema import CHANGES, VERDICTS
from linkcheck.store.settings import Settings


class Queries(Repository):
    def __init__(self, db: Database, links: Links, settings: Settings) -> None:
        super().__init__(db)
        self._links = links
        self._settings = settings  # its rules decide ``confirmed`` in url_info

    def _with_occurrences(self, rows: list[dict]) -> list[dict]:
        occurrences = self._links.occurrences(row["url_id"] for row in rows)
        for row in rows:
            row["occurrences"] = occurrences[row["url_id"]]
        return rows

    @guarded
    def url_info(self, url: str) -> dict | None:
        """The ``link_status`` row of a URL (raw or canonical) with its occurrences, or None."""
        found = self._links.find(url)
        if found is None:
            return None
        [row] = self._db.query("SELECT * FROM link_status WHERE url_id = ?", [found[0]])
        row["cited"] = bool(row["cited"])
        row["checkable"] = bool(row["checkable"])
        row["confirmed"] = self._settings.rules.confirmed(row["dead_checks"], row["first_dead_at"], row["last_dead_at"])
        row["occurrences"] = self._links.occurrences([found[0]])[found[0]]
        return row

    @guarded
    def history(self, url: str) -> list[dict]:
        """Every check of a URL (raw or canonical), oldest first; [] when unknown."""
        found = self._links.find(url)
        if found is None:
            return []
        rows = self._db.query(
            "SELECT id AS check_id, run_id, checked_at, verdict, reason, http_status, final_url, redirects, "
            "elapsed_ms, error, marker, change, via FROM checks WHERE url_id = ? ORDER BY id",
            [found[0]],
        )
        for row in rows:
            row["redirects"] = json.loads(row["redirects"] or "[]")
        return rows

    @guarded
    def alive_now(self) -> list[dict]:
        """Cited URLs whose latest check is alive: ``url_id``, ``canonical``, ``reason`` and that
        check's ``redirects`` and ``redirect_statuses`` (decoded lists) — what ``linkcheck fix``
        starts from."""
        rows = self._db.query(
            "SELECT u.id AS url_id, u.canonical, s.reason, c.redirects, c.redirect_statuses FROM urls u "
            "JOIN url_state s ON s.url_id = u.id JOIN checks c ON c.id = s.last_check_id "
            "WHERE u.cited = 1 AND s.verdict = 'alive' ORDER BY u.id"
        )
        for row in rows:
            row["redirects"] = json.loads(row["redirects"] or "[]")
            row["redirect_statuses"] = json.loads(row["redirect_statuses"] or "[]")
        return rows

    @guarded
    def redirect_history(self, url_id: int) -> list[dict]:
        """Every check of a URL, newest first: ``verdict``, ``via``, ``checked_at``, ``redirects``
        and ``redirect_statuses`` (decoded lists)."""
        rows = self._db.query(
            "SELECT verdict, via, checked_at, redirects, redirect_statuses FROM checks WHERE url_id = ? "
            "ORDER BY id DESC",
            [url_id],
        )
        for row in rows:
            row["redirects"] = json.loads(row["redirects"] or "[]")
            row["redirect_statuses"] = json.loads(row["redirect_statuses"] or "[]")
        return rows

    @guarded
    def dead_links(self, include_suspected: bool = False) -> list[dict]:
        """Confirmed dead cited links (the ``dead_links`` view) with their occurrences.

        ``include_suspected`` adds cited links whose dead streak is not confirmed yet; every row
        has ``confirmed`` (bool).
        """
        where = "" if include_suspected else "WHERE confirmed"
        rows = self._db.query(
            f"SELECT * FROM dead_candidates {where} ORDER BY confirmed DESC, first_dead_at, canonical"
        )
        for row in rows:
            row["confirmed"] = bool(row["confirmed"])
        return self._with_occurrences(rows)

    @guarded
    def unreachable_links(self) -> list[dict]:
        """Cited links whose errors persist as long as a confirmed dead streak (the
        ``unreachable_links`` view: ``confirm_checks`` error checks over ``confirm_days`` days,
        blocked checks neutral) with their occurrences, longest-failing first."""
        rows = self._db.query("SELECT * FROM unreachable_links ORDER BY first_error_at, canonical")
        for row in rows:
            row["captured"] = bool(row["captured"])
            row["readable"] = bool(row["readable"])
        return self._with_occurrences(rows)

    @guarded
    def drifted_links(self) -> list[dict]:
        """Cited links whose page's title now is a strong mismatch with the title the post cites
        and the first capture's (the ``drifted_links`` view), with their occurrences."""
        return self._with_occurrences(self._db.query("SELECT * FROM drifted_links ORDER BY canonical"))

    @guarded
    def flaky_links(self) -> list[dict]:
        return self._with_occurrences(self._db.query("SELECT * FROM flaky_links ORDER BY transitions DESC, canonical"))

    def _change_rows(self, run_id: int, change: str | None = None) -> list[dict]:
        sql = "SELECT * FROM changes WHERE run_id = ?"
        params: list[Any] = [run_id]
        if change is not None:
            sql += " AND change = ?"
            params.append(change)
        return self._db.query(sql + " ORDER BY check_id", params)

    @guarded
    def changes(self, run_id: int | None = None) -> dict[str, list[dict]]:
        """What a run changed (default: the latest finished run), against each URL's previous check.

        Keys: ``newly_dead`` (first dead since alive/ever), ``confirmed_dead``, ``recovered``
        (alive after dead), ``newly_blocked`` (blocked after anything else).
        """
        result: dict[str, list[dict]] = {c.replace("-", "_"): [] for c in CHANGES}
        if run_id is None:
            row = self._db.conn.execute(
                "SELECT id FROM runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if row is None:
                return result
            run_id = int(row[0])
        for row in self._change_rows(run_id):
            result[row["change"].replace("-", "_")].append(row)
        for rows in result.values():
            self._with_occurrences(rows)
        return result

    @guarded
    def newly_confirmed_dead(self, run_id: int) -> list[dict]:
        """URLs this run confirmed dead (they were not confirmed before): drives exit code 1."""
        return self._with_occurrences(self._change_rows(run_id, "confirmed-dead"))

    @guarded
    def totals(self) -> dict[str, int]:
        """Database-wide counts for the status summary."""
        conn = self._db.conn
        urls, cited, never = conn.execute(
            "SELECT count(*), coalesce(sum(u.cited = 1 AND u.checkable = 1), 0), "
            "coalesce(sum(u.cited = 1 AND u.checkable = 1 AND s.url_id IS NULL), 0) "
            "FROM urls u LEFT JOIN url_state s ON s.url_id = u.id"
        ).fetchone()
        dead, suspected = conn.execute(
            "SELECT coalesce(sum(confirmed), 0), coalesce(sum(NOT confirmed), 0) FROM dead_candidates"
        ).fetchone()
        by_verdict = dict(
            conn.execute(
                "SELECT s.verdict, count(*) FROM url_state s JOIN urls u ON u.id = s.url_id "
                "WHERE u.cited = 1 GROUP BY s.verdict"
            ).fetchall()
        )
        return {
            "urls": urls,
            "cited_checkable": cited,
            "never_checked": never,
            "confirmed_dead": dead,
            "suspected_dead": suspected,
            "flaky": conn.execute("SELECT count(*) FROM flaky_links").fetchone()[0],
            "unreachable": conn.execute("SELECT count(*) FROM unreachable_links").fetchone()[0],
            "drifted": conn.execute("SELECT count(*) FROM drifted_links").fetchone()[0],
            "checks": conn.execute("SELECT count(*) FROM checks").fetchone()[0],
            **{f"now_{v}": by_verdict.get(v, 0) for v in VERDICTS},
        }

    @guarded
    def site_verdicts(self) -> list[dict]:
        """Cited, checkable URLs counted by site and current verdict (None: never checked), with
        how many of them have a capture: the report's "By site" table."""
        return self._db.query(
            # Links into the blog (no host: checked from its source tree) are a site of their own.
            "SELECT CASE WHEN u.host = '' THEN 'local' ELSE u.site END AS site, s.verdict, count(*) AS urls, "
            "sum(EXISTS (SELECT 1 FROM captures c WHERE c.url_id = u.id)) AS captured "
            "FROM urls u LEFT JOIN url_state s ON s.url_id = u.id "
            "WHERE u.cited = 1 AND u.checkable = 1 GROUP BY 1, s.verdict ORDER BY 1, s.verdict"
        )


__all__ = ["Queries"]
