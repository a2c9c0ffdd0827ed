"""Reading a capture back from its WARC record (what ``linkcheck show`` prints)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from linkcheck.archive.digest import PageDigest, digest_body
from linkcheck.archive.warcfile import warc_path


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
        return digest_body(self.body, self.content_type)


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
        # warcio's content stream undoes the Content-Encoding (and any chunking).
        body = record.content_stream().read(max_bytes)
        truncated = record.rec_headers.get_header("WARC-Truncated")
        status_line = f"{record.http_headers.protocol} {record.http_headers.statusline}"
        headers = list(record.http_headers.headers)
    return StoredCapture(row, path, status_line, headers, body, truncated)


__all__ = ["CaptureMissingError", "StoredCapture", "read_capture"]
