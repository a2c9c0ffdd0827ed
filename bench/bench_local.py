"""Links into the real blog, checked from a source tree built around it (the evidence of issue #23).

Run: ``python bench/bench_local.py [CORPUS_DIR] [--drop 0.05] [--seed 23] [--repeat 3]`` (default
corpus: ``../shared/corpus/_posts`` next to the repository). In one run it

1. builds, in a temporary directory, a blog root: a ``_config.yml`` (Jekyll's defaults: ``permalink:
   date``, no ``baseurl``), ``_posts`` as a symbolic link to the corpus, and an ``images/`` folder
   made from the image paths the posts reference — found by a plain regular expression over the
   posts, independent of linkcheck's extraction — minus a seeded random ``--drop`` share (5 %);
2. times the plain scan (``collect`` of the posts, as ``linkcheck scan`` without a root) and the
   internal pass (the site model, the scan with it, the local check of every internal link), each
   ``--repeat`` times in turn, the fastest of each reported;
3. prints what the internal pass found: image links reported missing against the images removed
   (must be the same set), present images reported (must be none), cross-post links and their
   anchors resolved or reported (with the reported ones named), and every other internal finding.

Exit status 1 when the sets differ or a present image is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from linkcheck.models import Link, Outcome, Verdict  # noqa: E402
from linkcheck.run.local import LocalChecker, check_internal  # noqa: E402
from linkcheck.scan.collect import collect  # noqa: E402
from linkcheck.scan.jekyll import JekyllSite  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "_posts"
# An image path as a post writes it: in a Markdown destination or a src= attribute, site-relative,
# under /images/; parentheses balanced one level (…/offensive_(2024).jpg). Deliberately naive:
# the oracle must not share linkcheck's extraction.
_IMAGE_REFERENCE = re.compile(r"""(?:\]\(\s*|src=["']?)(/images/(?:[^()\s"'<>]|\([^()\s]*\)|'(?!\)))+)""")
_FENCE = re.compile(r" {0,3}(```|~~~)")


def referenced_images(corpus: Path) -> set[str]:
    """Every /images/… path the posts write outside fenced code, as written (decoded)."""
    found: set[str] = set()
    for post in sorted(corpus.iterdir()):
        if not post.is_file():
            continue
        fenced = False
        for line in post.read_text(encoding="utf-8", errors="replace").splitlines():
            if _FENCE.match(line):
                fenced = not fenced
            elif not fenced:
                found.update(unquote(m.group(1)) for m in _IMAGE_REFERENCE.finditer(line))
    return found


def build_root(corpus: Path, where: Path, *, drop: float, seed: int) -> tuple[Path, set[str], set[str]]:
    """The blog root in ``where``: (root, images present, images removed)."""
    root = where / "blog"
    root.mkdir()
    (root / "_config.yml").write_text("title: the blog corpus, for bench_local.py\n", encoding="utf-8")
    (root / "_posts").symlink_to(corpus.resolve(), target_is_directory=True)
    images = sorted(referenced_images(corpus))
    removed = set(random.Random(seed).sample(images, round(len(images) * drop)))
    present = set(images) - removed
    for path in present:
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"\x89PNG\r\n\x1a\n")
    return root, present, removed


@dataclass
class Pass:
    load_s: float
    scan_s: float
    check_s: float
    site: JekyllSite
    links: list[Link]
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def total_s(self) -> float:
        return self.load_s + self.scan_s + self.check_s


def internal_pass(root: Path) -> Pass:
    """Site model, scan with it, local check of every internal link: timed."""
    started = time.perf_counter()
    site = JekyllSite.load(root)
    loaded = time.perf_counter()
    links = collect([root / "_posts"], site=site).links
    scanned = time.perf_counter()
    outcomes: dict[str, Outcome] = {}
    asyncio.run(check_internal(links, LocalChecker(site), lambda link, o: outcomes.__setitem__(link.canonical, o)))
    checked = time.perf_counter()
    return Pass(loaded - started, scanned - loaded, checked - scanned, site, links, outcomes)


def plain_scan(corpus: Path) -> float:
    started = time.perf_counter()
    collect([corpus])
    return time.perf_counter() - started


@dataclass
class Findings:
    internal: int
    images: int
    missing_images: set[str]
    present_reported: set[str]
    cross: Counter[str]
    anchored: int
    anchors_resolved: int
    anchors_reported: list[tuple[str, str]]
    other: list[tuple[str, str, str]]


def findings(result: Pass, present: set[str]) -> Findings:
    """What the internal pass said, sorted into the issue's questions."""
    images = {key: outcome for key, outcome in result.outcomes.items() if key.startswith("/images/")}
    missing = {unquote(key) for key, o in images.items() if o.verdict is Verdict.DEAD}
    cross = {key: o for key, o in result.outcomes.items() if o.reason != "missing-file" and key not in images}
    cross = {key: o for key, o in cross.items() if key.split("#")[0].endswith((".html", "/"))}
    anchored = {key: o for key, o in cross.items() if "#" in key}
    other = [
        (key, o.reason, o.error or "")
        for key, o in result.outcomes.items()
        if key not in images and key not in cross and o.verdict is Verdict.DEAD
    ]
    return Findings(
        internal=len(result.outcomes),
        images=len(images),
        missing_images=missing,
        present_reported=missing & present,
        cross=Counter(o.reason for o in cross.values()),
        anchored=len(anchored),
        anchors_resolved=sum(1 for o in anchored.values() if o.verdict is Verdict.ALIVE),
        anchors_reported=sorted((key, o.error or "") for key, o in anchored.items() if o.verdict is Verdict.DEAD),
        other=sorted(other),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--drop", type=float, default=0.05, help="share of the images removed (default 0.05)")
    parser.add_argument("--seed", type=int, default=23, help="random seed of the removal (default 23)")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds (default 3; the fastest is shown)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-local-") as tmp:
        root, present, removed = build_root(args.corpus, Path(tmp), drop=args.drop, seed=args.seed)
        posts = sum(1 for p in args.corpus.iterdir() if p.is_file())
        print(f"blog root: {posts} posts (symlinked), images/ with {len(present)} of the {len(present) + len(removed)}"
              f" images the posts reference ({len(removed)} removed: {args.drop:.0%}, seed {args.seed})")  # fmt: skip
        scans, passes = [], []
        for _ in range(args.repeat):
            scans.append(plain_scan(args.corpus))
            passes.append(internal_pass(root))
        result = min(passes, key=lambda p: p.total_s)
        found = findings(result, present)
    print(f"internal links: {found.internal} (of {len(result.links)} unique links); {found.images} images")
    same = found.missing_images == removed
    print(f"images reported missing: {len(found.missing_images)}; removed: {len(removed)}; "
          f"same set: {'yes' if same else 'NO'}")  # fmt: skip
    for path in sorted(removed - found.missing_images)[:10]:
        print(f"  removed but not reported: {path}")
    for path in sorted(found.missing_images - removed)[:10]:
        print(f"  reported but not removed: {path}")
    print(f"present images reported: {len(found.present_reported)}")
    print(f"cross-post links: {sum(found.cross.values())} ({', '.join(f'{n} {r}' for r, n in found.cross.items())}); "
          f"with an anchor: {found.anchored}, resolved {found.anchors_resolved}, "
          f"reported {len(found.anchors_reported)}")  # fmt: skip
    for key, why in found.anchors_reported:
        print(f"  {key}: {why}")
    print(f"other internal links reported: {len(found.other)}")
    for key, reason, why in found.other:
        print(f"  {reason} {key}: {why}")
    print(
        f"time (fastest of {args.repeat}): plain scan {min(scans):.2f} s; internal pass {result.total_s:.2f} s "
        f"= site model {result.load_s:.2f} + scan with the site {result.scan_s:.2f} + local checks "
        f"{result.check_s:.3f}; beyond the scan: {result.total_s - min(scans):.2f} s"
    )
    return 0 if same and not found.present_reported else 1


if __name__ == "__main__":
    sys.exit(main())
