"""The history store: schema safety, migrations, sync, the dead-streak rule, views vs methods."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkcheck.models import Link, LinkKind, Occurrence, Outcome, Verdict, Via
from linkcheck.store import Store, StoreError, iso, schema
from linkcheck.store.state import Rules, State, advance

T0 = datetime(2025, 1, 1, 18, 0, tzinfo=UTC)
WX = "https://mp.weixin.qq.com/s/"


def day(n: float, minutes: int = 0) -> datetime:
    return T0 + timedelta(days=n, minutes=minutes)


def link(canonical: str, *places: tuple[str, int], raw: str | None = None, checkable: bool = True) -> Link:
    host = canonical.split("/")[2] if "://" in canonical else ""
    return Link(
        raw or canonical,
        canonical,
        host,
        checkable,
        None if checkable else "scheme:mailto",
        [Occurrence(file, line, 1, LinkKind.MARKDOWN_LINK) for file, line in places],
    )


def outcome(verdict: Verdict | str, reason: str | None = None, status: int | None = None) -> Outcome:
    verdict = Verdict(verdict)
    default = {"alive": "ok", "dead": "http-404", "blocked": "antibot:zhihu-403", "error": "timeout"}
    return Outcome(verdict, reason or default.get(verdict.value, "skipped"), status)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sql(path: Path, query: str, params: tuple = ()) -> list[tuple]:
    """Plain sqlite3, as the owner would: no linkcheck code involved."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "linkcheck.db"


@pytest.fixture
def store(db_path: Path):
    with Store(db_path) as opened:
        yield opened


def record_nights(store: Store, url: str, verdicts: list[tuple[float, str]]) -> list[str | None]:
    """One run per entry: (day, verdict). Returns the change each check recorded."""
    changes = []
    for when, verdict in verdicts:
        run = store.runs.begin({}, now=day(when))
        changes.append(store.checks.record(run, url, outcome(verdict), now=day(when, 5)))
        store.runs.finish(run, "completed", {}, now=day(when, 10))
    return changes


# ---- opening, refusing, migrating ---------------------------------------------------------


def test_new_database_is_created_in_wal_with_schema_and_settings(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.schema_version == schema.code_schema_version()
        assert store.settings.values() == {
            "confirm_checks": 3,
            "confirm_days": 7,
            "flaky_window": 10,
            "flaky_transitions": 2,
        }
    assert db_path.exists()
    assert sql(db_path, "PRAGMA journal_mode") == [("wal",)]
    names = {name for (name,) in sql(db_path, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    assert {"meta", "settings", "runs", "urls", "occurrences", "checks", "url_state"} <= names
    assert {"link_status", "dead_links", "flaky_links", "changes", "run_summary"} <= names


def test_sync_merges_links_of_one_url_and_leaves_the_scan_as_it_was(store: Store) -> None:
    """Two Links of one canonical URL (a partial scan's, or a caller's) record one URL with every
    place; the Links given are not changed (the run goes on using them)."""
    first = link("https://a.example/x", ("posts/a.md", 1), raw="http://a.example/x")
    second = link("https://a.example/x", ("posts/b.md", 2), ("posts/b.md", 7))
    other = link("https://b.example/y", ("posts/a.md", 3))
    store.links.sync([first, other, second], now=day(0))
    rows = store.db.query(
        "SELECT u.canonical, u.raw, o.file, o.line FROM occurrences o JOIN urls u ON u.id = o.url_id "
        "ORDER BY u.canonical, o.file, o.line"
    )
    assert [(r["canonical"], r["raw"], r["file"], r["line"]) for r in rows] == [
        ("https://a.example/x", "http://a.example/x", "posts/a.md", 1),
        ("https://a.example/x", "http://a.example/x", "posts/b.md", 2),
        ("https://a.example/x", "http://a.example/x", "posts/b.md", 7),
        ("https://b.example/y", "https://b.example/y", "posts/a.md", 3),
    ]
    assert [(o.file, o.line) for o in first.occurrences] == [("posts/a.md", 1)]
    assert [(o.file, o.line) for o in second.occurrences] == [("posts/b.md", 2), ("posts/b.md", 7)]


def test_reopen_keeps_data(db_path: Path) -> None:
    with Store(db_path) as store:
        store.links.sync([link("https://a.example/x", ("posts/a.md", 1))], now=day(0))
        record_nights(store, "https://a.example/x", [(0, "alive")])
    with Store(db_path) as store:
        assert [c["verdict"] for c in store.queries.history("https://a.example/x")] == ["alive"]


@pytest.mark.parametrize(
    "content",
    [b"hello, this is a text file and no database\n", b"\x00" * 4096, b"SQLite format 2\x00" + b"x" * 200],
)
def test_refuses_non_sqlite_file_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not a SQLite database"):
        Store(path)
    assert path.read_bytes() == content
    assert not (tmp_path / "notes.db-wal").exists()


def test_refuses_foreign_sqlite_database_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    conn.execute("INSERT INTO invoices (amount) VALUES (12.5)")
    conn.commit()
    conn.close()
    before = sha(path)
    with pytest.raises(StoreError, match=r"not a linkcheck database \(it holds: invoices\)"):
        Store(path)
    assert sha(path) == before
    assert sql(path, "PRAGMA journal_mode") == [("delete",)]
    assert not (tmp_path / "other.db-wal").exists()


def test_refuses_foreign_meta_table(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    conn.execute("INSERT INTO meta VALUES ('app', 'someone-else')")
    conn.commit()
    conn.close()
    before = sha(path)
    with pytest.raises(StoreError, match="not a linkcheck database"):
        Store(path)
    assert sha(path) == before


def test_refuses_newer_schema_untouched(db_path: Path) -> None:
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    before = sha(db_path)
    with pytest.raises(StoreError, match=r"newer linkcheck.*schema version 99"):
        Store(db_path)
    assert sha(db_path) == before


def test_refuses_corrupt_database(db_path: Path) -> None:
    with Store(db_path) as store:
        store.links.sync([link(f"https://a.example/{i}", ("posts/a.md", i)) for i in range(200)], now=day(0))
    sql(db_path, "PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page after the header
    db_path.write_bytes(bytes(data))
    with pytest.raises(StoreError):
        Store(db_path)
    assert db_path.read_bytes() == bytes(data)


def test_read_only_open_refuses_missing_or_empty(tmp_path: Path) -> None:
    missing = tmp_path / "state" / "nope.db"
    with pytest.raises(StoreError, match="no history database"):
        Store(missing, create=False)
    assert not missing.exists()
    assert not missing.parent.exists()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(StoreError, match="empty database"):
        Store(empty, create=False)
    assert empty.read_bytes() == b""
    with pytest.raises(StoreError, match="not a file"):
        Store(tmp_path)


def test_empty_file_is_initialised_when_creating(tmp_path: Path) -> None:
    path = tmp_path / "touched.db"
    path.touch()
    with Store(path) as store:
        assert store.schema_version == schema.code_schema_version()


def test_old_database_is_upgraded_in_place(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(db_path) as store:
        store.links.sync([link("https://a.example/x", ("posts/a.md", 1))], now=day(0))
        record_nights(store, "https://a.example/x", [(0, "dead")])

    def add_note_column(db) -> None:
        db.execute("ALTER TABLE urls ADD COLUMN note TEXT")
        db.execute("UPDATE urls SET note = 'migrated'")

    before = schema.code_schema_version()
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, add_note_column])
    with Store(db_path) as store:
        assert store.schema_version == before + 1
        assert [c["verdict"] for c in store.queries.history("https://a.example/x")] == ["dead"]
    assert sql(db_path, "SELECT canonical, note FROM urls") == [("https://a.example/x", "migrated")]


def test_checks_made_before_the_via_column_are_http_and_new_ones_say_which_checker(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://zhuanlan.zhihu.com/p/1"
    with monkeypatch.context() as m:  # a database from before migration 3 …
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:2])
        with Store(db_path) as old:
            assert old.schema_version == 2
    assert "via" not in {row[1] for row in sql(db_path, "PRAGMA table_info(checks)")}
    with sqlite3.connect(db_path) as conn:  # … the URL and a check an older linkcheck wrote
        conn.execute(
            "INSERT INTO urls (canonical, raw, host, site, first_seen) VALUES (?, ?, 'zhuanlan.zhihu.com', "
            "'zhihu', '2025-01-01T00:00:00Z')",
            (url, url),
        )
        conn.execute(
            "INSERT INTO checks (url_id, checked_at, verdict, reason, http_status) "
            "SELECT id, '2025-01-01T18:05:00Z', 'blocked', 'antibot:zhihu-403', 403 FROM urls"
        )
    conn.close()
    with Store(db_path) as store:
        assert store.schema_version == schema.code_schema_version() >= 3
        run = store.runs.begin({}, now=day(1))
        store.checks.record(run, url, Outcome(Verdict.ALIVE, "live-marker", 200, via=Via.BROWSER), now=day(1, 1))
        history = store.queries.history(url)
        assert [(c["verdict"], c["via"]) for c in history] == [("blocked", "http"), ("alive", "browser")]
    assert sql(db_path, "SELECT verdict, via FROM checks ORDER BY id") == [("blocked", "http"), ("alive", "browser")]
    with pytest.raises(sqlite3.IntegrityError):  # the column takes only the checkers there are
        sql(db_path, "INSERT INTO checks (url_id, checked_at, verdict, reason, via) VALUES (1, 'x', 'alive', '', 'x')")


def test_failed_migration_rolls_back_completely(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(db_path) as store:
        store.links.sync([link("https://a.example/x", ("posts/a.md", 1))], now=day(0))

    def half_done(db) -> None:
        db.execute("CREATE TABLE scratch (x)")
        db.execute("DELETE FROM occurrences")
        raise RuntimeError("migration bug")

    before = schema.code_schema_version()
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, half_done])
    with pytest.raises(RuntimeError, match="migration bug"):
        Store(db_path)
    assert sql(db_path, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(before),)]
    assert sql(db_path, "SELECT count(*) FROM occurrences") == [(1,)]
    assert sql(db_path, "SELECT name FROM sqlite_master WHERE name = 'scratch'") == []


def test_confirm_thresholds_are_persisted_only_when_given(db_path: Path) -> None:
    Store(db_path, confirm_checks=4, confirm_days=2.5).close()
    with Store(db_path) as store:  # a plain open keeps what was set
        assert store.settings.rules.confirm_checks == 4
        assert store.settings.rules.confirm_days == 2.5
    assert dict(sql(db_path, "SELECT key, value FROM settings"))["confirm_checks"] == 4
    with pytest.raises(ValueError):
        Store(db_path, confirm_checks=0)


def test_set_setting_validates_and_applies(store: Store) -> None:
    store.settings.set("confirm_days", 3.5)
    assert store.settings.rules.confirm_days == 3.5
    assert store.settings.values()["confirm_days"] == 3.5
    for key, value in (("confirm_checks", 0), ("confirm_checks", 2.5), ("confirm_days", -1), ("nope", 1)):
        with pytest.raises(ValueError):
            store.settings.set(key, value)


def test_closed_store_raises_store_error(store: Store) -> None:
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.queries.dead_links()


# ---- runs ---------------------------------------------------------------------------------


def test_runs_begin_finish_and_stale_running_marked_interrupted(store: Store, db_path: Path) -> None:
    store.links.sync([link("https://a.example/x", ("posts/a.md", 1))], now=day(0))
    first = store.runs.begin({"max_urls": 10}, now=day(0))
    store.checks.record(first, "https://a.example/x", outcome("alive"), now=day(0, 3))
    # process dies here: the run stays 'running'
    second = store.runs.begin({}, now=day(1))
    old = store.runs.get(first)
    assert old is not None
    assert old["status"] == "interrupted"
    assert old["finished_at"] == "2025-01-01T18:03:00Z"  # its last check, not the discovery time
    assert old["counts"]["alive"] == 1
    assert old["options"] == {"max_urls": 10}
    store.runs.finish(second, "offline", {"checked": 0}, now=day(1, 1))
    assert store.runs.get(second)["status"] == "offline"
    assert store.runs.latest(finished=True)["id"] == second
    with pytest.raises(ValueError):
        store.runs.finish(second, "running", {})
    with pytest.raises(StoreError):
        store.runs.finish(999, "completed", {})


# ---- sync_links ---------------------------------------------------------------------------


def test_sync_links_upserts_refreshes_occurrences_and_uncites(store: Store, db_path: Path) -> None:
    a, b = "https://a.example/x", f"{WX}abc"
    store.links.sync([link(a, ("posts/1.md", 3), raw="HTTPS://A.example/x"), link(b, ("posts/2.md", 9))], now=day(0))
    record_nights(store, b, [(0, "dead")])
    store.links.sync([link(a, ("posts/1.md", 4), ("posts/3.md", 1), raw="https://a.example/x#later")], now=day(2))
    rows = {r[0]: r[1:] for r in sql(db_path, "SELECT canonical, raw, site, first_seen, cited FROM urls")}
    assert rows[a] == ("HTTPS://A.example/x", "generic", "2025-01-01T18:00:00Z", 1)  # raw: first written
    assert rows[b] == (f"{WX}abc", "weixin", "2025-01-01T18:00:00Z", 0)  # gone from posts, kept
    assert sql(db_path, "SELECT file, line FROM occurrences ORDER BY file") == [
        ("posts/1.md", 4),
        ("posts/3.md", 1),
    ]
    assert len(store.queries.history(b)) == 1  # its history survives
    assert store.queries.dead_links(include_suspected=True) == []  # not cited: not reported
    assert [s.canonical for s in store.checks.link_states()] == [a]
    store.links.sync([link(a, ("posts/1.md", 4)), link(b, ("posts/9.md", 2))], now=day(3))
    assert [d["canonical"] for d in store.queries.dead_links(include_suspected=True)] == [b]


def test_partial_sync_only_replaces_the_scanned_files(store: Store, db_path: Path) -> None:
    a, b = "https://a.example/x", "https://b.example/y"
    store.links.sync([link(a, ("posts/1.md", 1), ("posts/2.md", 1)), link(b, ("posts/2.md", 5))], now=day(0))
    store.links.sync([link(a, ("posts/2.md", 2))], now=day(1), files=["posts/2.md"])
    assert sql(db_path, "SELECT file, line FROM occurrences ORDER BY file, line") == [
        ("posts/1.md", 1),
        ("posts/2.md", 2),
    ]
    assert dict(sql(db_path, "SELECT canonical, cited FROM urls")) == {a: 1, b: 0}


def test_sync_keeps_non_checkable_links_out_of_the_schedule(store: Store) -> None:
    store.links.sync([link("mailto:me@example.com", ("posts/1.md", 1), checkable=False)], now=day(0))
    assert store.checks.link_states() == []
    assert len(store.checks.link_states(checkable_only=False)) == 1


# ---- record_check, the dead-streak rule ----------------------------------------------------


def test_checks_are_append_only(store: Store, db_path: Path) -> None:
    store.links.sync([link("https://a.example/x", ("posts/a.md", 1))], now=day(0))
    record_nights(store, "https://a.example/x", [(0, "dead")])
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE checks SET verdict = 'alive'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM checks")
    conn.close()


def test_check_row_keeps_the_evidence(store: Store) -> None:
    url = f"{WX}abc"
    store.links.sync([link(url, ("posts/a.md", 1))], now=day(0))
    run = store.runs.begin({}, now=day(0))
    evidence = Outcome(
        Verdict.DEAD,
        "tombstone:weixin-deleted",
        200,
        final_url=f"{WX}abc?x=1",
        redirects=(f"{WX}old",),
        elapsed_ms=812,
        marker="tombstone:weixin-deleted",
    )
    assert store.checks.record(run, url, evidence, now=day(0, 1)) == "newly-dead"
    [row] = store.queries.history(url)
    assert row["http_status"] == 200
    assert row["redirects"] == [f"{WX}old"]
    assert row["elapsed_ms"] == 812
    assert row["marker"] == "tombstone:weixin-deleted"
    assert row["checked_at"] == "2025-01-01T18:01:00Z"
    assert row["run_id"] == run


def test_history_accepts_raw_or_canonical(store: Store) -> None:
    raw = "https://mp.weixin.qq.com/s/abc?chksm=123&scene=21#wechat_redirect"
    store.links.sync([link(f"{WX}abc", ("posts/a.md", 1), raw=raw)], now=day(0))
    record_nights(store, f"{WX}abc", [(0, "alive")])
    assert len(store.queries.history(raw)) == 1
    assert len(store.queries.history("http://mp.weixin.qq.com/s/abc?scene=1")) == 1  # canonicalised
    assert store.queries.history("https://unknown.example/") == []
    assert store.queries.url_info("https://unknown.example/") is None


def test_unknown_url_is_recorded_not_cited(store: Store) -> None:
    run = store.runs.begin({}, now=day(0))
    store.checks.record(run, "https://successor.example/new", outcome("alive"), now=day(0))
    info = store.queries.url_info("https://successor.example/new")
    assert info is not None
    assert info["cited"] is False
    assert info["site"] == "generic"


def test_confirmed_after_three_dead_checks_over_seven_days(store: Store) -> None:
    url = "https://a.example/gone"
    store.links.sync([link(url, ("posts/a.md", 7))], now=day(0))
    changes = record_nights(store, url, [(0, "dead"), (3, "dead"), (6, "dead")])
    assert changes == ["newly-dead", None, None]
    assert store.queries.dead_links() == []  # 3 checks but only 6 days
    [suspect] = store.queries.dead_links(include_suspected=True)
    assert suspect["confirmed"] is False
    assert suspect["dead_checks"] == 3
    assert record_nights(store, url, [(7, "dead")]) == ["confirmed-dead"]
    [dead] = store.queries.dead_links()
    assert dead["canonical"] == url
    assert dead["dead_checks"] == 4
    assert dead["first_dead_at"] == "2025-01-01T18:05:00Z"
    assert dead["dead_days"] == 7.0
    assert dead["reason"] == "http-404"
    assert dead["cited_in"] == "posts/a.md:7"
    assert dead["occurrences"] == [
        {"file": "posts/a.md", "line": 7, "column": 1, "kind": "markdown-link", "title": None}
    ]
    assert record_nights(store, url, [(8, "dead")]) == [None]  # confirmed once, not again


def test_exactly_seven_days_to_the_second_confirms(store: Store) -> None:
    url = "https://a.example/gone"
    store.links.sync([link(url, ("posts/a.md", 7))], now=day(0))
    run = store.runs.begin({}, now=day(0))
    store.checks.record(run, url, outcome("dead"), now=T0)
    store.checks.record(run, url, outcome("dead"), now=T0 + timedelta(days=3))
    assert store.checks.record(run, url, outcome("dead"), now=T0 + timedelta(days=7, seconds=-1)) is None
    assert store.checks.record(run, url, outcome("dead"), now=T0 + timedelta(days=7)) == "confirmed-dead"


def test_blocked_and_error_are_neutral_alive_breaks(store: Store) -> None:
    neutral, broken = "https://a.example/neutral", "https://a.example/broken"
    store.links.sync([link(neutral, ("posts/a.md", 1)), link(broken, ("posts/a.md", 2))], now=day(0))
    assert record_nights(
        store, neutral, [(0, "dead"), (1, "blocked"), (2, "error"), (4, "dead"), (5, "skipped"), (8, "dead")]
    ) == ["newly-dead", "newly-blocked", None, None, None, "confirmed-dead"]
    assert record_nights(store, broken, [(0, "dead"), (4, "dead"), (5, "alive"), (8, "dead")]) == [
        "newly-dead",
        None,
        "recovered",
        "newly-dead",
    ]
    assert [d["canonical"] for d in store.queries.dead_links()] == [neutral]
    # a neutral check after confirmation does not un-confirm
    record_nights(store, neutral, [(9, "blocked")])
    [dead] = store.queries.dead_links()
    assert dead["current_verdict"] == "blocked"
    assert dead["reason"] == "http-404"  # the reason of the last dead check


def test_link_status_view_streaks(store: Store, db_path: Path) -> None:
    url = "https://a.example/x"
    store.links.sync([link(url, ("posts/a.md", 1))], now=day(0))
    record_nights(store, url, [(0, "alive"), (1, "alive"), (2, "error"), (3, "dead"), (4, "dead")])
    [row] = sql(
        db_path,
        "SELECT verdict, streak, streak_since, first_failed_at, last_alive_at, dead_checks, checks, "
        "last_checked_at, recent FROM link_status WHERE canonical = ?",
        (url,),
    )
    assert row == (
        "dead",
        2,
        "2025-01-04T18:05:00Z",
        "2025-01-03T18:05:00Z",  # the non-alive streak began with the error
        "2025-01-02T18:05:00Z",
        2,
        5,
        "2025-01-05T18:05:00Z",
        "AAEDD",
    )


def test_flaky_links(store: Store, db_path: Path) -> None:
    flappy, walled = "https://a.example/flappy", "https://a.example/walled"
    store.links.sync([link(flappy, ("posts/a.md", 1)), link(walled, ("posts/a.md", 2))], now=day(0))
    record_nights(store, flappy, [(0, "alive"), (1, "dead"), (2, "error"), (3, "alive"), (4, "dead")])
    record_nights(store, walled, [(0, "alive"), (1, "blocked"), (2, "alive"), (3, "error"), (4, "alive")])
    [row] = store.queries.flaky_links()
    assert row["canonical"] == flappy
    assert row["transitions"] == 3
    assert row["recent"] == "ADEAD"
    assert sql(db_path, "SELECT canonical FROM flaky_links") == [(flappy,)]


def test_changes_and_newly_confirmed_dead(store: Store, db_path: Path) -> None:
    urls = [f"https://a.example/{name}" for name in ("dies", "recovers", "walls", "confirms")]
    store.links.sync([link(u, ("posts/a.md", i)) for i, u in enumerate(urls)], now=day(0))
    run0 = store.runs.begin({}, now=day(0))
    for u, v in zip(urls, ["alive", "dead", "alive", "dead"], strict=True):
        store.checks.record(run0, u, outcome(v), now=day(0, 1))
    store.runs.finish(run0, "completed", {}, now=day(0, 2))
    record_nights(store, urls[3], [(4, "dead")])
    run = store.runs.begin({}, now=day(8))
    for u, v in zip(urls, ["dead", "alive", "blocked", "dead"], strict=True):
        store.checks.record(run, u, outcome(v), now=day(8, 1))
    store.runs.finish(run, "completed", {}, now=day(8, 2))
    later = store.runs.begin({}, now=day(9))  # still running: not the default
    changes = store.queries.changes()
    assert {k: [r["canonical"] for r in v] for k, v in changes.items()} == {
        "newly_dead": [urls[0]],
        "confirmed_dead": [urls[3]],
        "recovered": [urls[1]],
        "newly_blocked": [urls[2]],
    }
    assert changes["newly_dead"][0]["occurrences"][0]["file"] == "posts/a.md"
    assert [r["canonical"] for r in store.queries.newly_confirmed_dead(run)] == [urls[3]]
    assert store.queries.newly_confirmed_dead(run0) == []
    assert store.queries.changes(later) == {
        "newly_dead": [],
        "confirmed_dead": [],
        "recovered": [],
        "newly_blocked": [],
    }
    assert sorted(sql(db_path, "SELECT change, canonical FROM changes WHERE run_id = ?", (run,))) == sorted(
        [
            ("newly-dead", urls[0]),
            ("confirmed-dead", urls[3]),
            ("recovered", urls[1]),
            ("newly-blocked", urls[2]),
        ]
    )
    summary = store.runs.summary(run)
    assert summary["checked"] == 4
    assert summary["confirmed-dead"] == 1
    [(checks, dead, blocked)] = sql(db_path, "SELECT checks, dead, blocked FROM run_summary WHERE run_id = ?", (run,))
    assert (checks, dead, blocked) == (4, 2, 1)


def test_plain_sql_agrees_with_the_command_when_settings_change(db_path: Path) -> None:
    url = "https://a.example/x"
    with Store(db_path) as store:
        store.links.sync([link(url, ("posts/a.md", 1))], now=day(0))
        record_nights(store, url, [(0, "dead"), (1, "dead"), (2, "dead")])
        assert store.queries.dead_links() == []
        assert sql(db_path, "SELECT canonical FROM dead_links") == []
    with Store(db_path, confirm_days=2) as store:
        assert [d["canonical"] for d in store.queries.dead_links()] == [url]
    assert sql(db_path, "SELECT canonical, cited_in FROM dead_links") == [(url, "posts/a.md:1")]
    sql_conn = sqlite3.connect(db_path)
    sql_conn.execute("UPDATE settings SET value = 5 WHERE key = 'confirm_checks'")
    sql_conn.commit()
    sql_conn.close()
    with Store(db_path) as store:
        assert store.queries.dead_links() == []
        assert store.settings.rules.confirm_checks == 5


def test_totals(store: Store) -> None:
    store.links.sync([link(f"https://a.example/{i}", ("posts/a.md", i)) for i in range(3)], now=day(0))
    record_nights(store, "https://a.example/0", [(0, "dead"), (8, "dead"), (9, "dead")])
    totals = store.queries.totals()
    assert totals["cited_checkable"] == 3
    assert totals["never_checked"] == 2
    assert totals["confirmed_dead"] == 1
    assert totals["checks"] == 3


def test_naive_now_is_utc(store: Store) -> None:
    store.links.sync([link("https://a.example/x", ("posts/a.md", 1))], now=datetime(2025, 3, 1, 2, 0))
    run = store.runs.begin({}, now=datetime(2025, 3, 1, 2, 0))
    store.checks.record(run, "https://a.example/x", outcome("alive"), now=datetime(2025, 3, 1, 10, 0))
    assert store.queries.history("https://a.example/x")[0]["checked_at"] == "2025-03-01T10:00:00Z"


def test_batch_is_one_transaction(store: Store, db_path: Path) -> None:
    store.links.sync([link("https://a.example/x", ("posts/a.md", 1))], now=day(0))
    run = store.runs.begin({}, now=day(0))
    with pytest.raises(RuntimeError), store.batch():
        store.checks.record(run, "https://a.example/x", outcome("dead"), now=day(0))
        raise RuntimeError("abort the batch")
    assert store.queries.history("https://a.example/x") == []
    with store.batch():
        for n in range(3):
            store.checks.record(run, "https://a.example/x", outcome("dead"), now=day(n * 4))
    assert len(store.queries.history("https://a.example/x")) == 3
    assert [d["canonical"] for d in store.queries.dead_links()] == ["https://a.example/x"]


def test_readers_are_not_blocked_by_a_writer_and_see_only_commits(store: Store, db_path: Path) -> None:
    url = "https://a.example/x"
    store.links.sync([link(url, ("posts/a.md", 1))], now=day(0))
    run = store.runs.begin({}, now=day(0))
    with store.batch():
        store.checks.record(run, url, outcome("dead"), now=day(0))
        with Store(db_path, create=False, timeout=1) as reader:  # a `linkcheck status` meanwhile
            assert reader.queries.history(url) == []
            assert reader.queries.dead_links(include_suspected=True) == []
    with Store(db_path, create=False) as reader:
        assert len(reader.queries.history(url)) == 1


# ---- url_state is a faithful cache of checks ------------------------------------------------

VERDICT_LIST = ["alive", "dead", "blocked", "error", "skipped"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(VERDICT_LIST), st.integers(min_value=0, max_value=4 * 24 * 60)),
        min_size=1,
        max_size=25,
    )
)
def test_incremental_state_equals_rebuild_and_sql_agrees(tmp_path_factory, steps) -> None:
    path = tmp_path_factory.mktemp("prop") / "h.db"
    url = "https://a.example/p"
    with Store(path) as store:
        store.links.sync([link(url, ("posts/a.md", 1))], now=T0)
        run = store.runs.begin({}, now=T0)
        moment = T0
        for verdict, gap_minutes in steps:
            moment += timedelta(minutes=gap_minutes)
            store.checks.record(run, url, outcome(verdict), now=moment)
        incremental = sql(path, "SELECT * FROM url_state")
        store.checks.rebuild_state()
        assert sql(path, "SELECT * FROM url_state") == incremental
        # the Python rule and the SQL view agree on confirmation
        info = store.queries.url_info(url)
        sql_confirmed = bool(sql(path, "SELECT count(*) FROM dead_links")[0][0])
        assert info["confirmed"] == sql_confirmed
        # the dead streak is exactly the dead checks after the last alive one
        verdicts = [v for v, _ in steps]
        tail = verdicts[len(verdicts) - verdicts[::-1].index("alive") :] if "alive" in verdicts else verdicts
        assert info["dead_checks"] == tail.count("dead")
        # one confirmed-dead change at most per dead streak
        confirmations = [c["change"] for c in store.queries.history(url)].count("confirmed-dead")
        assert confirmations <= verdicts.count("alive") + 1


def test_state_advance_counts_transitions_ignoring_walls() -> None:
    rules = Rules()
    state: State | None = None
    for i, verdict in enumerate(["alive", "blocked", "alive", "dead", "blocked", "dead", "alive"]):
        state, _ = advance(state, i, f"2025-01-0{i + 1}T00:00:00Z", verdict, "r", None, rules)
    assert state is not None
    assert state.recent == "ABADBDA"
    assert state.transitions == 2


# ---- group writes (the nightly job's group commit) ------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c", "new"]), st.sampled_from(VERDICT_LIST), st.integers(0, 3 * 24 * 60)),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=1, max_value=7),
)
def test_record_checks_in_groups_equals_one_at_a_time(tmp_path_factory, steps, group_size) -> None:
    """Grouped writes leave exactly the rows (ids, changes, states) that single writes leave,
    including a URL checked twice in one group and a URL unknown until checked."""
    databases = []
    for grouped in (False, True):
        path = tmp_path_factory.mktemp("group") / "h.db"
        with Store(path) as store:
            store.links.sync([link(f"https://{n}.example/p", ("posts/a.md", 1)) for n in "abc"], now=T0)
            run = store.runs.begin({}, now=T0)
            moment, checks = T0, []
            for name, verdict, gap in steps:
                moment += timedelta(minutes=gap)
                checks.append((f"https://{name}.example/p", outcome(verdict), moment))
            if grouped:
                changes = []
                for start in range(0, len(checks), group_size):
                    changes += store.checks.record_many(run, checks[start : start + group_size])
            else:
                changes = [store.checks.record(run, url, result, now=when) for url, result, when in checks]
        databases.append(
            (
                changes,
                sql(path, "SELECT * FROM checks ORDER BY id"),
                sql(path, "SELECT * FROM url_state ORDER BY url_id"),
                sql(path, "SELECT * FROM urls ORDER BY id"),
            )
        )
    assert databases[0] == databases[1]


def test_record_checks_is_all_or_nothing(store: Store, db_path: Path) -> None:
    store.links.sync([link("https://a.example/x", ("posts/a.md", 1))], now=day(0))
    run = store.runs.begin({}, now=day(0))
    bad = Outcome("sideways", "r")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.checks.record_many(
            run, [("https://a.example/x", outcome("dead"), day(0)), ("https://a.example/x", bad, day(0))]
        )
    assert sql(db_path, "SELECT count(*) FROM checks") == [(0,)]
    assert store.checks.record_many(run, []) == []
    assert store.checks.record_many(run, [("https://a.example/x", outcome("dead"), day(0))]) == ["newly-dead"]


# ---- captures --------------------------------------------------------------------------------


def test_due_captures_are_the_alive_pages_never_or_long_ago_captured(store: Store) -> None:
    urls = [f"https://{host}/p" for host in ("a.example", "mp.weixin.qq.com", "b.example", "c.example")]
    store.links.sync([link(u, ("posts/a.md", i)) for i, u in enumerate(urls)], now=day(0))
    run = store.runs.begin({}, now=day(0))
    for url, verdict in zip(urls, ["alive", "alive", "alive", "dead"], strict=True):
        store.checks.record(run, url, outcome(verdict), now=day(0))
    fields = dict(url=urls[2], kind="page", warc_date="d", warc_file="a.warc.gz", warc_offset=0, warc_length=1,
                  warc_record_id="<r>", record_type="response", payload_digest="sha1:X", payload_length=1)  # fmt: skip
    store.captures.record(canonical=urls[2], now=day(1), **fields)
    assert [r["canonical"] for r in store.captures.due(now=day(40))] == urls[:2]  # by url id; not the dead one
    old = store.captures.due(now=day(40), max_age=timedelta(days=30))
    assert [(r["canonical"], r["last_captured_at"]) for r in old] == [
        (urls[0], None),
        (urls[1], None),
        (urls[2], "2025-01-02T18:00:00Z"),
    ]
    assert store.captures.due(now=day(40), max_age=timedelta(days=40)) == old[:2]


def test_archive_order_is_never_captured_then_decay_risk_then_oldest() -> None:
    from linkcheck.archive.policy import pending_in_order
    from linkcheck.sites import GENERIC, profile_by_name

    def row(url_id: int, site: str, last: str | None) -> dict:
        return {"url_id": url_id, "site": site, "last_captured_at": last}

    due = [
        row(1, "generic", None),
        row(2, "weixin", "2025-01-01T00:00:00Z"),
        row(3, "no-such-profile", None),
        row(4, "weixin", None),
        row(5, "zhihu", None),
        row(6, "generic", "2024-12-01T00:00:00Z"),
        row(7, "weixin", "2024-06-01T00:00:00Z"),
    ]
    ordered = pending_in_order(due)
    assert [r["url_id"] for r in ordered] == [4, 5, 1, 3, 7, 2, 6]
    assert [r["priority"] for r in ordered][:2] == [profile_by_name(s).archive_priority for s in ("weixin", "zhihu")]
    assert ordered[3]["priority"] == GENERIC.archive_priority  # an unknown site ranks as generic
    assert "priority" not in due[0]  # the rows given are left as they were


# ---- links that never come back (migration 7) ------------------------------------------------

ERROR_REASONS = {
    "error": "http-5xx",
    "blocked": "antibot:zhihu-403",
    "dead": "http-404",
    "alive": "http-200",
    "unrecognized": "unrecognized-page",
}


def error_streak(store: Store, url: str, verdicts: list[tuple[float, str]]) -> tuple[int, bool]:
    for n, verdict in verdicts:
        run = store.runs.begin({}, now=day(n))
        as_verdict = Verdict.ERROR if verdict == "unrecognized" else Verdict(verdict)
        store.checks.record(run, url, Outcome(as_verdict, ERROR_REASONS[verdict], 503), now=day(n))
        store.runs.finish(run, "completed", {}, now=day(n))
    [row] = store.db.query("SELECT s.error_checks FROM url_state s JOIN urls u ON u.id = s.url_id")
    unreachable = [r["canonical"] for r in store.queries.unreachable_links()]
    return row["error_checks"], unreachable == [url]


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ([(0, "error"), (4, "error"), (8, "error")], (3, True)),
        ([(0, "error"), (1, "error"), (2, "error"), (3, "error")], (4, False)),  # 3 days: too short
        ([(0, "error"), (8, "error")], (2, False)),  # 2 checks: too few
        ([(0, "error"), (4, "blocked"), (6, "error"), (8, "error")], (3, True)),  # a wall is neutral
        ([(0, "error"), (4, "alive"), (6, "error"), (8, "error")], (2, False)),  # an answer ends the streak
        ([(0, "error"), (4, "dead"), (6, "error"), (8, "error")], (2, False)),  # so does a dead one
        ([(0, "blocked"), (4, "blocked"), (8, "blocked")], (0, False)),  # a wall never becomes unreachable
        ([(0, "error"), (4, "error"), (8, "error"), (9, "blocked")], (3, True)),
        ([(0, "error"), (4, "error"), (8, "error"), (9, "alive")], (0, False)),  # it came back
        # A page that answers but that no marker recognises is the classifier's gap, not the link's.
        ([(0, "unrecognized"), (4, "unrecognized"), (8, "unrecognized")], (0, False)),
        ([(0, "error"), (4, "unrecognized"), (6, "error"), (8, "error")], (3, True)),
    ],
)
def test_unreachable_after_confirm_checks_errors_over_confirm_days(
    store: Store, verdicts: list[tuple[float, str]], expected: tuple[int, bool]
) -> None:
    store.links.sync([link("https://behave.test/status/503", ("posts/a.md", 3))], now=day(0))
    assert error_streak(store, "https://behave.test/status/503", verdicts) == expected


def test_unreachable_uses_the_stored_thresholds(db_path: Path) -> None:
    with Store(db_path, confirm_checks=2, confirm_days=1) as store:
        store.links.sync([link("https://behave.test/status/503", ("posts/a.md", 3))], now=day(0))
        assert error_streak(store, "https://behave.test/status/503", [(0, "error"), (1, "error")]) == (2, True)


def test_migration_7_computes_the_error_streak_of_checks_recorded_before(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://behave.test/status/503"
    with monkeypatch.context() as m:  # a database from before migration 7 …
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:4])
        with Store(db_path) as old:
            assert old.schema_version == 4
    with sqlite3.connect(db_path) as conn:  # … with three error checks an older linkcheck recorded
        conn.execute(
            "INSERT INTO urls (canonical, raw, host, site, first_seen) VALUES (?, ?, 'behave.test', 'generic', ?)",
            (url, url, iso(day(0))),
        )
        conn.execute(
            "INSERT INTO occurrences (url_id, file, line, column, kind) VALUES (1, 'posts/a.md', 3, 1, 'bare')"
        )
        for index, n in enumerate((0, 4, 8)):
            conn.execute(
                "INSERT INTO checks (url_id, checked_at, verdict, reason, http_status) "
                "VALUES (1, ?, 'error', 'http-5xx', 503)",
                (iso(day(n)),),
            )
            conn.execute(
                "INSERT OR REPLACE INTO url_state (url_id, last_check_id, last_checked_at, verdict, reason, "
                "http_status, streak, streak_since, failing_since, dead_checks, checks, recent, transitions) "
                "VALUES (1, ?, ?, 'error', 'http-5xx', 503, ?, ?, ?, 0, ?, ?, 0)",
                (index + 1, iso(day(n)), index + 1, iso(day(0)), iso(day(0)), index + 1, "E" * (index + 1)),
            )
    conn.close()
    with Store(db_path) as store:
        assert store.schema_version == schema.code_schema_version()
        [row] = store.queries.unreachable_links()
        assert (row["canonical"], row["error_checks"], row["first_error_at"], row["error_days"]) == (
            url,
            3,
            iso(day(0)),
            8.0,
        )
    assert sql(db_path, "SELECT title FROM occurrences") == [(None,)]
