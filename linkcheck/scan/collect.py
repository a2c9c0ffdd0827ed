"""Posts → unique links: walk the paths, read and decode each file, extract, merge by canonical URL.

* A directory is walked recursively (sorted, so output is stable) for ``.md``, ``.markdown``,
  ``.html`` and ``.txt`` files; a file named explicitly is scanned whatever its extension.
  Symbolic links are followed, but every directory and file is visited once (by device and inode),
  so a symlink loop terminates and a post reachable twice is not counted twice.
* Every path given must exist, checked before anything is read: :class:`MissingPathError`.
* A file that cannot be read, is binary (a NUL byte in its first 8 KiB) or cannot be decoded
  becomes a :class:`FileProblem` and the scan goes on. Decoding: UTF-8 (a BOM is dropped); else
  GB18030; else UTF-8 with replacement characters and a problem. Text that is mostly valid UTF-8
  with a few broken bytes is taken as damaged UTF-8 (replacement + problem) rather than decoded as
  GB18030, which would accept it and turn every Chinese character into garbage.
* Links come out in order of first occurrence, each with every occurrence. The general
  canonicalisation runs once per distinct URL string (see :func:`merge`). ``www.``-style bare URLs
  are canonicalised as ``http://www.…`` (``url`` keeps what was written). A link written only
  inside code is not checked (``in-code``) unless it was already unfit to check for a more basic
  reason (loopback, scheme…).
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING

from linkcheck import reasons
from linkcheck.models import Link, LinkKind, Occurrence
from linkcheck.scan.canonical import canonicalize, plain
from linkcheck.scan.extract import extracted_list

if TYPE_CHECKING:  # the blog's source tree is modelled only when there is one (YAML and all)
    from linkcheck.scan.internal import InternalLinks
    from linkcheck.scan.jekyll import JekyllSite

SCANNED_SUFFIXES = frozenset({".md", ".markdown", ".html", ".txt"})
BINARY_SNIFF_BYTES = 8192


@dataclass(slots=True)
class FileProblem:
    path: str
    message: str


@dataclass(slots=True)
class ScanResult:
    links: list[Link]
    files: int
    bytes: int
    problems: list[FileProblem] = field(default_factory=list)


class MissingPathError(Exception):
    """A path given to scan does not exist."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = list(paths)
        noun = "path" if len(self.paths) == 1 else "paths"
        super().__init__(f"{noun} not found: {', '.join(self.paths)}")


def decode(data: bytes) -> tuple[str, str | None]:
    """Text of a post and, when it could not be decoded cleanly, why."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        first_error = exc.start
    lossy = data.decode("utf-8", errors="replace")
    broken = lossy.count("\ufffd")
    if sum(1 for ch in lossy if ch > "\x7f") - broken < 4 * broken:
        # Not a damaged UTF-8 file: a legacy Chinese encoding is likelier.
        try:
            return data.decode("gb18030"), None
        except UnicodeDecodeError:
            pass
    return lossy, f"invalid UTF-8 at byte {first_error}: {broken} undecodable sequence(s) replaced"


def _walk(paths: Sequence[Path], problems: list[FileProblem]) -> list[str]:
    """The path of every file to scan, as displayed (``str(Path)`` of it), in order, each real
    file once. (Paths below a directory are built as strings: a Path object per post cost more
    than listing the directories.)"""
    seen: set[tuple[int, int]] = set()
    found: list[str] = []

    def visit_file(path: str, st: os.stat_result) -> None:
        key = (st.st_dev, st.st_ino)
        if key not in seen:
            seen.add(key)
            found.append(path)

    def visit_dir(path: str, st: os.stat_result) -> None:
        key = (st.st_dev, st.st_ino)
        if key in seen:
            return  # a symlink loop, or a directory reachable twice
        seen.add(key)
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems.append(FileProblem(path, f"cannot list directory: {exc.strerror or exc}"))
            return
        # Children written as str(Path(path) / name) writes them (`path` is already normalised).
        prefix = "" if path == "." else path if path.endswith(os.sep) else path + os.sep
        for entry in entries:
            child = prefix + entry.name
            try:
                child_st = entry.stat()  # follows symlinks
            except OSError as exc:
                if entry.is_symlink():
                    problems.append(FileProblem(child, f"broken symbolic link: {exc.strerror or exc}"))
                    continue
                problems.append(FileProblem(child, f"cannot stat: {exc.strerror or exc}"))
                continue
            if entry.is_dir():
                visit_dir(child, child_st)
            elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in SCANNED_SUFFIXES:
                visit_file(child, child_st)

    for path in paths:
        try:
            st = path.stat()
        except OSError as exc:
            problems.append(FileProblem(str(path), f"cannot stat: {exc.strerror or exc}"))
            continue
        if path.is_dir():
            visit_dir(str(path), st)
        else:
            visit_file(str(path), st)
    return found


def walk_posts(paths: Sequence[str | Path]) -> list[str]:
    """The posts a scan of ``paths`` reads, named as it names them (``linkcheck fix`` edits those
    the history recorded). A missing path is :class:`MissingPathError`; unreadable ones are left out."""
    return _walk(_existing(paths), [])


def _existing(paths: Sequence[str | Path]) -> list[Path]:
    """``paths`` as Paths; :class:`MissingPathError` naming every one that does not exist."""
    given = [Path(p) for p in paths]
    missing = [str(p) for p in given if not os.path.lexists(p)]
    if missing:
        raise MissingPathError(missing)
    return given


def collect(
    paths: Sequence[str | Path],
    *,
    site_url: str | None = None,
    exclude: Sequence[str] = (),
    site: JekyllSite | None = None,
) -> ScanResult:
    """Scan ``paths`` (files or directories) and merge every URL found by canonical form.

    A link matching any ``exclude`` regex (as written or canonical) is kept but not checkable:
    ``excluded``. With ``site`` (the blog's source tree), links into the blog are internal links
    keyed as :mod:`linkcheck.scan.internal` says, checked from the tree instead of skipped."""
    given = _existing(paths)

    # A scan allocates a few objects per URL and none of them form cycles: the cyclic collector
    # would only re-traverse the growing heap (about a tenth of the scan time on the corpus). The
    # result's objects (a Link, its list and an Occurrence per URL: 82,000 for the corpus) are
    # still traversed once the caller's collector runs again: in `scan -f json` of the corpus its
    # next young, middle and full collections take 10, 13 and 42 ms. A short-lived caller can
    # spare them (gc.freeze() after the scan); a library function must not freeze its caller's heap.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        internal = None
        if site is not None:
            from linkcheck.scan.internal import InternalLinks

            internal = InternalLinks(site, site_url=site_url)
        result = _collect(given, site_url, internal)
    finally:
        if gc_was_enabled:
            gc.enable()
    exclude_links(result.links, exclude)
    if site is not None:  # posts the site model could not read (bad front matter …), as scan problems
        result.problems.extend(FileProblem(str(site.root / file), message) for file, message in site.problems)
    return result


def exclude_links(links: list[Link], patterns: Sequence[str]) -> None:
    """Mark links matching any pattern (as written or canonical) as not checkable: 'excluded'."""
    if not patterns:
        return
    combined = re.compile("|".join(f"(?:{p})" for p in patterns))
    for link in links:
        if link.checkable and (combined.search(link.url) or combined.search(link.canonical)):
            link.checkable = False
            link.skip_reason = reasons.EXCLUDED


def merge(
    pairs: list[tuple[str, Occurrence]],
    by_url: dict[str, Link],
    by_canonical: dict[str, Link],
    site_url: str | None,
) -> None:
    """Each (url, occurrence) joins the Link of its canonical form; a new form makes a new Link.

    A plain URL's form (:func:`~linkcheck.scan.canonical.plain`) is worked out every time it is
    written: that costs less than a cache by string, as a blog's URLs are nearly all distinct (of
    the corpus's 27,368 occurrences, 27,266). The general path runs once per distinct string
    (``by_url``)."""
    for url, occurrence in pairs:
        written = "http://" + url if url.startswith("www.") else url
        found = plain(written)
        if found is not None:
            key, host, _ = found
            checkable, skip_reason = True, None
        else:
            link = by_url.get(url)
            if link is not None:
                link.occurrences.append(occurrence)
                continue
            canon = canonicalize(written, site_url)
            key, host, checkable, skip_reason = canon.canonical, canon.host, canon.checkable, canon.skip_reason
        link = by_canonical.get(key)
        if link is None:
            # A Link lives as long as the run that checks it: its host is the one string of that
            # host (a host is cited by many URLs; 1.6 MB less over 25,000 URLs), as its canonical
            # form is the URL's own string where they are equal (plain).
            link = by_canonical[key] = Link(url, key, intern(host), checkable, skip_reason, [occurrence])
        else:
            link.occurrences.append(occurrence)
        if found is None:
            by_url[url] = link


def _collect(given: list[Path], site_url: str | None, internal: InternalLinks | None = None) -> ScanResult:
    problems: list[FileProblem] = []
    files = _walk(given, problems)
    by_canonical: dict[str, Link] = {}
    # Per distinct URL string: the Link it belongs to (canonicalize runs once per string).
    by_url: dict[str, Link] = {}
    scanned = 0
    total_bytes = 0
    for display in files:
        try:
            with open(display, "rb", buffering=0) as fh:  # (one read of the whole file: no buffer needed)
                data = fh.read()
        except OSError as exc:
            problems.append(FileProblem(display, f"cannot read: {exc.strerror or exc}"))
            continue
        if b"\0" in data[:BINARY_SNIFF_BYTES]:
            problems.append(FileProblem(display, "binary file (NUL byte), skipped"))
            continue
        text, trouble = decode(data)
        if trouble is not None:
            problems.append(FileProblem(display, trouble))
        scanned += 1
        total_bytes += len(data)
        if internal is None:
            found = extracted_list(text, display)
            merge(found, by_url, by_canonical, site_url)
        else:
            found = extracted_list(text, display, relative=True)
            merge(internal.claim(found, by_canonical, text), by_url, by_canonical, site_url)

    code = LinkKind.CODE
    for link in by_canonical.values():
        occurrences = link.occurrences
        if link.checkable and occurrences[0].kind is code and all(o.kind is code for o in occurrences):
            link.checkable = False
            link.skip_reason = reasons.IN_CODE
    return ScanResult(list(by_canonical.values()), scanned, total_bytes, problems)


__all__ = [
    "FileProblem", "MissingPathError", "ScanResult", "collect", "decode", "exclude_links", "walk_posts",
]  # fmt: skip
