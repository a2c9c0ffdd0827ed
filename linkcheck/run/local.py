"""The local checker: a link into the blog is checked against its source tree, never fetched.

``LocalChecker(site).check(link)`` answers like the HTTP checker does, with an :class:`Outcome`
(``via="local"``), for a link whose canonical form :mod:`linkcheck.scan.internal` made:

=================  ====================================================================
``alive``          ``local-file`` (a static file), ``local-post``, ``local-page`` (a post,
                   page or collection document), ``local-anchor`` (and its ``#fragment`` is
                   one of the target's ids)
``dead``           ``missing-file``: no such file; ``missing-post``: no post or page at that
                   URL (or a ``{% post_url %}``/``{% link %}`` naming none); ``missing-anchor``:
                   the page has no such id; ``case-mismatch``: only a file or page whose path
                   differs in case exists (it works on a case-insensitive disk, and is a 404
                   on the case-sensitive host that serves the blog)
=================  ====================================================================

The evidence: ``final_url`` is where the link lands (the target's URL, as a redirect would say),
or, for a dead link, the fix — the one existing file or page it most likely meant (the same name
in another folder or case, the anchor in another case, the path under the ``baseurl``); ``error``
says why in words. Recorded with ``via`` ``local`` (``select … from checks where via = 'local'``).
No politeness gate, no retry, no network: the whole blog takes milliseconds.
"""

from __future__ import annotations

import posixpath
import time
from collections import Counter
from collections.abc import Callable, Iterable

from linkcheck.models import Link, Outcome, Verdict, Via
from linkcheck.scan.internal import encode_key, is_internal, split_key
from linkcheck.scan.jekyll import HTML_EXTENSIONS, JekyllSite, Served

VIA_LOCAL = Via.LOCAL
MARKER_LOCAL = "local"

ALIVE_FILE = "local-file"
ALIVE_POST = "local-post"
ALIVE_PAGE = "local-page"
ALIVE_ANCHOR = "local-anchor"
MISSING_FILE = "missing-file"
MISSING_POST = "missing-post"
MISSING_ANCHOR = "missing-anchor"
CASE_MISMATCH = "case-mismatch"
DEAD_REASONS = frozenset({MISSING_FILE, MISSING_POST, MISSING_ANCHOR, CASE_MISMATCH})


def _is_page_path(path: str) -> bool:
    """A path that names a page (``/a/``, ``/a.html``, ``/a``) rather than a file (``/a.png``)."""
    last = path.rsplit("/", 1)[-1]
    extension = posixpath.splitext(last)[1].lower()
    return not last or not extension or extension in HTML_EXTENSIONS


class LocalChecker:
    """Checks internal links against a :class:`JekyllSite`; an :class:`Outcome` like any checker's."""

    def __init__(self, site: JekyllSite) -> None:
        self.site = site

    async def check(self, link: Link) -> Outcome:
        """The verdict on an internal link (same interface as the HTTP checker's)."""
        return self.check_key(link.canonical)

    def check_key(self, key: str) -> Outcome:
        """The verdict on an internal link's canonical form (see :mod:`linkcheck.scan.internal`)."""
        started = time.perf_counter()
        outcome = self._tag(key) if key.startswith("{%") else self._path(key)
        elapsed = int((time.perf_counter() - started) * 1000)
        return Outcome(
            outcome.verdict,
            outcome.reason,
            final_url=outcome.final_url,
            elapsed_ms=elapsed,
            marker=MARKER_LOCAL,
            error=outcome.error,
            via=VIA_LOCAL,
        )

    # ---- the answers ---------------------------------------------------------------------------

    def _url(self, served: Served, fragment: str | None = None) -> str:
        """The URL of ``served`` as a link on the site would write it (baseurl included)."""
        return self.site.config.baseurl + served.url + (f"#{encode_key(fragment)}" if fragment else "")

    def _tag(self, key: str) -> Outcome:
        """A ``{% post_url %}`` or ``{% link %}`` that names nothing (its key is the tag)."""
        tag = key.split("%}", 1)[0].removeprefix("{%").strip()
        name, _, argument = tag.partition(" ")
        fix = None
        if name == "post_url":
            slug = argument.rsplit("/", 1)[-1].split("-", 3)[-1]
            candidates = [p for p in self.site.posts if p.slug.casefold() == slug.casefold()]
            if len(candidates) == 1:
                fix = self._url(Served(candidates[0].source, candidates[0].url, candidates[0]))
            what = f"no post named {argument} in _posts"
        else:
            what = f"no document {argument} in the site"
        error = what + (f"; did you mean {fix}?" if fix else "")
        return Outcome(Verdict.DEAD, MISSING_POST, final_url=fix, error=error)

    def _path(self, key: str) -> Outcome:
        path, fragment = split_key(key)
        found = self.site.lookup(path)
        page = _is_page_path(path)
        if found.served is None:
            missing = MISSING_POST if page else MISSING_FILE
            what = "no post or page at" if page else "no file at"
            if found.outside_base:
                fix = self._url(found.candidate, fragment) if found.candidate else None
                error = f"{path} is outside the site's baseurl {self.site.config.baseurl}"
                return Outcome(Verdict.DEAD, missing, final_url=fix, error=error + (f"; it is {fix}" if fix else ""))
            if found.case_variant is not None:
                fix = self._url(found.case_variant, fragment)
                error = f"{what} {path}; {fix} differs only in case (a 404 on a case-sensitive server)"
                return Outcome(Verdict.DEAD, CASE_MISMATCH, final_url=fix, error=error)
            fix = self._url(found.candidate, fragment) if found.candidate else None
            error = f"{what} {path}" + (f"; one of that name: {fix}" if fix else "")
            return Outcome(Verdict.DEAD, missing, final_url=fix, error=error)
        served = found.served
        kind = ALIVE_FILE
        if served.document is not None:
            kind = ALIVE_POST if served.document.kind == "post" else ALIVE_PAGE
        if fragment:
            anchors = self.site.anchors(served)
            if anchors is not None:
                if fragment not in anchors:
                    near = [a for a in anchors if a.casefold() == fragment.casefold()]
                    fix = self._url(served, near[0]) if len(near) == 1 else None
                    where = served.source or served.url
                    error = f"no id {fragment!r} in {where}" + (f"; did you mean {fix}?" if fix else "")
                    return Outcome(Verdict.DEAD, MISSING_ANCHOR, final_url=fix, error=error)
                kind = ALIVE_ANCHOR
        return Outcome(Verdict.ALIVE, kind, final_url=self._url(served, fragment))


async def check_internal(
    links: Iterable[Link], checker: LocalChecker, on_result: Callable[[Link, Outcome], None]
) -> Counter[str]:
    """Check every internal link among ``links`` and hand each outcome to ``on_result``; returns
    the counts by verdict."""
    counts: Counter[str] = Counter()
    for link in links:
        if is_internal(link):
            outcome = await checker.check(link)
            counts[outcome.verdict.value] += 1
            on_result(link, outcome)
    return counts


__all__ = [
    "ALIVE_ANCHOR",
    "ALIVE_FILE",
    "ALIVE_PAGE",
    "ALIVE_POST",
    "CASE_MISMATCH",
    "DEAD_REASONS",
    "MARKER_LOCAL",
    "MISSING_ANCHOR",
    "MISSING_FILE",
    "MISSING_POST",
    "VIA_LOCAL",
    "LocalChecker",
    "check_internal",
    "is_internal",
]
