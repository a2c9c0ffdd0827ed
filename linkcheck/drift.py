"""Content drift: the page is there, but it is no longer the article the post cited.

Pure: no I/O. Three titles meet here:

* the **cited title**, written in the post beside the URL when it was cited (the link text, or the
  line after a URL that stands alone on its line: :func:`cited_title`, which the scan's extractor
  asks as it finds each URL; it lives in :mod:`linkcheck.scan.titles`, so a scan does not import
  this module);
* the **first capture's title**, what the archive saw the first time it saved the page;
* the **page's title now**, read from the body of a check that fetched it (:func:`page_title`:
  ``og:title``, then the site's own title markup from its profile — WeChat's
  ``<h1 id="activity-name">`` —, then ``<title>``).

Titles are compared after :func:`normalise` (HTML entities decoded, Unicode NFKC so full-width
punctuation and letters become their ASCII forms, the site's suffix such as " - 知乎" removed,
lower case, every character that is not a letter or a digit dropped). :func:`similarity` is
1.0 when one normalised title contains the other (an editor's suffix, a series name added) and the
shorter has at least :data:`MIN_CONTAINED` characters, else the Dice coefficient of their
character bigrams (2·|common bigrams| / (|bigrams a| + |bigrams b|), counted as multisets): a
title edited slightly keeps most of its bigrams, an article replaced by another keeps almost none.

The rule applies on sites whose profile says where their article's title is (``titles`` in
:mod:`linkcheck.sites`: WeChat, Zhihu). Elsewhere a ``<title>`` is as often the site's name or a
section's as the article's (a blog's home page cited for one of its posts), so the title is
recorded with the check but not compared.

A check is **drifted** when its title's similarity to *every* reference title (cited and first
capture) is below :data:`DRIFT_BELOW` (0.3). Requiring all references to disagree keeps a loosely
written cited title from flagging a page whose first capture still matches. Drift is a flag on the
check, never a verdict: the page may have been retitled by its author.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from linkcheck.scan.titles import INVISIBLE, MAX_TITLE_CHARS, cited_title  # (re-exported: the rule's names)
from linkcheck.sites import LazyPattern, SiteProfile

# Below this similarity to every reference title, a page's title is a strong mismatch.
DRIFT_BELOW = 0.3
# One normalised title containing the other counts as the same title only from this length on
# (two or three characters are contained in unrelated titles by chance).
MIN_CONTAINED = 4

_OG_TITLE = LazyPattern(r"<meta\b[^>]*?\b(?:property|name)\s*=\s*[\"']og:title[\"'][^>]*>", re.I)
_CONTENT = LazyPattern(r"\bcontent\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.I)
_TITLE = LazyPattern(r"<title\b[^>]*>(.*?)</title\s*>", re.I | re.S)
_TAGS = LazyPattern(r"<[^>]*>")


def _clean(raw: str) -> str:
    """Markup-free, entity-decoded, whitespace-collapsed text."""
    text = INVISIBLE.sub("", html.unescape(_TAGS.compiled.sub("", raw)))
    return " ".join(text.split())


def page_title(text: str, profile: SiteProfile | None = None) -> str | None:
    """The article's title in a page's HTML: og:title, the site's own title markup, <title>."""
    meta = _OG_TITLE.search(text)
    if meta is not None:
        content = _CONTENT.search(meta.group(0))
        if content is not None:
            title = _clean(content.group(1) if content.group(1) is not None else content.group(2))
            if title:
                return title
    titles = profile.titles if profile is not None else None
    if titles is not None:
        for pattern in titles.patterns:
            found = pattern.search(text)
            if found is not None:
                title = _clean(found.group(1))
                if title:
                    return title
    found = _TITLE.search(text)
    if found is not None:
        title = _clean(found.group(1))
        if title:
            return title
    return None


def normalise(title: str, profile: SiteProfile | None = None) -> str:
    """A title as compared: NFKC, the site's suffix removed, lower case, letters and digits only."""
    text = unicodedata.normalize("NFKC", html.unescape(title)).strip()
    titles = profile.titles if profile is not None else None
    if titles is not None and titles.suffix is not None:
        text = titles.suffix.compiled.sub("", text)
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _bigrams(text: str) -> Counter[str]:
    if len(text) < 2:
        return Counter([text]) if text else Counter()
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def similarity(a: str, b: str) -> float:
    """How alike two *normalised* titles are, 0.0–1.0 (see the module's note)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if len(shorter) >= MIN_CONTAINED and shorter in longer:
        return 1.0
    x, y = _bigrams(a), _bigrams(b)
    total = sum(x.values()) + sum(y.values())
    return 2 * sum((x & y).values()) / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Drift:
    """A check's title held against the earlier titles: the best similarity to any of them, and
    whether that is a strong mismatch (``drifted``)."""

    similarity: float
    drifted: bool
    reference: str  # the earlier title closest to the page's title now


def compare(now: str, references: Iterable[str | None], profile: SiteProfile | None = None) -> Drift | None:
    """``now`` (the page's title) against ``references`` (cited titles, the first capture's);
    None when there is nothing to compare (no usable reference, or a title with no letters)."""
    current = normalise(now, profile)
    if not current:
        return None
    best: tuple[float, str] | None = None
    for reference in references:
        if not reference:
            continue
        normalised = normalise(reference, profile)
        if not normalised:
            continue
        score = similarity(current, normalised)
        if best is None or score > best[0]:
            best = (score, reference)
    if best is None:
        return None
    return Drift(round(best[0], 3), best[0] < DRIFT_BELOW, best[1])


__all__ = [
    "DRIFT_BELOW",
    "MAX_TITLE_CHARS",
    "MIN_CONTAINED",
    "Drift",
    "cited_title",
    "compare",
    "normalise",
    "page_title",
    "similarity",
]
