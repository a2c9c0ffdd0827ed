"""The real blog (../shared/corpus/_posts; skipped without it), in a source tree built around it by
bench/bench_local.py: an images/ folder made from the posts' references minus a seeded random 5 %.
Every removed image must be reported missing, no present one, and every cross-post anchor resolved
or reported — each checked against the posts' text, not against linkcheck's own rules."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

from linkcheck.models import Verdict

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("LINKCHECK_CORPUS", REPO.parent / "shared" / "corpus" / "_posts"))
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the blog corpus is not at {CORPUS}")


def bench_local():
    spec = importlib.util.spec_from_file_location("bench_local", REPO / "bench" / "bench_local.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_local", module)  # (its dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus_pass(tmp_path_factory: pytest.TempPathFactory):
    bench = bench_local()
    root, present, removed = bench.build_root(CORPUS, tmp_path_factory.mktemp("corpus"), drop=0.05, seed=23)
    result = bench.internal_pass(root)
    return bench, root, present, removed, result


def test_every_removed_image_is_found_and_no_present_one_is_reported(corpus_pass) -> None:
    bench, _root, present, removed, result = corpus_pass
    found = bench.findings(result, present)
    assert len(present) + len(removed) > 2000 and len(removed) > 100
    assert found.images == len(present) + len(removed)  # the scan sees every image the posts show
    assert found.missing_images == removed
    assert found.present_reported == set()


def test_every_cross_post_anchor_is_resolved_or_reported(corpus_pass) -> None:
    _bench, root, _present, _removed, result = corpus_pass
    posts = {document.url: document for document in result.site.posts}
    anchored = {key: o for key, o in result.outcomes.items() if "#" in key and not key.startswith("/images/")}
    assert len(anchored) >= 20
    for key, outcome in anchored.items():
        path, fragment = key.split("#", 1)
        target = posts[path]  # every cross-post link names a published post
        text = (root / target.source).read_text(encoding="utf-8")
        # The corpus marks its anchors with <a name="…">, or links a plain header ('# Bazel' is
        # 'bazel'): present in the target post's text, or not.
        named = re.search(rf"""<a\s+name=["']{re.escape(fragment)}["']""", text) is not None
        headers = {"-".join(m.group(1).lower().split()) for m in re.finditer(r"^#+[ \t]+(.*?)[ \t#]*$", text, re.M)}
        written = named or fragment in headers
        assert (outcome.verdict is Verdict.ALIVE) == written, (key, outcome)
        assert outcome.reason == ("local-anchor" if written else "missing-anchor"), key
    reported = sorted(key for key, o in anchored.items() if o.verdict is Verdict.DEAD)
    assert len(reported) < len(anchored) / 5  # most cross-references work


def test_document_relative_images_resolve_against_the_post_url(corpus_pass) -> None:
    *_, result = corpus_pass
    relative = {link.url: link.canonical for link in result.links if link.url.startswith("../")}
    assert relative == {
        "../images/img4/spaceship.jpg": "/nature/2020/07/images/img4/spaceship.jpg",
        "../images/img6/StarShip.jpg": "/nature/2022/09/images/img6/StarShip.jpg",
        "../images/img6/StarShip_2.jpg": "/nature/2022/09/images/img6/StarShip_2.jpg",
    }  # posts at /nature/2020/07/26/…: '..' is /nature/2020/07/, where there is no images/
    assert all(result.outcomes[key].reason == "missing-file" for key in relative.values())
