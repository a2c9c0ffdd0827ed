"""`linkcheck archive`, `show` and `export --wacz` over real captures of the simulated web."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import linkcheck.cli.archive  # noqa: F401  (registers the commands until cli.py imports it)
from linkcheck.cli import app, console, err_console
from linkcheck.models import Outcome, Verdict
from linkcheck.run.lock import RunLock, lock_path_for
from linkcheck.simweb import pages as P
from linkcheck.store import Store
from tests.support import make_link
from tests.test_archive import (
    BIN,
    WX,
    WX_GZIP,
    WX_LIVE,
    ZHIHU_LIVE,
    alive_db,
    archive,
    assert_valid_warcs,
    image_bytes,
)

runner = CliRunner()
NOT_YET = WX + "notCapturedYet00000000"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 200)
    monkeypatch.setattr(err_console, "width", 200)


@pytest.fixture
def captured(tmp_path: Path, simweb) -> Path:
    """state/linkcheck.db + state/warc/: three pages captured (twice for WX_LIVE), one alive page not."""
    db = tmp_path / "state" / "linkcheck.db"
    store = alive_db(db, [WX_LIVE, WX_GZIP, ZHIHU_LIVE])
    archive(simweb, store, db.parent / "warc")
    store.links.sync([make_link(u) for u in (WX_LIVE, WX_GZIP, ZHIHU_LIVE, NOT_YET)])
    store.checks.record(None, NOT_YET, Outcome(Verdict.ALIVE, "live-marker", 200))
    store.close()
    return db


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_show_prints_title_text_and_capture_time(captured: Path) -> None:
    result = invoke("show", WX_LIVE, "--db", str(captured))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == P.WX_LIVE_TITLE
    assert lines[1] == WX_LIVE
    assert lines[2].startswith("Captured 20") and ".warc.gz at offset" in lines[2]
    assert "本文介绍" in result.stdout and "正文" in result.stdout
    assert "window.__wx_cfg" not in result.stdout and "padding" not in result.stdout


def test_show_raw_gives_the_original_bytes(captured: Path) -> None:
    result = invoke("show", WX_LIVE, "--db", str(captured), "--raw")
    assert result.exit_code == 0
    assert result.stdout_bytes == P.wx_live()
    assert "Captured" in result.stderr
    gz = invoke("show", WX_GZIP, "--db", str(captured), "--raw")
    assert gz.stdout_bytes == gzip.decompress(P.wx_live_gzip())  # Content-Encoding undone
    image = invoke("show", P.mmbiz_image_url(P.WX_LIVE_ID, 2), "--db", str(captured), "--raw")
    assert image.exit_code == 0 and image.stdout_bytes == image_bytes(P.mmbiz_image_url(P.WX_LIVE_ID, 2))


def test_show_of_an_image_describes_it_instead_of_printing_its_bytes(captured: Path) -> None:
    image = P.mmbiz_image_url(P.WX_LIVE_ID, 2)
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", "show", image, "--db", str(captured)],
        capture_output=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert lines[1] == image
    assert lines[-1] == f"(image/png, {len(image_bytes(image)):,} bytes: not text; --raw writes the body)"
    assert P.PNG[:4] not in done.stdout


def test_show_json_and_a_revisit_says_since_when(captured: Path, simweb) -> None:
    from datetime import UTC, datetime, timedelta

    with Store(captured) as store:
        later = datetime.now(UTC) + timedelta(days=200)
        summary = archive(simweb, store, captured.parent / "warc", now=lambda: later)
        assert summary.unchanged == 3
    result = invoke("show", WX_LIVE, "--db", str(captured), "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == P.WX_LIVE_TITLE and data["captures"] == 2
    assert data["capture"]["record_type"] == "revisit"
    assert data["capture"]["original"]["record_type"] == "response"
    assert data["status_line"] == "HTTP/1.1 200 OK"
    text = invoke("show", WX_LIVE, "--db", str(captured))
    assert "unchanged since" in text.stdout and "2 captures of this page" in text.stdout


def test_show_without_a_capture_is_a_clear_error(captured: Path, tmp_path: Path) -> None:
    never = invoke("show", NOT_YET, "--db", str(captured))
    assert never.exit_code == 2
    assert "never captured" in never.stderr and "last check: alive" in never.stderr
    unknown = invoke("show", "https://nowhere.example/x", "--db", str(captured))
    assert unknown.exit_code == 2 and "not in the history database" in unknown.stderr
    missing = invoke("show", WX_LIVE, "--db", str(tmp_path / "nope.db"))
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    elsewhere = invoke("show", WX_LIVE, "--db", str(captured), "--warc-dir", str(tmp_path / "empty"))
    assert elsewhere.exit_code == 2 and "cannot be read" in elsewhere.stderr


def test_export_wacz_is_valid_and_complete(captured: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "blog.wacz"
    result = invoke("export", "--wacz", str(out), "--db", str(captured))
    assert result.exit_code == 0, result.output
    assert "ReplayWeb.page" in result.stdout or "replayweb.page" in result.stdout
    validated = subprocess.run([BIN / "wacz", "validate", "-f", out], capture_output=True, text=True, timeout=120)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "valid" in validated.stdout
    warcs = sorted(p.name for p in (captured.parent / "warc").glob("*.warc.gz"))
    with zipfile.ZipFile(out) as wacz:
        names = set(wacz.namelist())
        assert {"datapackage.json", "pages/pages.jsonl", "indexes/index.idx"} <= names
        assert {f"archive/{w}" for w in warcs} <= names
        package = json.loads(wacz.read("datapackage.json"))
        assert {r["path"] for r in package["resources"]} >= {f"archive/{w}" for w in warcs}
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()[1:]]
    titles = {p["url"]: p["title"] for p in pages}
    assert titles[WX_LIVE] == P.WX_LIVE_TITLE and ZHIHU_LIVE in titles


def test_export_without_warcs_is_an_error(tmp_path: Path) -> None:
    db = tmp_path / "linkcheck.db"
    Store(db).close()
    result = invoke("export", "--wacz", str(tmp_path / "x.wacz"), "--db", str(db))
    assert result.exit_code == 2 and "no closed WARC files" in result.stderr
    assert not (tmp_path / "x.wacz").exists()


def net_args(web, tmp_path: Path) -> list[str]:
    (tmp_path / "ca.pem").write_bytes(web.ca_pem())
    return [
        "--resolve", f"*:443:127.0.0.1:{web.https_port}",
        "--resolve", f"*:80:127.0.0.1:{web.http_port}",
        "--ca-bundle", str(tmp_path / "ca.pem"), "--allow-private",
    ]  # fmt: skip


def test_archive_command_json_lock_and_errors(captured: Path, tmp_path: Path, simweb) -> None:
    args = ["archive", "--db", str(captured), "-f", "json", *net_args(simweb, tmp_path)]
    with RunLock(lock_path_for(captured)):
        locked = invoke(*args)
    assert locked.exit_code == 4 and "another" in locked.stderr
    done = invoke(*args)
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["status"] == "completed" and summary["captured"] == 1 and summary["pending_total"] == 1
    assert summary["pages"][0]["url"] == NOT_YET and summary["pages"][0]["requisites"] == 3
    again = invoke(*args[:3], *args[5:])  # text output; nothing pending now
    assert again.exit_code == 0 and "0 of 0 pending pages" in again.stdout
    with Store(captured) as store:
        assert_valid_warcs(captured.parent / "warc", store)
    missing = invoke("archive", "--db", str(tmp_path / "none.db"))
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_commands_are_listed_in_help() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import linkcheck.cli.archive; from linkcheck.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    for command in ("archive", "show", "export"):
        assert command in done.stdout
