"""What the archive does not know: a browser visit as exchanges the archive writes.

The archive writes :class:`~linkcheck.net.transport.Exchange` objects (the HTTP client's recorded
exchanges: a body in a temporary file) as WARC ``response``/``request`` pairs with ``captures`` rows,
deduplicated into ``revisit`` records like any other capture (:meth:`Archiver.store_record
<linkcheck.archive.Archiver.store_record>`). A browser reports its responses differently: through
Playwright's events, with bodies already decoded and HTTP/2 headers. :func:`archive_visit` turns
them into such exchanges — headers reconstructed and written as HTTP/1.1, ``Content-Encoding`` and
``Transfer-Encoding`` dropped and ``Content-Length`` the stored length — and adds what only a
browser has: the rendered DOM as a ``conversion`` record and a ``metadata`` record (``via:
browser``, the verdict, the navigations, the responses whose body the browser had already dropped),
both ``WARC-Refers-To`` the page's record, in the archive's own WARC file.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder

from linkcheck.archive import PageCapture, digest_html, warc_date
from linkcheck.archive.records import WARC_VERSION
from linkcheck.archive.warcfile import TMP_DIR
from linkcheck.models import Outcome
from linkcheck.net.transport import Exchange, sha1_digest
from linkcheck.sites import profile_for

if TYPE_CHECKING:
    from linkcheck.archive import Archiver

# The body is stored decoded and whole: these headers would describe another body.
_DROP_RESPONSE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_NOTE = (
    "recorded by a headless browser: HTTP headers reconstructed from its events and written as "
    "HTTP/1.1, bodies decoded (Content-Encoding/Transfer-Encoding dropped, Content-Length = stored length)"
)


@dataclass(slots=True)
class BrowserResponse:
    """One response a page received, as Playwright reported it (body decoded)."""

    url: str
    method: str
    status: int
    status_text: str
    http_version: str
    response_headers: list[tuple[str, str]]
    request_headers: list[tuple[str, str]]
    body: bytes
    truncated: bool
    at: datetime
    ip: str | None
    main: bool  # a main-frame navigation (the document, a challenge page, a redirect hop)
    document: bool = False  # the page's final document (set when the visit ends)


def _exchange(directory: Path, response: BrowserResponse) -> Exchange:
    """The response as the archive's exchange, its body in a temporary file (named by mkstemp,
    never from the URL)."""
    fd, name = tempfile.mkstemp(dir=directory, prefix="browser-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(response.body)
    parts = urlsplit(response.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = [(k, v) for k, v in response.request_headers if not k.startswith(":")]
    if not any(k.lower() == "host" for k, _ in request_headers):
        request_headers.insert(0, ("Host", parts.netloc))
    return Exchange(
        url=response.url,
        status=response.status,
        reason=response.status_text,
        protocol="HTTP/1.1",
        response_headers=[
            (k, v)
            for k, v in response.response_headers
            if not k.startswith(":") and k.lower() not in _DROP_RESPONSE_HEADERS
        ],
        request_line=f"{response.method} {target} HTTP/1.1",
        request_headers=request_headers,
        body_path=Path(name),
        length=len(response.body),
        payload_digest=sha1_digest(hashlib.sha1(response.body)),
        truncated=response.truncated,
        started=response.at,
        ip=response.ip,
    )


def _exchanges(directory: Path, responses: Sequence[BrowserResponse]) -> list[Exchange]:
    directory.mkdir(parents=True, exist_ok=True)
    made: list[Exchange] = []
    try:
        for response in responses:
            made.append(_exchange(directory, response))
    except BaseException:
        for exchange in made:
            exchange.discard()
        raise
    return made


def _dom_records(
    canonical: str, html: str, outcome: Outcome, refers_to: str | None, fields: Sequence[tuple[str, object]]
) -> list[Any]:
    """The rendered DOM (``conversion``) and what the visit was (``metadata``)."""
    builder = RecordBuilder(warc_version=WARC_VERSION)
    final_url = outcome.final_url or canonical
    now = warc_date(datetime.now(UTC))
    linked = {"WARC-Date": now, **({"WARC-Refers-To": refers_to} if refers_to else {})}
    dom = html.encode("utf-8")
    text = "".join(f"{key}: {value}\n" for key, value in fields).encode("utf-8")
    return [
        builder.create_warc_record(
            final_url,
            record_type,
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_content_type=content_type,
            warc_headers_dict=headers,
        )
        for record_type, payload, content_type, headers in (
            ("conversion", dom, "text/html; charset=utf-8", {**linked, "Content-Type": "text/html; charset=utf-8"}),
            ("metadata", text, "application/warc-fields", linked),
        )
    ]


async def archive_visit(
    archiver: Archiver,
    canonical: str,
    responses: Sequence[BrowserResponse],
    html: str,
    outcome: Outcome,
    *,
    navigations: int,
    unavailable: Sequence[str] = (),
) -> PageCapture:
    """Write an alive page as the browser saw it through the run's archive: the document as the
    cited URL's ``page`` capture, the other main-frame responses as its ``redirect`` hops, the
    page's resources as its ``requisite`` captures (not for an unchanged page, as the archive does),
    then the DOM and metadata records. The capture counts against the archive's page limit.
    Raises OSError or StoreError when the disk or the database fails."""
    ordered = sorted(responses, key=lambda r: (not r.document, r.at))
    result = PageCapture(canonical, "failed", final_url=outcome.final_url, source="browser")
    if not ordered or not ordered[0].document:
        result.reason = "document-body-unavailable"
        archiver.add_from_check(result)
        return result
    exchanges = await asyncio.to_thread(_exchanges, archiver.warc_dir / TMP_DIR, ordered)
    try:
        rules = profile_for((urlsplit(canonical).hostname or "").lower()).requisites
        digest = await asyncio.to_thread(digest_html, html, rules.attrs if rules else ())
        page = await archiver.store_record(
            exchanges[0], kind="page", canonical=canonical, title=digest.title, excerpt=digest.excerpt
        )
        page_id, unchanged = page.capture_id, page.original is not None
        result.capture_id, result.title, result.http_status = page_id, digest.title, ordered[0].status
        result.truncated = ordered[0].truncated
        result.outcome = "unchanged" if unchanged else "captured"
        result.count(page)
        for response, exchange in zip(ordered[1:], exchanges[1:], strict=True):
            if not response.main and unchanged:
                continue  # the same page is archived already, and so are the resources it loads
            kind = "redirect" if response.main else "requisite"
            result.count(await archiver.store_record(exchange, kind=kind, page_capture_id=page_id))
            result.requisites += kind == "requisite"
        row = await asyncio.to_thread(archiver.store.captures.get, page_id)
        fields: list[tuple[str, object]] = [
            ("via", "browser"),
            ("cited-url", canonical),
            ("final-url", outcome.final_url or canonical),
            ("verdict", outcome.verdict.value),
            ("reason", outcome.reason),
            ("http-status", outcome.http_status),
            ("navigations", navigations),
            ("responses", len(ordered)),
            ("http-versions", ",".join(sorted({r.http_version for r in ordered}))),
            ("note", _NOTE),
            *(("body-unavailable", entry) for entry in unavailable),
        ]
        records = _dom_records(canonical, html, outcome, row["warc_record_id"] if row else None, fields)
        before = archiver.writer.bytes_written
        await asyncio.to_thread(archiver.writer.write, records)
        result.bytes_written += archiver.writer.bytes_written - before
    finally:
        for exchange in exchanges:
            exchange.discard()
    archiver.add_from_check(result)
    return result


__all__ = ["BrowserResponse", "archive_visit"]
