"""Archive before decay: standard WARC/1.1 captures of live pages, WeChat and Zhihu first.

A page is captured from the very exchange its check classified ``alive`` — one fetch per page —
into WARC files written with warcio (``warcinfo`` first, then ``response``/``revisit`` +
``request`` pairs, one gzip member per record, ``.open`` until closed, repaired after a crash), and
each record is a row of the SQLite ``captures`` table. Walls and tombstones are never archived as
the article. The long form is ``docs/archive.md``; the modules, one concern each:

* :mod:`~linkcheck.archive.policy` — which pages, in what order (decay risk), before the checks
* :mod:`~linkcheck.archive.capture` — the :class:`Archiver`: pages and their images from checks
* :mod:`~linkcheck.archive.stage` — the archive stage after the checks, and its summary
* :mod:`~linkcheck.archive.recorder` — one exchange → its WARC records and its ``captures`` row
* :mod:`~linkcheck.archive.records` — building WARC records (warcinfo, response, revisit, request)
* :mod:`~linkcheck.archive.warcfile` — WARC files: naming, writing, rotation, crash repair
* :mod:`~linkcheck.archive.digest` — a page's title, readable text, excerpt and image URLs
* :mod:`~linkcheck.archive.read` — a capture read back (``linkcheck show``)
* :mod:`~linkcheck.archive.export` — the WACZ export (``linkcheck export``)
"""

from __future__ import annotations

from linkcheck.archive.capture import Archiver, ArchiveSettings, PageCapture
from linkcheck.archive.digest import PageDigest, digest_html
from linkcheck.archive.export import ExportError, export_wacz
from linkcheck.archive.policy import DEFAULT_MAX_AGE, CapturePlan, plan_captures
from linkcheck.archive.read import CaptureMissingError, StoredCapture, read_capture
from linkcheck.archive.recorder import CaptureRecorder, RecordedCapture
from linkcheck.archive.records import (
    exchange_records,
    request_record,
    response_record,
    revisit_record,
    warc_date,
    warcinfo_record,
)
from linkcheck.archive.stage import ArchiveSummary, archive_pending, captured_during_checks
from linkcheck.archive.warcfile import (
    DEFAULT_ROTATE_BYTES,
    Repair,
    WarcFileWriter,
    closed_warc_files,
    complete_members_end,
    repair_open_files,
    warc_path,
)

__all__ = [
    "DEFAULT_MAX_AGE",
    "DEFAULT_ROTATE_BYTES",
    "ArchiveSettings",
    "ArchiveSummary",
    "Archiver",
    "CaptureMissingError",
    "CapturePlan",
    "CaptureRecorder",
    "ExportError",
    "PageCapture",
    "PageDigest",
    "RecordedCapture",
    "Repair",
    "StoredCapture",
    "WarcFileWriter",
    "archive_pending",
    "captured_during_checks",
    "closed_warc_files",
    "complete_members_end",
    "digest_html",
    "exchange_records",
    "export_wacz",
    "plan_captures",
    "read_capture",
    "repair_open_files",
    "request_record",
    "response_record",
    "revisit_record",
    "warc_date",
    "warc_path",
    "warcinfo_record",
]
