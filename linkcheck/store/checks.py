"""Checks and the per-URL state they keep: the append-only ``checks`` table and ``url_state``.

Each check row carries ``change``, what it changed for its URL (``newly-dead``,
``confirmed-dead``, ``recovered``, ``newly-blocked``), derived at insert time from the URL's
previous state (:func:`linkcheck.store.state.advance`) and never rewritten. ``url_state`` is
updated in the same transaction, so the views stay fast at millions of checks; it is a cache of
``checks`` that :meth:`Checks.rebuild_state` recomputes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from linkcheck.drift import Drift, compare
from linkcheck.models import Outcome
from linkcheck.sites import profile_for
from linkcheck.store.database import Database, Repository, chunks, guarded, marks
from linkcheck.store.links import Links
from linkcheck.store.settings import Settings
from linkcheck.store.state import LETTER, STATE_COLUMNS, Rules, State, advance, astuple_state
from linkcheck.store.times import iso, parse_time

_WRITE_STATE = (
    f"INSERT OR REPLACE INTO url_state (url_id, {', '.join(STATE_COLUMNS)}) "
    f"VALUES (?, {', '.join('?' * len(STATE_COLUMNS))})"
)


@dataclass(frozen=True, slots=True)
class UrlState:
    """What the scheduler needs to know about one cited, checkable URL."""

    canonical: str
    site: str
    host: str
    verdict: str | None  # None: never checked
    last_checked_at: datetime | None
    dead_checks: int = 0
    failing_since: datetime | None = None
    confirmed: bool = False
    unreachable: bool = False  # its errors have lasted as long as a confirmed dead streak


def _verdict_value(outcome: Outcome) -> str:
    verdict = getattr(outcome.verdict, "value", outcome.verdict)
    if verdict not in LETTER:
        raise ValueError(f"unknown verdict {verdict!r}")
    return verdict


def _drift(conn: sqlite3.Connection, url_id: int, canonical: str, title: str) -> Drift | None:
    """A check's page title against the titles known before it: those the posts cite the URL
    with, and its first page capture's (linkcheck.drift). Only on sites whose profile says where
    their article's title is (WeChat, Zhihu): elsewhere a <title> is as often the site's name or a
    section's as an article's — a blog's home page cited for one of its posts — and would drift."""
    profile = profile_for(urlsplit(canonical).hostname or "")
    if profile.titles is None:
        return None
    references = [
        row[0]
        for row in conn.execute("SELECT title FROM occurrences WHERE url_id = ? AND title IS NOT NULL", (url_id,))
    ]
    first = conn.execute(
        "SELECT title FROM captures WHERE url_id = ? AND kind = 'page' AND record_type = 'response' "
        "AND title IS NOT NULL ORDER BY captured_at, id LIMIT 1",
        (url_id,),
    ).fetchone()
    if first is not None:
        references.append(first[0])
    return compare(title, references, profile)


def rebuild_url_state(conn: sqlite3.Connection, rules: Rules) -> int:
    """Recompute every ``url_state`` row from ``checks`` with ``rules``, inside the caller's write
    transaction (:meth:`Checks.rebuild_state`, and migration 7, which adds the error streak to the
    state). Returns the number of URLs with state."""
    conn.execute("DELETE FROM url_state")
    current: int | None = None
    state: State | None = None
    rows = conn.execute(
        "SELECT url_id, id, checked_at, verdict, reason, http_status FROM checks ORDER BY url_id, id"
    ).fetchall()
    count = 0
    for url_id, check_id, at, verdict, reason, http_status in rows:
        if url_id != current:
            if current is not None and state is not None:
                conn.execute(_WRITE_STATE, (current, *astuple_state(state)))
                count += 1
            current, state = url_id, None
        state, _ = advance(state, check_id, at, verdict, reason, http_status, rules)
    if current is not None and state is not None:
        conn.execute(_WRITE_STATE, (current, *astuple_state(state)))
        count += 1
    return count


class Checks(Repository):
    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__(db)
        self._settings = settings  # its rules decide each check's change

    def record(
        self, run_id: int | None, canonical: str, outcome: Outcome, *, now: datetime | None = None
    ) -> str | None:
        """Append one check and update the URL's state, in one committed transaction.

        Returns what the check changed: 'newly-dead', 'confirmed-dead', 'recovered',
        'newly-blocked' or None.
        """
        return self.record_many(run_id, [(canonical, outcome, now)])[0]

    @guarded
    def record_many(
        self, run_id: int | None, checks: Sequence[tuple[str, Outcome, datetime | None]]
    ) -> list[str | None]:
        """Append several checks (canonical URL, outcome, when) in order, in one committed
        transaction: all or none. The nightly job's group commit (``linkcheck.run.job``): a
        transaction per check costs more than the check itself on a fast network. Returns each
        check's change (see :meth:`record`).

        Set-wise: one query reads the URLs' states, two ``executemany`` write the checks and the
        new states. Check ids are given explicitly (the next ids after the largest, read inside
        this write transaction), so each new state names its check without a round trip.
        """
        verdicts = [_verdict_value(outcome) for _, outcome, _ in checks]  # all valid before writing
        if not checks:
            return []
        rules = self._settings.rules
        with self._db.write() as conn:
            states = self._states_of(conn, {canonical for canonical, _, _ in checks})
            next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM checks").fetchone()[0]
            rows: list[tuple] = []
            changes: list[str | None] = []
            touched: dict[int, State] = {}
            for (canonical, outcome, when), verdict in zip(checks, verdicts, strict=True):
                at = iso(when)
                found = states.get(canonical)
                if found is None:
                    url_id, old = Links.add_uncited(conn, canonical, at), None
                else:
                    url_id, old = found
                # The change is known before the insert, so the append-only row is written once.
                new, change = advance(old, next_id, at, verdict, outcome.reason, outcome.http_status, rules)
                # Only an article's title is the cited article's: a page of another shape (a
                # column's or a user's home page: marker "page:…", linkcheck.sites) is not compared.
                article = not (outcome.marker or "").startswith("page:")
                drift = _drift(conn, url_id, canonical, outcome.title) if outcome.title and article else None
                rows.append(
                    (
                        next_id,
                        url_id,
                        run_id,
                        at,
                        verdict,
                        outcome.reason,
                        outcome.http_status,
                        outcome.final_url,
                        json.dumps(list(outcome.redirects), ensure_ascii=False) if outcome.redirects else "[]",
                        outcome.elapsed_ms,
                        outcome.error,
                        outcome.marker,
                        change,
                        str(outcome.via),
                        json.dumps(list(outcome.redirect_statuses)) if outcome.redirect_statuses else "[]",
                        outcome.title,
                        drift.similarity if drift is not None else None,
                        int(drift.drifted) if drift is not None else None,
                    )
                )
                changes.append(change)
                states[canonical] = (url_id, new)
                touched[url_id] = new
                next_id += 1
            conn.executemany(
                "INSERT INTO checks (id, url_id, run_id, checked_at, verdict, reason, http_status, final_url, "
                "redirects, elapsed_ms, error, marker, change, via, redirect_statuses, title, title_similarity, "
                "drifted) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.executemany(_WRITE_STATE, [(url_id, *astuple_state(state)) for url_id, state in touched.items()])
            return changes

    @staticmethod
    def _states_of(conn: sqlite3.Connection, canonicals: set[str]) -> dict[str, tuple[int, State | None]]:
        """canonical -> (url id, current state or None) for the URLs among ``canonicals`` known."""
        found: dict[str, tuple[int, State | None]] = {}
        columns = ", ".join(f"s.{c}" for c in STATE_COLUMNS)
        for chunk in chunks(list(canonicals)):
            for canonical, url_id, *state in conn.execute(
                f"SELECT u.canonical, u.id, {columns} FROM urls u LEFT JOIN url_state s ON s.url_id = u.id "
                f"WHERE u.canonical IN ({marks(chunk)})",
                chunk,
            ):
                found[canonical] = (url_id, State(*state) if state[0] is not None else None)
        return found

    @guarded
    def rebuild_state(self) -> int:
        """Recompute ``url_state`` from ``checks`` (after a settings change, or to verify it).

        The ``change`` column of past checks is history and stays as recorded. Returns the number
        of URLs with state.
        """
        with self._db.write() as conn:
            return rebuild_url_state(conn, self._settings.rules)

    @guarded
    def link_states(self, *, cited_only: bool = True, checkable_only: bool = True) -> list[UrlState]:
        """Per URL (by default: cited and checkable ones), what the scheduler plans from."""
        where = []
        if cited_only:
            where.append("u.cited = 1")
        if checkable_only:
            where.append("u.checkable = 1")
        rules = self._settings.rules
        result = []
        for row in self._db.conn.execute(
            "SELECT u.canonical, u.site, u.host, s.verdict, s.last_checked_at, coalesce(s.dead_checks, 0), "
            "s.failing_since, s.first_dead_at, s.last_dead_at, coalesce(s.error_checks, 0), s.first_error_at, "
            "s.last_error_at "
            "FROM urls u LEFT JOIN url_state s ON s.url_id = u.id "
            + (f"WHERE {' AND '.join(where)} " if where else "")
            + "ORDER BY u.id"
        ):
            canonical, site, host, verdict, last, dead_checks, failing, first_dead, last_dead, *errors = row
            result.append(
                UrlState(
                    canonical,
                    site,
                    host,
                    verdict,
                    parse_time(last),
                    dead_checks,
                    parse_time(failing),
                    rules.confirmed(dead_checks, first_dead, last_dead),
                    rules.unreachable(*errors),
                )
            )
        return result


__all__ = ["Checks", "UrlState"]
