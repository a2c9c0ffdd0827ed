"""The open history file: validating and upgrading it, its connection, lock and write transactions.

Opening never recreates or overwrites: a file that is not SQLite, a SQLite file that is not a
linkcheck database, or a database from a newer linkcheck raises :class:`StoreError` untouched; an
older schema is upgraded by the numbered migrations of :mod:`linkcheck.store.schema` in one
transaction. The repositories share one :class:`Database` and serialise on its lock (the nightly
job's writer thread and the event loop use one store).
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from linkcheck.store import schema

SQLITE_HEADER = b"SQLite format 3\x00"
# Bound parameters per statement when reading rows set-wise (SQLite's limit is 32,766 since 3.32).
SQL_VARIABLES = 500

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])


class StoreError(Exception):
    """The database cannot be used: missing, not ours, corrupt, too new or busy."""


def chunks(values: Sequence[_T], size: int = SQL_VARIABLES) -> Iterator[Sequence[_T]]:
    """``values`` in slices of at most ``size``: one ``IN (?, …)`` statement each."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def marks(values: Sequence[object]) -> str:
    """The ``?, ?, …`` placeholders for ``values``."""
    return ", ".join("?" * len(values))


class Database:
    """One open history file, shared by the repositories. Not for sharing between processes."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._conn: sqlite3.Connection | None = conn
        # sqlite-utils for reads that want rows as dicts (and for the migrations' create_view).
        self.utils = sqlite_utils.Database(conn, execute_plugins=False)

    @classmethod
    def open(cls, path: Path, *, create: bool, timeout: float) -> Database:
        """Open (and upgrade) the database at ``path``; with ``create`` make it if missing."""
        _check_file(path, create)
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open database: {exc}") from exc
        try:
            db = cls(path, conn)
            db._prepare(create)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{path}: database error: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        return db

    # ---- the connection --------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        return self.require_open()

    def require_open(self) -> sqlite3.Connection:
        """The connection; StoreError once the store is closed."""
        if self._conn is None:
            raise StoreError(f"{self.path}: the store is closed")
        return self._conn

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict]:
        """The rows of ``sql`` as dicts (column name → value)."""
        return list(self.utils.query(sql, params))

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> dict | None:
        """The first row of ``sql`` as a dict, or None when there is none."""
        return next(iter(self.utils.query(sql, params)), None)

    def close(self) -> None:
        with self.lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                finally:
                    self._conn = None

    @property
    def schema_version(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Serialise access and turn SQLite failures into StoreError (the CLI maps it to exit 2)."""
        with self.lock:
            self.require_open()
            try:
                yield
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: database error: {exc}") from exc

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), or a savepoint inside an open one."""
        with self.lock:
            conn = self.conn
            if conn.in_transaction:
                with self.utils.atomic():
                    yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # (an error such as a full disk may have rolled it back already)
                    conn.execute("ROLLBACK")
                raise

    # ---- validating and upgrading ------------------------------------------------------------

    def _read_version(self) -> int:
        """0 for an empty database; raises StoreError for one that is not ours."""
        conn = self.conn
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
        if meta.get("app") != schema.APP_ID:
            raise StoreError(f"{self.path}: not a linkcheck database (no app marker); refusing to touch it")
        try:
            return int(meta.get("schema_version", "0"))
        except ValueError:
            raise StoreError(f"{self.path}: unreadable schema_version {meta.get('schema_version')!r}") from None

    def _prepare(self, create: bool) -> None:
        conn = self.conn
        version = self._read_version()
        current = schema.code_schema_version()
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
        with self.write() as conn:
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = self._read_version()
            for number in range(version, schema.code_schema_version()):
                schema.MIGRATIONS[number](self.utils)
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(number + 1),)
                )


def _check_file(path: Path, create: bool) -> None:
    if not path.exists():
        if not create:
            raise StoreError(f"{path}: no history database (run `linkcheck check` first)")
        return
    if not path.is_file():
        raise StoreError(f"{path}: not a file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc}") from exc
    if header and header != SQLITE_HEADER:
        raise StoreError(f"{path}: not a SQLite database; refusing to touch it")


class Repository:
    """One concern's queries over the shared :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db


def guarded(method: _F) -> _F:
    """A repository method run under :meth:`Database.guard` (lock, closed check, StoreError)."""

    @functools.wraps(method)
    def wrapper(self: Repository, *args: Any, **kwargs: Any) -> Any:
        with self._db.guard():
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


__all__ = ["SQL_VARIABLES", "Database", "Repository", "StoreError", "chunks", "guarded", "marks"]
