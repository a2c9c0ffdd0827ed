"""``linkcheck fix``'s editing over the real blog (../shared/corpus/_posts; skipped without it).

Every post is planned as if the history had a proposal for every URL it cites — a redirect for
each (to a URL of its own), an archive link for each WeChat article — and must come out with only
those edits: undoing each (its ``new_text`` back to its ``old_text``) gives the post's bytes back,
and nothing in code or front matter was touched. Places left alone must say why in a note.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from linkcheck import reasons
from linkcheck.fix import FilePlan, Target, decode_exactly, front_matter_end, plan_file
from linkcheck.models import LinkKind
from linkcheck.scan.canonical import canonicalize
from linkcheck.scan.extract import extracted_list

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("LINKCHECK_CORPUS", REPO.parent / "shared" / "corpus" / "_posts"))
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the blog corpus is not at {CORPUS}")


def _targets(links: list[str]) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    for url in links:
        found = canonicalize(url)
        if not found.checkable or found.canonical in targets:
            continue
        n = len(targets)
        if found.profile.name == "weixin":
            targets[found.canonical] = Target(
                found.canonical, reasons.FIX_ARCHIVE_LINK, archive_url=f"/archived/{n:06d}/", archive_date="2026-11-02"
            )
        else:
            targets[found.canonical] = Target(
                found.canonical, reasons.FIX_REDIRECT, new_url=f"https://moved.example/{n:06d}"
            )
    return targets


def test_every_real_post_changes_only_where_it_is_edited():
    tally: Counter[str] = Counter()
    for path in sorted(CORPUS.iterdir()):
        data = path.read_bytes()
        decoded = decode_exactly(data)
        if decoded is None:
            tally["not decodable byte for byte"] += 1
            continue
        text = decoded[0]
        found = extracted_list(text, path.name)
        targets = _targets([url for url, _ in found])
        recorded = [(canonicalize(url).canonical, o.line, o.column, str(o.kind)) for url, o in found]
        plan = plan_file(path.name, data, recorded, targets)
        assert isinstance(plan, FilePlan), plan
        tally["posts"] += 1
        tally["edits"] += len(plan.proposals)
        tally["notes"] += len(plan.notes)
        after = plan.after_text
        for proposal in plan.proposals:  # unique new texts: each undone exactly once
            assert after.count(proposal.new_text) >= 1, proposal
            after = after.replace(proposal.new_text, proposal.old_text, 1)
        assert after == text, path.name
        # Nothing in code or in the front matter was edited.
        front = front_matter_end(text)
        starts = [0, *(i + 1 for i, ch in enumerate(text) if ch == "\n")]
        protected = {
            (o.line, o.column) for _, o in found if o.kind is LinkKind.CODE or starts[o.line - 1] + o.column - 1 < front
        }
        assert not any((p.line, p.column) in protected for p in plan.proposals), path.name
        # Every cited URL outside code and front matter was edited or is explained in a note.
        wanted = {(o.line, o.column) for url, o in found if canonicalize(url).canonical in targets} - protected
        done = {(p.line, p.column) for p in plan.proposals}
        noted = {tuple(int(x) for x in note.split(":")[1:3]) for note in plan.notes if note.count(":") >= 2}
        assert wanted <= done | noted, (path.name, sorted(wanted - done - noted)[:5])
    print(dict(tally))
    assert tally["posts"] >= 800 and tally["edits"] > 20000
