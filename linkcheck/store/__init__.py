"""The history database: every run, every URL, where it is cited, and every check ever made.

One SQLite file (default ``state/linkcheck.db``), written through sqlite-utils and readable with
plain ``sqlite3``. :class:`Store` opens it and hands out one repository per concern:

========================  =====================================================================
``store.settings``        the thresholds (:mod:`~linkcheck.store.settings`)
``store.runs``            runs (:mod:`~linkcheck.store.runs`)
``store.links``           URLs and their occurrences in the posts (:mod:`~linkcheck.store.links`)
``store.checks``          checks and per-URL state (:mod:`~linkcheck.store.checks`)
``store.captures``        WARC captures (:mod:`~linkcheck.store.captures`)
``store.readable``        readable copies beside page captures (:mod:`~linkcheck.store.readable`)
``store.queries``         what the commands and the report read (:mod:`~linkcheck.store.queries`)
========================  =====================================================================

Underneath: :mod:`~linkcheck.store.schema` (tables, views, migrations),
:mod:`~linkcheck.store.database` (opening, validating, upgrading; the connection, its lock and
write transactions), :mod:`~linkcheck.store.state` (the per-URL state machine) and
:mod:`~linkcheck.store.times` (how times are stored). Design rules:

* ``checks`` is append-only (triggers refuse UPDATE and DELETE). Each row also carries ``change``,
  what that check changed for its URL (``newly-dead``, ``confirmed-dead``, ``recovered``,
  ``newly-blocked``), derived at insert time from the URL's previous state and never rewritten.
* ``url_state`` is a per-URL summary (current verdict, streaks, dead-streak bounds, recent
  pattern) updated in the same transaction as the check insert, so the views stay fast at
  millions of checks. It is a cache of ``checks``: ``store.checks.rebuild_state()`` recomputes it.
* Dead-streak rule: ``alive`` breaks a dead streak; ``dead`` extends it; ``blocked``, ``error`` and
  ``skipped`` are *neutral* — they neither extend nor break it (an anti-bot wall or a timeout says
  nothing about the content). A URL is **confirmed dead** when the dead checks since its last
  ``alive`` number at least ``confirm_checks`` and the first and last of them are at least
  ``confirm_days`` apart. Both thresholds live in the ``settings`` table, which the views read, so
  plain SQL and the commands agree.
* WAL journal, ``synchronous=NORMAL``. ``store.checks.record`` is one transaction;
  ``store.checks.record_many`` writes a group of checks in one (the nightly job commits at the
  latest a second after a check arrives, so a ``kill -9`` loses at most that second's checks).
* Opening never recreates or overwrites: a file that is not SQLite, a SQLite file that is not a
  linkcheck database, or a database from a newer linkcheck raises :class:`StoreError` untouched;
  an older schema is upgraded by numbered migrations in one transaction.

Times are ISO-8601 UTC strings (``2025-01-31T18:02:03Z``); every time-taking method accepts an
injected ``now`` so tests can simulate days.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from linkcheck.store.captures import Captures
from linkcheck.store.checks import Checks, UrlState
from linkcheck.store.database import Database, StoreError
from linkcheck.store.links import Links
from linkcheck.store.queries import Queries
from linkcheck.store.readable import ReadableCopies
from linkcheck.store.runs import Runs
from linkcheck.store.schema import CAPTURE_KINDS, CHANGES, RUN_STATUSES, VIEWS, code_schema_version
from linkcheck.store.settings import Settings
from linkcheck.store.state import Rules
from linkcheck.store.times import iso, parse_time, to_utc, utc_now

DEFAULT_DB = Path("state/linkcheck.db")


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
        if confirm_checks is not None and (int(confirm_checks) != confirm_checks or confirm_checks < 1):
            raise ValueError("confirm_checks must be a positive integer")
        if confirm_days is not None and confirm_days < 0:
            raise ValueError("confirm_days must be >= 0")
        self._db = Database.open(Path(path), create=create, timeout=timeout)
        try:
            with self._db.guard():
                self.settings = Settings(self._db)
                wanted = {"confirm_checks": confirm_checks, "confirm_days": confirm_days}
                self.settings.save({k: v for k, v in wanted.items() if v is not None})
        except BaseException:
            self._db.close()
            raise
        self.runs = Runs(self._db)
        self.links = Links(self._db)
        self.checks = Checks(self._db, self.settings)
        self.captures = Captures(self._db, self.links)
        self.readable = ReadableCopies(self._db)
        self.queries = Queries(self._db, self.links, self.settings)

    @property
    def path(self) -> Path:
        return self._db.path

    @property
    def db(self) -> sqlite_utils.Database:
        """The file through sqlite-utils, for ad-hoc SQL (tests, scripts); the commands use the
        repositories."""
        return self._db.utils

    @property
    def schema_version(self) -> int:
        return self._db.schema_version

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def batch(self) -> Iterator[Store]:
        """Group many writes into one transaction (bulk imports, benchmarks, simulations).

        The nightly runner does not: its group commit (``store.checks.record_many``,
        ``linkcheck.run.job``) bounds how much a crash can lose to the last second's checks.
        """
        with self._db.guard(), self._db.write():
            yield self


__all__ = [
    "CAPTURE_KINDS",
    "CHANGES",
    "DEFAULT_DB",
    "RUN_STATUSES",
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
