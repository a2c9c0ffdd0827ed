"""What is really behind a response: alive, dead, blocked or error — decided by the site profiles.

Decision order (shared/docs/decay-signatures.md §0):

1. anti-bot / login walls (where a redirect lands, challenge markup) → ``blocked``. Walls come
   first because they are small pages without content: a "no live marker ⇒ dead" rule would kill
   them.
2. tombstones (where a redirect lands, the site's notice markup) → ``dead``. A tombstone marker
   flagged ``unless_live`` is ignored on a page that also carries the live marker, so an article
   quoting "该内容已被发布者删除" stays alive.
3. status: the profile's dead statuses (404, 410; 451 on GitHub) → ``dead``; 401/403 → ``blocked``;
   408, 429, 5xx → ``error`` (retried); other 4xx → ``error``.
4. 2xx: alive — except on sites whose live marker is required, where a page with neither a
   tombstone nor the live marker is ``error:unrecognized-page``. Such a page is never ``dead``.
   Where a profile tells its articles from its other pages (``SiteProfile.articles``/``pages``),
   the live marker asked for is that of the page's shape: an article's, a user's home page's …

The generic profile (every host no row names) has markers too: a parked or expired domain's
page — a registrar's or a domain market's — is ``dead`` (``parked``), from the parking services'
markup or a sale notice that is the page's whole title or headline (``sites.PARKED_MARKERS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from linkcheck import reasons
from linkcheck.drift import page_title
from linkcheck.models import Outcome, Verdict
from linkcheck.sites import PageShape, SiteProfile, profile_for

_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?\s*([A-Za-z0-9_\-]+)", re.I)
_CHARSET_PARAM = re.compile(r"charset=[\"']?([A-Za-z0-9_\-]+)", re.I)
# GBK and GB2312 pages often contain characters only GB18030 (their superset) decodes.
_CHARSET_ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "x-gbk": "gb18030", "utf8": "utf-8"}


@dataclass(slots=True)
class Page:
    """One HTTP exchange as the classifier sees it (after redirects, body capped)."""

    url: str
    final_url: str
    status: int
    content_type: str = ""
    body: bytes = b""
    redirects: tuple[str, ...] = ()
    redirect_statuses: tuple[int, ...] = ()  # the status of each hop of ``redirects``
    retry_after: str | None = None
    body_read: bool = False  # False for HEAD: there is nothing to look for markers in
    truncated: bool = False
    elapsed_ms: int = 0
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = decode_body(self.body, self.content_type)
        return self._text


def declared_charsets(content_type: str, head: bytes) -> list[str]:
    """The charsets a response declares, in the order they count: the Content-Type header's, then
    a ``<meta charset>`` in the first 4 KiB of the body; GBK and GB2312 read as their superset
    GB18030. (Not checked to be known codecs.)"""
    candidates: list[str] = []
    match = _CHARSET_PARAM.search(content_type or "")
    if match:
        candidates.append(match.group(1).lower())
    meta = _META_CHARSET.search(head[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore").lower())
    return [_CHARSET_ALIASES.get(name, name) for name in candidates]


def decode_body(body: bytes, content_type: str = "") -> str:
    """Decode with the header charset, else ``<meta charset>``, else UTF-8, else GB18030."""
    for name in [*declared_charsets(content_type, body), "utf-8", "gb18030"]:
        try:
            return body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("utf-8", errors="replace")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _outcome(page: Page, verdict: Verdict, reason: str, marker: str | None = None, **extra) -> Outcome:
    return Outcome(
        verdict=verdict,
        reason=reason,
        http_status=page.status,
        final_url=page.final_url,
        redirects=page.redirects,
        redirect_statuses=page.redirect_statuses,
        elapsed_ms=page.elapsed_ms,
        marker=marker,
        **extra,
    )


def _profiles(page: Page, origin: SiteProfile | None = None) -> list[SiteProfile]:
    """The origin's profile first; the landing host's too when a redirect changed host."""
    if origin is None:
        origin = profile_for(urlsplit(page.url).hostname or "")
    if page.final_url == page.url:  # no redirect: one host
        return [origin]
    landing = profile_for(urlsplit(page.final_url).hostname or "")
    return [origin] if landing is origin else [origin, landing]


def _shapes(page: Page, profiles: list[SiteProfile]) -> list[PageShape | None]:
    """Per profile, the shape of the page it judges (None: an article, or a profile without
    shapes): by the path the request ended at when that is the profile's host, else the path asked."""
    shapes: list[PageShape | None] = []
    final = urlsplit(page.final_url)
    for profile in profiles:
        if profile.articles is None:
            shapes.append(None)
            continue
        on_profile = profile_for(final.hostname or "") is profile
        shapes.append(profile.shape_for(final.path if on_profile else urlsplit(page.url).path))
    return shapes


def _is_live(profile: SiteProfile, shape: PageShape | None, text: str) -> bool:
    return shape.is_live(text) if shape is not None else profile.is_live(text)


def classify(page: Page, origin: SiteProfile | None = None) -> Outcome:
    """The verdict on ``page``. ``origin``: the profile of ``page.url``'s host, if the caller has it."""
    profiles = _profiles(page, origin)
    status = page.status
    landed_elsewhere = page.final_url != page.url
    other_host = landed_elsewhere and urlsplit(page.final_url).hostname != urlsplit(page.url).hostname

    # 1. Walls.
    for profile in profiles:
        if landed_elsewhere:
            for rule in profile.antibot_urls:
                if rule.matches(page.final_url):
                    return _outcome(page, Verdict.BLOCKED, rule.reason, rule.pattern.pattern)
    text = page.text if page.body_read else ""
    shapes = _shapes(page, profiles)
    live_shape = None
    live = False
    if text:
        for profile, shape in zip(profiles, shapes, strict=True):
            if _is_live(profile, shape, text):
                live, live_shape = True, shape
                break
    if page.body_read:
        for profile in profiles:
            for marker in profile.antibot_markers:
                if marker.unless_live and live:
                    continue
                if marker.matches(status, text):
                    return _outcome(page, Verdict.BLOCKED, marker.reason, marker.pattern.pattern or None)

    # 2. Tombstones.
    for profile in profiles:
        if landed_elsewhere:
            for rule in profile.tombstone_urls:
                if rule.other_host and not other_host:
                    continue
                if rule.matches(page.final_url):
                    return _outcome(page, Verdict.DEAD, rule.reason, rule.pattern.pattern)
    if page.body_read:
        for profile in profiles:
            # A temporary error page can share markup with an old tombstone template: it goes first.
            for marker in profile.transient_markers:
                if marker.matches(status, text):
                    return _outcome(page, Verdict.ERROR, marker.reason, marker.pattern.pattern)
            for marker in profile.tombstone_markers:
                if marker.unless_live and live:
                    continue
                if marker.matches(status, text):
                    successor = None
                    if profile.successor is not None:
                        found = profile.successor.search(text)
                        successor = urljoin(page.final_url, found.group(1)) if found else None
                    return _outcome(page, Verdict.DEAD, marker.reason, marker.pattern.pattern, follow_url=successor)

    # 3. Status codes.
    landing = profiles[-1]
    if status in landing.dead_statuses or status in profiles[0].dead_statuses:
        return _outcome(page, Verdict.DEAD, reasons.http_status(status))
    if status in (401, 403):
        return _outcome(page, Verdict.BLOCKED, reasons.http_status(status))
    if status in (408, 429):
        wait = parse_retry_after(page.retry_after)
        return _outcome(page, Verdict.ERROR, reasons.http_status(status), retry_after=wait)
    if status >= 500:
        return _outcome(page, Verdict.ERROR, reasons.HTTP_5XX, retry_after=parse_retry_after(page.retry_after))
    if status >= 400:
        return _outcome(page, Verdict.ERROR, reasons.http_status(status))
    if 300 <= status < 400:
        return _outcome(page, Verdict.ERROR, "redirect-without-location")

    # 4. Success. A page of a shape other than an article is held to its shape's markers. An alive
    # page whose body was read names its title, for the content-drift rule (linkcheck.drift).
    title = page_title(text, profiles[-1]) if text and _is_html(page) else None
    if live:
        marker = f"page:{live_shape.name}" if live_shape else None
        return _outcome(page, Verdict.ALIVE, reasons.LIVE_MARKER, marker, title=title)
    required = [p for p, shape in zip(profiles, shapes, strict=True) if p.live_required or shape is not None]
    if required and page.body_read:
        return _outcome(page, Verdict.ERROR, reasons.UNRECOGNIZED_PAGE)
    return _outcome(page, Verdict.ALIVE, reasons.http_status(status), title=title)


def _is_html(page: Page) -> bool:
    """HTML (or an answer that does not say what it is): a PDF or an image has no <title>."""
    kind = page.content_type.split(";", 1)[0].strip().lower()
    return not kind or "html" in kind
