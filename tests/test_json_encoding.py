"""JSON reports encode the pipeline's dataclasses directly (orjson): the bytes must be exactly what
the explicit ``to_dict`` forms give, for every kind of link a scan finds and every outcome."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import orjson

from linkcheck.cli.output import json_list_bytes, json_list_chunks
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


def test_batches_encode_byte_for_byte_as_one_list() -> None:
    """The report is encoded a batch at a time (memory); the bytes are those of the whole list at
    once, whatever the batch size against the number of objects."""
    links = collect([REPO / "posts"]).links
    dicts = [link.to_dict() for link in links]
    whole = orjson.dumps(dicts).replace(b'},{"url":', b'},\n{"url":')
    expected = b"[\n" + whole[1:-1] + b"\n]\n"
    for batch in (1, 2, 3, len(dicts) - 1, len(dicts), len(dicts) + 1):
        assert b"".join(json_list_chunks(iter(dicts), batch)) == expected, batch
        assert b"".join(json_list_chunks(links, batch)) == expected, batch  # dataclasses too
    assert b"".join(json_list_chunks([], 2)) == b"[]\n"
    assert json.loads(b"".join(json_list_chunks(dicts[:1], 1))) == dicts[:1]


def test_items_are_made_one_batch_at_a_time() -> None:
    """A generator of dicts (``check``'s report) is drawn a batch at a time: no more than one
    batch of dicts exists while the first is encoded."""
    made = 0

    def items() -> Iterator[dict]:
        nonlocal made
        for n in range(10):
            made += 1
            yield {"url": f"https://a.example/{n}", "n": n}

    chunks = json_list_chunks(items(), 4)
    seen = [next(chunks)]
    assert seen == [b"[\n"] and made == 4
    seen.append(bytes(next(chunks)))  # the first four objects, three line breaks between them
    assert seen[-1].count(b"\n") == 3 and made == 4
    seen.extend(bytes(chunk) for chunk in chunks)
    assert made == 10 and [o["n"] for o in json.loads(b"".join(seen))] == list(range(10))
