"""Archive before decay: standard WARC captures of live pages, WeChat and Zhihu first.

What it writes (``docs/archive.md`` has the long form):

* WARC/1.1 files written with warcio (``WARCWriter(fh, gzip=True, warc_version="1.1")``): one gzip
  member per record, a ``warcinfo`` record first in each file, then per fetched resource a
  ``response`` (or ``revisit``) record and the ``request`` record that produced it (same WARC-Date,
  ``WARC-Concurrent-To``), with block and payload digests.
* The response block is the real HTTP exchange: the status line and headers as received and the
  raw body as sent on the wire *after* de-chunking. aiohttp removes chunking, so the stored headers
  drop ``Transfer-Encoding`` and carry a ``Content-Length`` equal to the bytes stored; the body keeps
  its ``Content-Encoding`` (fetched with ``auto_decompress=False``) and that header is kept. The
  request block is the headers aiohttp really sent (``response.request_info.headers``).
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

What is captured: cited URLs whose last check said ``alive``, never-captured first, then by the
site's ``archive_priority`` (decay risk). A captured page is fetched again only when its newest
capture is older than ``max_age``; an unchanged page then costs a revisit record and no requisites.
A capture is kept only when the page still classifies ``alive`` (an anti-bot wall or a tombstone
served instead of the article is never archived as the article). Page requisites: on sites with a
:class:`Requisites` rule (WeChat ``img[data-src]`` on ``mmbiz.qpic.cn``, Zhihu images on
``pic*.zhimg.com``) the images are fetched with the Referer a browser would send (the page's origin)
and archived next to the page, bounded in count and bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
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
from base64 import b32encode
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from linkcheck import __version__
from linkcheck.classify import Page, classify, decode_body
from linkcheck.models import Verdict
from linkcheck.resolve import is_blocked_address_error
from linkcheck.sites import Requisites, profile_for

if TYPE_CHECKING:
    from linkcheck.fetch import Fetcher
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
    """Undo a Content-Encoding (gzip, deflate), at most ``limit`` output bytes — a gzip bomb
    cannot blow up memory. Other encodings give b"": brotli too, which linkcheck never asks for
    (brotlipy and Brotli < 1.2 cannot inflate with a cap, so a ``br`` bomb sent unasked would be
    inflated whole); its raw bytes are archived as received all the same."""
    enc = (encoding or "identity").strip().lower()
    if enc in ("", "identity"):
        return raw.read(limit)
    if enc in ("gzip", "x-gzip"):
        wbits = [16 + zlib.MAX_WBITS]
    elif enc == "deflate":
        wbits = [zlib.MAX_WBITS, -zlib.MAX_WBITS]  # zlib-wrapped as specified, raw as often sent
    else:
        return b""
    start = raw.tell()
    for bits in wbits:
        raw.seek(start)
        out = bytearray()
        decompressor = zlib.decompressobj(bits)
        try:
            while len(out) < limit:
                chunk = decompressor.unconsumed_tail or raw.read(65536)
                if not chunk:
                    break
                out += decompressor.decompress(chunk, limit - len(out))
                if decompressor.eof:
                    break
            return out  # type: ignore[return-value]  (a bytearray: no copy)
        except zlib.error:
            if out:
                return out  # type: ignore[return-value]
            continue
    return b""


# --------------------------------------------------------------------------------------------
# WARC files: writing, rotation, repair
# --------------------------------------------------------------------------------------------


def sha1_digest(hasher: Any) -> str:
    """``sha1:<BASE32>``, the form warcio and cdxj-indexer use."""
    return "sha1:" + b32encode(hasher.digest()).decode("ascii")


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
# Fetching one resource to a temporary file
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Fetched:
    """One HTTP exchange, body on disk (raw: still Content-Encoded, de-chunked)."""

    url: str
    status: int
    reason: str
    protocol: str
    response_headers: list[tuple[str, str]]
    request_line: str
    request_headers: list[tuple[str, str]]
    body_path: Path
    length: int
    payload_digest: str
    truncated: bool
    started: datetime
    ip: str | None = None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.response_headers:
            if key.lower() == lowered:
                return value
        return None

    def discard(self) -> None:
        with suppress(OSError):
            self.body_path.unlink()


class CaptureError(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _header_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


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
    bytes_written: int = 0
    elapsed_s: float = 0.0
    files: list[str] = field(default_factory=list)
    repaired: list[Repair] = field(default_factory=list)
    pages: list[PageCapture] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.captured + self.unchanged + self.failed + self.skipped

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


class Archiver:
    """Captures pages into WARC files through a :class:`~linkcheck.fetch.Fetcher`'s session.

    Every request goes through ``fetcher.session`` (its resolver, TLS and proxy settings) inside
    ``fetcher.gates[host].slot()`` (its per-host politeness), like the checks do.
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
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.warc_dir = Path(warc_dir)
        self.settings = settings or ArchiveSettings()
        self.run_id = run_id
        self.now = now or (lambda: datetime.now(UTC))
        self.writer = WarcFileWriter(self.warc_dir, rotate_bytes=self.settings.rotate_bytes)
        self._write_lock = asyncio.Lock()
        self._tmp = self.warc_dir / TMP_DIR
        # One worker thread for the blocking work (WARC writes, reading pages back): compression and
        # parsing stay off the event loop, and memory is not spread over many malloc arenas.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkcheck-archive")

    def close(self) -> None:
        """Close the WARC file in progress (after any write still running in the worker thread)."""
        self._thread.shutdown(wait=True)
        self.writer.close()

    async def _in_thread(self, func: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, func, *args)

    # -- HTTP ---------------------------------------------------------------------------------

    async def fetch(self, url: str, headers: dict[str, str], cap: int) -> Fetched:
        """GET ``url`` (no redirect following, no decompression) to a temp file, politely."""
        host = (urlsplit(url).hostname or "").lower()
        gate = self.fetcher.gates[host]
        if gate.tripped:
            raise CaptureError("host-paused", gate.tripped_reason or "")
        fs = self.fetcher.settings
        self._tmp.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="body-", suffix=".part")
        body_path = Path(tmp_name)
        started = self.now()
        try:
            async with (
                gate.slot(),
                self.fetcher.session.get(
                    url,
                    headers=headers,
                    allow_redirects=False,
                    auto_decompress=False,
                    proxy=fs.proxy,
                    timeout=aiohttp.ClientTimeout(total=self.settings.timeout, sock_connect=fs.connect_timeout),
                    max_line_size=16 * 1024,
                    max_field_size=16 * 1024,
                ) as response,
            ):
                ip = None
                connection = response.connection
                if connection is not None and connection.transport is not None:
                    peer = connection.transport.get_extra_info("peername")
                    if peer:
                        ip = str(peer[0])
                hasher = hashlib.sha1()
                size = 0
                truncated = False
                with os.fdopen(fd, "wb") as out:
                    fd = -1
                    async for chunk in response.content.iter_chunked(65536):
                        room = cap - size
                        if len(chunk) > room:
                            chunk = chunk[:room]
                            truncated = True
                        out.write(chunk)
                        hasher.update(chunk)
                        size += len(chunk)
                        if truncated:
                            break
                info = response.request_info
                return Fetched(
                    url=str(response.url),
                    status=response.status,
                    reason=response.reason or "",
                    protocol=f"HTTP/{response.version.major}.{response.version.minor}"
                    if response.version
                    else "HTTP/1.1",
                    response_headers=[(_header_text(k), _header_text(v)) for k, v in response.raw_headers],
                    request_line=f"GET {info.url.raw_path_qs or '/'} HTTP/1.1",
                    request_headers=[(str(k), str(v)) for k, v in info.headers.items()],
                    body_path=body_path,
                    length=size,
                    payload_digest=sha1_digest(hasher),
                    truncated=truncated,
                    started=started,
                    ip=ip,
                )
        except BaseException as exc:
            if fd >= 0:
                os.close(fd)
            with suppress(OSError):
                body_path.unlink()
            if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
                raise CaptureError("timeout", str(exc)) from exc
            if isinstance(exc, aiohttp.ClientPayloadError):
                raise CaptureError("truncated-by-server", str(exc)) from exc
            blocked = is_blocked_address_error(exc)
            if blocked is not None:
                raise CaptureError(f"ssrf:{blocked.why}", str(blocked)) from exc
            # A plain OSError here is the local disk (the temp file), not the network: it propagates.
            if isinstance(exc, aiohttp.ClientError | ConnectionError | ValueError):
                raise CaptureError("network", f"{type(exc).__name__}: {exc}"[:300]) from exc
            raise

    # -- records ------------------------------------------------------------------------------

    def _response_headers(self, fetched: Fetched) -> StatusAndHeaders:
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

    def _build_records(self, fetched: Fetched, original: dict | None, date: str) -> list[Any]:
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

    def _dedup_source(self, fetched: Fetched) -> dict | None:
        if not self.settings.dedup or fetched.truncated or fetched.length == 0:
            return None  # a revisit of an empty body saves nothing; a cut one is not "identical"
        original = self.store.capture_by_digest(fetched.payload_digest)
        if original is None or warc_path(self.warc_dir, original["warc_file"]) is None:
            return None
        return original

    def _write_sync(self, fetched: Fetched, original: dict | None, date: str) -> tuple[str, int, int, str, int]:
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
        fetched: Fetched,
        *,
        kind: str,
        canonical: str | None = None,
        page_capture_id: int | None = None,
        title: str | None = None,
        excerpt: str | None = None,
    ) -> tuple[int, dict | None, int]:
        """Write the exchange (response, or revisit if the payload is known) and its row.

        Returns (capture id, the capture row it revisits or None, compressed bytes written).
        """
        async with self._write_lock:
            original = self._dedup_source(fetched)
            moment = fetched.started  # WARC-Date: when the capture began
            date = warc_date(moment)
            name, offset, length, record_id, written = await self._in_thread(self._write_sync, fetched, original, date)
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

    # -- one page -----------------------------------------------------------------------------

    def _headers(self, url: str, base: dict[str, str]) -> dict[str, str]:
        """``base`` plus the extra headers configured for the URL's host (cookies, tokens …)."""
        extra = self.fetcher.settings.host_headers.get((urlsplit(url).hostname or "").lower())
        return {**base, **extra} if extra else base

    def _read_page(self, fetched: Fetched, page_url: str, redirects: tuple[str, ...], attrs: Sequence[str]):
        with open(fetched.body_path, "rb") as raw:
            body = decode_content(raw, fetched.header("Content-Encoding"), self.settings.max_text_bytes)
        content_type = fetched.header("Content-Type") or ""
        page = Page(
            url=page_url,
            final_url=fetched.url,
            status=fetched.status,
            content_type=content_type,
            body=body,
            redirects=redirects,
            body_read=True,
            # Only the first max_text_bytes are read: past them the live marker may not be seen.
            truncated=fetched.truncated or len(body) >= self.settings.max_text_bytes,
        )
        looks_html = "html" in content_type.lower() or body.lstrip()[:1] == b"<"
        del body  # the page keeps it until it is decoded once, below
        outcome = classify(page)  # decodes page.text (header charset, <meta charset>, UTF-8, GB18030)
        text = page.text if page.body_read else ""
        page.body = b""
        digest = digest_html(text, attrs) if looks_html else None
        return outcome, digest, page.truncated

    async def capture(self, canonical: str) -> PageCapture:
        """Capture one cited page (following redirects), then its requisites if it changed."""
        result = PageCapture(canonical, "failed")
        profile = profile_for((urlsplit(canonical).hostname or "").lower())
        base = {**profile.request_headers(), "Accept-Encoding": ACCEPT_ENCODING}
        rules = profile.requisites if self.settings.requisites else None
        fs = self.fetcher.settings
        current = canonical
        redirects: list[str] = []
        hops: list[Fetched] = []
        fetched: Fetched | None = None
        try:
            while True:
                fetched = await self.fetch(current, self._headers(current, base), self.settings.max_resource_bytes)
                location = fetched.header("Location")
                if not (300 <= fetched.status < 400 and location):
                    break
                target = urljoin(current, location)
                hops.append(fetched)
                fetched = None
                if urlsplit(target).scheme.lower() not in ("http", "https"):
                    raise CaptureError("redirect-scheme", target)
                if target in redirects or target == canonical or len(redirects) >= fs.max_redirects:
                    raise CaptureError("redirect-loop", target)
                skip = fs.refusal((urlsplit(target).hostname or "").lower())
                if skip:
                    raise CaptureError(f"ssrf:{skip}", target)
                redirects.append(target)
                current = target
            result.final_url = fetched.url
            result.http_status = fetched.status
            result.truncated = fetched.truncated
            outcome, digest, partial = await self._in_thread(
                self._read_page, fetched, canonical, tuple(redirects), rules.attrs if rules else ()
            )
            host = (urlsplit(fetched.url).hostname or "").lower()
            self.fetcher.gates[host].observe(outcome)
            # A cut page (body or text window) may hide its live marker: then "unrecognized" will do.
            acceptable = outcome.verdict is Verdict.ALIVE or (
                partial and outcome.verdict is Verdict.ERROR and outcome.reason == "unrecognized-page"
            )
            if not acceptable:
                result.outcome, result.reason = "skipped", f"not-alive:{outcome.reason}"
                return result
            title = digest.title if digest else None
            excerpt = digest.excerpt if digest else None
            capture_id, revisit, written = await self.store_record(
                fetched, kind="page", canonical=canonical, title=title, excerpt=excerpt
            )
            result.capture_id, result.title = capture_id, title
            result.bytes_written += written
            result.revisits += int(revisit is not None)
            for hop in hops:
                _id, hop_revisit, written = await self.store_record(hop, kind="redirect", page_capture_id=capture_id)
                result.bytes_written += written
                result.revisits += int(hop_revisit is not None)
            if revisit is not None:
                # The same bytes are archived already: so are the images they name.
                same = revisit["url"] == fetched.url
                result.outcome = "unchanged"
                result.reason = "unchanged" if same else f"identical-to:{revisit['url']}"
                return result
            result.outcome = "captured"
            if rules is not None and digest is not None:
                await self._capture_requisites(fetched.url, digest.images, rules, capture_id, result)
            return result
        except CaptureError as exc:
            result.outcome, result.reason = "failed", exc.reason
            return result
        finally:
            for item in (*hops, fetched):
                if item is not None:
                    item.discard()

    async def _capture_requisites(
        self, page_url: str, images: Sequence[str], rules: Requisites, page_capture_id: int, result: PageCapture
    ) -> None:
        parts = urlsplit(page_url)
        referer = f"{parts.scheme}://{parts.netloc}/"
        base = {
            **profile_for("").request_headers(),
            "Accept": IMAGE_ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
            "Referer": referer,
        }
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
            if budget <= 0:
                break
            try:
                fetched = await self.fetch(
                    url, self._headers(url, base), min(self.settings.max_requisite_bytes, budget)
                )
            except CaptureError:
                result.requisites_failed += 1
                continue
            try:
                if not 200 <= fetched.status < 300:
                    result.requisites_failed += 1
                    continue
                budget -= fetched.length
                _id, revisit, written = await self.store_record(
                    fetched, kind="requisite", page_capture_id=page_capture_id
                )
                result.requisites += 1
                result.revisits += int(revisit is not None)
                result.bytes_written += written
            finally:
                fetched.discard()


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
) -> ArchiveSummary:
    """Capture the alive pages that need it, in decay-risk order, within ``limit``/``deadline``.

    ``deadline``: a ``time.monotonic()`` value after which no new page is started. ``max_age``:
    a page captured more recently is not fetched again (None: never recapture). The caller must
    hold the run lock (:class:`linkcheck.lock.RunLock`): ``.open`` files left by a crash are
    repaired first. The WARC file in progress is always closed (renamed) before returning.
    """
    from linkcheck.store import StoreError

    settings = settings or ArchiveSettings()
    clock = now or (lambda: datetime.now(UTC))
    started = time.monotonic()
    summary = ArchiveSummary()
    try:
        summary.repaired = repair_open_files(warc_dir, store)
    except OSError as exc:  # the WARC directory is unusable (read-only, gone …): no archive stage
        summary.status, summary.error = "error", f"{type(exc).__name__}: {exc}"[:500]
        return summary
    pending = store.pending_captures(max_age=max_age, now=clock())
    summary.pending_total = len(pending)
    chosen = pending[:limit] if limit is not None else pending
    summary.planned = len(chosen)
    archiver = Archiver(store, fetcher, warc_dir, settings, run_id=run_id, now=clock)
    queue: Iterator[dict] = iter(chosen)

    failed = asyncio.Event()

    def should_stop() -> str | None:
        if failed.is_set():
            return "error"
        if stop is not None and stop.is_set():
            return "stopped"
        if deadline is not None and time.monotonic() >= deadline:
            return "budget"
        return None

    async def worker() -> None:
        for row in queue:
            reason = should_stop()
            if reason is not None:
                if summary.status != "error":
                    summary.status = reason
                return
            try:
                page = await archiver.capture(row["canonical"])
            except (OSError, StoreError) as exc:
                # The disk or the database failed (full disk …): stop the stage, keep what is done.
                summary.status = "error"
                summary.error = f"{type(exc).__name__}: {exc}"[:500]
                failed.set()
                return
            summary.pages.append(page)
            if page.outcome == "captured":
                summary.captured += 1
            elif page.outcome == "unchanged":
                summary.unchanged += 1
            elif page.outcome == "skipped":
                summary.skipped += 1
            else:
                summary.failed += 1
            summary.requisites += page.requisites
            summary.revisits += page.revisits
            if on_capture is not None:
                on_capture(page)

    try:
        await asyncio.gather(*(worker() for _ in range(max(1, settings.concurrency))))
    except BaseException:
        summary.status = "interrupted"
        raise
    finally:
        archiver.close()
        summary.bytes_written = archiver.writer.bytes_written
        summary.files = list(archiver.writer.closed_files)
        summary.elapsed_s = time.monotonic() - started
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
                raise ExportError("the `wacz` package is not installed (pip install wacz)")
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
    "CaptureError",
    "CaptureMissingError",
    "ExportError",
    "PageCapture",
    "PageDigest",
    "Repair",
    "StoredCapture",
    "WarcFileWriter",
    "archive_pending",
    "closed_warc_files",
    "complete_members_end",
    "decode_content",
    "digest_html",
    "export_wacz",
    "read_capture",
    "repair_open_files",
    "warc_path",
]
