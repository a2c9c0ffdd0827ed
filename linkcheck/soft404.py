"""Soft 404s: a page that answers ``200`` where the site means "not found". Pure, no I/O.

A site whose missing pages answer ``200`` — a "page not found" template, or a redirect to its home
page — makes every cited URL on it look alive to a status code. The test is the one the web-decay
literature uses (Bar-Yossef, Broder, Kumar and Tomkins, "Sic transit gloria telae", WWW 2004 §3;
asked for in internetarchive/iari #551 and #802, lychee #300): ask the host once for a URL that
cannot exist (:func:`probe_url`), and when that answer is ``200`` too, the host's "missing" answer
is known; a cited page that answers **the same way** is missing as well.

"The same way" (:func:`judge`), from the strongest evidence to the weakest:

1. **Same landing** — the probe was redirected, the cited page was redirected too, and both end at
   the same URL (the home page, ``/404.html`` …; a landing whose query repeats what was asked for,
   ``/notfound.htm?uri=…``, counts without its query): the site sends what it does not have there. Not
   when that landing is a sign-in page (a wall, never dead), nor when the cited URL is the landing
   itself or the site's root.
2. **Same template** — both answer ``200`` with an HTML page; the probe's page says "not found"
   (:data:`linkcheck.sites.SOFT_404_WORDS`, in its title or main text — an application shell that
   renders everything in JavaScript says nothing, and is never judged); the titles are equal once
   the requested path is taken out of them (templates often echo it); and the main texts (without
   scripts, styles, navigation, header and footer) are near-duplicates: Jaccard similarity of
   their 5-character shingles at least :data:`TEMPLATE_SIMILARITY`.

Why 0.9: two answers of one not-found template differ only by the echoed path, which is taken out
first, so they score 1.0 (0.97-1.0 in ``tests/test_soft404.py``, where the template also prints a
request id); a live article of the same site shares its title pattern at most, and its own text
makes its shingles mostly its own — the near-misses in the tests (a short live note under the same
title, a search page saying "no results") score below 0.5. Between the two, 0.9 leaves room for a
template with a clock or a counter in it and stays far from any page with content of its own.
Character shingles, not words, because the blog's pages are Chinese (no spaces between words).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

from linkcheck.sites import SOFT_404_WALL_LANDINGS, SOFT_404_WORDS

# Main texts at least this similar (Jaccard over 5-character shingles) are one template; see above.
TEMPLATE_SIMILARITY = 0.9
SHINGLE = 5
# Main text kept from a page (characters): a not-found template is short, and the first part of an
# article is its own; the probe's is stored in the database.
TEXT_CHARS = 4000
PROBE_PREFIX = "linkcheck-probe-"

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
# Elements whose text is not the page's own content: code, styles, and the site's chrome.
_CHROME = re.compile(
    r"<(script|style|noscript|template|svg|head|nav|header|footer|aside)\b[^>]*>.*?</\1\s*>", re.I | re.S
)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
# Numbers and hexadecimal ids (request ids, timestamps, counters): a template prints new ones on
# every answer, so they are one placeholder each before comparing.
_NUMBERS = re.compile(r"[0-9a-f]*[0-9][0-9a-f]*")
_ROOT_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.php", "/default.aspx", "/default.asp"})


@dataclass(frozen=True, slots=True)
class Answer:
    """What a host answered for one URL, as the comparison needs it (the probe's is stored)."""

    url: str  # asked for
    status: int
    final_url: str  # after redirects
    content_type: str = ""
    title: str = ""  # normalised: the requested path taken out, whitespace collapsed, lower case
    text: str = ""  # main text, normalised the same way, at most TEXT_CHARS

    @property
    def redirected(self) -> bool:
        return not _same_url(self.url, self.final_url)

    @property
    def html(self) -> bool:
        kind = self.content_type.split(";", 1)[0].strip().lower()
        return kind in ("", "text/html", "application/xhtml+xml")


def probe_url(page_url: str, token: str) -> str:
    """A URL on ``page_url``'s host that cannot exist, shaped like it: the same folder and file
    extension (or a sibling folder, for a page that is one), a name no site has
    (``…/linkcheck-probe-<token>.html``). Servers route by folder and
    extension (a PHP front controller, a static ``.html`` tree), so the probe meets the handler the
    cited page met."""
    parts = urlsplit(page_url)
    path = parts.path or "/"
    slash = ""
    if path.endswith("/") and path != "/":  # a page that is a folder: a sibling folder
        path, slash = path[:-1], "/"
    folder, _, name = path.rpartition("/")
    ext = ""
    if "." in name and not slash:
        ext = "." + name.rsplit(".", 1)[1]
        if not re.fullmatch(r"\.[A-Za-z0-9]{1,5}", ext):
            ext = ""
    return f"{parts.scheme}://{parts.netloc}{folder}/{PROBE_PREFIX}{token}{ext}{slash}"


def answer(url: str, status: int, final_url: str, content_type: str, body_text: str | None) -> Answer:
    """The :class:`Answer` of a response whose decoded body is ``body_text`` (None: not read)."""
    if body_text is None:
        return Answer(url, status, final_url, content_type)
    echoes = _echoes(url)
    found = _TITLE.search(body_text[:65536])
    title = _normalise(html.unescape(_TAG.sub(" ", found.group(1))) if found else "", echoes)
    return Answer(url, status, final_url, content_type, title, main_text(body_text, echoes))


def main_text(body: str, echoes: tuple[str, ...] = ()) -> str:
    """The page's own words: without comments, scripts, styles and the site's header, navigation
    and footer; entities decoded, whitespace collapsed, lower case, ``echoes`` taken out."""
    text = _COMMENT.sub(" ", body)
    text = _CHROME.sub(" ", text)
    text = html.unescape(_TAG.sub(" ", text))
    return _normalise(text, echoes)[:TEXT_CHARS]


def _normalise(text: str, echoes: tuple[str, ...]) -> str:
    text = _SPACE.sub(" ", text).strip().lower()
    for echo in echoes:
        text = text.replace(echo, " ")
    return _SPACE.sub(" ", _NUMBERS.sub("#", text)).strip()


def _echoes(url: str) -> tuple[str, ...]:
    """How a template may print the requested URL: its path, its last segment and that segment's
    stem, raw and percent-decoded (longest first, so the path goes before its parts)."""
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    found = {e.lower() for raw in (path, name, stem) for e in (raw, unquote(raw)) if len(e) >= 4}
    return tuple(sorted(found, key=len, reverse=True))


def shingles(text: str, size: int = SHINGLE) -> frozenset[str]:
    text = text.replace(" ", "")
    if len(text) <= size:
        return frozenset({text}) if text else frozenset()
    return frozenset(text[i : i + size] for i in range(len(text) - size + 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of two texts' 5-character shingles (0 when either is empty)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def says_not_found(probe: Answer) -> bool:
    """Whether the host's answer for a missing page says so (title or main text)."""
    return bool(SOFT_404_WORDS.search(probe.title) or SOFT_404_WORDS.search(probe.text[:2000]))


def host_is_soft(probe: Answer) -> bool:
    """Whether a probe shows the host answering ``200`` for what it does not have."""
    return probe.status == 200


def comparable(probe: Answer) -> Answer:
    """``probe`` with only what :func:`judge` can read of it: its title and text are dropped unless
    they can make a template match — a ``200`` that was not redirected, HTML, saying "not found".
    (:func:`judge` then gives the same match for every page.) A run holds its hosts' probe answers
    to the end and most hosts answer a proper ``404`` or redirect: their text (up to
    :data:`TEXT_CHARS` characters each, for every small site of the blog) would be kept for nothing.
    Where it counts, the text itself is kept: it is the smallest exact form of what is compared —
    the set of its 5-character shingles takes 30 to 80 times its size (4,000 Chinese characters:
    8 KB as text, 0.47 MB as a set of shingles, 0.27 MB as a set of their hashes), and a sketch of
    it (MinHash) would move scores near :data:`TEMPLATE_SIMILARITY`, that is, verdicts."""
    if not (probe.title or probe.text) or can_match_a_template(probe):
        return probe
    return replace(probe, title="", text="")


def can_match_a_template(probe: Answer) -> bool:
    """Whether a page can be ``probe``'s template (what :func:`judge` asks of the probe's side): a
    ``200`` that was not redirected, an HTML page with text, saying "not found"."""
    return host_is_soft(probe) and not probe.redirected and probe.html and bool(probe.text) and says_not_found(probe)


@dataclass(frozen=True, slots=True)
class Match:
    """Why a page is its host's not-found answer: ``landing`` (both redirected there) or
    ``template`` (with the similarity)."""

    kind: str
    similarity: float | None = None
    landing: str | None = None

    @property
    def evidence(self) -> str:
        """The outcome's marker: ``landing <url>`` or ``template 0.97``."""
        if self.kind == "landing":
            return f"landing {self.landing}"
        return f"template {self.similarity:.2f}"


def judge(page: Answer, probe: Answer) -> Match | None:
    """A :class:`Match` when ``page`` is the host's not-found answer ``probe``; None: alive."""
    if page.status != 200 or not host_is_soft(probe):
        return None
    if urlsplit(page.url).path in _ROOT_PATHS:
        return None  # the site's own front page: it is what a redirect lands on
    if probe.redirected:
        if (
            page.redirected
            and _same_landing(page, probe)
            and not _same_url(page.url, probe.final_url)
            and not SOFT_404_WALL_LANDINGS.search(urlsplit(probe.final_url).path)
        ):
            return Match("landing", landing=probe.final_url)
        # A redirected probe lands on a real page (the home page); a page that looks like it is
        # that page, not a notice: only the landing says anything.
        return None
    if not (page.html and page.text) or page.title != probe.title or not can_match_a_template(probe):
        return None
    score = similarity(page.text, probe.text)
    return Match("template", similarity=score) if score >= TEMPLATE_SIMILARITY else None


def _same_landing(page: Answer, probe: Answer) -> bool:
    """Both redirects end at the same URL — or at the same page whose query names what was asked
    for (``/notfound.htm?uri=<the URL asked for>``: then the query says nothing of the page)."""
    if _same_url(page.final_url, probe.final_url):
        return True
    landing = urlsplit(probe.final_url)
    asked = urlsplit(probe.url).path.rsplit("/", 1)[-1] or urlsplit(probe.url).path
    if not landing.query or asked not in unquote(landing.query):
        return False
    return _same_url(page.final_url.split("?", 1)[0], probe.final_url.split("?", 1)[0])


def _same_url(a: str, b: str) -> bool:
    """Equal as a site serves them: without the fragment, a trailing slash, the default port and the
    scheme (a blog cites one host over http and https alike; its home page is one page)."""

    def key(url: str) -> tuple[str, str, str]:
        parts = urlsplit(url)
        netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port not in (None, 80, 443) else "")
        return netloc, parts.path.rstrip("/") or "/", parts.query

    return key(a) == key(b)


__all__ = [
    "PROBE_PREFIX",
    "SHINGLE",
    "TEMPLATE_SIMILARITY",
    "Answer",
    "Match",
    "answer",
    "can_match_a_template",
    "comparable",
    "host_is_soft",
    "judge",
    "main_text",
    "probe_url",
    "says_not_found",
    "similarity",
]
