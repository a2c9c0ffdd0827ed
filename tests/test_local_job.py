"""Links into the blog in the nightly job: checked every run from the source tree (offline too),
recorded in the history with the local checker's marker, reported with post:line, never fetched,
never archived. The test blog (tests/blog) is copied; its one external link goes to the simulated web."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkcheck.net.resolve import RoutingResolver
from linkcheck.report import build_report, to_markdown
from linkcheck.run.job import JobOptions, run_job
from linkcheck.store import Store
from tests.support import fast_settings

BLOG = Path(__file__).resolve().parent / "blog"
MISSING = "/blog/images/missing.png"
CASE = "/blog/images/photo.png"
EXTERNAL = "https://behave.test/ok"


@pytest.fixture()
def blog(tmp_path: Path) -> Path:
    root = tmp_path / "blog"
    shutil.copytree(BLOG, root)
    return root


def linkcheck(blog: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linkcheck", *args], cwd=blog, capture_output=True, text=True, timeout=120
    )


def line_of(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in text)


def test_an_offline_run_still_checks_and_reports_the_blogs_own_links(blog: Path) -> None:
    """No name resolves: exit 3 and no external link marked, but every internal link has its
    verdict in the JSON output, the history, the SQL views and the report."""
    done = linkcheck(blog, "check", "_posts", "about.md", "--resolve", "*:*:nxdomain", "--format", "json")
    assert done.returncode == 3, done.stderr
    assert "offline" in done.stderr
    rows = {row["canonical"]: row for row in json.loads(done.stdout)}
    assert EXTERNAL not in rows  # offline is never dead: not even recorded
    assert (rows[MISSING]["verdict"], rows[MISSING]["reason"], rows[MISSING]["via"]) == (
        "dead",
        "missing-file",
        "local",
    )
    assert (rows[CASE]["reason"], rows[CASE]["final_url"]) == ("case-mismatch", "/blog/images/Photo.png")
    assert rows["/blog/images/a.png"]["verdict"] == "alive"
    internal = [row for row in rows.values() if row["via"] == "local"]
    assert len(internal) > 30

    db = sqlite3.connect(blog / "state" / "linkcheck.db")
    assert db.execute("select status from runs").fetchall() == [("offline",)]
    assert db.execute("select count(*), count(*) filter (where via = 'local') from checks").fetchone() == (
        len(internal), len(internal)
    )  # fmt: skip
    post = blog / "_posts" / "2018-12-01-links.md"
    cited = db.execute("select reason, cited_in from dead_candidates where canonical = ?", [MISSING]).fetchone()
    assert cited == ("missing-file", f"_posts/2018-12-01-links.md:{line_of(post, MISSING)}")

    report = linkcheck(blog, "report", "--format", "json")
    assert report.returncode == 0, report.stderr
    problems = {(p["url"], p["reason"], p["file"], p["line"]) for p in json.loads(report.stdout)["internal"]}
    assert (MISSING, "missing-file", "_posts/2018-12-01-links.md", line_of(post, MISSING)) in problems
    assert ("/blog/images/moved.png", "missing-file", "_posts/2018-12-01-links.md", line_of(post, "moved.png")) in (
        problems
    )
    table = linkcheck(blog, "report")
    assert "Broken links into the blog" in table.stdout and "case-mismatch" in table.stdout
    history = linkcheck(blog, "history", CASE)
    assert history.returncode == 0 and "case-mismatch" in history.stdout


def test_nightly_runs_confirm_a_broken_image_fetch_only_the_web_and_archive_none_of_the_blog(
    blog: Path, simweb
) -> None:
    options = JobOptions(paths=[blog / "_posts", blog / "about.md"], db=blog / "state" / "l.db",
                         canaries=(simweb.url("behave.test", "/ok"),))  # fmt: skip
    settings = fast_settings(simweb)
    start = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    jobs = []
    for night in range(3):  # 0, 4 and 8 days: the third dead check spans more than 7 days
        when = start + timedelta(days=4 * night)
        jobs.append(
            asyncio.run(run_job(options, settings, resolver=RoutingResolver(simweb.route), now=lambda when=when: when))
        )
    last = jobs[-1]
    outcomes = {r.link.canonical: r.outcome for r in last.results}
    assert (outcomes[EXTERNAL].verdict.value, outcomes[EXTERNAL].via) == ("alive", "http")
    assert (outcomes[MISSING].verdict.value, outcomes[MISSING].via) == ("dead", "local")
    # Every run checks every internal link (they are not scheduled like fetched ones).
    internal = [r for r in last.results if r.outcome.via == "local"]
    assert all(sum(1 for r in job.results if r.outcome.via == "local") == len(internal) for job in jobs)
    alive = sum(1 for r in internal if r.outcome.verdict.value == "alive")
    assert (last.summary.checked, last.summary.counts["alive"]) == (len(internal) + 1, alive + 1)  # + the web page
    # Only the web was asked: the simulated web saw the external link and the canary, nothing else.
    assert {r.host for r in simweb.requests} == {"behave.test"}
    assert {r.path_qs for r in simweb.requests} == {"/ok"}
    assert MISSING in {row["canonical"] for row in last.newly_dead}  # confirmed by this run: exit code 1

    with Store(options.db) as store:
        confirmed = {row["canonical"]: row for row in store.queries.dead_links()}
        assert MISSING in confirmed and CASE in confirmed
        assert confirmed[MISSING]["occurrences"][0]["file"].endswith("2018-12-01-links.md")
        captured = [row["url"] for row in store.captures.pages()]
        assert captured == [EXTERNAL]  # the archive stage took the web page, no link of the blog
        report = build_report(store)
    rows = {row.label: row for row in report.sites}
    local = rows["this blog (source tree)"]
    assert local.urls == len(internal) and local.alive + local.dead == len(internal)
    assert "## Broken links into the blog" in to_markdown(report)
    dead = subprocess.run(
        [sys.executable, "-m", "linkcheck", "dead", "--db", str(options.db), "--format", "json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert dead.returncode == 0 and MISSING in dead.stdout


def test_check_takes_the_root_from_the_config_for_posts_kept_elsewhere(blog: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "posts"
    elsewhere.mkdir()
    (elsewhere / "p.md").write_text("![a](/blog/images/a.png) ![b](/blog/images/b.png)\n", encoding="utf-8")
    (tmp_path / "linkcheck.toml").write_text(f'root = "{blog}"\n', encoding="utf-8")
    done = linkcheck(tmp_path, "check", "posts", "--resolve", "*:*:nxdomain", "--format", "json")
    assert done.returncode == 0, done.stderr  # nothing external to check: not offline
    assert {(row["canonical"], row["reason"]) for row in json.loads(done.stdout)} == {
        ("/blog/images/a.png", "local-file"), ("/blog/images/b.png", "missing-file")
    }  # fmt: skip
    missing = linkcheck(tmp_path, "check", "posts", "--root", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "nope" in missing.stderr and "Traceback" not in missing.stderr
