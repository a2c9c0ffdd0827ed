"""Content drift end to end: the nightly job over real posts on the simulated web, nights apart on an
injected clock; the articles are captured the first night, then one is replaced by another article
and one is retitled slightly. Only the replaced one is flagged ``drifted`` — alive all along, never
dead — in the check's JSON, the ``drifted_links`` view, ``linkcheck report`` and the CLI's table."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkcheck.net.resolve import RoutingResolver
from linkcheck.report import build_report
from linkcheck.run.job import JobOptions, run_job
from linkcheck.store import Store
from tests.support import fast_politeness, fast_settings

WX = "https://mp.weixin.qq.com"
KEPT = f"{WX}/s/Z3WVdFwDGqikWcLnM0zTOQ"
REPLACED = f"{WX}/s/h_BjRGiNFV0V511RUumR0w"
RETITLED = f"{WX}/s/0OqqdbUWlWIbfBrRdMs4PA"
# A long link, its title on the next line without a blank line between.
LONG = f"{WX}/s?__biz=MzA4MTAwMDAwMA==&mid=2650000777&idx=2&sn=00ff00ff00ff00ff00ff00ff00ff00ff"
# The post's line after this URL is the author's remark, not the article's title: the first
# capture's title is what keeps it from being called drifted.
REMARK = f"{WX}/s/TfwA4x8dU_rMhC0fuE-xYw"
# A site no profile describes: its <title> ("ok") is recorded, never compared — a blog's home page
# cited for its column would always "drift".
HOME = "https://behave.test/ok"

POST = f"""---
layout: post
title: 深度学习
---
{KEPT}

颠覆认知！关于勾股定理，你不知道的N个事实

{REPLACED}

L1, L2 范数以及高斯，拉普拉斯分布

{RETITLED}

洪小文：以科学的方式赤裸裸地剖析人工智能：混沌初开

{LONG}
AAAI2019 Tutorial《图表示学习》, 180页PPT带你从入门到精通

{REMARK}

这篇讲得比较浅，入门可以看看

{HOME}

一个eBPF的专栏
"""

# What the simulated web serves: the articles under the titles the post cites them with (the first
# night), then one replaced and one retitled. "host/path?query" keys, as SimulatedWeb.titles has them.
FIRST = {
    KEPT: "颠覆认知！关于勾股定理，你不知道的N个事实",
    REPLACED: "L1, L2 范数以及高斯，拉普拉斯分布",
    RETITLED: "洪小文：以科学的方式赤裸裸地剖析人工智能：混沌初开",
    LONG: "AAAI2019 Tutorial《图表示学习》, 180页PPT带你从入门到精通",
    REMARK: "人工智能300年",
}
LATER = {
    **FIRST,
    REPLACED: "双十一爆款清单：这些好物闭眼入",
    RETITLED: "洪小文：以科学方式剖析人工智能（一）：混沌初开",
}
NIGHTS = [datetime(2026, 11, 1, 3, tzinfo=UTC) + timedelta(days=d) for d in (0, 6)]


def served(titles: dict[str, str]) -> dict[str, str]:
    return {url.split("://", 1)[1]: title for url, title in titles.items()}


@pytest.fixture()
def blog(tmp_path: Path, simweb, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "2017-5-17-dl.md").write_text(POST, encoding="utf-8")
    monkeypatch.setattr(simweb, "titles", served(FIRST))  # the session's web: restored after the test
    return tmp_path


def night(blog: Path, simweb, when: datetime):
    options = JobOptions(
        paths=[blog / "posts"], db=blog / "state" / "linkcheck.db", check_all=True, canaries=("https://behave.test/ok",)
    )
    settings = fast_settings(
        simweb,
        head_first=False,  # `--method get`: every page's body is read, the home page's <title> too
        politeness_overrides=fast_politeness(["mp.weixin.qq.com", "mmbiz.qpic.cn"]),
    )
    return asyncio.run(run_job(options, settings, resolver=RoutingResolver(simweb.route), now=lambda: when))


def test_a_replaced_article_drifts_a_retitled_one_does_not(blog: Path, simweb) -> None:
    first = night(blog, simweb, NIGHTS[0])
    assert {r.link.canonical: r.outcome.verdict.value for r in first.results} == dict.fromkeys([*FIRST, HOME], "alive")
    db = blog / "state" / "linkcheck.db"
    with Store(db) as store:
        # The first night captured every article, under the title it had then.
        assert {
            row["url"]: row["title"] for row in store.db.query("SELECT url, title FROM captures WHERE kind = 'page'")
        } == {**FIRST, HOME: "ok"}
        assert store.queries.drifted_links() == []
    simweb.titles = served(LATER)
    second = night(blog, simweb, NIGHTS[1])
    outcomes = {r.link.canonical: r.outcome for r in second.results}
    assert {url: (o.verdict.value, o.title) for url, o in outcomes.items()} == {
        **{url: ("alive", title) for url, title in LATER.items()},
        HOME: ("alive", "ok"),
    }  # drift is a flag, never a verdict

    checks = (
        sqlite3.connect(db)
        .execute(
            "SELECT u.canonical, c.title_similarity, c.drifted FROM checks c JOIN urls u ON u.id = c.url_id "
            "WHERE c.checked_at = ? ORDER BY u.canonical",
            (NIGHTS[1].strftime("%Y-%m-%dT%H:%M:%SZ"),),
        )
        .fetchall()
    )
    flags = {url: drifted for url, _, drifted in checks}
    assert flags == {KEPT: 0, REPLACED: 1, RETITLED: 0, LONG: 0, REMARK: 0, HOME: None}
    similarity = {url: score for url, score, _ in checks}
    assert similarity[REPLACED] < 0.3 <= similarity[RETITLED] < 1.0
    assert similarity[REMARK] == 1.0  # the first capture's title, not the remark, matched

    with Store(db) as store:
        [row] = store.queries.drifted_links()
        assert (row["canonical"], row["page_title"], row["cited_title"], row["first_capture_title"]) == (
            REPLACED,
            LATER[REPLACED],
            FIRST[REPLACED],
            FIRST[REPLACED],
        )
        assert row["current_verdict"] == "alive" and row["cited_in"].endswith("posts/2017-5-17-dl.md:9")
        assert store.queries.totals()["drifted"] == 1
        assert store.queries.dead_links(include_suspected=True) == []
        report = build_report(store)
    [drifted] = report.drifted
    assert (Path(drifted.file).name, drifted.line, drifted.cited_title, drifted.page_title) == (
        "2017-5-17-dl.md",
        9,
        FIRST[REPLACED],
        LATER[REPLACED],
    )

    # The commands: the report in every format names both titles.
    env = {**os.environ, "COLUMNS": "220"}
    base = [sys.executable, "-m", "linkcheck", "report", "--db", str(db)]
    markdown = subprocess.run([*base, "-f", "markdown"], capture_output=True, text=True, timeout=60, env=env)
    assert markdown.returncode == 0, markdown.stderr
    section = markdown.stdout.split("## Drifted pages (1)", 1)[1].split("## By site", 1)[0]
    assert REPLACED in section and FIRST[REPLACED] in section and LATER[REPLACED] in section
    assert RETITLED not in section
    table = subprocess.run(base, capture_output=True, text=True, timeout=60, env=env)
    assert table.returncode == 0 and "Drifted pages (1)" in table.stdout and LATER[REPLACED] in table.stdout
    data = json.loads(subprocess.run([*base, "-f", "json"], capture_output=True, text=True, timeout=60).stdout)
    assert [(d["url"], d["cited_title"], d["page_title"]) for d in data["drifted"]] == [
        (REPLACED, FIRST[REPLACED], LATER[REPLACED])
    ]
    assert data["totals"]["drifted"] == 1


def test_the_scan_records_the_cited_titles(blog: Path, simweb) -> None:
    night(blog, simweb, NIGHTS[0])
    rows = sqlite3.connect(blog / "state" / "linkcheck.db").execute(
        "SELECT u.canonical, o.title FROM occurrences o JOIN urls u ON u.id = o.url_id"
    )
    assert dict(rows.fetchall()) == {**FIRST, REMARK: "这篇讲得比较浅，入门可以看看", HOME: "一个eBPF的专栏"}
    titled = sqlite3.connect(blog / "state" / "linkcheck.db").execute(
        "SELECT c.title, c.title_similarity, c.drifted FROM checks c JOIN urls u ON u.id = c.url_id "
        "WHERE u.canonical = ?",
        (HOME,),
    )
    assert titled.fetchall() == [("ok", None, None)]  # recorded, not compared
