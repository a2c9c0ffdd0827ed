"""linkcheck.toml / [tool.linkcheck]: every key known, bad ones named, flags win."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from linkcheck.config import ARCHIVE_KEYS, FIX_KEYS, HOST_KEYS, KEYS, PUBLISH_KEYS, ConfigError, load, parse

EXAMPLE = Path(__file__).resolve().parent.parent / "linkcheck.example.toml"


def _uncommented_example() -> dict:
    """The example with every commented-out `key = value` line switched on."""
    lines = []
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^# (\[[^\]]+\]|[a-z_]+ = .*)$", line)
        lines.append(match.group(1) if match else line)
    return tomllib.loads("\n".join(lines))


def test_example_config_lists_every_key_and_loads():
    data = _uncommented_example()
    assert set(data) - {"archive", "fix", "publish", "hosts"} == set(KEYS)
    assert set(data["archive"]) == set(ARCHIVE_KEYS)
    assert set(data["fix"]) == set(FIX_KEYS)
    assert set(data["publish"]) == set(PUBLISH_KEYS)
    assert {key for table in data["hosts"].values() for key in table} == set(HOST_KEYS)
    config = parse(data, "example")
    assert config.get("concurrency") == 64
    assert config.hosts["mp.weixin.qq.com"]["interval"] == 2.0


def test_example_defaults_match_the_code():
    """The values the example shows are the real defaults, not a stale copy."""
    data = _uncommented_example()
    for key, spec in KEYS.items():
        if spec.default is not None and key not in ("exclude", "canaries"):
            assert data[key] == spec.default, key
    for key, spec in ARCHIVE_KEYS.items():
        assert data["archive"][key] == spec.default, key
    for key, spec in FIX_KEYS.items():
        assert data["fix"][key] == spec.default, key
    for key, spec in PUBLISH_KEYS.items():
        assert data["publish"][key] == spec.default, key


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("concurency = 3", "concurency"),
        ("concurrency = 'many'", "concurrency"),
        ("concurrency = 0", "concurrency"),
        ("allow_private = 1", "allow_private"),
        ("timeout = true", "timeout"),
        ("[archive]\nenabeld = false", "archive.enabeld"),
        ("[fix]\narchive_link = '[x]({archiv_url})'", "fix.archive_link"),
        ("[fix]\narchive_links = ''", "fix.archive_links"),
        ('[hosts."mp.weixin.qq.com"]\nintervall = 2', "intervall"),
        ("[publish]\nfolders = 'x'", "publish.folders"),
        ("[publish]\nfolder = '../up'", "publish.folder"),
        ("exclude = ['(unclosed']", "exclude"),
        ("paths = 'posts'", "paths"),
    ],
)
def test_bad_keys_and_values_are_named(tmp_path: Path, text: str, named: str):
    (tmp_path / "linkcheck.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    assert named in str(caught.value)


def test_pyproject_tool_section_is_read(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.linkcheck]\nmax_urls = 7\n", encoding="utf-8")
    assert load(tmp_path).get("max_urls") == 7
    assert load(tmp_path).get("max_urls", 3) == 3  # a flag overrides the file


def test_linkcheck_toml_wins_over_pyproject(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.linkcheck]\nmax_urls = 7\n", encoding="utf-8")
    (tmp_path / "linkcheck.toml").write_text("max_urls = 9\n", encoding="utf-8")
    assert load(tmp_path).get("max_urls") == 9


def test_invalid_toml_is_a_clear_error(tmp_path: Path):
    (tmp_path / "linkcheck.toml").write_text("max_urls = = 3", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(tmp_path)


def test_cli_reports_config_error_with_exit_2(tmp_path: Path):
    (tmp_path / "posts").mkdir()
    (tmp_path / "linkcheck.toml").write_text("budgte = 10\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", "check"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "budgte" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "state").exists()  # nothing was started


def test_config_exclude_and_db_are_used(tmp_path: Path, simweb):
    """Keys in linkcheck.toml reach the run: db path, excludes (recorded, never fetched)."""
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "p.md").write_text(
        "https://behave.test/ok\n\nhttps://behave.test/status/404\n", encoding="utf-8"
    )
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    (tmp_path / "linkcheck.toml").write_text(
        'db = "hist/links.db"\nexclude = ["status/404$"]\nallow_private = true\nca_bundle = "ca.pem"\n'
        'canaries = ["https://behave.test/ok"]\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", "check", "-f", "json",
         "--resolve", f"*:443:127.0.0.1:{simweb.https_port}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = {row["url"]: row for row in __import__("json").loads(done.stdout)}
    assert rows["https://behave.test/status/404"]["reason"] == "excluded"
    assert rows["https://behave.test/ok"]["verdict"] == "alive"
    assert (tmp_path / "hist" / "links.db").is_file()
    assert simweb.hits("behave.test", "/status/404") == 0


def _linkcheck(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linkcheck", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("command", ["scan", "check", "report", "dead", "status", "archive"])
def test_every_command_refuses_an_unknown_config_key(tmp_path: Path, command: str):
    """A typo in linkcheck.toml is the same usage error whichever command reads the file."""
    (tmp_path / "posts").mkdir()
    (tmp_path / "linkcheck.toml").write_text("site_ulr = 'https://blog.example'\n", encoding="utf-8")
    done = _linkcheck([command], tmp_path)
    assert done.returncode == 2, (command, done.stdout, done.stderr)
    assert "site_ulr" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "state").exists()


def test_scan_takes_paths_exclude_and_site_url_from_the_config(tmp_path: Path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text(
        "https://keep.example/x\n\nhttps://drop.example/y\n\n![图](/images/a.png)\n", encoding="utf-8"
    )
    (tmp_path / "linkcheck.toml").write_text(
        'paths = ["notes"]\nexclude = ["drop\\\\.example"]\nsite_url = "https://blog.example/"\n', encoding="utf-8"
    )
    done = _linkcheck(["scan", "-f", "json"], tmp_path)  # no posts/ here: the config's paths are used
    assert done.returncode == 0, done.stderr
    rows = {row["url"]: row for row in json.loads(done.stdout)}
    assert rows["https://drop.example/y"]["skip_reason"] == "excluded"
    assert rows["https://keep.example/x"]["checkable"] is True
    assert rows["/images/a.png"]["canonical"] == "https://blog.example/images/a.png"
    assert rows["/images/a.png"]["checkable"] is True
    # A flag still wins over the file.
    done = _linkcheck(["scan", "-f", "json", "--site-url", "https://other.example/"], tmp_path)
    rows = {row["url"]: row for row in json.loads(done.stdout)}
    assert rows["/images/a.png"]["canonical"] == "https://other.example/images/a.png"


def test_db_of_the_config_is_used_by_every_reading_command(tmp_path: Path):
    """`db =` in linkcheck.toml reaches dead, history, status, report, show and export alike: each
    names the configured file when it is missing (and never falls back to state/linkcheck.db)."""
    (tmp_path / "linkcheck.toml").write_text('db = "elsewhere/history.db"\n', encoding="utf-8")
    for args in (
        ["dead"],
        ["history", "https://a.example/"],
        ["status"],
        ["report"],
        ["show", "https://a.example/"],
        ["export", "--wacz", "out.wacz"],
    ):
        done = _linkcheck(args, tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert "elsewhere/history.db" in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "state").exists()
