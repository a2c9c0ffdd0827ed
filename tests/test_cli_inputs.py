"""Bad values never cost a link its truth (issue #22 items 14-17).

A malformed canary, proxy or timeout — on the command line or in linkcheck.toml — is a usage error
(exit 2) naming it, before anything runs; failures are one line and exit 2, never 1 (the code that
means "newly confirmed dead", the one cron mails) and never a traceback; a reader that goes away
(`| head -1`) ends the command quietly. The property test at the end gives every option of every
command and every config key malformed values and asserts all three: exit 2 naming it, nothing
written, no check recorded.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from linkcheck.cli import app
from linkcheck.config import ARCHIVE_KEYS, FIX_KEYS, HOST_KEYS, KEYS, PUBLISH_KEYS
from linkcheck.models import Link, LinkKind, Occurrence, Outcome, Verdict
from linkcheck.run.runner import RunStatus
from linkcheck.scan.canonical import canonicalize
from linkcheck.store import Store
from tests.support import run_links
from tests.test_archive_cli import captured  # noqa: F401  (fixture: a database with closed WARC files)

LINKCHECK = [sys.executable, "-m", "linkcheck"]


def linkcheck(args: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LINKCHECK, *args], cwd=cwd, capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture()
def offline_blog(tmp_path: Path) -> Path:
    """A blog whose one link is on a name that does not exist, on a machine where no name exists
    (``--resolve '*:*:nxdomain'``: as without a network)."""
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "a.md").write_text("一篇文章 https://gone.test/x\n", encoding="utf-8")
    return tmp_path


NO_NETWORK = ["--resolve", "*:*:nxdomain"]


def assert_usage_error(done: subprocess.CompletedProcess[str], *named: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    for name in named:
        assert name in done.stderr, (name, done.stderr)


# --- item 14: a malformed canary --------------------------------------------------------------


@pytest.mark.parametrize("canary", ["not a url", "ftp://x", "https://", "http://example.org:99999/"])
def test_a_malformed_canary_flag_is_a_usage_error(offline_blog: Path, canary: str) -> None:
    """Before: accepted, and the untried canary counted as "network up": on a machine without
    network the link was recorded dead (dns) and the run exited 0."""
    done = linkcheck(["check", *NO_NETWORK, "--canary", canary], offline_blog)
    assert_usage_error(done, "--canary", canary)
    assert not (offline_blog / "state").exists()


def test_a_malformed_canary_in_the_config_file_is_a_usage_error(offline_blog: Path) -> None:
    (offline_blog / "linkcheck.toml").write_text('canaries = ["https://www.baidu.com/", "ftp://x"]\n')
    done = linkcheck(["check", *NO_NETWORK], offline_blog)
    assert_usage_error(done, "canaries", "ftp://x")
    assert not (offline_blog / "state").exists()


@pytest.mark.parametrize("canary", ["not a url", "ftp://x", "https://127.0.0.1/"])
def test_a_canary_that_cannot_be_tried_never_proves_the_network_up(simweb, canary: str) -> None:
    """The library's offline guard: a canary that is never fetched (malformed, another scheme,
    refused by the SSRF guard) proves nothing; with every name failing the run is offline."""
    summary, results = asyncio.run(
        run_links(simweb, [f"https://gone{i}.test/x" for i in range(3)], canaries=[canary], allow_private=False)
    )
    assert summary.status is RunStatus.OFFLINE
    assert results == {}


# --- item 15: a malformed proxy ---------------------------------------------------------------


@pytest.mark.parametrize("proxy", ["not a url", "socks5://127.0.0.1:1080", "http://", "http://proxy:notaport"])
def test_a_malformed_proxy_is_a_usage_error(offline_blog: Path, proxy: str) -> None:
    """Before: every URL was recorded `skipped: malformed` and the run exited 0."""
    done = linkcheck(["check", *NO_NETWORK, "--canary", "https://behave.test/ok", "--proxy", proxy], offline_blog)
    assert_usage_error(done, "--proxy")
    (offline_blog / "linkcheck.toml").write_text(f"proxy = {proxy!r}\n".replace("'", '"'))
    done = linkcheck(["check", *NO_NETWORK], offline_blog)
    assert_usage_error(done, "proxy")
    assert not (offline_blog / "state").exists()


# --- item 16: one validation for flag and file --------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_timeout_is_refused_alike_on_the_command_line_and_in_the_file(offline_blog: Path, value: str) -> None:
    """Before: `--timeout 0` or `-1` silently turned the timeout off while `timeout = 0` in the file
    was refused (and nan passed both)."""
    by_flag = linkcheck(["check", *NO_NETWORK, "--timeout", value], offline_blog)
    assert_usage_error(by_flag, "--timeout")
    (offline_blog / "linkcheck.toml").write_text(f"timeout = {value}\n")
    by_file = linkcheck(["check", *NO_NETWORK], offline_blog)
    assert_usage_error(by_file, "timeout")
    # The same rule, in the same words, after the name.
    assert by_flag.stderr.split("--timeout", 1)[1].strip() == by_file.stderr.split("timeout", 1)[1].strip()
    assert not (offline_blog / "state").exists()


# --- item 17: failures are one line and exit 2; a closed pipe ends quietly -----------------------


def _history_with_dead_links(db: Path, count: int) -> None:
    """``count`` links confirmed dead (three dead checks over eight days), with their citations."""
    start = datetime(2026, 11, 1, 3, tzinfo=UTC)
    links = []
    for i in range(count):
        c = canonicalize(f"https://gone.example/article/{i:05d}")
        links.append(Link(c.canonical, c.canonical, c.host, True, None,
                          [Occurrence(f"posts/p{i % 50:02d}.md", i, 1, LinkKind.BARE)]))  # fmt: skip
    with Store(db) as store:
        for night in range(3):
            when = start + timedelta(days=4 * night)
            store.links.sync(links, now=when)
            run = store.runs.begin({}, now=when)
            store.checks.record_many(
                run, [(link.canonical, Outcome(Verdict.DEAD, "http-404", 404), when) for link in links]
            )
            store.runs.finish(run, "completed", {}, now=when + timedelta(minutes=5))


def test_report_into_a_missing_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    _history_with_dead_links(tmp_path / "state" / "linkcheck.db", 3)
    for fmt in ("table", "markdown"):
        done = linkcheck(["report", "-f", fmt, "--output", "missing/report.txt"], tmp_path)
        assert_usage_error(done, "--output", "missing/report.txt")
        assert len(done.stderr.strip().splitlines()) == 1
    done = linkcheck(["report", "--run", "99"], tmp_path)
    assert_usage_error(done, "--run 99")


def test_export_to_an_unwritable_path_is_one_line_and_exit_2(captured: Path, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "a-file").write_text("not a folder")
    done = linkcheck(["export", "--wacz", "a-file/blog.wacz", "--db", str(captured)], tmp_path)
    assert_usage_error(done, "--wacz", "a-file")
    assert len(done.stderr.strip().splitlines()) == 1


def test_demo_keep_on_an_existing_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "a.md").write_text("https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw\n")
    (tmp_path / "kept").write_text("a file, not a folder")
    done = linkcheck(["demo", "--nights", "1", "--keep", "kept"], tmp_path)
    assert_usage_error(done, "--keep", "kept")
    assert len(done.stderr.strip().splitlines()) == 1
    assert (tmp_path / "kept").read_text() == "a file, not a folder"


def test_a_reader_that_goes_away_ends_the_report_quietly(tmp_path: Path) -> None:
    """`linkcheck report | head -1`: exit 0 and nothing on stderr (before: exit 1, the code that
    means newly confirmed dead links). The report is far over a pipe's buffer, so the reader
    leaves while linkcheck is still writing."""
    _history_with_dead_links(tmp_path / "state" / "linkcheck.db", 3000)
    for args in (["report"], ["report", "-f", "markdown"], ["dead", "-f", "csv"]):
        proc = subprocess.Popen(
            [*LINKCHECK, *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, "COLUMNS": "120"},
        )  # fmt: skip
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 0, (args, err)
        assert first and err == b"", (args, err)


# --- the property: every option and config key, malformed ---------------------------------------

runner = CliRunner()

# A history (one finished run, one recorded check) for the commands that read one.
URL = "https://gone.test/x"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("template")
    (root / "posts").mkdir()
    (root / "posts" / "a.md").write_text(f"一篇文章 {URL}\n", encoding="utf-8")
    (root / "a-file").write_text("a regular file, not a folder\n")
    with Store(root / "state" / "linkcheck.db") as store:
        c = canonicalize(URL)
        store.links.sync([Link(URL, c.canonical, c.host, True, None, [Occurrence("posts/a.md", 1, 1, LinkKind.BARE)])])
        run = store.runs.begin({})
        store.checks.record(run, c.canonical, Outcome(Verdict.DEAD, "dns"))
        store.runs.finish(run, "completed", {})
    return root


def _tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with a digest of its content: what was written shows."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def _checks(root: Path) -> int:
    db = sqlite3.connect(f"file:{root / 'state' / 'linkcheck.db'}?mode=ro", uri=True)
    try:
        return db.execute("select count(*) from checks").fetchone()[0]
    finally:
        db.close()


def assert_refused(root: Path, args: list[str], named: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``linkcheck ARGS`` in a copy of the template: exit 2 naming ``named``, nothing written."""
    work = root.parent / f"run-{hashlib.sha256(repr(args).encode()).hexdigest()[:12]}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(root, work, symlinks=True)
    before = _tree(work)
    monkeypatch.chdir(work)
    result = runner.invoke(app, args)
    output = result.output
    assert result.exit_code == 2, (args, result.exit_code, output, result.exception)
    assert "Traceback" not in output, (args, output)
    assert named in output, (args, named, output)
    assert _tree(work) == before, (args, "wrote", set(_tree(work).items()) ^ set(before.items()))
    assert _checks(work) == 1
    shutil.rmtree(work)


# The value-taking options of every command and malformed values for each (the value; the text the
# error must name: the option, or the value where the option is an argument). Options that take any
# value (a title) or none (flags) are listed in ANY_VALUE.
NET = [*NO_NETWORK]
MALFORMED: dict[tuple[str, str], list[str]] = {
    ("scan", "paths"): ["missing-dir"],
    ("scan", "--format"): ["xml"],
    ("scan", "--site-url"): ["not a url", "ftp://blog", "https://"],
    ("scan", "--root"): ["no-such-dir", "posts/a.md"],
    ("scan", "--config"): ["missing.toml", "posts/a.md"],
    ("check", "paths"): ["missing-dir"],
    ("check", "--config"): ["missing.toml", "posts/a.md"],
    ("check", "--format"): ["xml"],
    ("check", "--site-url"): ["not a url", "ftp://blog"],
    ("check", "--root"): ["no-such-dir"],
    ("check", "--db"): ["posts", "a-file/x.db"],
    ("check", "--budget"): ["-1", "nan", "x"],
    ("check", "--max-urls"): ["0", "-3", "1.5"],
    ("check", "--recheck-after"): ["-1", "nan"],
    ("check", "--concurrency"): ["0", "-1"],
    ("check", "--timeout"): ["0", "-1", "0.05", "nan", "inf"],
    ("check", "--connect-timeout"): ["0", "-1", "nan"],
    ("check", "--max-attempts"): ["0"],
    ("check", "--backoff"): ["-1", "nan", "-inf"],
    ("check", "--proxy"): ["not a url", "ftp://proxy:21", "http://", "http://proxy:99999", ""],
    ("check", "--ca-bundle"): ["missing.pem", "posts/a.md"],
    ("check", "--resolve"): ["garbage", "gone.test:443:not-an-ip", "gone.test:99999:127.0.0.1"],
    ("check", "--canary"): ["not a url", "ftp://x", "https://", ""],
    ("check", "--method"): ["post"],
    ("check", "--archive-budget"): ["-1", "nan"],
    ("check", "--chromium"): ["missing-chromium", "posts/a.md"],
    ("report", "--db"): ["missing.db", "posts"],
    ("report", "--config"): ["missing.toml"],
    ("report", "--format"): ["xml"],
    ("report", "--output"): ["missing/report.txt", "a-file/report.txt"],
    ("report", "--run"): ["99", "0", "x"],
    ("demo", "paths"): ["missing-dir"],
    ("demo", "--nights"): ["0", "9"],
    ("demo", "--keep"): ["a-file"],
    ("archive", "--db"): ["missing.db", "posts"],
    ("archive", "--warc-dir"): ["a-file", "a-file/warc"],
    ("archive", "--config"): ["missing.toml"],
    ("archive", "--limit"): ["-1"],
    ("archive", "--budget"): ["-1", "nan"],
    ("archive", "--max-age"): ["-1", "nan"],
    ("archive", "--max-resource-mb"): ["0", "-1", "inf"],
    ("archive", "--rotate-mb"): ["0", "0.5"],
    ("archive", "--concurrency"): ["0"],
    ("archive", "--timeout"): ["0", "-1", "nan"],
    ("archive", "--connect-timeout"): ["0"],
    ("archive", "--proxy"): ["not a url", "socks5://proxy:1080"],
    ("archive", "--ca-bundle"): ["missing.pem", "posts/a.md"],
    ("archive", "--resolve"): ["garbage", "gone.test:443:not-an-ip"],
    ("archive", "--format"): ["xml"],
    ("show", "url"): ["not a url", "https://never.seen/"],
    ("show", "--db"): ["missing.db"],
    ("show", "--warc-dir"): ["a-file"],
    ("show", "--format"): ["xml"],
    ("show", "--html"): ["posts", "missing/a.html", "a-file/a.html"],
    ("show", "--config"): ["missing.toml"],
    ("export", "--wacz"): ["posts", "a-file/blog.wacz"],
    ("export", "--db"): ["missing.db"],
    ("export", "--warc-dir"): ["a-file"],
    ("export", "--config"): ["missing.toml"],
    ("dead", "--db"): ["missing.db"],
    ("dead", "--config"): ["missing.toml"],
    ("dead", "--format"): ["xml"],
    ("history", "url"): ["not a url", "https://never.seen/"],
    ("history", "--db"): ["missing.db"],
    ("history", "--config"): ["missing.toml"],
    ("history", "--format"): ["xml"],
    ("status", "--db"): ["missing.db"],
    ("status", "--config"): ["missing.toml"],
    ("status", "--format"): ["xml"],
    ("status", "--limit"): ["-1", "x"],
    ("fix", "paths"): ["missing-dir"],
    ("fix", "--db"): ["missing.db", "posts"],
    ("fix", "--warc-dir"): ["a-file", "posts/a.md"],
    ("fix", "--config"): ["missing.toml", "posts/a.md"],
    ("publish", "directory"): ["missing-dir", "a-file"],
    ("publish", "--folder"): ["../up", "_site", "a/.hidden", "/abs", ""],
    ("publish", "--layout"): ["a b", "../x"],
    ("publish", "--db"): ["missing.db", "posts"],
    ("publish", "--warc-dir"): ["a-file"],
    ("publish", "--format"): ["xml"],
    ("publish", "--config"): ["missing.toml"],
}
ANY_VALUE = {("export", "--title")}  # any text is a title
# What each command needs besides the malformed value to get past everything else.
BASE = {
    "check": NET,
    "archive": NET,
    "show": [URL],
    "history": [URL],
    "export": ["--wacz", "out.wacz"],
    "publish": ["."],
}
POSITIONAL = {URL, "."}  # placeholders of a command's argument, dropped where the argument is the malformed value


def _options() -> set[tuple[str, str]]:
    """(command, option) for every value-taking option and argument of every command."""
    found = set()
    for name, command in typer.main.get_command(app).commands.items():  # type: ignore[attr-defined]
        for param in command.params:
            if getattr(param, "is_flag", False) or param.name in ("help",):
                continue
            label = param.opts[0] if param.param_type_name == "option" else param.name
            found.add((name, label))
    return found


def test_the_table_covers_every_option_of_every_command() -> None:
    assert _options() == set(MALFORMED) | ANY_VALUE


def _cases() -> list[tuple[str, str, str]]:
    return [(command, option, value) for (command, option), values in MALFORMED.items() for value in values]


@pytest.mark.parametrize(("command", "option", "value"), _cases())
def test_every_option_malformed_is_refused_naming_it(
    template: Path, monkeypatch: pytest.MonkeyPatch, command: str, option: str, value: str
) -> None:
    base = list(BASE.get(command, []))
    if option.startswith("-"):
        args = [command, *base, option, value]
        named = option
    else:  # an argument: the value itself is what the error names
        args = [command, *[b for b in base if b not in POSITIONAL], value]
        named = value
    assert_refused(template, args, named, monkeypatch)


# Malformed values for every config key, as TOML, and the name the error must carry.
BAD_KEYS: dict[str, list[str]] = {
    "paths": ['"posts"', "[1]", '["missing-dir"]'],
    "exclude": ['["(unclosed"]', '"x"'],
    "site_url": ['"not a url"', '"ftp://blog"', "5"],
    "root": ['"no-such-dir"', "5"],
    "db": ["5", '"a-file/x.db"', '"posts"'],
    "budget": ["-1", "nan", '"x"'],
    "max_urls": ["0", "1.5"],
    "recheck_after_days": ["-1", "inf"],
    "confirm_checks": ["0", "true"],
    "confirm_days": ["-1", "nan"],
    "concurrency": ["0", '"many"'],
    "timeout": ["0", "-1", "nan", "inf", "true"],
    "connect_timeout": ["0", "nan"],
    "max_attempts": ["0"],
    "backoff": ["-1", "-inf"],
    "proxy": ['"not a url"', '"ftp://proxy:21"', '"http://proxy:99999"', "3128"],
    "ca_bundle": ['"missing.pem"', '"posts/a.md"'],
    "canaries": ['["not a url"]', '["https://www.baidu.com/", "ftp://x"]', '"https://www.baidu.com/"', '[""]'],
    "allow_private": ["1", '"yes"'],
    "browser": ['"yes"'],
    "chromium": ['"missing-chromium"', '"posts/a.md"', "5"],
    "method": ['"post"', "1"],
    "archive.enabled": ["1"],
    "archive.dir": ["5", '"a-file"', '"a-file/warc"'],
    "archive.max_pages": ["-1", "1.5"],
    "archive.max_resource_mb": ["0", "nan"],
    "archive.max_age_days": ["-1"],
    "archive.rotate_mb": ["0"],
    "fix.archive_link": ['"[x]({archiv_url})"', '"{0}"', "5"],
    "hosts.concurrency": ["0"],
    "hosts.interval": ["-1", "nan"],
    "hosts.headers": ['"x"'],
    "publish.folder": ['"../up"', '"_site"', "5"],
    "publish.layout": ['"a b"', "5"],
    "unknown_key": ["1"],
}


def _toml(key: str, value: str) -> str:
    if key.startswith(("archive.", "publish.", "fix.")):
        table, name = key.split(".", 1)
        return f"[{table}]\n{name} = {value}\n"
    if key.startswith("hosts."):
        return f'[hosts."www.zhihu.com"]\n{key.split(".", 1)[1]} = {value}\n'
    return f"{key} = {value}\n"


def test_the_key_table_covers_every_config_key() -> None:
    keys = set(KEYS) | {f"archive.{k}" for k in ARCHIVE_KEYS} | {f"hosts.{k}" for k in HOST_KEYS}
    keys |= {f"fix.{k}" for k in FIX_KEYS}
    keys |= {f"publish.{k}" for k in PUBLISH_KEYS}
    assert set(BAD_KEYS) - {"unknown_key"} == keys


@pytest.mark.parametrize(("key", "value"), [(k, v) for k, values in BAD_KEYS.items() for v in values])
def test_every_config_key_malformed_is_refused_naming_it(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, value: str
) -> None:
    """In linkcheck.toml, read by `check` (the command that records checks)."""
    root = tmp_path / "blog"
    shutil.copytree(template, root)
    (root / "linkcheck.toml").write_text(_toml(key, value), encoding="utf-8")
    named = key.split(".", 1)[1] if key.startswith("hosts.") else key
    assert_refused(root, ["check", *NET], named, monkeypatch)


# Numeric keys with a `check` flag: any value below the key's minimum, or not finite, is the same
# error by flag and by file.
FLAG_FOR_KEY = {
    "budget": "--budget", "max_urls": "--max-urls", "recheck_after_days": "--recheck-after",
    "concurrency": "--concurrency", "timeout": "--timeout", "connect_timeout": "--connect-timeout",
    "max_attempts": "--max-attempts", "backoff": "--backoff",
}  # fmt: skip
NUMERIC = {key: KEYS[key] for key in FLAG_FOR_KEY}


def test_every_numeric_key_with_a_check_flag_is_drawn() -> None:
    config_only = {"confirm_checks", "confirm_days"}  # no flag: the file is the only way to set them
    assert set(NUMERIC) == {key for key, spec in KEYS.items() if spec.minimum is not None} - config_only
    assert set(FLAG_FOR_KEY.values()) <= {option for command, option in MALFORMED if command == "check"}


@st.composite
def _below_minimum(draw: st.DrawFn) -> tuple[str, float | int]:
    key = draw(st.sampled_from(sorted(NUMERIC)))
    spec = NUMERIC[key]
    if spec.type is int:
        return key, draw(st.integers(max_value=math.ceil(spec.minimum) - 1, min_value=-(10**9)))  # type: ignore[arg-type]
    value = draw(
        st.floats(max_value=spec.minimum, exclude_max=True, allow_nan=False, allow_infinity=False, min_value=-1e12)  # type: ignore[arg-type]
        | st.sampled_from([math.nan, math.inf, -math.inf])
    )
    return key, value


def _flag_text(value: float | int) -> str:
    return (
        str(value)
        if not isinstance(value, float) or math.isfinite(value)
        else {math.inf: "inf", -math.inf: "-inf"}.get(value, "nan")
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_below_minimum())
def test_flag_and_file_refuse_a_number_out_of_range_alike(
    template: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, case
) -> None:
    key, value = case
    text = _flag_text(value)
    root = tmp_path_factory.mktemp("numeric") / "blog"
    shutil.copytree(template, root)
    flag = FLAG_FOR_KEY[key]
    monkeypatch.chdir(root)
    by_flag = runner.invoke(app, ["check", *NET, f"{flag}={text}"])
    (root / "linkcheck.toml").write_text(f"{key} = {text}\n", encoding="utf-8")
    by_file = runner.invoke(app, ["check", *NET])
    assert (by_flag.exit_code, by_file.exit_code) == (2, 2), (key, text, by_flag.output, by_file.output)
    rule_by_flag = by_flag.output.split(flag, 1)[1].strip()
    rule_by_file = by_file.output.split(f": {key}", 1)[1].strip()
    assert rule_by_flag == rule_by_file, (key, text)
    assert not (root / "state" / "linkcheck.db-wal").exists()
    assert _checks(root) == 1
