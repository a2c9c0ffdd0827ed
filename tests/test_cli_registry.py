"""The CLI at a glance: `linkcheck.cli.COMMANDS` is every command the app has, each a function of
the module it names, loaded only when that command runs (or `--help` lists them all), and built
exactly as registering them all on the app would; the command modules stay light enough for
`linkcheck scan`; one function, `settings_for`, turns flags and the config file into every job's
settings."""

from __future__ import annotations

import functools
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from linkcheck.cli import COMMANDS, app
from linkcheck.cli.settings import ArchiveFlags, CheckFlags, ReadFlags, ScanFlags, settings_for

REPO = Path(__file__).resolve().parent.parent
COMMAND_MODULES = sorted({target.partition(":")[0] for _, target in COMMANDS})


def _function(target: str):
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


def test_commands_lists_every_command_of_the_app_in_order() -> None:
    group = typer.main.get_command(app)
    names = [name for name, _ in COMMANDS]
    with group.make_context("linkcheck", ["scan"]) as ctx:
        assert group.list_commands(ctx) == names  # type: ignore[attr-defined]
        assert group.get_command(ctx, "frob") is None  # type: ignore[attr-defined]
    for name, target in COMMANDS:
        assert target.startswith("linkcheck.cli."), name
        assert callable(_function(target)), name
    help_text = subprocess.run(
        [sys.executable, "-m", "linkcheck", "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    listed = [line.split()[0] for line in help_text.split("Commands:", 1)[1].splitlines() if line.strip()]
    assert listed == names


def _eager_app() -> typer.Typer:
    """The app as it was before commands were loaded lazily: every command registered on it."""
    eager = typer.Typer(
        name="linkcheck", help=app.info.help, no_args_is_help=True, add_completion=False, rich_markup_mode=None
    )
    for name, target in COMMANDS:
        eager.command(name)(_function(target))
    return eager


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        *([name, "--help"] for name, _ in COMMANDS),
        ["frob"],  # no such command
        ["scna"],  # … did you mean 'scan'?
        ["--nope"],
        ["scan", "-f", "xml"],  # typer's value checks: one line, exit 2
        ["scan", "--nope"],
        ["check", "--timeout", "abc"],
        ["history"],  # a missing argument
    ],
    ids=lambda args: " ".join(args) or "(none)",
)
def test_lazy_commands_say_what_eager_ones_said(args: list[str]) -> None:
    """Help, usage and usage errors are the same, to the byte and exit code, as when every command
    was registered on the app (typer building them all)."""
    runner = CliRunner()
    lazy = runner.invoke(app, args, prog_name="linkcheck", terminal_width=100)
    eager = runner.invoke(_eager_app(), args, prog_name="linkcheck", terminal_width=100)
    assert (lazy.exit_code, lazy.stdout, lazy.stderr) == (eager.exit_code, eager.stdout, eager.stderr)
    assert lazy.exit_code in (0, 2)
    assert "Traceback" not in lazy.output


# Run in a fresh interpreter: the command, then the command modules (and rich's) it loaded.
_LOADED_MODULES = (
    "import sys\n"
    "from linkcheck.cli import app\n"
    "code = app(sys.argv[1:], prog_name='linkcheck', standalone_mode=False)\n"
    "print(' '.join(sorted(m for m in sys.modules if m.startswith(('linkcheck.cli.', 'rich')))), file=sys.stderr)\n"
)


@functools.cache
def _typers_own_modules() -> frozenset[str]:
    code = "import sys, typer, typer.main\nprint(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return frozenset(done.stdout.split())


def _rich_beyond_typers(loaded: set[str]) -> list[str]:
    """rich modules loaded, less those importing typer loads by itself (typer < 0.2x imports rich)."""
    return sorted(m for m in loaded if m.split(".")[0] == "rich" and m not in _typers_own_modules())


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_a_command_loads_its_own_module_only(name: str) -> None:
    """`linkcheck CMD --help` imports CMD's module and no other command's, and no rich: the command
    modules import rich where they print with it."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_MODULES, name, "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert f"Usage: linkcheck {name} " in done.stdout
    loaded = set(done.stderr.split())
    own = dict(COMMANDS)[name].partition(":")[0]
    assert own in loaded
    assert [m for m in COMMAND_MODULES if m in loaded and m != own] == []
    assert _rich_beyond_typers(loaded) == []


def test_help_alone_loads_every_command_module() -> None:
    """`linkcheck --help` lists every command with its help, so it is the one that loads them all
    (and the check above could not pass by accident with modules never loaded) — and still no rich."""
    done = subprocess.run([sys.executable, "-c", _LOADED_MODULES, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stderr.split())
    assert set(COMMAND_MODULES) <= loaded
    assert _rich_beyond_typers(loaded) == []


def test_a_table_loads_rich() -> None:
    """(What the two tests above would miss if rich were never loaded at all: a table is printed
    with it.)"""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_MODULES, "scan", str(REPO / "posts")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "rich.table" in done.stderr.split()


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
