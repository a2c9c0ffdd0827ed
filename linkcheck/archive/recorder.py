"""One exchange into the archive: its WARC records, then its ``captures`` row.

A complete, non-empty payload already archived (same digest, any URL, a WARC file still there)
becomes a ``revisit`` record of that capture instead of a second copy. The row is written after
the record is flushed, so a row always points at a complete record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from linkcheck.archive.records import close_records, exchange_records, record_id, warc_date
from linkcheck.archive.warcfile import WarcFileWriter, warc_path

if TYPE_CHECKING:
    from linkcheck.net.transport import Exchange
    from linkcheck.store import Store


@dataclass(frozen=True, slots=True)
class RecordedCapture:
    capture_id: int
    original: dict | None  # the captures row a revisit record refers to; None: a full response record
    bytes_written: int  # compressed bytes added to the WARC file (response or revisit, and request)


class CaptureRecorder:
    """Writes exchanges through a :class:`~linkcheck.archive.warcfile.WarcFileWriter` and records
    each in the store's ``captures`` table.

    Blocking (file and SQLite writes): the archiver calls it on its one worker thread.
    """

    def __init__(self, store: Store, writer: WarcFileWriter, *, run_id: int | None = None, dedup: bool = True) -> None:
        self.store = store
        self.writer = writer
        self.run_id = run_id
        self.dedup = dedup

    def record(
        self,
        exchange: Exchange,
        *,
        kind: str,
        canonical: str | None = None,
        page_capture_id: int | None = None,
        title: str | None = None,
        excerpt: str | None = None,
    ) -> RecordedCapture:
        """Write the exchange (a response, or a revisit if the payload is known) and its row.

        ``kind``: ``page`` (``canonical`` is the cited URL), ``redirect`` or ``requisite``
        (``page_capture_id`` is the page's capture).
        """
        original = self._dedup_source(exchange)
        date = warc_date(exchange.started)  # WARC-Date: when the capture began
        records = exchange_records(exchange, original, date)
        try:
            name, positions = self.writer.write(records)
        finally:
            close_records(records)
        offset, length = positions[0]
        capture_id = self.store.captures.record(
            canonical=canonical,
            now=exchange.started,
            url=exchange.url,
            kind=kind,
            page_capture_id=page_capture_id,
            run_id=self.run_id,
            warc_date=date,
            warc_file=name,
            warc_offset=offset,
            warc_length=length,
            warc_record_id=record_id(records[0]),
            record_type="revisit" if original is not None else "response",
            refers_to=original["id"] if original is not None else None,
            payload_digest=exchange.payload_digest,
            payload_length=exchange.length,
            truncated="length" if exchange.truncated else None,
            http_status=exchange.status,
            content_type=exchange.header("Content-Type"),
            title=title,
            excerpt=excerpt,
        )
        return RecordedCapture(capture_id, original, sum(size for _offset, size in positions))

    def _dedup_source(self, exchange: Exchange) -> dict | None:
        if not self.dedup or exchange.truncated or exchange.length == 0:
            return None  # a revisit of an empty body saves nothing; a cut one is not "identical"
        original = self.store.captures.by_digest(exchange.payload_digest)
        if original is None or warc_path(self.writer.directory, original["warc_file"]) is None:
            return None
        return original


__all__ = ["CaptureRecorder", "RecordedCapture"]
