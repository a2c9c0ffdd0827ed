"""WARC files on disk: naming, writing with rotation, and repair after a crash.

Files live in one directory, named ``linkcheck-<UTC time to the ms>-<serial>-<pid>.warc.gz``
(Heritrix style, never from a URL). A file is written as ``….warc.gz.open``, one gzip member per
record, and renamed to its final name when closed — at the end of a run, or once it passes
``rotate_bytes`` — so indexers never see a half-written record. A ``.open`` file found later was
left by a dead writer (the caller holds the run lock): :func:`repair_open_files` cuts it back to
its last complete record and closes it.
"""

from __future__ import annotations

import io
import os
import re
import threading
import zlib
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from linkcheck import __version__
from linkcheck.archive.records import WARC_VERSION, warcinfo_record

if TYPE_CHECKING:
    from linkcheck.store import Store

WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"
TMP_DIR = ".tmp"  # bodies in flight, under the WARC directory; emptied by the repair
FILE_PREFIX = "linkcheck"
DEFAULT_ROTATE_BYTES = 1_000_000_000
_NAME_RE = re.compile(rf"^{FILE_PREFIX}-(\d{{17}})-(\d{{5,}})-(\d+)\.warc\.gz(?:\.open)?$")


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
    :meth:`write` call always land in one file; rotation happens between calls. ``info``: fields
    added to (or replacing) those of each file's ``warcinfo`` record.
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
        writer.write_record(warcinfo_record(name, info))
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


def closed_warc_files(directory: Path) -> list[Path]:
    """The finished files, by name (so by time)."""
    return sorted(p for p in Path(directory).glob(f"*{WARC_SUFFIX}") if p.is_file())


def open_warc_files(directory: Path) -> list[Path]:
    """The files still ``.open``: being written, or left by a writer that died."""
    return sorted(Path(directory).glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}"))


def warc_path(directory: Path, name: str) -> Path | None:
    """Where a WARC named in ``captures`` is now: closed, or still ``.open``; None if missing."""
    for candidate in (Path(directory) / name, Path(directory) / (name + OPEN_SUFFIX)):
        if candidate.exists():
            return candidate
    return None


# -- repair ---------------------------------------------------------------------------------------


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

    def to_dict(self) -> dict:
        return asdict(self)


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
    for path in open_warc_files(directory):
        size = path.stat().st_size
        good = complete_members_end(path)
        if good:
            good = _records_end(path, good)
        name = path.name[: -len(OPEN_SUFFIX)]
        forgotten = store.captures.forget_beyond(name, good) if store is not None else 0
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


__all__ = [
    "DEFAULT_ROTATE_BYTES",
    "OPEN_SUFFIX",
    "TMP_DIR",
    "WARC_SUFFIX",
    "Repair",
    "WarcFileWriter",
    "closed_warc_files",
    "complete_members_end",
    "open_warc_files",
    "repair_open_files",
    "warc_path",
]
