"""The history database's schema: tables, views, and the numbered migrations that build them.

``meta.schema_version`` counts the migrations applied; :mod:`linkcheck.store.database` applies the
missing ones when a file is opened. Append only: never edit a released migration (a database
made by it must stay exactly what it made); a later one that changes a view drops and recreates it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

from sqlite_utils import Database

APP_ID = "linkcheck"

RUN_STATUSES = ("running", "completed", "interrupted", "offline")
VERDICTS = ("alive", "dead", "blocked", "error", "skipped")
CHANGES = ("newly-dead", "confirmed-dead", "recovered", "newly-blocked")
CAPTURE_KINDS = ("page", "redirect", "requisite")

# The thresholds the views and the state rules read (migration 1 seeds them): value, description.
DEFAULT_SETTINGS: dict[str, tuple[float, str]] = {
    "confirm_checks": (3, "dead checks (since the last alive) needed to confirm a URL dead"),
    "confirm_days": (7, "days between the first and last of those dead checks, at least"),
    "flaky_window": (10, "how many recent checks url_state.recent keeps"),
    "flaky_transitions": (2, "alive<->dead flips within the window that make a link flaky"),
}

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
LAST_CAPTURED = """(SELECT max(c.captured_at) FROM captures c WHERE c.url_id = u.id AND c.kind = 'page')"""


def _with_columns(view: str, after: str, columns: str) -> str:
    """``view`` (a frozen text) with ``columns`` added after its select-list item ``after``."""
    anchor = f"{after}\n"
    if view.count(anchor) != 1:
        raise AssertionError(f"no single {after!r} line to add columns after")
    return view.replace(anchor, f"{after},\n       {columns}\n")


# Migration 2's views: migration 1's, each with the capture columns added at the end.
_VIEWS_V2: dict[str, str] = {
    "dead_candidates": _with_columns(
        _VIEWS_V1["dead_candidates"],
        f"{_CITED_IN} AS cited_in",
        f"{LAST_CAPTURED} IS NOT NULL AS captured,\n       {LAST_CAPTURED} AS last_captured_at",
    ),
    "dead_links": _with_columns(
        _VIEWS_V1["dead_links"],
        "dead_days, first_failed_at, last_alive_at, last_checked_at, cited_in",
        "captured, last_captured_at",
    ),
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
    """``checks.via``: which checker decided each check — ``http``, ``browser`` (the headless
    browser the runner escalates walls to) or ``local`` (a link into the blog, checked from its
    source tree). Every check recorded before was the HTTP client's."""
    db.execute(
        "ALTER TABLE checks ADD COLUMN via TEXT NOT NULL DEFAULT 'http' CHECK (via IN ('http', 'browser', 'local'))"
    )


_SCHEMA_V4 = """
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

# Whether the latest page capture of a URL (the response it repeats, for a revisit) has a readable
# copy: NULL when the URL was never captured.
READABLE = f"""CASE WHEN {LAST_CAPTURED} IS NULL THEN NULL ELSE EXISTS (
           SELECT 1 FROM readable_copies r WHERE r.page_capture_id = (
               SELECT coalesce(c.refers_to, c.id) FROM captures c WHERE c.url_id = u.id AND c.kind = 'page'
                ORDER BY c.captured_at DESC, c.id DESC LIMIT 1)) END"""

# Migration 4's views: migration 2's dead-link views with ``readable`` at the end.
_VIEWS_V4: dict[str, str] = {
    "dead_candidates": _with_columns(
        _VIEWS_V2["dead_candidates"], f"{LAST_CAPTURED} AS last_captured_at", f"{READABLE} AS readable"
    ),
    "dead_links": _with_columns(_VIEWS_V2["dead_links"], "captured, last_captured_at", "readable"),
}

VIEWS = {**VIEWS, **_VIEWS_V4}


def _migrate_4(db: Database) -> None:
    """Readable copies (``linkcheck.archive.readable``) beside page captures, and ``readable`` on
    the dead-link views."""
    for statement in _statements(_SCHEMA_V4):
        db.execute(statement)
    db.execute("DROP VIEW dead_links")
    db.execute("DROP VIEW dead_candidates")
    for name in ("dead_candidates", "dead_links"):
        db.create_view(name, _VIEWS_V4[name].strip())


def _migrate_5(db: Database) -> None:
    """``checks.redirect_statuses``: the HTTP status of each hop of ``redirects`` (a JSON list in
    the same order), so a permanent redirect (301/308) can be told from a temporary one
    (``linkcheck fix`` proposes only the former). Checks recorded before have ``[]``: unknown."""
    db.execute("ALTER TABLE checks ADD COLUMN redirect_statuses TEXT NOT NULL DEFAULT '[]'")


_SCHEMA_V6 = """
CREATE TABLE soft404_probes (
    host TEXT PRIMARY KEY,
    probed_at TEXT NOT NULL,
    probe_url TEXT NOT NULL,
    status INTEGER NOT NULL,
    final_url TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    soft INTEGER NOT NULL CHECK (soft IN (0, 1))
);
"""


def _migrate_6(db: Database) -> None:
    """Soft-404 probes (``linkcheck.soft404``): each host's latest answer for a URL that cannot
    exist — normalised title and main text, not the page — and whether it was a 200 (``soft``)."""
    for statement in _statements(_SCHEMA_V6):
        db.execute(statement)


_SCHEMA_V7 = """
ALTER TABLE url_state ADD COLUMN error_checks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE url_state ADD COLUMN first_error_at TEXT;
ALTER TABLE url_state ADD COLUMN last_error_at TEXT;
ALTER TABLE url_state ADD COLUMN error_reason TEXT;
CREATE INDEX url_state_errors ON url_state (error_checks) WHERE error_checks > 0;
ALTER TABLE occurrences ADD COLUMN title TEXT;
ALTER TABLE checks ADD COLUMN title TEXT;
ALTER TABLE checks ADD COLUMN title_similarity REAL;
ALTER TABLE checks ADD COLUMN drifted INTEGER CHECK (drifted IN (0, 1));
CREATE INDEX checks_titled ON checks (url_id, id) WHERE title IS NOT NULL;
"""

_SPAN_ENOUGH = """s.error_checks >= (SELECT value FROM settings WHERE key = 'confirm_checks')
   AND strftime('%s', s.last_error_at) - strftime('%s', s.first_error_at)
       >= 86400 * (SELECT value FROM settings WHERE key = 'confirm_days')"""

# The first page capture's title (what the archive saw the first time it saved the page).
FIRST_CAPTURE_TITLE = """(SELECT c.title FROM captures c
          WHERE c.url_id = u.id AND c.kind = 'page' AND c.record_type = 'response' AND c.title IS NOT NULL
          ORDER BY c.captured_at, c.id LIMIT 1)"""

# Migration 7's views: links that never come back, and pages that are no longer what was cited.
_VIEWS_V7: dict[str, str] = {
    # An error streak (error checks since the last alive or dead one; blocked and skipped checks
    # are neutral) as long as a confirmed dead one: confirm_checks checks over confirm_days days.
    "unreachable_links": f"""
SELECT u.id AS url_id, u.canonical, u.site,
       s.error_reason AS reason,
       s.verdict AS current_verdict,
       s.error_checks, s.first_error_at, s.last_error_at,
       round((strftime('%s', s.last_error_at) - strftime('%s', s.first_error_at)) / 86400.0, 2)
           AS error_days,
       s.last_alive_at, s.last_checked_at,
       {_CITED_IN} AS cited_in,
       {LAST_CAPTURED} IS NOT NULL AS captured,
       {LAST_CAPTURED} AS last_captured_at,
       {READABLE} AS readable
  FROM url_state s JOIN urls u ON u.id = s.url_id
 WHERE s.error_checks > 0 AND u.cited = 1
   AND {_SPAN_ENOUGH}""",
    # The latest check that read the page's title, when it was a strong mismatch with every title
    # known before (linkcheck.drift): a flag, not a verdict; dead links are listed as dead.
    "drifted_links": f"""
SELECT u.id AS url_id, u.canonical, u.site,
       c.title AS page_title,
       (SELECT o.title FROM occurrences o WHERE o.url_id = u.id AND o.title IS NOT NULL
         ORDER BY o.file, o.line LIMIT 1) AS cited_title,
       {FIRST_CAPTURE_TITLE} AS first_capture_title,
       c.title_similarity AS similarity,
       c.checked_at, c.id AS check_id,
       s.verdict AS current_verdict,
       {_CITED_IN} AS cited_in
  FROM urls u
  JOIN url_state s ON s.url_id = u.id
  JOIN checks c ON c.id = (SELECT max(t.id) FROM checks t WHERE t.url_id = u.id AND t.title IS NOT NULL)
 WHERE u.cited = 1 AND c.drifted = 1 AND s.verdict <> 'dead'""",
}

VIEWS = {**VIEWS, **_VIEWS_V7}


def _migrate_7(db: Database) -> None:
    """Links that never come back and content drift: the error streak in ``url_state`` (computed
    from the recorded checks), the cited title on each occurrence, the page's title and its drift
    on each check, and the views ``unreachable_links`` and ``drifted_links``."""
    from linkcheck.store.checks import rebuild_url_state  # checks → database → schema: not at import
    from linkcheck.store.state import Rules

    for statement in _statements(_SCHEMA_V7):
        db.execute(statement)
    values = dict(db.execute("SELECT key, value FROM settings").fetchall())
    rules = Rules(
        confirm_checks=int(values.get("confirm_checks", 3)),
        confirm_days=float(values.get("confirm_days", 7)),
        flaky_window=int(values.get("flaky_window", 10)),
        flaky_transitions=int(values.get("flaky_transitions", 2)),
    )
    rebuild_url_state(db.conn, rules)
    for name in ("unreachable_links", "drifted_links"):
        db.create_view(name, _VIEWS_V7[name].strip())


# MIGRATIONS[i] upgrades a database at schema version i to version i + 1 (see the module's note).
MIGRATIONS: list[Callable[[Database], None]] = [
    _migrate_1, _migrate_2, _migrate_3, _migrate_4, _migrate_5, _migrate_6, _migrate_7,
]  # fmt: skip


def code_schema_version() -> int:
    return len(MIGRATIONS)


__all__ = [
    "APP_ID",
    "CAPTURE_KINDS",
    "CHANGES",
    "DEFAULT_SETTINGS",
    "FIRST_CAPTURE_TITLE",
    "LAST_CAPTURED",
    "MIGRATIONS",
    "RUN_STATUSES",
    "VERDICTS",
    "VIEWS",
    "code_schema_version",
]
