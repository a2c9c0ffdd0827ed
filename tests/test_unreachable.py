"""Links that never come back, end to end: the nightly job through a forward proxy (as on a machine
that reaches the web through one) over the simulated web, three nights four days apart on an
injected clock. A 503 every night, a redirect loop, a name the proxy never resolves and a host
that never answers become **unreachable** on the third night (3 error checks over 8 days: the
confirmation rule), listed by the ``unreachable_links`` view, ``linkcheck report`` and
``linkcheck dead --include-unreachable``; a Zhihu wall stays blocked and is never unreachable, an
error that clears is not, and the exit code stays 0 (only newly confirmed dead links make it 1)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkcheck.net.resolve import RoutingResolver
from linkcheck.report import build_report, to_markdown
from linkcheck.run.job import JobOptions, run_job
from linkcheck.simweb.proxy import proxy_in_thread
from linkcheck.store import Store
from tests.support import fast_politeness, fast_settings

UNAVAILABLE = "https://behave.test/status/503"
LOOP = "https://behave.test/loop/a"
NO_NAME = "https://gone-for-good.invalid/article/1"  # the proxy cannot resolve it: 502 Bad Gateway
SILENT = "https://behave.test/never"
WALL = "https://zhuanlan.zhihu.com/p/146643148"  # Zhihu's challenge: blocked every night
RECOVERS = "https://behave.test/ok?back=1"  # 503 the first two nights, alive on the third
ALIVE = "https://behave.test/ok"

POST = "\n\n".join(["---\ntitle: t\n---", UNAVAILABLE, LOOP, NO_NAME, SILENT, WALL, RECOVERS, ALIVE]) + "\n"
NIGHTS = [datetime(2026, 11, 1, 3, tzinfo=UTC) + timedelta(days=d) for d in (0, 4, 8)]
NEVER_COME_BACK = {UNAVAILABLE, LOOP, NO_NAME, SILENT}


def only_localhost(host: str, port: int) -> tuple[str, int] | None:
    """The machine's resolver as these tests need it: the proxy's name, ``localhost``, and no other
    (every target is resolved by the proxy)."""
    return ("127.0.0.1", port) if host == "localhost" else None


@pytest.fixture()
def blog(tmp_path: Path) -> Path:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "2019-3-1-net.md").write_text(POST, encoding="utf-8")
    return tmp_path


def night(blog: Path, simweb, proxy_url: str, when: datetime):
    options = JobOptions(
        paths=[blog / "posts"],
        db=blog / "state" / "linkcheck.db",
        check_all=True,
        canaries=(ALIVE,),
        archive=False,
    )
    settings = fast_settings(
        simweb,
        proxy=proxy_url,
        allow_private=False,
        total_timeout=0.5,  # /never: a timeout on every attempt
        max_attempts=2,
        max_retry_after=0.1,
        politeness_overrides=fast_politeness(["behave.test", "zhuanlan.zhihu.com", "gone-for-good.invalid"]),
    )
    return asyncio.run(run_job(options, settings, resolver=RoutingResolver(only_localhost), now=lambda: when))


def test_errors_that_persist_become_unreachable_walls_never_do(blog: Path, simweb, monkeypatch) -> None:
    recovering = RECOVERS.split("://", 1)[1]
    monkeypatch.setitem(simweb.aliases, recovering, UNAVAILABLE)  # the session's web: restored after
    db = blog / "state" / "linkcheck.db"
    with proxy_in_thread(simweb.route) as proxy:
        proxy_url = f"http://localhost:{proxy.port}"
        results = []
        for index, when in enumerate(NIGHTS):
            if index == 2:
                del simweb.aliases[recovering]  # the host is back
            results.append(night(blog, simweb, proxy_url, when))
            with Store(db) as store:
                unreachable = {row["canonical"] for row in store.queries.unreachable_links()}
            # Not before the third error check, eight days after the first.
            assert unreachable == (NEVER_COME_BACK if index == 2 else set()), index
    verdicts = {r.link.canonical: (r.outcome.verdict.value, r.outcome.reason) for r in results[2].results}
    assert verdicts == {
        UNAVAILABLE: ("error", "http-5xx"),
        LOOP: ("error", "redirect-loop"),
        NO_NAME: ("error", "bad-response"),  # the proxy answered CONNECT with 502 Bad Gateway
        SILENT: ("error", "timeout"),
        WALL: ("blocked", "antibot:zhihu-403"),
        RECOVERS: ("alive", "http-200"),
        ALIVE: ("alive", "http-200"),
    }
    assert [len(r.newly_dead) for r in results] == [0, 0, 0]  # unreachable is not dead: exit code 0

    with Store(db) as store:
        rows = {row["canonical"]: row for row in store.queries.unreachable_links()}
        assert {url: (row["error_checks"], row["error_days"]) for url, row in rows.items()} == dict.fromkeys(
            NEVER_COME_BACK, (3, 8.0)
        )
        assert rows[LOOP]["reason"] == "redirect-loop" and rows[LOOP]["current_verdict"] == "error"
        assert rows[UNAVAILABLE]["cited_in"].endswith("2019-3-1-net.md:5")
        assert store.queries.totals()["unreachable"] == 4
        # The wall's three blocked checks left no error streak; the recovered link's was cleared.
        state = dict(
            store.db.execute(
                "SELECT u.canonical, s.error_checks FROM url_state s JOIN urls u ON u.id = s.url_id"
            ).fetchall()
        )
        assert (state[WALL], state[RECOVERS], state[ALIVE]) == (0, 0, 0)
        report = build_report(store)
    assert {u.url for u in report.unreachable} == NEVER_COME_BACK
    assert "## Unreachable links (4)" in to_markdown(report)

    # The commands a person runs in the morning.
    env = {**os.environ, "COLUMNS": "220"}
    base = [sys.executable, "-m", "linkcheck"]
    table = subprocess.run([*base, "report", "--db", str(db)], capture_output=True, text=True, env=env, timeout=60)
    assert table.returncode == 0, table.stderr
    assert "Unreachable links (4)" in table.stdout and "redirect-loop" in table.stdout
    dead = subprocess.run([*base, "dead", "--db", str(db)], capture_output=True, text=True, env=env, timeout=60)
    assert dead.returncode == 0 and "No confirmed dead links" in dead.stdout
    listed = subprocess.run(
        [*base, "dead", "--db", str(db), "--include-unreachable", "-f", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert {(row["canonical"], row["state"], row["dead_checks"]) for row in json.loads(listed.stdout)} == {
        (url, "unreachable", 3) for url in NEVER_COME_BACK
    }
    as_csv = subprocess.run(
        [*base, "dead", "--db", str(db), "--include-unreachable", "-f", "csv"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {(r["url"], r["state"], r["confirmed"], r["reason"], r["dead_checks"]) for r in rows} == {
        (UNAVAILABLE, "unreachable", "no", "http-5xx", "3"),
        (LOOP, "unreachable", "no", "redirect-loop", "3"),
        (NO_NAME, "unreachable", "no", "bad-response", "3"),
        (SILENT, "unreachable", "no", "timeout", "3"),
    }
    shown = subprocess.run(
        [*base, "dead", "--db", str(db), "--include-unreachable"], capture_output=True, text=True, env=env, timeout=60
    )
    assert "Dead and unreachable links in 1 posts: 4 unreachable" in shown.stdout and UNAVAILABLE in shown.stdout
    status = subprocess.run([*base, "status", "--db", str(db)], capture_output=True, text=True, env=env, timeout=60)
    assert status.returncode == 0 and "4 unreachable" in status.stdout
    # Plain SQL agrees.
    sql = sqlite3.connect(db).execute("SELECT canonical FROM unreachable_links ORDER BY canonical").fetchall()
    assert [row[0] for row in sql] == sorted(NEVER_COME_BACK)


def test_check_reports_unreachable_and_drifted_in_its_own_report(tmp_path: Path, simweb, monkeypatch) -> None:
    """`linkcheck check` itself (a subprocess, the real CLI): with the confirmation at one check
    (``confirm_checks = 1``, ``confirm_days = 0`` in its config) a 503 is unreachable at once, and
    a WeChat article whose page now carries another title than the post cites is drifted."""
    article = "https://mp.weixin.qq.com/s/Fes8FHngKnL8jklB7DhNCQ"
    monkeypatch.setattr(simweb, "titles", {article.split("://", 1)[1]: "双十一爆款清单：这些好物闭眼入"})
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "2021-5-21-acc.md").write_text(
        f"{UNAVAILABLE}\n\n一个总是 503 的站点\n\n{article}\n\n图计算加速架构综述\n", encoding="utf-8"
    )
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    (tmp_path / "linkcheck.toml").write_text(
        'confirm_checks = 1\nconfirm_days = 0\nmax_attempts = 1\n[hosts."mp.weixin.qq.com"]\ninterval = 0.01\n',
        encoding="utf-8",
    )
    args = [
        sys.executable, "-m", "linkcheck", "check", "posts",
        "--resolve", f"*:443:127.0.0.1:{simweb.https_port}", "--ca-bundle", "ca.pem", "--allow-private",
        "--canary", ALIVE, "--no-archive",
    ]  # fmt: skip
    done = subprocess.run(
        args, cwd=tmp_path, capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "220"}
    )
    assert done.returncode == 0, done.stderr  # neither is a newly confirmed dead link
    unreachable = done.stdout.split("Unreachable links (1)", 1)[1]
    assert UNAVAILABLE in unreachable.split("Drifted pages", 1)[0] and "http-5xx" in unreachable
    drifted = done.stdout.split("Drifted pages (1)", 1)[1].split("By site", 1)[0]
    assert article in drifted and "图计算加速架构综述" in drifted and "双十一爆款清单" in drifted
