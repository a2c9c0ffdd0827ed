"""JSON reports encode the pipeline's dataclasses directly (orjson): the bytes must be exactly what
the explicit ``to_dict`` forms give, for every kind of link a scan finds and every outcome."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from linkcheck.cli.output import json_list_bytes
from linkcheck.models import CheckResult, Link, LinkKind, Occurrence, Outcome, Verdict
from linkcheck.scan.collect import collect

REPO = Path(__file__).resolve().parent.parent


SAMPLE = """---
title: 样例
---
这里特别关注一下http://pkgs.org这个网站，和 [链接](https://mp.weixin.qq.com/s/AbC_d-1?scene=1#rd)。
![图](/images/a.png) <https://zhuanlan.zhihu.com/p/1/> <a href="https://github.com/x">x</a>
`http://localhost:8080/api` 和 http://192.168.1.1 以及 ftp://mirrors.example.org/gnu/

[ref]: https://en.wikipedia.org/wiki/Maxwell–Boltzmann_statistics "标题"
https://baike.baidu.com/item/图灵机。http://pkgs.org/ 又一次
"""


def test_scanned_links_encode_as_their_dicts(tmp_path: Path) -> None:
    (tmp_path / "sample.md").write_text(SAMPLE, encoding="utf-8")
    links = collect([REPO / "posts", tmp_path], site_url="https://blog.example").links
    kinds = {o.kind for link in links for o in link.occurrences}
    assert len(kinds) == 7 and any(not link.checkable for link in links)  # every kind, skips too
    assert json_list_bytes(links) == json_list_bytes(link.to_dict() for link in links)
    # One object per line, and the whole is valid JSON that reads back as the dicts.
    assert json_list_bytes(links).count(b"\n") == len(links) + 2  # "[", one per object, "]"
    assert json.loads(json_list_bytes(links)) == [link.to_dict() for link in links]


def test_a_link_changed_after_collection_encodes_its_new_values() -> None:
    link = Link("http://a.example/x", "http://a.example/x", "a.example", True, None, [])
    link.checkable, link.skip_reason = False, "in-code"
    link.occurrences.append(Occurrence("posts/a.md", 3, 5, "code"))
    assert orjson.dumps(link) == orjson.dumps(link.to_dict())


def test_check_results_encode_as_their_dicts() -> None:
    link = collect([REPO / "posts"]).links[0]
    outcomes = [
        Outcome(Verdict.ALIVE, "http-200", http_status=200, final_url=link.canonical, elapsed_ms=12),
        Outcome(
            Verdict.DEAD,
            "tombstone:weixin-deleted",
            http_status=200,
            final_url="https://mp.weixin.qq.com/s/x",
            redirects=("https://a.example/1", "https://a.example/2"),
            marker="该内容已被发布者删除",
        ),
        Outcome(Verdict.ERROR, "timeout", error="TimeoutError: ", via="browser"),
    ]
    results = [CheckResult(link, outcome) for outcome in outcomes]
    encoded = json_list_bytes(r.to_dict() for r in results)
    assert json.loads(encoded) == [r.to_dict() for r in results]
    first = json.loads(encoded)[1]
    assert first["verdict"] == "dead" and first["redirects"] == ["https://a.example/1", "https://a.example/2"]
    assert first["occurrences"][0]["kind"] in {kind.value for kind in LinkKind}
