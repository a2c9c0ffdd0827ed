"""Typed values that flow through the pipeline: extract → check → classify → store → report.

Nothing here does I/O; every stage speaks in these types, so retry policy, exit codes and reports
are small functions over them instead of booleans scattered through the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from linkcheck import reasons


class LinkKind(StrEnum):
    """Where in a post a URL was written."""

    BARE = "bare"
    MARKDOWN_LINK = "markdown-link"
    IMAGE = "image"
    AUTOLINK = "autolink"
    HTML_ATTR = "html-attr"
    REFERENCE_DEFINITION = "reference-definition"
    CODE = "code"


@dataclass
class Occurrence:
    """One place a URL is written: post file, 1-based line and column (in characters).

    (Like :class:`Link`, a plain dataclass rather than a slotted one or a named tuple: orjson
    encodes a dataclass's ``__dict__`` natively, so the JSON scan of a whole blog needs no
    Python-level ``to_dict`` per link and per occurrence, which cost more than the encoding.)"""

    file: str
    line: int
    column: int
    kind: LinkKind
    # The cited article's title as the post gives it (the link text, or the line after a URL
    # alone on its line; :func:`linkcheck.scan.titles.cited_title`), None when it gives none.
    title: str | None = None


@dataclass
class Link:
    """A unique URL (by canonical form) with every place it occurs.

    Its fields, in order, are the object ``scan --format json`` prints: orjson encodes it as it is
    (see :class:`Occurrence`); :meth:`to_dict` gives the same as a dict."""

    url: str  # as first written
    canonical: str
    host: str
    checkable: bool
    skip_reason: str | None
    occurrences: list[Occurrence] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "url": self.url,
            "canonical": self.canonical,
            "host": self.host,
            "checkable": self.checkable,
            "skip_reason": self.skip_reason,
            "occurrences": [
                {"file": o.file, "line": o.line, "column": o.column, "kind": str(o.kind), "title": o.title}
                for o in self.occurrences
            ],
        }


class Verdict(StrEnum):
    """What is really behind a URL.

    ``blocked`` means an anti-bot or login wall answered: it says nothing about the content and is
    never evidence of death. ``error`` is transient or unresolved and is re-checked later.
    """

    ALIVE = "alive"
    DEAD = "dead"
    BLOCKED = "blocked"
    ERROR = "error"
    SKIPPED = "skipped"


class Via(StrEnum):
    """Which checker decided an outcome: the HTTP client, the headless browser the runner
    escalates a wall to (``linkcheck.browser``), or the blog's own source tree for links into the
    blog (``linkcheck.run.local``). Stored per check (``checks.via``)."""

    HTTP = "http"
    BROWSER = "browser"
    LOCAL = "local"


# A host whose walls persist is left alone for the rest of the run: its links get this reason
# (``blocked``) without a request, with the wall that paused the host as the outcome's marker.
HOST_PAUSED = reasons.HOST_PAUSED

# Reasons that describe a transient condition worth another attempt within the same run.
RETRYABLE_REASONS: frozenset[str] = reasons.TRANSIENT


@dataclass(frozen=True, slots=True)
class Outcome:
    """The verdict on one URL with a machine-readable reason and the evidence behind it."""

    verdict: Verdict
    reason: str
    http_status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    # The HTTP status of each redirect hop, in order (301/308 are permanent: ``linkcheck fix``
    # proposes the target); empty when unknown (checks recorded before they were kept).
    redirect_statuses: tuple[int, ...] = ()
    elapsed_ms: int = 0
    marker: str | None = None  # the site-profile marker that decided it, if any
    error: str | None = None  # exception class / message for network failures
    retry_after: float | None = None  # seconds the server asked us to wait (429/503)
    follow_url: str | None = None  # a tombstone that names a successor (WeChat migration)
    via: Via = Via.HTTP  # which checker decided it
    title: str | None = None  # the page's title, when its body was read and it is alive (linkcheck.drift)

    @property
    def retryable(self) -> bool:
        return self.verdict is Verdict.ERROR and self.reason in RETRYABLE_REASONS

    @property
    def connection_level(self) -> bool:
        """Failed before any HTTP answer: the signal used to tell 'offline' from 'dead'."""
        return (
            self.verdict is not Verdict.SKIPPED and self.http_status is None and self.reason in reasons.CONNECTION_LEVEL
        )

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict.value,
            "reason": self.reason,
            "http_status": self.http_status,
            "final_url": self.final_url,
            "redirects": list(self.redirects),
            "elapsed_ms": self.elapsed_ms,
            "marker": self.marker,
            "error": self.error,
            "via": str(self.via),
            "title": self.title,
        }


@dataclass(slots=True)
class CheckResult:
    """A link together with the outcome of checking it."""

    link: Link
    outcome: Outcome

    def to_dict(self) -> dict:
        data = self.link.to_dict()
        data.update(self.outcome.to_dict())
        return data
