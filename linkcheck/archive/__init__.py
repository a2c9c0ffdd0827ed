"""Archive before decay: standard WARC captures of live pages, WeChat and Zhihu first.

What it writes (``docs/archive.md`` has the long form):

* WARC/1.1 files written with warcio (``WARCWriter(fh, gzip=True, warc_version="1.1")``): one gzip
  member per record, a ``warcinfo`` record first in each file, then per fetched resource a
  ``response`` (or ``revisit``) record and the ``request`` record that produced it (same WARC-Date,
  ``WARC-Concurrent-To``), with block and payload digests.
* The response block is the real HTTP exchange — the one a check classified
  (:class:`~linkcheck.net.transport.Recording`): the status line and headers as received and the raw body
  as sent on the wire *after* de-chunking. aiohttp removes chunking, so the stored headers drop
  ``Transfer-Encoding`` and carry a ``Content-Length`` equal to the bytes stored; the body keeps its
  ``Content-Encoding`` (read with ``auto_decompress=False``) and that header is kept. The request
  block is the headers aiohttp really sent (``response.request_info.headers``).
* Files live in ``warc_dir`` (default ``state/warc/``) named ``linkcheck-<UTC time to the ms>-<serial>-
  <pid>.warc.gz`` — never from a URL. A file is written as ``….warc.gz.open`` and renamed when closed,
  at the end of a run or when it passes ``rotate_bytes`` (default 1 GB). A run that finds ``.open``
  files (a crash: the caller holds the run lock, so nobody else is writing) cuts each back to its
  last complete gzip member, drops the SQLite rows that pointed past the cut, and closes it.
* Bodies stream to a temporary file under ``warc_dir/.tmp`` (never named from a URL) and from there
  into the WARC, so memory stays flat for 3 MB articles. A body longer than ``max_resource_bytes``
  is cut there and its record carries ``WARC-Truncated: length``.
* Deduplication: a complete payload whose digest is already archived (any URL) becomes a
  ``revisit`` record, profile ``…/warc/1.1/revisit/identical-payload-digest``, with
  ``WARC-Refers-To``, ``-Refers-To-Target-URI``, ``-Refers-To-Date``, ``WARC-Payload-Digest`` and
  ``WARC-Truncated: length`` (WARC 1.1 §6.7.2), keeping only the new HTTP headers.
* Each response/revisit record is a row of the SQLite ``captures`` table (file, offset, length,
  digest, status, title, excerpt) written after the record is flushed.

What is captured: cited URLs that are alive, never-captured first, then by the site's
``archive_priority`` (decay risk). A captured page is captured again only when its newest capture
is older than ``max_age``; an unchanged page then costs a revisit record and no requisites.

One fetch per page: the archive has no HTTP code of its own. In a check run the capture policy is
consulted before anything is fetched (:meth:`Archiver.plan`), and the check of each chosen page is
a GET that keeps its raw exchange; when it classifies ``alive`` the WARC records are written from
those bytes (:meth:`Archiver.check`). What is left for the archive stage are the images and the
alive pages the run did not check (:func:`archive_pending`); each of those fetches is a check of
the :class:`~linkcheck.net.transport.Fetcher` too — same redirects, caps, reasons, headers and politeness
gates — and its verdict is recorded as the page's check. A capture is kept only when the exchange
classifies ``alive`` (an anti-bot wall or a tombstone served instead of the article is never
archived as the article). Page requisites: on sites with a :class:`Requisites` rule (WeChat
``img[data-src]`` on ``mmbiz.qpic.cn``, Zhihu images on ``pic*.zhimg.com``) the images are fetched
with the Referer a browser would send (the page's origin) and archived next to the page, bounded in
count and bytes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from linkcheck import __version__
from linkcheck.classify import Page, decode_body
from linkcheck.models import Outcome, Verdict
from linkcheck.net.transport import Exchange, Recording, WindowDecoder
from linkcheck.sites import Requisites, profile_for

if TYPE_CHECKING:
    from linkcheck.net.transport import Fetcher
    from linkcheck.store import Store

WARC_VERSION = "1.1"
WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"
TMP_DIR = ".tmp"
FILE_PREFIX = "linkcheck"
DEFAULT_ROTATE_BYTES = 1_000_000_000
DEFAULT_MAX_AGE = timedelta(days=90)
EXCERPT_CHARS = 500
# Encodings we can read back for titles and text; asking only for these keeps every stored body
# readable by any WARC tool.
ACCEPT_ENCODING = "gzip, deflate"
IMAGE_ACCEPT = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
_NAME_RE = re.compile(rf"^{FILE_PREFIX}-(\d{{17}})-(\d{{5,}})-(\d+)\.warc\.gz(?:\.open)?$")
_HOP_HEADERS = ("transfer-encoding", "content-length")


# --------------------------------------------------------------------------------------------
# Settings and per-site requisite rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArchiveSettings:
    max_resource_bytes: int = 20 * 1024 * 1024  # a longer body is cut: WARC-Truncated: length
    rotate_bytes: int = DEFAULT_ROTATE_BYTES  # close the WARC file once it is this large
    requisites: bool = True
    max_requisites: int = 40  # images per page
    max_requisite_bytes: int = 5 * 1024 * 1024  # per image (cut beyond, like pages)
    max_requisites_total: int = 30 * 1024 * 1024  # all images of one page
    max_text_bytes: int = 2 * 1024 * 1024  # decoded HTML read for classification, title, text
    concurrency: int = 4  # pages in flight (each host's own gate still applies)
    timeout: float = 120.0  # one request, headers and body
    dedup: bool = True  # identical payloads become revisit records


# --------------------------------------------------------------------------------------------
# HTML: title, readable text, image URLs
# --------------------------------------------------------------------------------------------

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object", "select"})
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
        "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip


class _PageParser(HTMLParser):
    def __init__(self, image_attrs: Sequence[str] = ()) -> None:
        super().__init__(convert_charrefs=True)
        self.image_attrs = tuple(image_attrs)
        self.images: list[str] = []
        self.og_title: str | None = None
        self.h1: str | None = None
        self._title: list[str] = []
        self._in_title = False
        self._h1: list[str] | None = None
        self._skip = 0
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = dict(attrs)
            if self.og_title is None and "og:title" in (values.get("property"), values.get("name")):
                self.og_title = (values.get("content") or "").strip() or None
        elif tag == "img" and self.image_attrs:
            values = dict(attrs)
            for name in self.image_attrs:
                value = (values.get(name) or "").strip()
                if value and not value.startswith("data:"):
                    self.images.append(value)
                    break
        elif tag == "h1" and self.h1 is None and self._h1 is None:
            self._h1 = []
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self._parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <img/>, <meta/>: no content, so a skip tag written this way opens nothing.
        if tag in _SKIP_TAGS:
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "h1" and self._h1 is not None:
            self.h1 = " ".join("".join(self._h1).split()) or None
            self._h1 = None
        if tag in _BLOCK_TAGS:
            self._parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
        elif not self._skip:
            self._parts.append(data)
            if self._h1 is not None:
                self._h1.append(data)

    @property
    def title(self) -> str | None:
        title = " ".join("".join(self._title).split())
        return self.og_title or title or self.h1

    @property
    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self._parts).split("\n"))
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True, slots=True)
class PageDigest:
    title: str | None
    text: str
    images: tuple[str, ...]

    @property
    def excerpt(self) -> str:
        return self.text[:EXCERPT_CHARS]


def digest_html(html: str, image_attrs: Sequence[str] = ()) -> PageDigest:
    """Title (og:title, else <title>, else the first <h1>), readable text and <img> URLs."""
    parser = _PageParser(image_attrs)
    with suppress(AssertionError):  # html.parser gives up on some broken markup: keep what it read
        # In slices: html.parser copies its unparsed buffer on every feed.
        for start in range(0, len(html), 65536):
            parser.feed(html[start : start + 65536])
        parser.close()
    return PageDigest(parser.title, parser.text, tuple(parser.images))


def decode_content(raw: io.BufferedIOBase, encoding: str | None, limit: int) -> bytes:
    """Undo a Content-Encoding (gzip, deflate) of a stored body, at most ``limit`` output bytes —
    a gzip bomb cannot blow up memory. Unknown encodings give b"". The same decoder a recorded
    check feeds while it reads (:class:`~linkcheck.net.transport.WindowDecoder`)."""
    decoder = WindowDecoder(encoding, limit)
    while not decoder.ended:
        chunk = raw.read(65536)
        if not chunk:
            break
        decoder.feed(chunk)
    return decoder.window  # type: ignore[return-value]  (a bytearray: no copy)


# --------------------------------------------------------------------------------------------
# WARC files: writing, rotation, repair
# --------------------------------------------------------------------------------------------


def warc_date(moment: datetime) -> str:
    """WARC 1.1 date: UTC with microseconds."""
    return datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True)


def _fsync_dir(path: Path) -> None:
    with suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class WarcFileWriter:
    """Appends records to ``<dir>/linkcheck-<time>-<serial>-<pid>.warc.gz.open``; renames on close.

    Thread-safe: :meth:`write` and :meth:`close` may be called from worker threads. Records of one
    :meth:`write` call always land in one file; rotation happens between calls.
    """

    def __init__(
        self,
        directory: Path,
        *,
        rotate_bytes: int = DEFAULT_ROTATE_BYTES,
        info: dict[str, str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.rotate_bytes = rotate_bytes
        self.info = info or {}
        self.closed_files: list[str] = []
        self._lock = threading.Lock()
        self._fh: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None
        self._name: str | None = None
        self.bytes_written = 0

    @property
    def current(self) -> str | None:
        """Final name (without ``.open``) of the file being written, if any."""
        return self._name

    def _next_serial(self) -> int:
        serials = [0]
        if self.directory.is_dir():
            for entry in os.scandir(self.directory):
                match = _NAME_RE.match(entry.name)
                if match:
                    serials.append(int(match.group(2)))
        return max(serials) + 1

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        stamp = now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"
        while True:
            name = f"{FILE_PREFIX}-{stamp}-{self._next_serial():05d}-{os.getpid()}{WARC_SUFFIX}"
            try:
                fh = open(self.directory / (name + OPEN_SUFFIX), "xb")  # noqa: SIM115 (kept open)
            except FileExistsError:
                continue
            break
        writer = WARCWriter(fh, gzip=True, warc_version=WARC_VERSION)
        info = {
            "software": f"linkcheck/{__version__} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": "linkcheck",
            "description": "Captures of live pages cited by a blog, made by `linkcheck archive`",
            **self.info,
        }
        writer.write_record(writer.create_warcinfo_record(name, info))
        fh.flush()
        self._fh, self._writer, self._name = fh, writer, name

    def write(self, records: Sequence[Any]) -> tuple[str, list[tuple[int, int]]]:
        """Write records (one gzip member each); returns the file name and (offset, length) each."""
        with self._lock:
            if self._fh is not None and self._fh.tell() >= self.rotate_bytes:
                self._close()
            if self._fh is None:
                self._open()
            assert self._fh is not None and self._writer is not None and self._name is not None
            positions = []
            good = self._fh.tell()
            try:
                for record in records:
                    start = self._fh.tell()
                    self._writer.write_record(record)
                    end = self._fh.tell()
                    positions.append((start, end - start))
                self._fh.flush()
            except BaseException:
                self._abandon(good)  # a disk error mid-record: never leave a torn member behind
                raise
            self.bytes_written += sum(length for _start, length in positions)
            return self._name, positions

    def _abandon(self, good: int) -> None:
        """After a failed write: cut the file back to ``good`` bytes and close it; the next write
        starts a new file. If even that fails, the ``.open`` file stays for the next run's repair."""
        fh, name = self._fh, self._name
        assert fh is not None and name is not None
        self._fh = self._writer = self._name = None
        with suppress(Exception):
            fh.close()  # its buffered tail may not flush: it is cut off below anyway
        path = self.directory / (name + OPEN_SUFFIX)
        try:
            os.truncate(path, good)
            os.replace(path, self.directory / name)
        except OSError:
            return
        self.closed_files.append(name)

    def _close(self) -> None:
        if self._fh is None:
            return
        fh, name = self._fh, self._name
        assert name is not None
        self._fh = self._writer = self._name = None
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        os.replace(self.directory / (name + OPEN_SUFFIX), self.directory / name)
        _fsync_dir(self.directory)
        self.closed_files.append(name)

    def close(self) -> None:
        """Flush, fsync and rename the open file to its final name (idempotent)."""
        with self._lock:
            self._close()


def complete_members_end(path: Path) -> int:
    """Byte offset just past the last complete gzip member of ``path`` (0 if none is complete)."""
    end = pos = 0
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    with open(path, "rb") as fh:
        try:
            while True:
                data = fh.read(1 << 20)
                if not data:
                    break
                while data:
                    decompressor.decompress(data, 1 << 20)  # output unused: only the framing counts
                    if decompressor.eof:
                        pos += len(data) - len(decompressor.unused_data)
                        end = pos
                        data = decompressor.unused_data
                        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    elif decompressor.unconsumed_tail:
                        pos += len(data) - len(decompressor.unconsumed_tail)
                        data = decompressor.unconsumed_tail
                    else:
                        pos += len(data)
                        data = b""
        except zlib.error:
            pass  # garbage after the last good member (a torn write): cut there
    return end


def _records_end(path: Path, limit: int) -> int:
    """Offset past the last WARC record that parses completely within the first ``limit`` bytes."""
    end = 0
    with open(path, "rb") as fh:
        try:
            iterator = ArchiveIterator(fh)
            for record in iterator:
                iterator.read_to_end(record)
                offset, length = iterator.get_record_offset(), iterator.get_record_length()
                if offset + length > limit:
                    break
                end = offset + length
        except Exception:
            pass
    return end


@dataclass(slots=True)
class Repair:
    name: str  # final file name
    kept_bytes: int
    cut_bytes: int
    forgotten_captures: int
    removed: bool  # nothing complete was left: the file was deleted


def repair_open_files(directory: Path, store: Store | None = None) -> list[Repair]:
    """Close WARC files a crashed run left ``.open``: cut to the last complete record, rename.

    Only call it while holding the run lock (nobody else may be writing those files). Rows in
    ``captures`` that point past the cut are dropped, and stale temporary bodies are removed.
    """
    directory = Path(directory)
    repairs: list[Repair] = []
    if not directory.is_dir():
        return repairs
    tmp = directory / TMP_DIR
    if tmp.is_dir():
        for entry in tmp.iterdir():
            with suppress(OSError):
                entry.unlink()
    for path in sorted(directory.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}")):
        size = path.stat().st_size
        good = complete_members_end(path)
        if good:
            good = _records_end(path, good)
        name = path.name[: -len(OPEN_SUFFIX)]
        forgotten = store.forget_captures_beyond(name, good) if store is not None else 0
        if good == 0:
            path.unlink()
            repairs.append(Repair(name, 0, size, forgotten, True))
            continue
        with open(path, "r+b") as fh:
            fh.truncate(good)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(path, directory / name)
        repairs.append(Repair(name, good, size - good, forgotten, False))
    if repairs:
        _fsync_dir(directory)
    return repairs


def warc_path(directory: Path, name: str) -> Path | None:
    """Where a WARC named in ``captures`` is now: closed, or still ``.open``; None if missing."""
    for candidate in (Path(directory) / name, Path(directory) / (name + OPEN_SUFFIX)):
        if candidate.exists():
            return candidate
    return None


def closed_warc_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob(f"*{WARC_SUFFIX}") if p.is_file())


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PageCapture:
    """What capturing one page did."""

    url: str  # the cited (canonical) URL
    outcome: str  # captured | unchanged | failed | skipped
    reason: str = ""
    final_url: str | None = None
    capture_id: int | None = None
    http_status: int | None = None
    title: str | None = None
    truncated: bool = False
    requisites: int = 0  # image records written (responses + revisits)
    requisites_failed: int = 0
    revisits: int = 0  # revisit records among all records written for the page
    bytes_written: int = 0  # compressed bytes added to WARC files
    # "check": written from the exchange of the page's check in a check run (no request of its
    # own); "browser": written from what the browser saw when it checked the page in a check run
    # (linkcheck.browser.capture); "archive": fetched by the archive stage or `linkcheck archive`
    # (a check of its own).
    source: str = "archive"

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}  # type: ignore[attr-defined]


@dataclass(slots=True)
class ArchiveSummary:
    status: str = "completed"  # completed | budget | stopped | interrupted | error
    error: str | None = None  # status "error": the disk or database failure that stopped the stage
    planned: int = 0
    pending_total: int = 0
    captured: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    requisites: int = 0
    revisits: int = 0
    from_checks: int = 0  # pages (captured, unchanged or failed) written from their check's exchange or visit
    checks_recorded: int = 0  # verdicts of pages the archive itself fetched, recorded as checks
    bytes_written: int = 0
    elapsed_s: float = 0.0
    files: list[str] = field(default_factory=list)
    repaired: list[Repair] = field(default_factory=list)
    pages: list[PageCapture] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.captured + self.unchanged + self.failed + self.skipped

    def add(self, page: PageCapture) -> None:
        self.pages.append(page)
        if page.outcome == "captured":
            self.captured += 1
        elif page.outcome == "unchanged":
            self.unchanged += 1
        elif page.outcome == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
        self.requisites += page.requisites
        self.revisits += page.revisits
        self.from_checks += page.source != "archive"

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "error": self.error,
            "planned": self.planned,
            "pending_total": self.pending_total,
            "captured": self.captured,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "skipped": self.skipped,
            "requisites": self.requisites,
            "revisits": self.revisits,
            "from_checks": self.from_checks,
            "checks_recorded": self.checks_recorded,
            "bytes_written": self.bytes_written,
            "elapsed_s": round(self.elapsed_s, 3),
            "files": list(self.files),
            "repaired": [_repair_dict(r) for r in self.repaired],
            "pages": [p.to_dict() for p in self.pages],
        }


def _repair_dict(repair: Repair) -> dict:
    return {name: getattr(repair, name) for name in Repair.__slots__}  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# The archiver
# --------------------------------------------------------------------------------------------


# Disk the reserve pages of a check run may hold in .tmp/ until the archive stage (see Archiver.plan).
RESERVE_BYTES = 256 * 1024 * 1024


@dataclass(slots=True)
class _Reserved:
    """A reserve page its check found alive: the exchange (bodies on disk) and its digest."""

    key: tuple  # its rank in the archive's order
    canonical: str
    recording: Recording
    digest: PageDigest | None


def _stage_key(row: dict) -> tuple:
    """The archive's order for a ``pending_captures`` row, comparable with Archiver.plan's keys:
    never captured first, decay risk, oldest capture; pages a check run checks first among equals."""
    last_at = row["last_captured_at"]
    return (last_at is not None, row["priority"], last_at or "", 1, row["url_id"])


class Archiver:
    """Captures pages into WARC files from the exchanges of :meth:`Fetcher.check
    <linkcheck.net.transport.Fetcher.check>` with a :class:`~linkcheck.net.transport.Recording`.

    The archive has no HTTP code of its own: pages and their images are checks of the fetcher —
    the same redirects, caps, error reasons, request headers and per-host politeness gates. A
    page is written from the exchange that was classified: during a check run by :meth:`check`
    (for the pages :meth:`plan` chose before the run: they cost no request of their own), else by
    :meth:`recapture`, whose verdict the caller records as the page's check.
    """

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        warc_dir: Path,
        settings: ArchiveSettings | None = None,
        *,
        run_id: int | None = None,
        now: Callable[[], datetime] | None = None,
        ready: concurrent.futures.Future[object] | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        # A check run records its scan (sync_links) on a writer thread while the checks begin: the
        # first capture row waits for it, so a cited URL is never first added as uncited, and
        # nothing is written when it failed.
        self._ready = ready
        self.warc_dir = Path(warc_dir)
        self.settings = settings or ArchiveSettings()
        self.run_id = run_id
        self.now = now or (lambda: datetime.now(UTC))
        self.writer = WarcFileWriter(self.warc_dir, rotate_bytes=self.settings.rotate_bytes)
        self.repaired: list[Repair] = []  # what the repair before this archiver's first write did
        self.planned: frozenset[str] = frozenset()  # pages captured from their check (see plan())
        self.reserve: dict[str, tuple] = {}  # next in line (canonical -> rank), kept if alive
        self.from_checks: list[PageCapture] = []
        self.reserved: list[_Reserved] = []  # reserve pages found alive, waiting for a place
        self._reserved_bytes = 0
        # The disk or the database failed (full disk …): no further capture this run; a check in
        # progress keeps its verdict.
        self.failure: BaseException | None = None
        self._write_lock = asyncio.Lock()
        self._tmp = self.warc_dir / TMP_DIR
        # Images of pages captured during the checks are fetched beside the checks, not in their
        # host's worker (WeChat's queue does not wait for mmbiz.qpic.cn); at most `concurrency`
        # pages at a time.
        self._requisite_tasks: set[asyncio.Task[None]] = set()
        self._requisite_slots = asyncio.Semaphore(max(1, self.settings.concurrency))
        # One worker thread for the blocking work (WARC writes, parsing pages): compression and
        # parsing stay off the event loop, and memory is not spread over many malloc arenas.
        self._thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkcheck-archive")

    def close(self) -> None:
        """Close the WARC file in progress (after any write still running in the worker thread)."""
        self._thread.shutdown(wait=True)
        self.writer.close()

    async def drain(self) -> None:
        """Wait for the images still being fetched for pages captured during the checks."""
        while self._requisite_tasks:
            await asyncio.gather(*list(self._requisite_tasks))

    async def aclose(self) -> None:
        """Stop image fetches still running (a stopped run), drop the reserve, then :meth:`close`
        (idempotent)."""
        tasks = list(self._requisite_tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.drop_reserve()
        self.close()

    async def _in_thread(self, func: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, func, *args)

    def recording(
        self, *, max_bytes: int | None = None, headers: Mapping[str, str] | None = None, page: bool = True
    ) -> Recording:
        """What a capturing check keeps: raw bodies up to the archive's cap, under ``.tmp/``; for a
        ``page``, its first ``max_text_bytes`` decoded too (title, text, images), not for an image."""
        return Recording(
            self._tmp,
            max_bytes=self.settings.max_resource_bytes if max_bytes is None else max_bytes,
            text_limit=self.settings.max_text_bytes if page else None,
            timeout=self.settings.timeout,
            headers=headers or {},
            clock=self.now,
        )

    # -- the capture policy, before the checks ---------------------------------------------------

    def plan(self, links: Sequence[tuple[str, str]], *, max_age: timedelta | None, limit: int | None) -> frozenset[str]:
        """Choose, before a check run, the pages its checks capture: ``links`` are the run's
        (canonical, host) in check order. A page needs a capture when it has none, or (``max_age``
        given) its newest is older than that; whether it is alive, its check will tell.

        The run captures at most ``limit`` pages in all, in the archive's order: never captured
        first, then decay risk (WeChat, Zhihu, CSDN …), then the oldest capture; pages the run
        checks anyway come first among equals, because their capture costs no request. Alive pages
        the run does not check compete for the same places: the archive stage fetches those
        (``archive_pending`` with this archiver).

        The first ``limit`` places are *planned*: written as soon as their check finds them alive.
        A place whose page turns out dead or walled goes to the next in order, so the next
        ``limit`` pages the run checks are a *reserve*: their checks keep the exchange too (on
        disk, up to ``RESERVE_BYTES``) and the archive stage writes those that get a place. Only
        planned and reserve pages are read to the archive's cap; every other check reads what it
        always does.
        """
        from linkcheck.store import iso, to_utc

        now = self.now()
        cutoff = iso(to_utc(now) - max_age) if max_age is not None else None
        last = self.store.captures.last_page_times()

        def needs(captured_at: str | None) -> bool:
            return captured_at is None or (cutoff is not None and captured_at <= cutoff)

        to_check = {canonical for canonical, _host in links}
        ranked: list[tuple[tuple, str | None]] = []
        for index, (canonical, host) in enumerate(links):
            captured_at = last.get(canonical)
            if needs(captured_at):
                priority = profile_for(host).archive_priority
                ranked.append(((captured_at is not None, priority, captured_at or "", 0, index), canonical))
        if limit is None:
            self.planned, self.reserve = frozenset(c for _key, c in ranked), {}
            return self.planned
        for row in self.store.pending_captures(max_age=max_age, now=now):
            if row["canonical"] not in to_check:
                ranked.append((_stage_key(row), None))  # a place the archive stage may fill
        ranked.sort(key=lambda item: item[0])
        self.planned = frozenset(canonical for _key, canonical in ranked[:limit] if canonical is not None)
        reserve = [(key, canonical) for key, canonical in ranked[limit:] if canonical is not None][:limit]
        self.reserve = {canonical: key for key, canonical in reserve}
        return self.planned

    # -- one page -----------------------------------------------------------------------------

    async def check(self, canonical: str, host: str) -> Outcome:
        """Check one link of a check run (:meth:`Fetcher.check`). A planned page is fetched with a
        recording, and when that exchange classifies ``alive`` it is written to the WARC from
        those very bytes: no second request. A reserve page's exchange is kept for the archive
        stage. The verdict is the check's, whatever the capture did."""
        planned = canonical in self.planned
        if self.failure is not None or not (planned or canonical in self.reserve):
            return await self.fetcher.check(canonical, host)
        from linkcheck.store import StoreError

        recording = self.recording()
        kept = False
        try:
            outcome = await self.fetcher.check(canonical, host, recording=recording)
            if recording.outcome is not None and recording.outcome.verdict is Verdict.ALIVE:
                try:
                    if planned:
                        self.from_checks.append(
                            await self._keep(canonical, recording, source="check", requisites_now=False)
                        )
                    else:
                        kept = await self._reserve(canonical, recording)
                except (OSError, StoreError) as exc:
                    self.failure = self.failure or exc
        finally:
            if not kept:
                recording.discard()
        return outcome

    async def _reserve(self, canonical: str, recording: Recording) -> bool:
        """Keep a reserve page's alive exchange (its body stays in ``.tmp/``) for the stage."""
        if recording.disk_error is not None:
            raise recording.disk_error
        size = sum(exchange.length for exchange in recording.exchanges)
        if recording.incomplete is not None or self._reserved_bytes + size > RESERVE_BYTES:
            return False
        digest = await self._digest_of(canonical, recording)
        self._reserved_bytes += size
        self.reserved.append(_Reserved(self.reserve[canonical], canonical, recording, digest))
        return True

    async def keep_reserved(self, entry: _Reserved) -> PageCapture:
        """Write a reserve page that got a place (its check's exchange, kept since)."""
        size = sum(exchange.length for exchange in entry.recording.exchanges)
        try:
            return await self._write_page(entry.canonical, entry.recording, entry.digest, source="check")
        finally:
            entry.recording.discard()
            self._reserved_bytes -= size

    def drop_reserve(self) -> None:
        """Forget the reserve pages that got no place (their files go)."""
        for entry in self.reserved:
            entry.recording.discard()
        self.reserved.clear()
        self._reserved_bytes = 0

    async def recapture(self, canonical: str) -> tuple[PageCapture, Outcome | None]:
        """Fetch and capture a page that no check of this run fetched (a check of its own).

        Returns what the capture did and the verdict to record as the page's check — None when
        there is none to record: no request was made (a paused host), or the request failed before
        any HTTP answer (a check run's offline guard is not there to tell that from a lost
        network). A wall or a tombstone is never archived as the article, and its verdict is
        returned like any other. Raises OSError when the disk fails.
        """
        recording = self.recording()
        try:
            outcome = await self.fetcher.check(canonical, recording=recording)
            attempt = recording.outcome
            if attempt is None or attempt.verdict is not Verdict.ALIVE:
                page = PageCapture(canonical, "failed", outcome.reason, final_url=outcome.final_url)
                if attempt is not None and attempt.http_status is not None:
                    # An HTTP answer that is not the article: a wall, a tombstone, a 404 …
                    page.outcome, page.reason = "skipped", f"not-alive:{attempt.reason}"
                    page.http_status = attempt.http_status
                elif attempt is not None:
                    page.reason = attempt.reason
                verdict = None if attempt is None or outcome.connection_level else outcome
                return page, verdict
            page = await self._keep(canonical, recording, source="archive", requisites_now=True)
            return page, outcome
        finally:
            recording.discard()

    def _requisite_rules(self, canonical: str) -> Requisites | None:
        rules = profile_for((urlsplit(canonical).hostname or "").lower()).requisites
        return rules if self.settings.requisites else None

    def _digest(self, page: Page, window: bytes, attrs: Sequence[str]) -> PageDigest | None:
        """Title, readable text and image URLs from the decoded window of the page's answer."""
        looks_html = "html" in page.content_type.lower() or bytes(window[:512]).lstrip()[:1] == b"<"
        if not looks_html:
            return None
        # The classifier decoded the same bytes already when it saw the whole window.
        text = page.text if page.body_read and page.body is window else decode_body(window, page.content_type)
        return digest_html(text, attrs)

    async def _digest_of(self, canonical: str, recording: Recording) -> PageDigest | None:
        """The page's digest; the decoded windows are let go (only the small digest stays)."""
        assert recording.page is not None
        rules = self._requisite_rules(canonical)
        page, window = recording.page, recording.text or b""
        recording.page = recording.text = None
        return await self._in_thread(self._digest, page, window, rules.attrs if rules else ())

    async def _keep(self, canonical: str, recording: Recording, *, source: str, requisites_now: bool) -> PageCapture:
        """Write an alive page's exchange (and its redirect hops), then its requisites: at once
        (``requisites_now``) or beside the checks."""
        if recording.disk_error is not None:
            raise recording.disk_error
        final = recording.final
        assert final is not None
        if recording.incomplete is not None:  # the verdict stands, but the bytes are not the page
            result = PageCapture(canonical, "failed", recording.incomplete, final_url=final.url, source=source)
            result.http_status, result.truncated = final.status, final.truncated
            return result
        digest = await self._digest_of(canonical, recording)
        return await self._write_page(canonical, recording, digest, source=source, requisites_now=requisites_now)

    async def _write_page(
        self,
        canonical: str,
        recording: Recording,
        digest: PageDigest | None,
        *,
        source: str,
        requisites_now: bool = True,
    ) -> PageCapture:
        final = recording.final
        assert final is not None
        result = PageCapture(
            canonical,
            "failed",
            final_url=final.url,
            http_status=final.status,
            truncated=final.truncated,
            source=source,
        )
        title = digest.title if digest else None
        excerpt = digest.excerpt if digest else None
        capture_id, revisit, written = await self.store_record(
            final, kind="page", canonical=canonical, title=title, excerpt=excerpt
        )
        result.capture_id, result.title = capture_id, title
        result.bytes_written += written
        result.revisits += int(revisit is not None)
        for hop in recording.exchanges[:-1]:
            _id, hop_revisit, written = await self.store_record(hop, kind="redirect", page_capture_id=capture_id)
            result.bytes_written += written
            result.revisits += int(hop_revisit is not None)
        if revisit is not None:
            # The same bytes are archived already: so are the images they name.
            result.outcome = "unchanged"
            result.reason = "unchanged" if revisit["url"] == final.url else f"identical-to:{revisit['url']}"
            return result
        result.outcome = "captured"
        rules = self._requisite_rules(canonical)
        if rules is not None and digest is not None and digest.images:
            if requisites_now:
                await self._capture_requisites(final.url, digest.images, rules, capture_id, result)
            else:
                task = asyncio.create_task(self._requisites_beside(final.url, digest.images, rules, capture_id, result))
                self._requisite_tasks.add(task)
                task.add_done_callback(self._requisite_tasks.discard)
        return result

    async def _requisites_beside(
        self, page_url: str, images: Sequence[str], rules: Requisites, page_capture_id: int, result: PageCapture
    ) -> None:
        from linkcheck.store import StoreError

        async with self._requisite_slots:
            if self.failure is not None:
                return
            try:
                await self._capture_requisites(page_url, images, rules, page_capture_id, result)
            except (OSError, StoreError) as exc:
                self.failure = self.failure or exc

    async def _capture_requisites(
        self, page_url: str, images: Sequence[str], rules: Requisites, page_capture_id: int, result: PageCapture
    ) -> None:
        parts = urlsplit(page_url)
        # The Referer a browser sends for the page's images (its origin): without it WeChat serves
        # a "未经允许不可引用" placeholder.
        headers = {"Accept": IMAGE_ACCEPT, "Referer": f"{parts.scheme}://{parts.netloc}/"}
        seen: set[str] = set()
        wanted: list[str] = []
        for raw in images:
            url = urljoin(page_url, raw)
            split = urlsplit(url)
            if split.scheme not in ("http", "https") or not rules.hosts.fullmatch((split.hostname or "").lower()):
                continue
            url = url.split("#", 1)[0]
            if url not in seen:
                seen.add(url)
                wanted.append(url)
        budget = self.settings.max_requisites_total
        for url in wanted[: self.settings.max_requisites]:
            if budget <= 0 or self.failure is not None:
                break
            cap = min(self.settings.max_requisite_bytes, budget)
            recording = self.recording(max_bytes=cap, headers=headers, page=False)
            try:
                await self.fetcher.check(url, recording=recording)
                if recording.disk_error is not None:
                    raise recording.disk_error
                final = recording.final
                if final is None or not 200 <= final.status < 300 or recording.incomplete is not None:
                    result.requisites_failed += 1
                    continue
                budget -= final.length
                _id, revisit, written = await self.store_record(
                    final, kind="requisite", page_capture_id=page_capture_id
                )
                result.requisites += 1
                result.revisits += int(revisit is not None)
                result.bytes_written += written
                for hop in recording.exchanges[:-1]:
                    _id, revisit, written = await self.store_record(
                        hop, kind="redirect", page_capture_id=page_capture_id
                    )
                    result.revisits += int(revisit is not None)
                    result.bytes_written += written
            finally:
                recording.discard()

    # -- records ------------------------------------------------------------------------------

    def _response_headers(self, fetched: Exchange) -> StatusAndHeaders:
        headers: list[tuple[str, str]] = []
        placed = False
        for key, value in fetched.response_headers:
            lowered = key.lower()
            if lowered in _HOP_HEADERS:
                # aiohttp removed the chunking; the stored body is exactly `length` bytes.
                if not placed:
                    headers.append(("Content-Length", str(fetched.length)))
                    placed = True
                continue
            headers.append((key, value))
        if not placed:
            headers.append(("Content-Length", str(fetched.length)))
        return StatusAndHeaders(f"{fetched.status} {fetched.reason}".strip(), headers, protocol=fetched.protocol)

    def _build_records(self, fetched: Exchange, original: dict | None, date: str) -> list[Any]:
        """[response or revisit, request]; the caller closes record streams after writing."""
        builder = RecordBuilder(warc_version=WARC_VERSION)
        http_headers = self._response_headers(fetched)
        extra = {"WARC-Date": date}
        if fetched.ip:
            extra["WARC-IP-Address"] = fetched.ip
        if original is not None:
            main = builder.create_revisit_record(
                fetched.url,
                fetched.payload_digest,
                original["url"],
                original["warc_date"],
                http_headers=http_headers,
                warc_headers_dict={
                    **extra,
                    "WARC-Refers-To": original["warc_record_id"],
                    "WARC-Truncated": "length",
                },
            )
        else:
            if fetched.truncated:
                extra["WARC-Truncated"] = "length"
            extra["WARC-Payload-Digest"] = fetched.payload_digest
            main = builder.create_warc_record(
                fetched.url,
                "response",
                payload=open(fetched.body_path, "rb"),  # noqa: SIM115 (closed after writing)
                length=fetched.length,
                http_headers=http_headers,
                warc_headers_dict=extra,
            )
        request = builder.create_warc_record(
            fetched.url,
            "request",
            http_headers=StatusAndHeaders(fetched.request_line, fetched.request_headers, is_http_request=True),
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": main.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        return [main, request]

    def _dedup_source(self, fetched: Exchange) -> dict | None:
        if not self.settings.dedup or fetched.truncated or fetched.length == 0:
            return None  # a revisit of an empty body saves nothing; a cut one is not "identical"
        original = self.store.capture_by_digest(fetched.payload_digest)
        if original is None or warc_path(self.warc_dir, original["warc_file"]) is None:
            return None
        return original

    def _write_sync(self, fetched: Exchange, original: dict | None, date: str) -> tuple[str, int, int, str, int]:
        records = self._build_records(fetched, original, date)
        try:
            before = self.writer.bytes_written
            name, positions = self.writer.write(records)
            written = self.writer.bytes_written - before
        finally:
            for record in records:
                with suppress(Exception):
                    record.raw_stream.close()
        offset, length = positions[0]
        return name, offset, length, records[0].rec_headers.get_header("WARC-Record-ID"), written

    async def store_record(
        self,
        fetched: Exchange,
        *,
        kind: str,
        canonical: str | None = None,
        page_capture_id: int | None = None,
        title: str | None = None,
        excerpt: str | None = None,
    ) -> tuple[int, dict | None, int]:
        """Write the exchange (response, or revisit if the payload is known) and its row.

        Returns (capture id, the capture row it revisits or None, compressed bytes written). The
        record and its row are written together on the worker thread: SQLite waits (the check
        run's commits) do not hold up the event loop, and a cancelled caller cannot leave a record
        without its row.
        """
        async with self._write_lock:
            if self._ready is not None:
                await asyncio.wrap_future(self._ready)  # raises what the sync raised
                self._ready = None
            return await self._in_thread(self._store_sync, fetched, kind, canonical, page_capture_id, title, excerpt)

    def _store_sync(
        self,
        fetched: Exchange,
        kind: str,
        canonical: str | None,
        page_capture_id: int | None,
        title: str | None,
        excerpt: str | None,
    ) -> tuple[int, dict | None, int]:
        original = self._dedup_source(fetched)
        moment = fetched.started  # WARC-Date: when the capture began
        date = warc_date(moment)
        name, offset, length, record_id, written = self._write_sync(fetched, original, date)
        capture_id = self.store.record_capture(
            canonical=canonical,
            now=moment,
            url=fetched.url,
            kind=kind,
            page_capture_id=page_capture_id,
            run_id=self.run_id,
            warc_date=date,
            warc_file=name,
            warc_offset=offset,
            warc_length=length,
            warc_record_id=record_id,
            record_type="revisit" if original is not None else "response",
            refers_to=original["id"] if original is not None else None,
            payload_digest=fetched.payload_digest,
            payload_length=fetched.length,
            truncated="length" if fetched.truncated else None,
            http_status=fetched.status,
            content_type=fetched.header("Content-Type"),
            title=title,
            excerpt=excerpt,
        )
        return capture_id, original, written


async def archive_pending(
    store: Store,
    fetcher: Fetcher,
    *,
    warc_dir: Path,
    limit: int | None = None,
    deadline: float | None = None,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
    settings: ArchiveSettings | None = None,
    stop: asyncio.Event | None = None,
    run_id: int | None = None,
    now: Callable[[], datetime] | None = None,
    on_capture: Callable[[PageCapture], None] | None = None,
    archiver: Archiver | None = None,
    checked: Collection[str] = frozenset(),
    on_check: Callable[[str, Outcome], None] | None = None,
) -> ArchiveSummary:
    """Capture the alive pages that need it, in decay-risk order, within ``limit``/``deadline``.

    ``deadline``: a ``time.monotonic()`` value after which no new page is started. ``max_age``:
    a page captured more recently is not fetched again (None: never recapture). The caller must
    hold the run lock (:class:`linkcheck.run.lock.RunLock`): ``.open`` files left by a crash are
    repaired first. The WARC file in progress is always closed (renamed) before returning.

    Each page fetched here is a check: its verdict — alive, or the wall or tombstone served
    instead of the article — goes to ``on_check(canonical, outcome)`` (default:
    ``store.record_check`` with ``run_id``), so it is recorded, not dropped.

    After a check run: ``archiver`` is the :class:`Archiver` its checks captured pages with
    (:meth:`Archiver.check`; it was repaired for and planned before the run): those pages count
    against ``limit``, their images are waited for, and the URLs in ``checked`` (every URL the
    run checked) are not fetched again — one verdict per URL and run.
    """
    from linkcheck.store import StoreError

    clock = now or (lambda: datetime.now(UTC))
    started = time.monotonic()
    summary = ArchiveSummary()
    if archiver is None:
        settings = settings or ArchiveSettings()
        try:
            repairs = repair_open_files(warc_dir, store)
        except OSError as exc:  # the WARC directory is unusable (read-only, gone …): no archive stage
            summary.status, summary.error = "error", f"{type(exc).__name__}: {exc}"[:500]
            return summary
        archiver = Archiver(store, fetcher, warc_dir, settings, run_id=run_id, now=clock)
        archiver.repaired = repairs
    summary.repaired = archiver.repaired
    record = on_check or (lambda canonical, outcome: store.record_check(run_id, canonical, outcome, now=clock()))
    from_checks = list(archiver.from_checks)
    pages: list[PageCapture] = []
    try:
        needing = store.pending_captures(max_age=max_age, now=clock())
        # Alive pages the run checked are not fetched a second time here: a reserve page's check
        # kept its exchange (written if it gets a place); the others stay pending for a later run.
        work: list[tuple[tuple, dict | None, _Reserved | None]] = [
            (_stage_key(row), row, None) for row in needing if row["canonical"] not in checked
        ]
        work += [(entry.key, None, entry) for entry in archiver.reserved]
        work.sort(key=lambda item: item[0])
        summary.pending_total = len(needing) + sum(page.outcome in ("captured", "unchanged") for page in from_checks)
        room = None if limit is None else max(0, limit - len(from_checks))
        chosen = work if room is None else work[:room]
        summary.planned = len(chosen) + len(from_checks)
        queue: Iterator[tuple[tuple, dict | None, _Reserved | None]] = iter(chosen)

        def should_stop() -> str | None:
            if archiver.failure is not None:
                return "error"
            if stop is not None and stop.is_set():
                return "stopped"
            if deadline is not None and time.monotonic() >= deadline:
                return "budget"
            return None

        async def worker() -> None:
            for _key, row, reserved in queue:
                reason = should_stop()
                if reason is not None:
                    if summary.status != "error":
                        summary.status = reason
                    return
                try:
                    if reserved is not None:  # checked alive this run: written from that exchange
                        page = await archiver.keep_reserved(reserved)
                    else:
                        assert row is not None
                        page, verdict = await archiver.recapture(row["canonical"])
                        if verdict is not None:
                            record(row["canonical"], verdict)
                            summary.checks_recorded += 1
                except (OSError, StoreError) as exc:
                    # The disk or the database failed (full disk …): stop the stage, keep what is done.
                    archiver.failure = archiver.failure or exc
                    return
                pages.append(page)
                if on_capture is not None:
                    on_capture(page)

        await asyncio.gather(*(worker() for _ in range(max(1, archiver.settings.concurrency))))
        await archiver.drain()  # the images of pages captured during the checks
    except BaseException:
        summary.status = "interrupted"
        raise
    finally:
        await archiver.aclose()
        summary.bytes_written = archiver.writer.bytes_written
        summary.files = list(archiver.writer.closed_files)
        summary.elapsed_s = time.monotonic() - started
    if archiver.failure is not None:
        summary.status = "error"
        summary.error = f"{type(archiver.failure).__name__}: {archiver.failure}"[:500]
    for page in (*from_checks, *pages):
        summary.add(page)
    return summary


def captured_during_checks(archiver: Archiver, status: str) -> ArchiveSummary:
    """The summary of a check run whose archive stage did not run (interrupted, offline): the
    pages its checks captured (their images may be missing). Call after :meth:`Archiver.aclose`."""
    summary = ArchiveSummary(status=status, repaired=archiver.repaired)
    summary.planned = summary.pending_total = len(archiver.from_checks)
    for page in archiver.from_checks:
        summary.add(page)
    summary.bytes_written = archiver.writer.bytes_written
    summary.files = list(archiver.writer.closed_files)
    if archiver.failure is not None:
        summary.status = "error"
        summary.error = f"{type(archiver.failure).__name__}: {archiver.failure}"[:500]
    return summary


# --------------------------------------------------------------------------------------------
# Reading captures back
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class StoredCapture:
    """A capture read back from its WARC file."""

    row: dict  # the captures row (with "original" for a revisit)
    path: Path  # the WARC file holding the payload
    status_line: str
    http_headers: list[tuple[str, str]]
    body: bytes  # the entity body, Content-Encoding undone
    truncated: str | None

    @property
    def content_type(self) -> str:
        for key, value in self.http_headers:
            if key.lower() == "content-type":
                return value
        return ""

    def digest(self) -> PageDigest:
        return digest_html(decode_body(self.body, self.content_type))


class CaptureMissingError(Exception):
    pass


def read_capture(warc_dir: Path, row: dict, *, max_bytes: int = 64 * 1024 * 1024) -> StoredCapture:
    """Load the payload of a capture (following a revisit to its original) from the WARC file."""
    holder = row.get("original") or row
    path = warc_path(warc_dir, holder["warc_file"])
    if path is None:
        raise CaptureMissingError(f"WARC file {holder['warc_file']} is not in {warc_dir}")
    with open(path, "rb") as fh:
        fh.seek(holder["warc_offset"])
        record = next(iter(ArchiveIterator(fh)), None)
        if record is None or record.rec_type not in ("response", "revisit"):
            raise CaptureMissingError(f"no response record at {path.name}:{holder['warc_offset']}")
        body = record.content_stream().read(max_bytes)
        truncated = record.rec_headers.get_header("WARC-Truncated")
        status_line = f"{record.http_headers.protocol} {record.http_headers.statusline}"
        headers = list(record.http_headers.headers)
    return StoredCapture(row, path, status_line, headers, body, truncated)


# --------------------------------------------------------------------------------------------
# WACZ export
# --------------------------------------------------------------------------------------------


class ExportError(Exception):
    pass


def export_wacz(store: Store, warc_dir: Path, output: Path, *, title: str = "linkcheck captures") -> dict:
    """Package every closed WARC file and a page list into one WACZ (py ``wacz`` package).

    Returns what went in: ``files``, ``pages``, ``skipped_open`` (files still being written).
    """
    warc_dir = Path(warc_dir)
    files = closed_warc_files(warc_dir)
    open_files = sorted(warc_dir.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}")) if warc_dir.is_dir() else []
    if not files:
        raise ExportError(f"no closed WARC files in {warc_dir} (run `linkcheck archive` first)")
    names = {p.name for p in files}
    pages = []
    seen = set()
    for row in store.page_captures():
        if row["warc_file"] not in names:
            continue
        key = (row["url"], row["warc_date"])
        if key in seen:
            continue
        seen.add(key)
        page = {"url": row["url"], "ts": row["warc_date"], "title": row["title"] or row["canonical"]}
        pages.append(page)
    with tempfile.TemporaryDirectory(prefix="linkcheck-wacz-") as tmp:
        pages_path = Path(tmp) / "pages.jsonl"
        with open(pages_path, "w", encoding="utf-8") as out:
            out.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title}) + "\n")
            for page in pages:
                out.write(json.dumps(page, ensure_ascii=False) + "\n")
        target = Path(tmp) / "out.wacz"
        args = [sys.executable, "-m", "wacz", "create", "-o", str(target), "--title", title]
        if pages:
            args += ["-p", str(pages_path)]
        else:
            args += ["--detect-pages"]
        done = subprocess.run([*args, *map(str, files)], capture_output=True, text=True)
        if done.returncode != 0 or not target.exists():
            if "No module named wacz" in done.stderr:
                # A dependency of linkcheck: only a damaged or partial install lacks it.
                raise ExportError("the `wacz` package is missing (it installs with linkcheck; pip install wacz)")
            raise ExportError(f"wacz create failed: {(done.stderr or done.stdout).strip()[-500:]}")
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(target), output)
    return {"files": [p.name for p in files], "pages": len(pages), "skipped_open": [p.name for p in open_files]}


__all__ = [
    "DEFAULT_MAX_AGE",
    "DEFAULT_ROTATE_BYTES",
    "ArchiveSettings",
    "ArchiveSummary",
    "Archiver",
    "CaptureMissingError",
    "ExportError",
    "PageCapture",
    "PageDigest",
    "Repair",
    "StoredCapture",
    "WarcFileWriter",
    "archive_pending",
    "captured_during_checks",
    "closed_warc_files",
    "complete_members_end",
    "decode_content",
    "digest_html",
    "export_wacz",
    "read_capture",
    "repair_open_files",
    "warc_path",
]
