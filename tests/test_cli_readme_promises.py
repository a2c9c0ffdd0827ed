"""README promises a newcomer found broken, driven through the real CLI (`python -m linkcheck`).

The config file's `db` is the history database of every command; messages and reports keep the
brackets of what they quote; `report --run`/`--output` mistakes are one clear error, exit 2.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli_db import GONE
from tests.test_cli_db import db as db  # the eight-night history fixture, used by name
from tests.test_job import cli_args


def _linkcheck(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "linkcheck", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip


@pytest.fixture
def blog_with_config(tmp_path: Path, db: Path) -> Path:
    """A blog root whose linkcheck.toml puts the history database elsewhere (db's directory)."""
    blog = tmp_path / "blog"
    blog.mkdir()
    (blog / "linkcheck.toml").write_text(f"db = {json.dumps(str(db))}\n", encoding="utf-8")
    return blog


def test_read_commands_use_the_config_files_db(blog_with_config: Path, db: Path) -> None:
    dead = _linkcheck(["dead", "-f", "csv"], blog_with_config)
    assert dead.returncode == 0, dead.stderr
    assert {row["url"] for row in csv.DictReader(io.StringIO(dead.stdout))} == {GONE}
    status = _linkcheck(["status", "-f", "json"], blog_with_config)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["run"]["id"] == 8
    history = _linkcheck(["history", GONE, "-f", "json"], blog_with_config)
    assert history.returncode == 0, history.stderr
    assert len(json.loads(history.stdout)["checks"]) == 4
    report = _linkcheck(["report", "-f", "csv"], blog_with_config)
    assert report.returncode == 0, report.stderr
    assert report.stdout == dead.stdout  # the one dead-link CSV
    # show and export read that database too (and the WARC files next to it): what they say
    # comes from it, not "no history database".
    show = _linkcheck(["show", GONE], blog_with_config)
    assert show.returncode == 2
    assert "never captured (last check: dead)" in show.stderr
    export = _linkcheck(["export", "--wacz", "x.wacz"], blog_with_config)
    assert export.returncode == 2
    assert f"no closed WARC files in {db.parent / 'warc'}" in export.stderr
    assert not (blog_with_config / "state").exists()


def test_db_flag_overrides_the_config_file(blog_with_config: Path) -> None:
    for command in (["dead"], ["status"], ["history", GONE], ["report"], ["show", GONE]):
        done = _linkcheck([*command, "--db", "other.db"], blog_with_config)
        assert done.returncode == 2, command
        assert "other.db: no history database" in done.stderr, command


def test_config_errors_name_the_pyproject_section(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.linkcheck]\nfoo = 1\n", encoding="utf-8")
    for command in (["report"], ["dead"], ["check"]):
        done = _linkcheck(command, tmp_path)
        assert done.returncode == 2, command
        assert "pyproject.toml [tool.linkcheck]: unknown key 'foo'" in done.stderr, command
        assert "Traceback" not in done.stderr


def test_report_names_a_post_whose_path_has_brackets(tmp_path: Path, simweb) -> None:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "[draft] notes.md").write_text("失效 https://behave.test/status/404\n", encoding="utf-8")
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    done = subprocess.run(
        cli_args(simweb, "--no-archive"), cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "https://behave.test/status/404  http-404  posts/[draft] notes.md:1" in done.stdout


def test_report_run_that_does_not_exist_is_an_error(db: Path, tmp_path: Path) -> None:
    done = _linkcheck(["report", "--db", str(db), "--run", "99"], tmp_path)
    assert done.returncode == 2
    assert "--run 99: no such run" in done.stderr
    earlier = _linkcheck(["report", "--db", str(db), "--run", "3", "-f", "json"], tmp_path)
    assert earlier.returncode == 0, earlier.stderr
    assert json.loads(earlier.stdout)["run"]["id"] == 3


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_report_output_into_a_missing_directory_is_an_error(db: Path, tmp_path: Path, fmt: str) -> None:
    done = _linkcheck(["report", "--db", str(db), "-f", fmt, "--output", "missing/report.txt"], tmp_path)
    assert done.returncode == 2
    assert "--output missing/report.txt: No such file or directory" in done.stderr
    assert "Traceback" not in done.stderr
