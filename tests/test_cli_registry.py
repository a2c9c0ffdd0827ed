"""The CLI at a glance: `linkcheck.cli.COMMANDS` is every command the app has, each the function
of the module it names; the command modules stay light enough for `linkcheck scan`; one function,
`settings_for`, turns flags and the config file into every job's settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
import typer.main

from linkcheck.cli import COMMANDS, app
from linkcheck.cli.settings import ArchiveFlags, CheckFlags, ReadFlags, ScanFlags, settings_for

REPO = Path(__file__).resolve().parent.parent


def test_commands_lists_every_command_of_the_app_in_order() -> None:
    group = typer.main.get_command(app)
    registered = list(group.commands)  # type: ignore[attr-defined]
    assert registered == [name for name, _ in COMMANDS]
    assert [(info.name, info.callback) for info in app.registered_commands] == list(COMMANDS)
    for name, function in COMMANDS:
        assert function.__module__.startswith("linkcheck.cli."), name
    help_text = subprocess.run(
        [sys.executable, "-m", "linkcheck", "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    listed = [line.split()[0] for line in help_text.split("Commands:", 1)[1].splitlines() if line.strip()]
    assert listed == registered


def test_scan_loads_no_transport_store_or_archive(tmp_path: Path) -> None:
    """`linkcheck scan` (every command module imported, the scan run): aiohttp, warcio, SQLite and
    the stages it does not run are never imported — the command modules import them inside the
    commands that need them."""
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "a.md").write_text("<https://mp.weixin.qq.com/s/abc> [x](https://a.example/)\n")
    probe = (
        "import sys\n"
        "from linkcheck.cli import app\n"
        "try:\n"
        "    app(['scan', 'posts', '-f', 'json'], standalone_mode=False)\n"
        "finally:\n"
        "    heavy = ('aiohttp', 'warcio', 'sqlite_utils', 'sqlite3', 'playwright')\n"
        "    stages = ('linkcheck.net', 'linkcheck.store', 'linkcheck.archive', 'linkcheck.run', 'linkcheck.browser')\n"
        "    loaded = [m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(stages)]\n"
        "    print(sorted(loaded), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"https://mp.weixin.qq.com/s/abc"' in done.stdout  # the scan ran
    assert done.stderr.strip() == "[]"


def test_settings_for_every_job_kind_flag_over_file_over_default(tmp_path: Path, monkeypatch) -> None:
    """One function from flags and the config file to each job's settings: a flag wins over the
    file, the file over the default — the same keys read the same way by `check` and `archive`."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "linkcheck.toml").write_text(
        'paths = ["blog/_posts"]\ndb = "var/h.db"\ntimeout = 7\nconnect_timeout = 3\nexclude = ["^https://x\\\\."]\n'
        '[archive]\nmax_pages = 5\ndir = "var/warc"\n[hosts."mp.weixin.qq.com"]\ninterval = 2.5\n',
        encoding="utf-8",
    )
    scan = settings_for(ScanFlags())
    assert (scan.paths, scan.paths_from_config, scan.exclude) == ([Path("blog/_posts")], True, ("^https://x\\.",))
    assert settings_for(ScanFlags(paths=[Path("p")])).paths_from_config is False

    check = settings_for(CheckFlags(timeout=5.0, archive=False))
    assert (check.fetch.total_timeout, check.fetch.connect_timeout) == (5.0, 3.0)  # flag, file
    assert check.fetch.politeness_overrides["mp.weixin.qq.com"].interval == 2.5
    assert (check.job.db, check.job.archive, check.job.archive_limit) == (Path("var/h.db"), False, 5)
    assert check.job.paths == [Path("blog/_posts")] and check.job.archive_dir == Path("var/warc")

    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "h.db").touch()
    archive = settings_for(ArchiveFlags(limit=2))
    assert (archive.db, archive.warc_dir, archive.limit) == (Path("var/h.db"), Path("var/warc"), 2)
    assert archive.fetch.total_timeout == archive.archive.timeout == 120.0  # its own default, not `timeout`
    assert archive.fetch.politeness_overrides == check.fetch.politeness_overrides

    read = settings_for(ReadFlags(db=tmp_path / "var" / "h.db", warc_dir=tmp_path / "w"))
    assert (read.db, read.warc_dir) == (tmp_path / "var" / "h.db", tmp_path / "w")
    with pytest.raises(typer.Exit) as refused:
        settings_for(CheckFlags(timeout=0.0))
    assert refused.value.exit_code == 2
