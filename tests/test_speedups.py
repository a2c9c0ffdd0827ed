"""The native fast paths (linkcheck/_speedups.c) against the Python rules they shortcut.

The Python code is the definition; the native route must give the same occurrences, objects and
canonical forms, on the real blog and on generated text. Without the compiled module (no C compiler
at install) these tests skip, unless LINKCHECK_EXPECT_SPEEDUPS=1 (.ci/run sets it: CI has gcc, so
a build that silently fell back to pure Python fails here instead of only running slower).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkcheck import canonical, extract
from linkcheck import collect as collect_module
from linkcheck.collect import _walk, collect, decode
from linkcheck.models import Link, LinkKind, Occurrence
from linkcheck.native import speedups

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "_posts"

if speedups is None:
    if os.environ.get("LINKCHECK_EXPECT_SPEEDUPS") == "1":
        pytest.fail("linkcheck._speedups was not built (is a C compiler installed?)", pytrace=False)
    pytest.skip("linkcheck._speedups not built: the pure-Python rules are all there is", allow_module_level=True)


def _python_route(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "_native_bare_prose", None)
    monkeypatch.setattr(canonical, "_simple_parts", _python_simple_parts)
    monkeypatch.setattr(collect_module, "merge", collect_module._merge_python)
    monkeypatch.setattr(extract, "_fence_starts", _python_fence_starts)


def _python_fence_starts(text: str) -> list[int]:
    return sorted(extract._find_all(text, "```") + extract._find_all(text, "~~~"))


def _python_simple_parts(url: str) -> tuple[str, str, str | None] | None:
    m = canonical._SIMPLE.fullmatch(url)
    return None if m is None else m.groups()  # type: ignore[return-value]


def _extracted(text: str) -> list[tuple[str, Occurrence]]:
    return list(extract.extract_urls(text, "post.md"))


def _both_routes(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    native = _extracted(text)
    with monkeypatch.context() as patch:
        _python_route(patch)
        python = _extracted(text)
    return native, python


def _same(native: list[tuple[str, Occurrence]], python: list[tuple[str, Occurrence]]) -> None:
    assert native == python
    for (_, a), (_, b) in zip(native, python, strict=True):
        # Built without __init__: same type, same attributes in the same order (the JSON key order).
        assert type(a) is type(b) is Occurrence
        assert list(a.__dict__.items()) == list(b.__dict__.items())
        assert orjson.dumps(a) == orjson.dumps(b)


# --- generated text -------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        *"ab/:.?#&=()[]<>`~!*_-,;'\" \n\t\\^{}|%",
        *("http://", "https://", "http:/", "htt", "www.", "www.a.b", "ftp://", "sftp://", "xhttp://"),
        *("](", "![", "[x]: ", "```", "~~~", "    ", "\t", "href=", 'src="', "<a ", "<http://a>"),
        *("\n\n", "`h.a`", "[t](/p)", "![i](/i.png)", "![", "](/x)", "](a:b)", "](<", '](/x "t")', "]()"),
        *("中", "（", "）", "，", "。", "–", "é", "\u3000", "\xa0", "\x1c", "\x7f", "\U00020000", "\r"),
    ]
)
_TEXT = st.lists(_PIECES, max_size=80).map("".join)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_generated_text_gives_the_same_occurrences(text: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _same(*_both_routes(text, monkeypatch))


# Every character that could sit before or after a URL: ASCII, Latin-1, and the whitespace, CJK and
# full-width characters the rules name.
_NEIGHBOURS = [
    *map(chr, range(0x250)),
    *"\u2014\u2018\u2019\u201c\u201d\u2026\u2028\u2029\u3000\u3001\u3002\u4e2d\uff08\uff09\uff0c\uff1a\uff41\ufeff",
    "\U00020000",
]


def test_every_neighbouring_character_gives_the_same_occurrences(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exhaustive over the characters before and after each kind of bare URL (the lookbehinds,
    the end of the raw run, trimming): one text per character, both routes."""
    urls = ["http://a.example/p", "https://a.example", "ftp://f.example/x", "www.w.example/y", "www.w.e"]
    for ch in _NEIGHBOURS:
        text = "\n".join(f"{ch}{url}{ch}x {url}{ch}" for url in urls)
        _same(*_both_routes(text, monkeypatch))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT, st.integers(0, 90), st.integers(0, 90))
def test_bare_prose_stops_before_every_match_it_does_not_handle(text: str, pos: int, end: int) -> None:
    """What the native walk promises ``_Scanner._next_native``: every ``_MASTER`` match it passes
    over is a plain bare URL or image, which it emits as Python would, or an inline code span
    holding no URL, which it skips as ``_Scanner._code_span`` does; and it stops at or before any
    other."""
    end = min(end, len(text))
    out: list[tuple[str, Occurrence]] = []
    stop, *_ = speedups.bare_prose(text, pos, end, 1, 0, 0, 0, "f", out, Occurrence, LinkKind.BARE, LinkKind.IMAGE)
    expected = []
    cursor = pos
    while (m := extract._MASTER.search(text, cursor, end)) is not None:
        if 0 <= stop <= m.start():
            break
        line_start = text.rfind("\n", 0, m.start()) + 1
        assert text[line_start] not in " \t"
        if m.lastgroup is None:
            expected.append((m.group(), text.count("\n", 0, m.start()) + 1, m.start() - line_start + 1))
            cursor = m.end()
        elif m.lastgroup == "idest":  # a plain image: what _Scanner.prose and dest() would emit
            dest, at = m.group("idest"), m.start("idest")
            assert "](" not in m.group("itext") and not dest.startswith("<")
            if dest and extract._is_url_dest(dest):
                expected.append((dest, text.count("\n", 0, at) + 1, at - line_start + 1))
            cursor = m.end()
        else:
            assert m.lastgroup == "tick"
            scanner = extract._Scanner(text, "f")
            cursor = scanner._code_span(m.start(), m.end(), end)
            assert scanner.out == []
    assert [(url, occ.line, occ.column) for url, occ in out] == expected
    assert stop < 0 or cursor <= stop < end


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.from_regex(canonical._SIMPLE, fullmatch=True),
        st.lists(
            st.sampled_from([*"aZ09.-_/#:?%&@~!$'()*+,;= ", "http://", "https://", "中", "é", "\n"]), max_size=30
        ).map("".join),
    )
)
def test_simple_url_is_the_simple_fullmatch(url: str) -> None:
    assert speedups.simple_url(url) == _python_simple_parts(url)


_URLS = st.one_of(
    st.from_regex(canonical._SIMPLE, fullmatch=True),
    st.builds(
        lambda scheme, host, path, tail: f"{scheme}{host}{path}{tail}",
        st.sampled_from(["http://", "https://", "HTTP://", "//", "", "ftp://"]),
        st.sampled_from(["mp.weixin.qq.com", "zhuanlan.zhihu.com", "github.com", "a.localhost", "localhost", "x1"]),
        st.sampled_from(["", "/", "/s/abc", "/s/abc/", "/p/1/", "/a b", "/中", "/x/", "/%e4"]),
        st.sampled_from(["", "#rd", "?__biz=1&mid=2&chksm=3", "?", ":80"]),
    ),
    st.builds(lambda path: "www.a.example" + path, st.sampled_from(["", "/", "/x/"])),
    st.sampled_from(["/images/a.png", "/images/a.png#x", "//cdn.example/x", "/a b", "mailto:x@y", "/", "/#", "/a?b"]),
    st.lists(st.sampled_from([*"/a-._~!$'()*+,;=:@#%? &"]), max_size=8).map(lambda p: "/" + "".join(p)),
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_URLS, max_size=12), st.sampled_from([None, "https://blog.example/"]))
def test_merge_gives_the_same_links(urls: list[str], site_url: str | None) -> None:
    """speedups.merge (with canonicalize()'s fast path inlined) against collect._merge_python."""
    pairs = [(url, Occurrence("p.md", i + 1, 1, LinkKind.BARE)) for i, url in enumerate(urls)]
    results = []
    for merge in (collect_module._merge_native, collect_module._merge_python):
        by_url: dict[str, Link] = {}
        by_canonical: dict[str, Link] = {}
        merge(list(pairs), by_url, by_canonical, site_url)
        results.append(([link.to_dict() for link in by_canonical.values()], {u: id(v) for u, v in by_url.items()}))
        for link in by_canonical.values():
            assert type(link) is Link
            assert list(link.__dict__) == ["url", "canonical", "host", "checkable", "skip_reason", "occurrences"]
            assert orjson.dumps(link) == orjson.dumps(Link(**link.__dict__))
    (native_links, native_ids), (python_links, python_ids) = results
    assert native_links == python_links
    assert native_ids.keys() == python_ids.keys()


@pytest.mark.parametrize(
    "text",
    [
        "`a\n\nhttp://x.example ` http://y.example",  # a blank line: a literal backtick, then prose
        "`a\n \t\r\nhttp://x.example ` http://y.example",
        "`a\n\n![i](/i.png) and [t](/p) `",  # no bare URL in the would-be span: links after a literal tick
        "`a\n![i](/i.png)` http://y.example",
        "`a\nhttp://x.example ` http://y.example",  # one newline: still a code span
        "``a`http://x.example`` http://y.example",
        "`` http://x.example ` `` http://y.example",
        "```http://x.example``` http://y.example",
        "`www.x.example/a` www.y.example/b",
        "`ftp://x.example/a` sftp://y.example/b",
        "`http://x.example http://y.example",  # unclosed
        "\\`x` http://y.example `",
        "```` `` ```` http://x.example",
        "a`b``c`d http://x.example`",
        "`http://x.example`",
        "- item\n    `http://x.example` http://y.example\n\n    `http://z.example`",  # indented lines
    ],
)
def test_code_spans_give_the_same_occurrences(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    native, python = _both_routes(text, monkeypatch)
    _same(native, python)
    assert native  # every case holds a URL somewhere


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["`", "~", "a", "\n", "中", "\U00020000", "é"]), max_size=40).map("".join))
def test_fence_starts_are_the_two_searches(text: str) -> None:
    assert speedups.fence_starts(text) == sorted(extract._find_all(text, "```") + extract._find_all(text, "~~~"))


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from([b"a", b"}", b",", b"{", b"}}", b"},{", b"\n"]), max_size=30).map(b"".join),
    st.sampled_from([b"},{", b"}", b"}}", b"a", b"aa", b'},{"url":']),
    st.sampled_from([b"", b"},\n{", b"X", b"longer replacement"]),
)
def test_bytes_replace_is_bytes_replace(data: bytes, old: bytes, new: bytes) -> None:
    assert speedups.bytes_replace(data, old, new) == data.replace(old, new)


@pytest.mark.parametrize(
    "text",
    [
        "![i](/i.png)",
        "![i](</i.png>)",  # a bracketed destination: Python's
        '![i](/i.png "title")',
        "![i](/i.png )",
        "![i](/a_(b).png)",  # balanced parentheses: Python's
        "![i](http://x.example/a.png) ![j](ftp://y.example/b)",
        "![i]() ![i](x.png) ![i](#top) ![i](a b) ![i](mailto:x@y.example) ![i](c++:x)",
        "![[i]](/i.png) ![i\n](/i.png) ![i](/中.png) ![i](/a\\b.png)",
        "text\n    ![i](/indented.png)\n\n    ![i](/code.png)",
        "[![i](/i.png)](http://l.example/) ![i](/i.png)![j](/j.png)",
        "![i](/i.png",  # unclosed
    ],
)
def test_images_give_the_same_occurrences(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    native, python = _both_routes(text + "\nhttp://after.example/", monkeypatch)
    _same(native, python)


def test_string_widths_and_positions() -> None:
    """One-, two- and four-byte strings: the walk reads each width, columns count characters."""
    for lead in ("é ", "中 ", "\U00020000 "):
        text = f"{lead}http://a.example/x\n{lead}www.b.example/y `http://c.example/` ![i](/i.png)"
        with pytest.MonkeyPatch.context() as monkeypatch:
            native, python = _both_routes(text, monkeypatch)
        _same(native, python)
        assert [(u, o.line, o.column) for u, o in native][:2] == [
            ("http://a.example/x", 1, 3),
            ("www.b.example/y", 2, 3),
        ]


def test_bare_prose_rejects_wrong_arguments() -> None:
    with pytest.raises(TypeError):
        speedups.bare_prose("x", 0, 1)
    with pytest.raises(TypeError):
        speedups.bare_prose(b"x", 0, 1, 1, 0, 0, 0, "f", [], Occurrence, LinkKind.BARE, LinkKind.IMAGE)
    with pytest.raises(TypeError):
        speedups.simple_url(b"http://a")
    with pytest.raises(TypeError):
        speedups.bytes_replace(b"abc", b"", b"x")  # an empty needle: bytes.replace inserts everywhere
    with pytest.raises(TypeError):
        speedups.bytes_replace("abc", "a", "x")
    with pytest.raises(TypeError):  # canonicalize returned no Canonical
        speedups.merge([("u", None)], {}, {}, None, print, print, {}, Link)
    with pytest.raises(TypeError):
        speedups.merge([("u",)], {}, {}, None, canonical.canonicalize, print, {}, Link)
    with pytest.raises(TypeError):
        speedups.merge([], {}, {}, None, canonical.canonicalize, print, [], Link)


# --- the real blog --------------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repository")
def test_corpus_gives_the_same_occurrences(monkeypatch: pytest.MonkeyPatch) -> None:
    total = 0
    for path in _walk([CORPUS], []):
        text, _ = decode(Path(path).read_bytes())
        native, python = _both_routes(text, monkeypatch)
        _same(native, python)
        total += len(native)
    assert total > 25_000


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repository")
def test_corpus_gives_the_same_links(monkeypatch: pytest.MonkeyPatch) -> None:
    native = [link.to_dict() for link in collect([CORPUS]).links]
    _python_route(monkeypatch)
    python = [link.to_dict() for link in collect([CORPUS]).links]
    assert native == python
    assert len(native) > 25_000


def test_pure_python_switch_gives_the_same_json(tmp_path: Path) -> None:
    """LINKCHECK_PURE_PYTHON=1 (linkcheck.native) runs the whole scan without the module, same bytes."""
    source = CORPUS if CORPUS.is_dir() else REPO / "posts"

    def scan(**env: str) -> bytes:
        run = subprocess.run(
            [sys.executable, "-m", "linkcheck", "scan", "-f", "json", str(source)],
            capture_output=True,
            check=True,
            env={**os.environ, **env},
            cwd=tmp_path,
        )
        return run.stdout

    probe = subprocess.run(
        [sys.executable, "-c", "from linkcheck.native import speedups; print(speedups is None)"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "LINKCHECK_PURE_PYTHON": "1"},
    )
    assert probe.stdout.strip() == "True"
    native = scan()
    assert native == scan(LINKCHECK_PURE_PYTHON="1")
    assert len(orjson.loads(native)) > 10


# --- memory safety -------------------------------------------------------------------------------

_SANITIZED_RUN = r"""
import importlib.util, random, sys
spec = importlib.util.spec_from_file_location("linkcheck._speedups", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
sys.modules["linkcheck._speedups"] = module
from linkcheck import collect as collect_module, extract
from linkcheck.native import speedups
assert speedups is module
from linkcheck.models import LinkKind, Occurrence

links = collect_module.collect([sys.argv[2]]).links
native = [link.to_dict() for link in links]
extract._native_bare_prose = None
extract._fence_starts = lambda text: sorted(extract._find_all(text, "```") + extract._find_all(text, "~~~"))
collect_module.merge = collect_module._merge_python
assert native == [link.to_dict() for link in collect_module.collect([sys.argv[2]]).links]

rng = random.Random(7)
pieces = ["http://", "https://", "www.a.b", "ftp://", "`", "``", "```", "~~~", "\n", "\n\n", " ", "\t", "中", "。",
          "é", "\U00020000", "(", ")", "[", "]", "!", "<", ">", "href=", "src=", "a", "/", "#", "?", "&", "."]
for _ in range(3000):
    text = "".join(rng.choice(pieces) for _ in range(rng.randrange(60)))
    end = rng.randrange(len(text) + 2)
    module.bare_prose(text, rng.randrange(len(text) + 2), end, 1, 0, 0, 0, "f", [], Occurrence, LinkKind.BARE,
                      LinkKind.IMAGE)
    module.fence_starts(text)
    module.simple_url(text)
    data = text.encode()
    module.bytes_replace(data, data[:3] or b"x", b"yy")
    pairs = [(text, Occurrence("f", 1, 1, LinkKind.BARE)), ("http://" + text[:9], Occurrence("f", 1, 2, LinkKind.BARE))]
    collect_module._merge_native(pairs, {}, {}, None)
print("ok", len(native))
"""


def test_native_code_under_address_and_undefined_behaviour_sanitizers(tmp_path: Path) -> None:
    """The C module built with ASan and UBSan, run over the corpus (both routes compared) and
    random text through every entry point: any out-of-bounds read, use after free or undefined
    behaviour aborts the child."""
    import shutil
    import sysconfig

    compiler = shutil.which("gcc")
    if compiler is None:
        pytest.skip("gcc not installed")
    runtime = [
        subprocess.run([compiler, f"-print-file-name={lib}"], capture_output=True, text=True).stdout.strip()
        for lib in ("libasan.so", "libubsan.so")
    ]
    if not all(os.path.isabs(path) and os.path.exists(path) for path in runtime):
        pytest.skip("gcc's sanitizer runtimes are not installed")
    built = tmp_path / "_speedups_sanitized.so"
    flags = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g", "-O1"]
    source_file = str(REPO / "linkcheck" / "_speedups.c")
    include = f"-I{sysconfig.get_paths()['include']}"
    subprocess.run([compiler, *flags, "-fPIC", "-shared", include, source_file, "-o", str(built)], check=True)
    source = CORPUS if CORPUS.is_dir() else REPO / "posts"
    # PYTHONMALLOC=malloc: every object its own allocation, so a read past a string's end is seen
    # (inside pymalloc's arenas it would not be).
    env = {**os.environ, "LD_PRELOAD": ":".join(runtime), "ASAN_OPTIONS": "detect_leaks=0", "PYTHONMALLOC": "malloc"}
    env.pop("LINKCHECK_PURE_PYTHON", None)
    done = subprocess.run(
        [sys.executable, "-c", _SANITIZED_RUN, str(built), str(source)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("ok")
