"""The history database: every run, every URL, where it is cited, and every check ever made.

One SQLite file (default ``state/linkcheck.db``), written through sqlite-utils and readable with
plain ``sqlite3``. Design rules:

* ``checks`` is append-only (triggers refuse UPDATE and DELETE). Each row also carries ``change``,
  what that check changed for its URL (``newly-dead``, ``confirmed-dead``, ``recovered``,
  ``newly-blocked``), derived at insert time from the URL's previous state and never rewritten.
* ``url_state`` is a per-URL summary (current verdict, streaks, dead-streak bounds, recent
  pattern) updated in the same transaction as the check insert, so the views stay fast at
  millions of checks. It is a cache of ``checks``: :meth:`Store.rebuild_state` recomputes it.
* Dead-streak rule: ``alive`` breaks a dead streak; ``dead`` extends it; ``blocked``, ``error`` and
  ``skipped`` are *neutral* — they neither extend nor break it (an anti-bot wall or a timeout says
  nothing about the content). A URL is **confirmed dead** when the dead checks since its last
  ``alive`` number at least ``confirm_checks`` and the first and last of them are at least
  ``confirm_days`` apart. Both thresholds live in the ``settings`` table, which the views read, so
  plain SQL and the commands agree.
* WAL journal, ``synchronous=NORMAL``. :meth:`Store.record_check` is one transaction;
  :meth:`Store.record_checks` writes a group of checks in one (the nightly job commits at the
  latest a second after a check arrives, so a ``kill -9`` loses at most that second's checks).
* Opening never recreates or overwrites: a file that is not SQLite, a SQLite file that is not a
  linkcheck database, or a database from a newer linkcheck raises :class:`StoreError` untouched;
  an older schema is upgraded by numbered migrations in one transaction.

Times are ISO-8601 UTC strings (``2025-01-31T18:02:03Z``); every time-taking method accepts an
injected ``now`` so tests can simulate days.
"""

from __future__ import annotations

import functools
import json
import operator
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from linkcheck.models import Link, Outcome, Via
from linkcheck.scan.canonical import canonicalize
from linkcheck.sites import profile_for

DEFAULT_DB = Path("state/linkcheck.db")
APP_ID = "linkcheck"
SQLITE_HEADER = b"SQLite format 3\x00"

RUN_STATUSES = ("running", "completed", "interrupted", "offline")
VERDICTS = ("alive", "dead", "blocked", "error", "skipped")
CHANGES = ("newly-dead", "confirmed-dead", "recovered", "newly-blocked")
CAPTURE_KINDS = ("page", "redirect", "requisite")
VIAS = tuple(str(via) for via in Via)  # which checker decided a check: "http", "browser"
# One letter per verdict in url_state.recent (oldest first).
_LETTER = {"alive": "A", "dead": "D", "blocked": "B", "error": "E", "skipped": "S"}

DEFAULT_SETTINGS: dict[str, tuple[float, str]] = {
    "confirm_checks": (3, "dead checks (since the last alive) needed to confirm a URL dead"),
    "confirm_days": (7, "days between the first and last of those dead checks, at least"),
    "flaky_window": (10, "how many recent checks url_state.recent keeps"),
    "flaky_transitions": (2, "alive<->dead flips within the window that make a link flaky"),
}


class StoreError(Exception):
    """The database cannot be used: missing, not ours, corrupt, too new or busy."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_utc(now: datetime | None) -> datetime:
    """``now`` as an aware UTC datetime (naive values are taken to be UTC already)."""
    if now is None:
        return utc_now()
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def iso(moment: datetime | None) -> str:
    """The stored form of a time: ISO-8601 UTC to the second, e.g. ``2025-01-31T18:02:03Z``.

    (``isoformat`` rather than ``strftime``: the same text for every year from 1000 on, at two
    thirds of the cost, and a run formats one per check.)"""
    return to_utc(moment).isoformat(timespec="seconds")[:19] + "Z"


def parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    return to_utc(datetime.fromisoformat(value))


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value).timestamp())


# --------------------------------------------------------------------------------------------
# Schema and migrations
# --------------------------------------------------------------------------------------------

_SCHEMA_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value NUMERIC NOT NULL,
    description TEXT
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'offline')),
    pid INTEGER,
    options TEXT NOT NULL DEFAULT '{}',
    counts TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE urls (
    id INTEGER PRIMARY KEY,
    canonical TEXT NOT NULL UNIQUE,
    raw TEXT NOT NULL,
    host TEXT NOT NULL,
    site TEXT NOT NULL,
    checkable INTEGER NOT NULL DEFAULT 1,
    skip_reason TEXT,
    first_seen TEXT NOT NULL,
    last_seen_in_posts TEXT,
    cited INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX urls_cited ON urls (cited, checkable);
CREATE TABLE occurrences (
    url_id INTEGER NOT NULL REFERENCES urls (id),
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    column INTEGER NOT NULL,
    kind TEXT NOT NULL
);
CREATE INDEX occurrences_url ON occurrences (url_id, file, line);
CREATE INDEX occurrences_file ON occurrences (file, line);
CREATE TABLE checks (
    id INTEGER PRIMARY KEY,
    url_id INTEGER NOT NULL REFERENCES urls (id),
    run_id INTEGER REFERENCES runs (id),
    checked_at TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('alive', 'dead', 'blocked', 'error', 'skipped')),
    reason TEXT NOT NULL,
    http_status INTEGER,
    final_url TEXT,
    redirects TEXT NOT NULL DEFAULT '[]',
    elapsed_ms INTEGER,
    error TEXT,
    marker TEXT,
    change TEXT CHECK (change IN ('newly-dead', 'confirmed-dead', 'recovered', 'newly-blocked'))
);
CREATE INDEX checks_url ON checks (url_id, id);
CREATE INDEX checks_run ON checks (run_id, verdict, change);
CREATE INDEX checks_change ON checks (run_id, change) WHERE change IS NOT NULL;
CREATE TRIGGER checks_no_update BEFORE UPDATE ON checks
BEGIN SELECT RAISE(ABORT, 'checks is append-only'); END;
CREATE TRIGGER checks_no_delete BEFORE DELETE ON checks
BEGIN SELECT RAISE(ABORT, 'checks is append-only'); END;
CREATE TABLE url_state (
    url_id INTEGER PRIMARY KEY REFERENCES urls (id),
    last_check_id INTEGER NOT NULL REFERENCES checks (id),
    last_checked_at TEXT NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    http_status INTEGER,
    streak INTEGER NOT NULL,
    streak_since TEXT NOT NULL,
    failing_since TEXT,
    last_alive_at TEXT,
    dead_checks INTEGER NOT NULL,
    first_dead_at TEXT,
    last_dead_at TEXT,
    dead_reason TEXT,
    checks INTEGER NOT NULL,
    recent TEXT NOT NULL,
    transitions INTEGER NOT NULL
);
CREATE INDEX url_state_dead ON url_state (dead_checks) WHERE dead_checks > 0;
"""

# `cited_in`: the citing places as "file:line" in file/line order.
_CITED_IN = """(SELECT group_concat(file || ':' || line, ', ')
          FROM (SELECT file, line FROM occurrences o WHERE o.url_id = u.id ORDER BY file, line))"""

# The views as migration 1 created them. Frozen: :data:`VIEWS` is the current set.
_VIEWS_V1: dict[str, str] = {
    "link_status": """
SELECT u.id AS url_id, u.canonical, u.site, u.host, u.cited, u.checkable,
       s.verdict, s.reason, s.http_status,
       s.streak, s.streak_since,
       s.failing_since AS first_failed_at,
       s.last_alive_at,
       coalesce(s.dead_checks, 0) AS dead_checks, s.first_dead_at, s.last_dead_at,
       coalesce(s.checks, 0) AS checks, s.last_checked_at,
       s.recent, coalesce(s.transitions, 0) AS transitions
  FROM urls u LEFT JOIN url_state s ON s.url_id = u.id""",
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
       {_CITED_IN} AS cited_in
  FROM url_state s JOIN urls u ON u.id = s.url_id
 WHERE s.dead_checks > 0 AND u.cited = 1""",
    "dead_links": """
SELECT url_id, canonical, site, reason, current_verdict, dead_checks, first_dead_at, last_dead_at,
       dead_days, first_failed_at, last_alive_at, last_checked_at, cited_in
  FROM dead_candidates WHERE confirmed""",
    "flaky_links": f"""
SELECT u.id AS url_id, u.canonical, u.site, s.transitions, s.recent,
       s.verdict AS current_verdict, s.reason, s.checks, s.last_checked_at,
       {_CITED_IN} AS cited_in
  FROM url_state s JOIN urls u ON u.id = s.url_id
 WHERE u.cited = 1
   AND s.transitions >= (SELECT value FROM settings WHERE key = 'flaky_transitions')""",
    "changes": """
SELECT c.run_id, c.change, u.canonical, u.site, c.verdict, c.reason, c.checked_at,
       c.id AS check_id, u.id AS url_id
  FROM checks c JOIN urls u ON u.id = c.url_id
 WHERE c.change IS NOT NULL""",
    "run_summary": """
SELECT r.id AS run_id, r.status, r.started_at, r.finished_at, r.pid,
       count(c.id) AS checks,
       coalesce(sum(c.verdict = 'alive'), 0) AS alive,
       coalesce(sum(c.verdict = 'dead'), 0) AS dead,
       coalesce(sum(c.verdict = 'blocked'), 0) AS blocked,
       coalesce(sum(c.verdict = 'error'), 0) AS error,
       coalesce(sum(c.verdict = 'skipped'), 0) AS skipped,
       coalesce(sum(c.change = 'newly-dead'), 0) AS newly_dead,
       coalesce(sum(c.change = 'confirmed-dead'), 0) AS confirmed_dead,
       coalesce(sum(c.change = 'recovered'), 0) AS recovered,
       coalesce(sum(c.change = 'newly-blocked'), 0) AS newly_blocked
  FROM runs r LEFT JOIN checks c ON c.run_id = r.id
 GROUP BY r.id""",
}


def _statements(script: str) -> Iterator[str]:
    """Split a DDL script on ';' at the end of a line (trigger bodies end in '; END;')."""
    buf: list[str] = []
    for line in script.strip().splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            yield joined
            buf = []
    if "".join(buf).strip():
        yield "\n".join(buf)


def _migrate_1(db: Database) -> None:
    """Initial schema: tables, indexes, append-only triggers, settings, views."""
    for statement in _statements(_SCHEMA_V1):
        db.execute(statement)
    db.execute("INSERT INTO meta (key, value) VALUES ('app', ?)", [APP_ID])
    for key, (value, description) in DEFAULT_SETTINGS.items():
        db.execute("INSERT INTO settings (key, value, description) VALUES (?, ?, ?)", [key, value, description])
    for name, sql in _VIEWS_V1.items():
        db.create_view(name, sql.strip())


_SCHEMA_V2 = """
CREATE TABLE captures (
    id INTEGER PRIMARY KEY,
    url_id INTEGER REFERENCES urls (id),
    url TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('page', 'redirect', 'requisite')),
    page_capture_id INTEGER REFERENCES captures (id),
    run_id INTEGER REFERENCES runs (id),
    captured_at TEXT NOT NULL,
    warc_date TEXT NOT NULL,
    warc_file TEXT NOT NULL,
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER NOT NULL,
    warc_record_id TEXT NOT NULL,
    record_type TEXT NOT NULL CHECK (record_type IN ('response', 'revisit')),
    refers_to INTEGER REFERENCES captures (id),
    payload_digest TEXT NOT NULL,
    payload_length INTEGER NOT NULL,
    truncated TEXT,
    http_status INTEGER,
    content_type TEXT,
    title TEXT,
    excerpt TEXT
);
CREATE INDEX captures_page ON captures (url_id, captured_at) WHERE url_id IS NOT NULL;
CREATE INDEX captures_url ON captures (url, id);
CREATE INDEX captures_digest ON captures (payload_digest, id) WHERE record_type = 'response';
CREATE INDEX captures_file ON captures (warc_file, warc_offset);
"""

# The latest capture of a URL's page (any record type), for the views.
_LAST_CAPTURED = """(SELECT max(c.captured_at) FROM captures c WHERE c.url_id = u.id AND c.kind = 'page')"""

_VIEWS_V2: dict[str, str] = {
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
       {_CITED_IN} AS cited_in,
       {_LAST_CAPTURED} IS NOT NULL AS captured,
       {_LAST_CAPTURED} AS last_captured_at
  FROM url_state s JOIN urls u ON u.id = s.url_id
 WHERE s.dead_checks > 0 AND u.cited = 1""",
    "dead_links": """
SELECT url_id, canonical, site, reason, current_verdict, dead_checks, first_dead_at, last_dead_at,
       dead_days, first_failed_at, last_alive_at, last_checked_at, cited_in,
       captured, last_captured_at
  FROM dead_candidates WHERE confirmed""",
}

VIEWS: dict[str, str] = {**_VIEWS_V1, **_VIEWS_V2}


def _migrate_2(db: Database) -> None:
    """Captures (WARC records of live pages) and a ``captured`` column on the dead-link views."""
    for statement in _statements(_SCHEMA_V2):
        db.execute(statement)
    db.execute("DROP VIEW dead_links")  # it reads dead_candidates: drop it first
    db.execute("DROP VIEW dead_candidates")
    for name in ("dead_candidates", "dead_links"):
        db.create_view(name, _VIEWS_V2[name].strip())


def _migrate_3(db: Database) -> None:
    """``checks.via``: which checker decided each check — ``http``, or ``browser`` (the headless
    browser the runner escalates walls to). Every check recorded before was the HTTP client's."""
    db.execute("ALTER TABLE checks ADD COLUMN via TEXT NOT NULL DEFAULT 'http' CHECK (via IN ('http', 'browser'))")


# MIGRATIONS[i] upgrades a database at schema version i to version i + 1. Append only: never edit
# a released migration; a later one that changes a view drops and recreates it.
MIGRATIONS: list[Callable[[Database], None]] = [_migrate_1, _migrate_2, _migrate_3]


def code_schema_version() -> int:
    return len(MIGRATIONS)


# --------------------------------------------------------------------------------------------
# Per-URL state machine (shared by record_check and rebuild_state)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rules:
    confirm_checks: int = 3
    confirm_days: float = 7
    flaky_window: int = 10
    flaky_transitions: int = 2

    def confirmed(self, dead_checks: int, first_dead_at: str | None, last_dead_at: str | None) -> bool:
        if dead_checks < self.confirm_checks or first_dead_at is None or last_dead_at is None:
            return False
        return _epoch(last_dead_at) - _epoch(first_dead_at) >= 86400 * self.confirm_days


@dataclass(slots=True)
class _State:
    last_check_id: int
    last_checked_at: str
    verdict: str
    reason: str
    http_status: int | None
    streak: int
    streak_since: str
    failing_since: str | None
    last_alive_at: str | None
    dead_checks: int
    first_dead_at: str | None
    last_dead_at: str | None
    dead_reason: str | None
    checks: int
    recent: str
    transitions: int


_STATE_COLUMNS = tuple(f.name for f in fields(_State))
# Bound parameters per statement when reading states set-wise (SQLite's limit is 32,766 since 3.32).
_SQL_VARIABLES = 500


# The state's values in ``_STATE_COLUMNS`` order, as a tuple (one C call; a state is read and
# written for every check).
astuple_state: Callable[[_State], tuple] = operator.attrgetter(*_STATE_COLUMNS)


def _transitions(recent: str) -> int:
    """Flips between alive and dead; blocked, error and skipped are neutral here too.

    An isolated timeout would otherwise make a healthy link 'flaky'; what the owner needs to know
    is a page whose *content* comes and goes (a tombstone one night, the article the next).
    """
    flips, previous = 0, None
    for letter in recent:
        if letter not in "AD":
            continue
        if previous is not None and letter != previous:
            flips += 1
        previous = letter
    return flips


def _advance(
    old: _State | None,
    check_id: int,
    at: str,
    verdict: str,
    reason: str,
    http_status: int | None,
    rules: Rules,
) -> tuple[_State, str | None]:
    """The URL's state after one more check, and what that check changed (``CHANGES``)."""
    if old is None:
        new = _State(check_id, at, verdict, reason, http_status, 0, at, None, None, 0, None, None, None, 0, "", 0)
    else:
        new = _State(*astuple_state(old))
    new.last_check_id, new.last_checked_at = check_id, at
    new.reason, new.http_status = reason, http_status
    if old is not None and old.verdict == verdict:
        new.streak += 1
    else:
        new.streak, new.streak_since = 1, at
    new.verdict = verdict
    new.checks += 1
    new.recent = (new.recent + _LETTER[verdict])[-rules.flaky_window :] if rules.flaky_window > 0 else ""
    new.transitions = _transitions(new.recent)

    change: str | None = None
    if verdict == "alive":
        if new.dead_checks > 0:
            change = "recovered"
        new.last_alive_at = at
        new.failing_since = None
        new.dead_checks, new.first_dead_at, new.last_dead_at, new.dead_reason = 0, None, None, None
    elif verdict in ("dead", "blocked", "error"):
        if new.failing_since is None:
            new.failing_since = at
        if verdict == "dead":
            was_confirmed = rules.confirmed(new.dead_checks, new.first_dead_at, new.last_dead_at)
            if new.dead_checks == 0:
                change = "newly-dead"
                new.first_dead_at = at
            new.dead_checks += 1
            new.last_dead_at = at
            new.dead_reason = reason
            if not was_confirmed and rules.confirmed(new.dead_checks, new.first_dead_at, at):
                change = "confirmed-dead"
        elif verdict == "blocked" and (old is None or old.verdict != "blocked"):
            change = "newly-blocked"
    return new, change


# --------------------------------------------------------------------------------------------
# Store
# --------------------------------------------------------------------------------------------


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


_F = TypeVar("_F", bound=Callable[..., Any])


def _verdict_value(outcome: Outcome) -> str:
    verdict = getattr(outcome.verdict, "value", outcome.verdict)
    if verdict not in _LETTER:
        raise ValueError(f"unknown verdict {verdict!r}")
    return verdict


def _guarded(method: _F) -> _F:
    """Serialise access and turn SQLite failures into StoreError (the CLI maps it to exit 2)."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            if self._conn is None:
                raise StoreError(f"{self.path}: the store is closed")
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: database error: {exc}") from exc

    return wrapper  # type: ignore[return-value]


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


class Store:
    """The history database. Not for sharing between processes; one Store per process."""

    def __init__(
        self,
        path: Path | str = DEFAULT_DB,
        *,
        confirm_checks: int | None = None,
        confirm_days: float | None = None,
        create: bool = True,
        timeout: float = 10.0,
    ) -> None:
        """Open (and upgrade) the database at ``path``; with ``create`` make it if missing.

        ``confirm_checks`` / ``confirm_days``: None keeps the stored setting (3 and 7 in a new
        database); a value is written to ``settings`` so the views and later runs agree with it.
        ``create=False`` (the read commands) refuses a missing or empty file instead of making one.
        """
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        if confirm_checks is not None and (int(confirm_checks) != confirm_checks or confirm_checks < 1):
            raise ValueError("confirm_checks must be a positive integer")
        if confirm_days is not None and confirm_days < 0:
            raise ValueError("confirm_days must be >= 0")
        self._check_file(create)
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
        self._conn = conn
        try:
            self.db = Database(conn, execute_plugins=False)
            self._open(create)
            wanted = {"confirm_checks": confirm_checks, "confirm_days": confirm_days}
            self._save_settings({k: v for k, v in wanted.items() if v is not None})
            self.rules = self._load_rules()
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise StoreError(f"{self.path}: database error: {exc}") from exc
        except BaseException:
            self._close_quietly()
            raise

    # ---- opening -------------------------------------------------------------------------

    def _check_file(self, create: bool) -> None:
        if not self.path.exists():
            if not create:
                raise StoreError(f"{self.path}: no history database (run `linkcheck check` first)")
            return
        if not self.path.is_file():
            raise StoreError(f"{self.path}: not a file")
        try:
            with self.path.open("rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot read: {exc}") from exc
        if header and header != SQLITE_HEADER:
            raise StoreError(f"{self.path}: not a SQLite database; refusing to touch it")

    def _read_version(self) -> int:
        """0 for an empty database; raises StoreError for one that is not ours."""
        conn = self._require_conn()
        try:
            names = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable SQLite database ({exc}); refusing to touch it") from exc
        if not names:
            return 0
        if "meta" not in names:
            shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
            raise StoreError(f"{self.path}: not a linkcheck database (it holds: {shown}); refusing to touch it")
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a linkcheck database ({exc}); refusing to touch it") from exc
        if meta.get("app") != APP_ID:
            raise StoreError(f"{self.path}: not a linkcheck database (no app marker); refusing to touch it")
        try:
            return int(meta.get("schema_version", "0"))
        except ValueError:
            raise StoreError(f"{self.path}: unreadable schema_version {meta.get('schema_version')!r}") from None

    def _open(self, create: bool) -> None:
        conn = self._require_conn()
        version = self._read_version()
        current = code_schema_version()
        if version > current:
            raise StoreError(
                f"{self.path}: written by a newer linkcheck (schema version {version}; this version "
                f"understands up to {current}); upgrade linkcheck — the file was left untouched"
            )
        if version == 0 and not create:
            raise StoreError(f"{self.path}: empty database, not initialised (run `linkcheck check` first)")
        if version > 0 and version < current:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise StoreError(f"{self.path}: damaged ({result}); not upgrading it")
        # Only now, knowing the file is ours (or empty), may anything be written to it.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        if version < current:
            self._migrate()

    def _migrate(self) -> None:
        """Apply the missing migrations in one transaction (all or nothing)."""
        conn = self._require_conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = self._read_version()
            for number in range(version, code_schema_version()):
                MIGRATIONS[number](self.db)
                self.db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    [str(number + 1)],
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _require_conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{self.path}: the store is closed")
        return self._conn

    def _close_quietly(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def close(self) -> None:
        with self._lock:
            self._close_quietly()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- transactions --------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), or a savepoint inside an open one."""
        with self._lock:
            conn = self._require_conn()
            if conn.in_transaction:
                with self.db.atomic():
                    yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def batch(self) -> Iterator[Store]:
        """Group many writes into one transaction (bulk imports, benchmarks, simulations).

        The nightly runner does not: its group commit (:meth:`record_checks`, ``linkcheck.run.job``)
        bounds how much a crash can lose to the last second's checks.
        """
        try:
            with self._write():
                yield self
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: database error: {exc}") from exc

    # ---- settings ------------------------------------------------------------------------

    def _save_settings(self, values: dict[str, float]) -> None:
        if not values:
            return
        current = dict(self._require_conn().execute("SELECT key, value FROM settings").fetchall())
        if all(current.get(k) == v for k, v in values.items()):
            return
        with self._write() as conn:
            for key, value in values.items():
                conn.execute(
                    "INSERT INTO settings (key, value, description) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value, DEFAULT_SETTINGS.get(key, (None, None))[1]),
                )

    def _load_rules(self) -> Rules:
        values = dict(self._require_conn().execute("SELECT key, value FROM settings").fetchall())
        return Rules(
            confirm_checks=int(values.get("confirm_checks", 3)),
            confirm_days=float(values.get("confirm_days", 7)),
            flaky_window=int(values.get("flaky_window", 10)),
            flaky_transitions=int(values.get("flaky_transitions", 2)),
        )

    @_guarded
    def settings(self) -> dict[str, float]:
        return dict(self._require_conn().execute("SELECT key, value FROM settings").fetchall())

    @_guarded
    def set_setting(self, key: str, value: float) -> None:
        """Change a threshold (``confirm_checks``, ``confirm_days``, ``flaky_*``) for good."""
        if key not in DEFAULT_SETTINGS:
            raise ValueError(f"unknown setting {key!r}; known: {', '.join(DEFAULT_SETTINGS)}")
        integral = key != "confirm_days"
        if value < 0 or (integral and (int(value) != value or value < 1)):
            raise ValueError(f"{key} must be {'a positive integer' if integral else '>= 0'}, not {value!r}")
        self._save_settings({key: value})
        self.rules = self._load_rules()

    @property
    def schema_version(self) -> int:
        row = self._require_conn().execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    # ---- runs ----------------------------------------------------------------------------

    @_guarded
    def begin_run(self, options: dict, *, now: datetime | None = None) -> int:
        """Record a new run as 'running' and return its id.

        Call it while holding the run lock (:class:`linkcheck.run.lock.RunLock`): every earlier run
        still marked 'running' is then a run that died without finishing and is marked
        'interrupted'.
        """
        at = iso(now)
        with self._write() as conn:
            self._interrupt_running(conn, at)
            cursor = conn.execute(
                "INSERT INTO runs (started_at, status, pid, options, counts) VALUES (?, 'running', ?, ?, '{}')",
                (at, os.getpid(), json.dumps(options, ensure_ascii=False, sort_keys=True, default=str)),
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

    @_guarded
    def finish_run(self, run_id: int, status: str, counts: dict, *, now: datetime | None = None) -> None:
        if status not in RUN_STATUSES or status == "running":
            raise ValueError(f"finish_run status must be one of completed/interrupted/offline, not {status!r}")
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, counts = ? WHERE id = ?",
                (
                    status,
                    iso(now),
                    json.dumps(counts, ensure_ascii=False, sort_keys=True, default=str),
                    run_id,
                ),
            )
            if cursor.rowcount != 1:
                raise StoreError(f"no run {run_id}")

    def _run_row(self, row: dict) -> dict:
        row = dict(row)
        for key in ("options", "counts"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
        if row.get("status") == "running":
            row["pid_alive"] = _pid_alive(row.get("pid"))
        return row

    @_guarded
    def get_run(self, run_id: int) -> dict | None:
        rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        return self._run_row(rows[0]) if rows else None

    @_guarded
    def runs(self, limit: int | None = None) -> list[dict]:
        sql = "SELECT * FROM runs ORDER BY id DESC"
        params: list[Any] = []
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [self._run_row(row) for row in self.db.query(sql, params)]

    @_guarded
    def latest_run(self, *, finished: bool = False) -> dict | None:
        where = "WHERE finished_at IS NOT NULL" if finished else ""
        rows = list(self.db.query(f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT 1"))
        return self._run_row(rows[0]) if rows else None

    @_guarded
    def run_summary(self, run_id: int) -> dict:
        """Checks made in a run, by verdict and by change."""
        conn = self._require_conn()
        summary = self._verdict_counts(conn, run_id)
        for change in CHANGES:
            summary[change] = 0
        for change, count in conn.execute(
            "SELECT change, count(*) FROM checks WHERE run_id = ? AND change IS NOT NULL GROUP BY change",
            (run_id,),
        ):
            summary[change] = count
        return summary

    # ---- links ---------------------------------------------------------------------------

    @_guarded
    def sync_links(self, links: list[Link], *, now: datetime | None = None, files: Iterable[str] | None = None) -> None:
        """Record a scan: upsert every URL, replace its occurrences, mark the rest not cited.

        ``files``: the scan covered only these post files (a partial scan); only their
        occurrences are replaced and URLs cited elsewhere stay cited. None: a full scan.
        A URL that leaves every post keeps its history with ``cited = 0``.
        """
        at = iso(now)
        merged: dict[str, Link] = {}
        for link in links:
            if link.canonical in merged:
                merged[link.canonical].occurrences.extend(link.occurrences)
            else:
                merged[link.canonical] = Link(
                    link.url,
                    link.canonical,
                    link.host,
                    link.checkable,
                    link.skip_reason,
                    list(link.occurrences),
                )
        scope = None if files is None else sorted(set(files))
        with self._write() as conn:
            ids = dict(conn.execute("SELECT canonical, id FROM urls").fetchall())
            updates, inserts = [], []
            for link in merged.values():
                site = profile_for(link.host).name
                if link.canonical in ids:
                    updates.append((link.host, site, int(link.checkable), link.skip_reason, at, ids[link.canonical]))
                else:
                    inserts.append(
                        (
                            link.canonical,
                            link.url,
                            link.host,
                            site,
                            int(link.checkable),
                            link.skip_reason,
                            at,
                            at,
                        )
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
                "INSERT INTO occurrences (url_id, file, line, column, kind) VALUES (?, ?, ?, ?, ?)",
                [
                    # (A LinkKind is a str: sqlite3 binds it as its value.)
                    (ids[link.canonical], o.file, o.line, o.column, o.kind)
                    for link in merged.values()
                    for o in link.occurrences
                ],
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

    def _ensure_url(self, conn: sqlite3.Connection, canonical: str, at: str) -> int:
        """A URL checked without being in any post (e.g. a successor): recorded as not cited."""
        info = canonicalize(canonical)
        host = info.host
        cursor = conn.execute(
            "INSERT INTO urls (canonical, raw, host, site, checkable, skip_reason, first_seen, cited) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            (canonical, canonical, host, profile_for(host).name, int(info.checkable), info.skip_reason, at),
        )
        return int(cursor.lastrowid or 0)

    # ---- checks --------------------------------------------------------------------------

    def record_check(
        self, run_id: int | None, canonical: str, outcome: Outcome, *, now: datetime | None = None
    ) -> str | None:
        """Append one check and update the URL's state, in one committed transaction.

        Returns what the check changed: 'newly-dead', 'confirmed-dead', 'recovered',
        'newly-blocked' or None.
        """
        return self.record_checks(run_id, [(canonical, outcome, now)])[0]

    @_guarded
    def record_checks(
        self, run_id: int | None, checks: Sequence[tuple[str, Outcome, datetime | None]]
    ) -> list[str | None]:
        """Append several checks (canonical URL, outcome, when) in order, in one committed
        transaction: all or none. The nightly job's group commit (``linkcheck.run.job``): a
        transaction per check costs more than the check itself on a fast network. Returns each
        check's change (see :meth:`record_check`).

        Set-wise: one query reads the URLs' states, two ``executemany`` write the checks and the
        new states. Check ids are given explicitly (the next ids after the largest, read inside
        this write transaction), so each new state names its check without a round trip.
        """
        verdicts = [_verdict_value(outcome) for _, outcome, _ in checks]  # all valid before writing
        if not checks:
            return []
        with self._write() as conn:
            states = self._states_of(conn, {canonical for canonical, _, _ in checks})
            next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM checks").fetchone()[0]
            rows: list[tuple] = []
            changes: list[str | None] = []
            touched: dict[int, _State] = {}
            for (canonical, outcome, when), verdict in zip(checks, verdicts, strict=True):
                at = iso(when)
                found = states.get(canonical)
                if found is None:
                    url_id, old = self._ensure_url(conn, canonical, at), None
                else:
                    url_id, old = found
                # The change is known before the insert, so the append-only row is written once.
                new, change = _advance(old, next_id, at, verdict, outcome.reason, outcome.http_status, self.rules)
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
                    )
                )
                changes.append(change)
                states[canonical] = (url_id, new)
                touched[url_id] = new
                next_id += 1
            conn.executemany(
                "INSERT INTO checks (id, url_id, run_id, checked_at, verdict, reason, http_status, final_url, "
                "redirects, elapsed_ms, error, marker, change, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.executemany(
                f"INSERT OR REPLACE INTO url_state (url_id, {', '.join(_STATE_COLUMNS)}) "
                f"VALUES (?, {', '.join('?' * len(_STATE_COLUMNS))})",
                [(url_id, *astuple_state(state)) for url_id, state in touched.items()],
            )
            return changes

    @staticmethod
    def _states_of(conn: sqlite3.Connection, canonicals: set[str]) -> dict[str, tuple[int, _State | None]]:
        """canonical -> (url id, current state or None) for the URLs among ``canonicals`` known."""
        found: dict[str, tuple[int, _State | None]] = {}
        wanted = list(canonicals)
        columns = ", ".join(f"s.{c}" for c in _STATE_COLUMNS)
        for start in range(0, len(wanted), _SQL_VARIABLES):
            chunk = wanted[start : start + _SQL_VARIABLES]
            for canonical, url_id, *state in conn.execute(
                f"SELECT u.canonical, u.id, {columns} FROM urls u LEFT JOIN url_state s ON s.url_id = u.id "
                f"WHERE u.canonical IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                found[canonical] = (url_id, _State(*state) if state[0] is not None else None)
        return found

    @staticmethod
    def _write_state(conn: sqlite3.Connection, url_id: int, state: _State) -> None:
        conn.execute(
            f"INSERT OR REPLACE INTO url_state (url_id, {', '.join(_STATE_COLUMNS)}) "
            f"VALUES (?, {', '.join('?' * len(_STATE_COLUMNS))})",
            (url_id, *astuple_state(state)),
        )

    @_guarded
    def rebuild_state(self) -> int:
        """Recompute ``url_state`` from ``checks`` (after a settings change, or to verify it).

        The ``change`` column of past checks is history and stays as recorded. Returns the number
        of URLs with state.
        """
        with self._write() as conn:
            conn.execute("DELETE FROM url_state")
            current: int | None = None
            state: _State | None = None
            rows = conn.execute(
                "SELECT url_id, id, checked_at, verdict, reason, http_status FROM checks ORDER BY url_id, id"
            ).fetchall()
            count = 0
            for url_id, check_id, at, verdict, reason, http_status in rows:
                if url_id != current:
                    if current is not None and state is not None:
                        self._write_state(conn, current, state)
                        count += 1
                    current, state = url_id, None
                state, _ = _advance(state, check_id, at, verdict, reason, http_status, self.rules)
            if current is not None and state is not None:
                self._write_state(conn, current, state)
                count += 1
            return count

    # ---- queries -------------------------------------------------------------------------

    @_guarded
    def link_states(self, *, cited_only: bool = True, checkable_only: bool = True) -> list[UrlState]:
        """Per URL (by default: cited and checkable ones), what the scheduler plans from."""
        where = []
        if cited_only:
            where.append("u.cited = 1")
        if checkable_only:
            where.append("u.checkable = 1")
        rules = self.rules
        result = []
        for row in self._require_conn().execute(
            "SELECT u.canonical, u.site, u.host, s.verdict, s.last_checked_at, coalesce(s.dead_checks, 0), "
            "s.failing_since, s.first_dead_at, s.last_dead_at "
            "FROM urls u LEFT JOIN url_state s ON s.url_id = u.id "
            + (f"WHERE {' AND '.join(where)} " if where else "")
            + "ORDER BY u.id"
        ):
            canonical, site, host, verdict, last, dead_checks, failing, first_dead, last_dead = row
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
                )
            )
        return result

    def _find_url(self, url: str) -> tuple[int, str] | None:
        conn = self._require_conn()
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

    def _occurrences(self, url_ids: Iterable[int]) -> dict[int, list[dict]]:
        ids = sorted(set(url_ids))
        found: dict[int, list[dict]] = {i: [] for i in ids}
        conn = self._require_conn()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for url_id, file, line, column, kind in conn.execute(
                "SELECT url_id, file, line, column, kind FROM occurrences "
                f"WHERE url_id IN ({', '.join('?' * len(chunk))}) ORDER BY url_id, file, line, column",
                chunk,
            ):
                found[url_id].append({"file": file, "line": line, "column": column, "kind": kind})
        return found

    @_guarded
    def url_info(self, url: str) -> dict | None:
        """The ``link_status`` row of a URL (raw or canonical) with its occurrences, or None."""
        found = self._find_url(url)
        if found is None:
            return None
        row = next(self.db.query("SELECT * FROM link_status WHERE url_id = ?", [found[0]]))
        row["cited"] = bool(row["cited"])
        row["checkable"] = bool(row["checkable"])
        row["confirmed"] = self.rules.confirmed(row["dead_checks"], row["first_dead_at"], row["last_dead_at"])
        row["occurrences"] = self._occurrences([found[0]])[found[0]]
        return row

    @_guarded
    def history(self, url: str) -> list[dict]:
        """Every check of a URL (raw or canonical), oldest first; [] when unknown."""
        found = self._find_url(url)
        if found is None:
            return []
        rows = []
        for row in self.db.query(
            "SELECT id AS check_id, run_id, checked_at, verdict, reason, http_status, final_url, redirects, "
            "elapsed_ms, error, marker, change, via FROM checks WHERE url_id = ? ORDER BY id",
            [found[0]],
        ):
            row["redirects"] = json.loads(row["redirects"] or "[]")
            rows.append(row)
        return rows

    def _with_occurrences(self, rows: list[dict]) -> list[dict]:
        occurrences = self._occurrences(row["url_id"] for row in rows)
        for row in rows:
            row["occurrences"] = occurrences[row["url_id"]]
        return rows

    @_guarded
    def dead_links(self, include_suspected: bool = False) -> list[dict]:
        """Confirmed dead cited links (the ``dead_links`` view) with their occurrences.

        ``include_suspected`` adds cited links whose dead streak is not confirmed yet; every row
        has ``confirmed`` (bool).
        """
        where = "" if include_suspected else "WHERE confirmed"
        rows = list(
            self.db.query(f"SELECT * FROM dead_candidates {where} ORDER BY confirmed DESC, first_dead_at, canonical")
        )
        for row in rows:
            row["confirmed"] = bool(row["confirmed"])
        return self._with_occurrences(rows)

    @_guarded
    def flaky_links(self) -> list[dict]:
        return self._with_occurrences(
            list(self.db.query("SELECT * FROM flaky_links ORDER BY transitions DESC, canonical"))
        )

    def _change_rows(self, run_id: int, change: str | None = None) -> list[dict]:
        sql = "SELECT * FROM changes WHERE run_id = ?"
        params: list[Any] = [run_id]
        if change is not None:
            sql += " AND change = ?"
            params.append(change)
        return list(self.db.query(sql + " ORDER BY check_id", params))

    @_guarded
    def changes(self, run_id: int | None = None) -> dict[str, list[dict]]:
        """What a run changed (default: the latest finished run), against each URL's previous check.

        Keys: ``newly_dead`` (first dead since alive/ever), ``confirmed_dead``, ``recovered``
        (alive after dead), ``newly_blocked`` (blocked after anything else).
        """
        result: dict[str, list[dict]] = {c.replace("-", "_"): [] for c in CHANGES}
        if run_id is None:
            row = (
                self._require_conn()
                .execute("SELECT id FROM runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1")
                .fetchone()
            )
            if row is None:
                return result
            run_id = int(row[0])
        for row in self._change_rows(run_id):
            result[row["change"].replace("-", "_")].append(row)
        for rows in result.values():
            self._with_occurrences(rows)
        return result

    @_guarded
    def newly_confirmed_dead(self, run_id: int) -> list[dict]:
        """URLs this run confirmed dead (they were not confirmed before): drives exit code 1."""
        return self._with_occurrences(self._change_rows(run_id, "confirmed-dead"))

    @_guarded
    def totals(self) -> dict[str, int]:
        """Database-wide counts for the status summary."""
        conn = self._require_conn()
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
            "checks": conn.execute("SELECT count(*) FROM checks").fetchone()[0],
            **{f"now_{v}": by_verdict.get(v, 0) for v in VERDICTS},
        }

    # ---- captures (WARC records written by linkcheck.archive) ----------------------------

    _CAPTURE_FIELDS = (
        "url", "kind", "page_capture_id", "run_id", "warc_date", "warc_file", "warc_offset",
        "warc_length", "warc_record_id", "record_type", "refers_to", "payload_digest",
        "payload_length", "truncated", "http_status", "content_type", "title", "excerpt",
    )  # fmt: skip

    @_guarded
    def record_capture(self, *, canonical: str | None = None, now: datetime | None = None, **fields: Any) -> int:
        """Remember one response/revisit record written to a WARC file; returns the capture id.

        ``canonical``: the cited URL this record captures (kind ``page``); a URL not in ``urls``
        yet is added as not cited. Requisites and redirect hops pass ``page_capture_id`` instead.
        Call it only after the record is flushed to the WARC file.
        """
        unknown = set(fields) - set(self._CAPTURE_FIELDS)
        if unknown:
            raise ValueError(f"unknown capture fields: {', '.join(sorted(unknown))}")
        if fields.get("kind") not in CAPTURE_KINDS:
            raise ValueError(f"capture kind must be one of {CAPTURE_KINDS}, not {fields.get('kind')!r}")
        at = iso(now)
        with self._write() as conn:
            url_id = None
            if canonical is not None:
                row = conn.execute("SELECT id FROM urls WHERE canonical = ?", (canonical,)).fetchone()
                url_id = int(row[0]) if row is not None else self._ensure_url(conn, canonical, at)
            names = ["url_id", "captured_at", *fields]
            cursor = conn.execute(
                f"INSERT INTO captures ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                (url_id, at, *fields.values()),
            )
            return int(cursor.lastrowid or 0)

    def _capture_row(self, row: dict | None) -> dict | None:
        """A captures row plus ``original``: the row holding the payload (itself unless a revisit)."""
        if row is None:
            return None
        row = dict(row)
        original = row
        seen = {row["id"]}
        while original["record_type"] == "revisit" and original["refers_to"] is not None:
            found = list(self.db.query("SELECT * FROM captures WHERE id = ?", [original["refers_to"]]))
            if not found or found[0]["id"] in seen:
                break
            original = found[0]
            seen.add(original["id"])
        row["original"] = original if original is not row else None
        return row

    @_guarded
    def capture(self, capture_id: int) -> dict | None:
        """One captures row by id (with ``original`` for a revisit), or None."""
        rows = list(self.db.query("SELECT * FROM captures WHERE id = ?", [capture_id]))
        return self._capture_row(rows[0]) if rows else None

    @_guarded
    def latest_capture(self, url: str) -> dict | None:
        """The newest capture of ``url``: a cited page (raw or canonical form), else any captured URL.

        The row has the captures columns, ``canonical`` (None for requisites) and ``original``:
        for a revisit, the earlier response whose payload it repeats (else None).
        """
        found = self._find_url(url)
        rows: list[dict] = []
        if found is not None:
            rows = list(
                self.db.query(
                    "SELECT c.*, u.canonical FROM captures c JOIN urls u ON u.id = c.url_id "
                    "WHERE c.url_id = ? AND c.kind = 'page' ORDER BY c.captured_at DESC, c.id DESC LIMIT 1",
                    [found[0]],
                )
            )
        if not rows:
            rows = list(
                self.db.query(
                    "SELECT c.*, u.canonical FROM captures c LEFT JOIN urls u ON u.id = c.url_id "
                    "WHERE c.url = ? ORDER BY c.captured_at DESC, c.id DESC LIMIT 1",
                    [url.strip()],
                )
            )
        return self._capture_row(rows[0]) if rows else None

    @_guarded
    def captures_of(self, url: str) -> list[dict]:
        """Every page capture of a cited URL (raw or canonical), oldest first."""
        found = self._find_url(url)
        if found is None:
            return []
        return list(
            self.db.query(
                "SELECT * FROM captures WHERE url_id = ? AND kind = 'page' ORDER BY captured_at, id",
                [found[0]],
            )
        )

    @_guarded
    def capture_by_digest(self, digest: str) -> dict | None:
        """The newest complete (not truncated) response record with this payload digest, or None."""
        rows = list(
            self.db.query(
                "SELECT * FROM captures WHERE payload_digest = ? AND record_type = 'response' "
                "AND truncated IS NULL ORDER BY id DESC LIMIT 1",
                [digest],
            )
        )
        return rows[0] if rows else None

    @_guarded
    def last_page_captures(self) -> dict[str, str]:
        """canonical URL → when its newest page capture was made, for every URL that has one
        (the archive's capture policy, consulted before a check run fetches anything)."""
        rows = self._require_conn().execute(
            "SELECT u.canonical, max(c.captured_at) FROM captures c JOIN urls u ON u.id = c.url_id "
            "WHERE c.kind = 'page' GROUP BY c.url_id"
        )
        return {canonical: captured_at for canonical, captured_at in rows}

    @_guarded
    def pending_captures(
        self, *, max_age: timedelta | None = None, now: datetime | None = None, limit: int | None = None
    ) -> list[dict]:
        """Cited, checkable URLs whose last check said ``alive`` and that need a capture.

        Needed: never captured, or (``max_age`` given) the newest page capture is older than it.
        Order: never-captured first, then by the site's ``archive_priority`` (decay risk: WeChat,
        Zhihu, CSDN, …), then the oldest capture, then the order the URLs were first seen.
        """
        from linkcheck.sites import GENERIC, profile_by_name

        cutoff = iso(to_utc(now) - max_age) if max_age is not None else None
        rows = list(
            self.db.query(
                "SELECT u.id AS url_id, u.canonical, u.site, u.host, s.last_alive_at, "
                f"{_LAST_CAPTURED} AS last_captured_at "
                "FROM urls u JOIN url_state s ON s.url_id = u.id "
                "WHERE u.cited = 1 AND u.checkable = 1 AND s.verdict = 'alive'"
            )
        )

        def priority(site: str) -> int:
            try:
                return profile_by_name(site).archive_priority
            except KeyError:
                return GENERIC.archive_priority

        due = [
            row
            for row in rows
            if row["last_captured_at"] is None or (cutoff is not None and row["last_captured_at"] <= cutoff)
        ]
        for row in due:
            row["priority"] = priority(row["site"])
        due.sort(
            key=lambda r: (
                r["last_captured_at"] is not None,
                r["priority"],
                r["last_captured_at"] or "",
                r["url_id"],
            )
        )
        return due[:limit] if limit is not None else due

    @_guarded
    def forget_captures_beyond(self, warc_file: str, size: int) -> int:
        """Drop captures whose record lies past ``size`` bytes of ``warc_file`` (cut by a repair).

        Revisits of a dropped record go too (their payload is gone); requisites of a dropped page
        keep their row with no page. Returns how many rows were dropped.
        """
        with self._write() as conn:
            lost = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM captures WHERE warc_file = ? AND warc_offset + warc_length > ?",
                    (warc_file, size),
                )
            ]
            dropped = 0
            while lost:
                marks = ", ".join("?" * len(lost))
                conn.execute(f"UPDATE captures SET page_capture_id = NULL WHERE page_capture_id IN ({marks})", lost)
                dependants = [
                    row[0]
                    for row in conn.execute(
                        f"SELECT id FROM captures WHERE refers_to IN ({marks}) AND id NOT IN ({marks})",
                        lost + lost,
                    )
                ]
                conn.execute(f"UPDATE captures SET refers_to = NULL WHERE refers_to IN ({marks})", lost)
                dropped += conn.execute(f"DELETE FROM captures WHERE id IN ({marks})", lost).rowcount
                lost = dependants
            return dropped

    @_guarded
    def capture_files(self) -> list[str]:
        """The WARC file names that hold captures, oldest first."""
        return [
            row[0]
            for row in self._require_conn().execute(
                "SELECT warc_file FROM captures GROUP BY warc_file ORDER BY min(id)"
            )
        ]

    @_guarded
    def page_captures(self) -> list[dict]:
        """Every page capture (response or revisit), oldest first, with the page's canonical URL."""
        return list(
            self.db.query(
                "SELECT c.*, u.canonical FROM captures c JOIN urls u ON u.id = c.url_id "
                "WHERE c.kind = 'page' ORDER BY c.id"
            )
        )

    @_guarded
    def capture_totals(self) -> dict[str, int]:
        """How many pages are captured, records by type, and payload bytes stored."""
        conn = self._require_conn()
        pages, records, responses, revisits, stored = conn.execute(
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


__all__ = [
    "CAPTURE_KINDS",
    "CHANGES",
    "DEFAULT_DB",
    "MIGRATIONS",
    "RUN_STATUSES",
    "VIAS",
    "VIEWS",
    "Rules",
    "Store",
    "StoreError",
    "UrlState",
    "code_schema_version",
    "iso",
    "parse_time",
    "to_utc",
    "utc_now",
]
