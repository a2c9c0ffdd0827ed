"""The CLI at a glance: `linkcheck.cli.COMMANDS` is every command the app has, each the function
of the module it names, and the command modules stay light enough for `linkcheck scan`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer.main

from linkcheck.cli import COMMANDS, app

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
