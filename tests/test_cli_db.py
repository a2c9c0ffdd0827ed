"""`linkcheck dead`, `history` and `status` over a real history database."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app, console
from linkcheck.models import Link, LinkKind, Occurrence, Outcome, Verdict
from linkcheck.store import Store

T0 = datetime(2025, 1, 1, 18, 0, tzinfo=UTC)
GONE = "https://mp.weixin.qq.com/s/gone000000000000000000"
FRESH = "https://zhuanlan.zhihu.com/p/1234"
WALLED = "https://www.zhihu.com/question/42"
BACK = "https://a.example/back?q=[1]"
runner = CliRunner()


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def occ(file: str, line: int) -> Occurrence:
    return Occurrence(file, line, 3, LinkKind.MARKDOWN_LINK)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Eight nights: GONE confirmed dead on the last night; FRESH newly dead; WALLED newly
    blocked; BACK recovered."""
    path = tmp_path / "state" / "linkcheck.db"
    links = [
        Link(
            GONE + "?scene=21",
            GONE,
            "mp.weixin.qq.com",
            True,
            None,
            [occ("posts/a.md", 12), occ("posts/b.md", 3)],
        ),
        Link(FRESH, FRESH, "zhuanlan.zhihu.com", True, None, [occ("posts/b.md", 40)]),
        Link(WALLED, WALLED, "www.zhihu.com", True, None, [occ("posts/c.md", 1)]),
        Link(BACK, BACK, "a.example", True, None, [occ("posts/c.md", 9)]),
    ]
    with Store(path) as store:
        store.links.sync(links, now=at(0))
        for night in range(8):
            run = store.runs.begin({"night": night}, now=at(night))
            last = night == 7
            alive = Outcome(Verdict.ALIVE, "ok", 200)
            back = Outcome(Verdict.ERROR if night % 3 else Verdict.DEAD, "http-404")
            verdicts = {
                GONE: Outcome(Verdict.DEAD, "tombstone:weixin-deleted", 200, marker="tombstone:weixin-deleted"),
                FRESH: Outcome(Verdict.DEAD, "tombstone:zhihu-404", 404) if last else alive,
                WALLED: Outcome(Verdict.BLOCKED, "antibot:zhihu-403", 403) if last else alive,
                BACK: alive if last else back,
            }
            if night in (1, 2, 4, 5):
                del verdicts[GONE]  # checked on nights 0, 3, 6, 7: confirmed on the 7th day
            for url, outcome in verdicts.items():
                store.checks.record(run, url, outcome, now=at(night) + timedelta(minutes=5))
            store.runs.finish(run, "completed", {"checked": len(verdicts)}, now=at(night) + timedelta(minutes=30))
    return path


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are as wide as a big terminal, so long URLs are not folded in assertions."""
    monkeypatch.setattr(console, "width", 200)


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_dead_table_grouped_by_post(db: Path) -> None:
    result = invoke("dead", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "1 confirmed dead links in 2 posts" in result.output
    assert "posts/a.md" in result.output
    assert "posts/b.md" in result.output
    assert "tombstone:weixin-deleted" in result.output
    assert "2025-01-01" in result.output
    assert FRESH not in result.output  # suspected only


def test_dead_json(db: Path) -> None:
    result = invoke("dead", "--db", str(db), "--format", "json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert row["canonical"] == GONE
    assert row["confirmed"] is True
    assert row["dead_checks"] == 4
    assert row["dead_days"] == 7.0
    assert [(o["file"], o["line"]) for o in row["occurrences"]] == [("posts/a.md", 12), ("posts/b.md", 3)]


def test_dead_include_suspected_csv_and_markdown(db: Path) -> None:
    result = invoke("dead", "--db", str(db), "-f", "csv", "--include-suspected")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["file"], r["line"], r["url"], r["confirmed"]) for r in rows] == [
        ("posts/a.md", "12", GONE, "yes"),
        ("posts/b.md", "3", GONE, "yes"),
        ("posts/b.md", "40", FRESH, "no"),
    ]
    result = invoke("dead", "--db", str(db), "-f", "markdown", "--include-suspected")
    assert result.exit_code == 0, result.output
    assert "## posts/b.md" in result.output
    assert f"| 40 | <{FRESH}> | tombstone:zhihu-404 | 2025-01-08 | 1 | no | suspected |" in result.output
    table = invoke("dead", "--db", str(db), "--include-suspected")
    assert "suspected" in table.output
    assert "confirmed" in table.output


def test_dead_and_report_write_one_csv_format(db: Path) -> None:
    """`dead -f csv` and `report -f csv` over the same database: the same header, the same rows
    (the confirmed dead links, one row per citation), the columns the README documents."""
    from linkcheck.report import DEAD_LINK_COLUMNS

    dead = invoke("dead", "--db", str(db), "-f", "csv")
    report = invoke("report", "--db", str(db), "-f", "csv")
    assert dead.exit_code == 0 and report.exit_code == 0, (dead.output, report.output)
    assert dead.stdout == report.stdout
    rows = list(csv.reader(io.StringIO(dead.stdout)))
    assert tuple(rows[0]) == DEAD_LINK_COLUMNS
    assert [dict(zip(rows[0], row, strict=True)) for row in rows[1:]] == [
        {
            "file": file, "line": line, "column": "3", "url": GONE, "site": "weixin",
            "reason": "tombstone:weixin-deleted", "confirmed": "yes", "dead_since": "2025-01-01T18:05:00Z",
            "last_dead_at": "2025-01-08T18:05:00Z", "dead_checks": "4", "dead_days": "7.0", "last_alive_at": "",
            "current_verdict": "dead", "archived": "no", "readable": "no", "open_with": "", "state": "confirmed",
        }
        for file, line in (("posts/a.md", "12"), ("posts/b.md", "3"))
    ]  # fmt: skip
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("#### Dead-link CSV", 1)[1].split("\n#", 1)[0]
    documented = [
        name for cells in re.findall(r"^\| (`[^|]*) \|", table, re.M) for name in re.findall(r"`(\w+)`", cells)
    ]
    assert tuple(documented) == DEAD_LINK_COLUMNS


def test_dead_when_nothing_is_dead(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    Store(path).close()
    result = invoke("dead", "--db", str(path))
    assert result.exit_code == 0
    assert "No confirmed dead links" in result.output
    assert invoke("dead", "--db", str(path), "-f", "json").output.strip() == "[]"


def test_history_table_and_json_accept_the_written_form(db: Path) -> None:
    result = invoke("history", GONE + "?scene=21&chksm=abc#rd", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "confirmed dead" in result.output
    assert "4 checks" in result.output
    assert "posts/a.md:12" in result.output
    result = invoke("history", BACK, "--db", str(db), "-f", "json")  # '[' in a URL is no markup
    data = json.loads(result.output)
    assert data["url"]["canonical"] == BACK
    assert [c["verdict"] for c in data["checks"]] == [
        "dead",
        "error",
        "error",
        "dead",
        "error",
        "error",
        "dead",
        "alive",
    ]
    assert data["checks"][-1]["change"] == "recovered"
    table = invoke("history", BACK, "--db", str(db))
    assert "recovered" in table.output
    assert "[1]" in table.output


def test_history_of_unknown_url_is_an_error(db: Path) -> None:
    result = invoke("history", "https://never.example/x", "--db", str(db))
    assert result.exit_code == 2
    assert "not in the history database" in result.output
    assert "Traceback" not in result.output


def test_status_summarises_latest_run_and_changes(db: Path) -> None:
    result = invoke("status", "--db", str(db))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Last run #8: completed" in out
    assert "confirmed dead (1)" in out
    assert "newly dead (1)" in out
    assert "recovered (1)" in out
    assert "newly blocked (1)" in out
    data = json.loads(invoke("status", "--db", str(db), "-f", "json").output)
    assert data["run"]["id"] == 8
    assert data["summary"]["checked"] == 4
    assert [r["canonical"] for r in data["changes"]["confirmed_dead"]] == [GONE]
    assert [r["canonical"] for r in data["changes"]["newly_dead"]] == [FRESH]
    assert [r["canonical"] for r in data["changes"]["recovered"]] == [BACK]
    assert [r["canonical"] for r in data["changes"]["newly_blocked"]] == [WALLED]
    assert data["totals"]["confirmed_dead"] == 1
    assert data["running"] is None


def test_status_mentions_a_run_in_progress_or_killed(db: Path) -> None:
    with Store(db) as store:
        store.runs.begin({}, now=at(9))
    result = invoke("status", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "Run #9" in result.output
    assert "Last run #8" in result.output  # the changes shown are those of the last finished run


def test_status_of_a_fresh_database(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    Store(path).close()
    result = invoke("status", "--db", str(path))
    assert result.exit_code == 0, result.output
    assert "No finished run yet" in result.output


@pytest.mark.parametrize("command", [["dead"], ["status"], ["history", "https://a.example/"]])
def test_missing_database_is_a_clear_error(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "state" / "linkcheck.db"
    result = invoke(*command, "--db", str(missing))
    assert result.exit_code == 2
    assert "no history database" in result.output
    assert "Traceback" not in result.output
    assert not missing.exists()


@pytest.mark.parametrize("command", [["dead"], ["status"]])
def test_unusable_databases_are_refused_untouched(tmp_path: Path, command: list[str]) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not a database")
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    newer = tmp_path / "newer.db"
    Store(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE meta SET value = '42' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    for path, message in (
        (text, "not a SQLite database"),
        (foreign, "not a linkcheck database"),
        (newer, "newer"),
    ):
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        result = invoke(*command, "--db", str(path))
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert "Traceback" not in result.output
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_default_db_path_is_state_linkcheck_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("status")
    assert result.exit_code == 2
    assert "state/linkcheck.db" in result.output
