"""``linkcheck fix``: the edits the history proposes for the posts, planned as typed proposals and
applied byte for byte.

What is proposed, from the history database and the WARC files only (nothing is fetched):

* **a permanent redirect** — every check of the URL for the confirmation window (at least
  ``confirm_checks`` checks spanning ``confirm_days``, the newest last, nothing else in between)
  followed 301/308 hops to the same URL and found it alive → that URL (:data:`reasons.FIX_REDIRECT`).
  Only the permanent hops count: ``301 → 302 → page`` proposes the 301's target. (RFC 9110
  §15.4: 301 and 308 are the permanent redirects, 302 and 307 temporary; of a 301, RFC 7231
  §6.4.2: "clients with link-editing capabilities ought to automatically re-link references to
  the effective request URI to one or more of the new references sent by the server".) A permanent
  redirect from an article to its site's front page is a deleted article, not a move: not proposed.
* **https** — ``http://`` written where the site forces HTTPS (its profile's ``force_https``, the
  checks went to ``https://`` and found it alive), or where every check in that window was
  redirected first to the very same URL with ``https://`` (:data:`reasons.FIX_HTTPS`).
* **a successor** — the latest check found a migrated WeChat account's tombstone naming its
  successor (``transferTargetLink``) and the successor alive (reason ``moved:…``) → the
  successor (:data:`reasons.FIX_SUCCESSOR`).
* **an archive link** — a confirmed dead link whose latest capture has a readable copy (its WARC
  record is read back to be sure) keeps its link and gets the ``[fix] archive_link`` template
  beside it, pointing at the copy ``linkcheck publish`` writes (:func:`linkcheck.publish.page_url`)
  (:data:`reasons.FIX_ARCHIVE_LINK`); an ``<a href>`` gets Robust Links attributes instead,
  ``data-versionurl`` and ``data-versiondate`` (:data:`reasons.FIX_ROBUST_LINKS`,
  https://robustlinks.mementoweb.org/spec/).

How a post is edited:

* Only where the history's occurrence (file, line, column) still holds the URL, re-read by the
  scan's own extractor (:mod:`linkcheck.scan.extract`): a post where one does not is skipped whole,
  with a message naming it — it was edited since the last check.
* Never inside code (kind ``code``: code spans, fenced and indented blocks, ``<pre>``…) nor in the
  YAML front matter; images and reference definitions get no archive link (a definition is not
  where the reader sees the link).
* The file is decoded as the scan decodes it (UTF-8 with or without BOM, else GB18030) only if
  encoding the text again gives the very same bytes; edits are made in that text and it is encoded
  back the same way, so line endings (CRLF), the BOM and every byte outside the edits stay.
* After the edits the post is extracted again: each replaced URL must be read back, at its new
  place, as the new URL (a bare URL glued to Chinese text must still end where it did …), else
  that edit is dropped.
"""

from __future__ import annotations

import contextlib
import difflib
import html
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from linkcheck import reasons
from linkcheck.models import LinkKind, Occurrence
from linkcheck.publish import DEFAULT_FOLDER, page_url
from linkcheck.scan.canonical import canonicalize
from linkcheck.scan.extract import extracted_list
from linkcheck.sites import profile_for

if TYPE_CHECKING:
    from linkcheck.store import Store

# The default ``[fix] archive_link``: a Markdown link to the published readable copy, right after
# the dead link (full-width parentheses, as the blog's Chinese prose writes them).
DEFAULT_ARCHIVE_LINK = "[（存档）]({archive_url})"
TEMPLATE_FIELDS = ("archive_url", "url", "date")
PERMANENT = frozenset({301, 308})
_BOM = b"\xef\xbb\xbf"


class TemplateError(ValueError):
    """An ``archive_link`` template that cannot be filled in."""


def check_template(template: str) -> str | None:
    """Why ``template`` is unusable as ``[fix] archive_link``, or None."""
    try:
        rendered = template.format(archive_url="/a/", url="https://example.com/", date="2026-01-01")
    except (KeyError, IndexError, ValueError) as exc:
        return f"is not a usable template ({type(exc).__name__}: {exc}; fields: {', '.join(TEMPLATE_FIELDS)})"
    if "\n" in rendered or "\r" in rendered:
        return "must be one line"
    return None


@dataclass(frozen=True, slots=True)
class Target:
    """What the history says should become of one canonical URL."""

    canonical: str
    reason: str  # reasons.FIX_*
    new_url: str | None = None  # a replacement (redirect, https, successor)
    archive_url: str | None = None  # the published readable copy (archive link)
    archive_date: str | None = None  # its capture day, YYYY-MM-DD
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Proposal:
    """One edit of one post, with the reason for it."""

    file: str
    line: int
    column: int
    kind: LinkKind
    url: str  # as read at that place
    reason: str
    replacement: str | None  # the new URL (None: the link is kept and something is added)
    added: str | None  # the text inserted (an archive link, Robust Links attributes)
    detail: str = ""
    old_text: str = ""  # the characters replaced, as written ("" for an insertion)
    new_text: str = ""  # the characters written in their place (or inserted)


@dataclass(slots=True)
class FilePlan:
    """The proposals for one post and the bytes they make."""

    path: str
    before: bytes
    after: bytes
    before_text: str
    after_text: str
    proposals: list[Proposal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # places passed over, and why

    @property
    def changed(self) -> bool:
        return self.after != self.before

    def diff(self) -> str:
        """A unified diff of the post (``a/`` and ``b/`` prefixes, as ``git apply -p1`` reads)."""
        lines = difflib.unified_diff(
            _lines(self.before_text), _lines(self.after_text), fromfile=f"a/{self.path}", tofile=f"b/{self.path}"
        )
        out: list[str] = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


@dataclass(slots=True)
class Skipped:
    path: str
    message: str


@dataclass(slots=True)
class FixPlan:
    files: list[FilePlan] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Posts the history database has no link of: never checked, checked under another path (a
    # copy of the posts), or with no link at all. Nothing can be proposed for them.
    unrecorded: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[FilePlan]:
        return [f for f in self.files if f.changed]

    @property
    def proposals(self) -> list[Proposal]:
        return [p for f in self.changed for p in f.proposals]


def _lines(text: str) -> list[str]:
    # Split at "\n" only (str.splitlines also splits at U+2028, \x0c …, which are text in a post).
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


# ---- what the history says -------------------------------------------------------------------


def _https_twin(url: str) -> str | None:
    if url.lower().startswith("http://"):
        return "https://" + url[len("http://") :]
    return None


def _permanent_target(redirects: Sequence[str], statuses: Sequence[int]) -> str | None:
    """Where the permanent (301/308) hops at the start of a chain lead, or None."""
    target = None
    for hop, status in zip(redirects, statuses, strict=False):
        if status not in PERMANENT:
            break
        target = hop
    return target


def _front_page(original: str, target: str) -> bool:
    """A redirect from a deeper path to the bare front page: a soft 404, not a move."""
    return urlsplit(target).path in ("", "/") and urlsplit(original).path not in ("", "/")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def redirect_target(canonical: str, checks: Sequence[dict], confirm_checks: int, confirm_days: float) -> Target | None:
    """The permanent redirect or https twin every check (newest first) agrees on, if they span
    the confirmation window; else None."""
    streak: list[dict] = []
    agreed: tuple[str, str] | None = None
    for check in checks:
        if check["verdict"] != "alive" or check["via"] != "http":
            break
        redirects, statuses = check["redirects"], check["redirect_statuses"]
        if not redirects or len(statuses) != len(redirects):
            break  # no redirect, or one recorded before the statuses were kept
        found: tuple[str, str] | None = None
        permanent = _permanent_target(redirects, statuses)
        twin = _https_twin(canonical)
        if permanent is not None and not _front_page(canonical, permanent):
            found = (reasons.FIX_HTTPS if permanent == twin else reasons.FIX_REDIRECT, permanent)
        elif twin is not None and redirects[0] == twin:
            found = (reasons.FIX_HTTPS, twin)
        if found is None or (agreed is not None and found != agreed):
            break
        agreed = found
        streak.append(check)
    if agreed is None or len(streak) < confirm_checks:
        return None
    span = _time(streak[0]["checked_at"]) - _time(streak[-1]["checked_at"])
    if span.total_seconds() < 86400 * confirm_days:
        return None
    reason, new_url = agreed
    statuses = streak[0]["redirect_statuses"]
    detail = f"{' → '.join(str(s) for s in statuses)} on {len(streak)} checks over {span.days} days"
    return Target(canonical, reason, new_url=new_url, detail=detail)


def _readable_copy_holds(warc_dir: Path, row: dict) -> bool:
    """Whether the readable copy's WARC record is where the database says (read back)."""
    from warcio.archiveiterator import ArchiveIterator

    from linkcheck.archive.warcfile import warc_path

    path = warc_path(warc_dir, row["warc_file"])
    if path is None:
        return False
    try:
        with open(path, "rb") as fh:
            fh.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(fh)), None)
            if record is None or record.rec_type != "resource":
                return False
            return (record.rec_headers.get_header("WARC-Record-ID") or "") == row["warc_record_id"]
    except (OSError, ValueError):
        return False


def plan_targets(store: Store, warc_dir: Path, *, folder: str = DEFAULT_FOLDER, baseurl: str = "") -> dict[str, Target]:
    """Canonical URL → what to make of it, for every cited URL the history has a proposal for."""
    rules = store.settings.rules
    targets: dict[str, Target] = {}
    # Alive now: a redirect, a successor, or an http:// link to a site that forces HTTPS.
    for row in store.queries.alive_now():
        canonical, reason, redirects = row["canonical"], row["reason"], row["redirects"]
        if reason.startswith(reasons.MOVED_PREFIX) and redirects:
            successor = redirects[-1]  # the tombstone's transferTargetLink (transport._follow_successor)
            targets[canonical] = Target(
                canonical, reasons.FIX_SUCCESSOR, new_url=successor, detail=f"{reason}: its successor is alive"
            )
            continue
        if redirects:
            checks = store.queries.redirect_history(row["url_id"])
            found = redirect_target(canonical, checks, rules.confirm_checks, rules.confirm_days)
            if found is not None:
                targets[canonical] = found
                continue
        profile = profile_for(urlsplit(canonical).hostname or "")
        if profile.force_https and canonical.startswith("https://"):
            # Its checks went to https:// (canonicalize); an http:// place gets it written so.
            targets[canonical] = Target(
                canonical, reasons.FIX_HTTPS, detail=f"the {profile.name} profile forces HTTPS; checked alive"
            )
    # Confirmed dead with a readable capture: an archive link.
    for row in store.queries.dead_links():
        if not row.get("readable"):
            continue
        capture = store.captures.latest(row["canonical"])
        copy = store.readable.of_capture((capture.get("original") or capture)["id"]) if capture else None
        if copy is None or not _readable_copy_holds(warc_dir, copy):
            continue
        targets[row["canonical"]] = Target(
            row["canonical"],
            reasons.FIX_ARCHIVE_LINK,
            archive_url=page_url(row["canonical"], folder, baseurl),
            archive_date=str(copy["warc_date"])[:10],
            detail=f"confirmed dead ({row['reason']}), readable copy of {str(copy['warc_date'])[:10]}",
        )
    return targets


# ---- the posts ---------------------------------------------------------------------------------


def decode_exactly(data: bytes) -> tuple[str, str, bool] | None:
    """(text, encoding, BOM): the text exactly as the scan decodes it (:func:`collect.decode`:
    UTF-8, a BOM dropped; else GB18030), and the encoding that gives ``data`` back from it — or
    None when none does (a damaged file the scan read with replacement characters)."""
    from linkcheck.scan.collect import decode

    text, problem = decode(data)
    if problem is not None:
        return None
    bom = data.startswith(_BOM)
    body = data[3:] if bom else data
    for encoding in ("utf-8", "gb18030"):
        try:
            if text.encode(encoding) == body:
                return text, encoding, bom
        except UnicodeEncodeError:
            continue
    return None


def front_matter_end(text: str) -> int:
    """The offset where the YAML front matter (``---`` … ``---``/``...`` at the very start) ends; 0
    when there is none."""
    first = re.match(r"---[ \t]*\r?\n", text)
    if not first:
        return 0
    closing = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M).search(text, first.end())
    return closing.end() if closing else 0


def _offsets(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


@dataclass(slots=True)
class _Edit:
    start: int
    end: int
    text: str
    proposal: Proposal
    new_url: str | None = None  # expected to be read back at ``start`` (a replacement)


def _written_span(text: str, pos: int, url: str, kind: LinkKind) -> tuple[int, bool] | None:
    """(end of the URL as written at ``pos``, whether it is written with ``&amp;``), or None when
    the written form is not simply the URL (escapes, character references)."""
    if kind is LinkKind.HTML_ATTR:
        quote = text[pos - 1] if pos > 0 and text[pos - 1] in "\"'" else None
        if quote:
            end = text.find(quote, pos)
        else:
            m = re.compile(r"[\s>]").search(text, pos)
            end = m.start() if m else len(text)
        if end < 0:
            return None
        value = text[pos:end]
        if value == url:
            return end, False
        if html.unescape(value) == url and value == url.replace("&", "&amp;"):
            return end, True
        return None
    if text.startswith(url, pos):
        return pos + len(url), False
    return None


_TITLE_AND_CLOSE = re.compile(r"""[ \t]*(?:\r?\n[ \t]*)?(?:"[^"]*"|'[^']*'|\([^()]*\))?[ \t]*\)""")


def _construct_end(text: str, pos: int, url_end: int, kind: LinkKind) -> int | None:
    """Where the whole link written at ``pos`` ends (after ``)`` or ``>``), for an archive link."""
    if kind is LinkKind.BARE:
        return url_end
    if kind is LinkKind.AUTOLINK:
        return url_end + 1 if text.startswith(">", url_end) else None
    if kind is LinkKind.MARKDOWN_LINK:
        end = url_end + 1 if pos > 0 and text[pos - 1] == "<" and text.startswith(">", url_end) else url_end
        m = _TITLE_AND_CLOSE.match(text, end)
        return m.end() if m else None
    return None


_A_HREF = re.compile(r"<a\s(?:[^<>]*?\s)?href\s*=\s*[\"']?$", re.I | re.S)


def _robust_links(text: str, pos: int, value_end: int, target: Target) -> str | None:
    """The Robust Links attributes to insert after the ``href`` value at ``pos``, or None when
    that is not an ``<a href>`` or the tag already has them."""
    tag_start = text.rfind("<", 0, pos)
    if tag_start < 0 or not _A_HREF.search(text, tag_start, pos):
        return None
    tag_end = text.find(">", value_end)
    if tag_end < 0 or "data-versionurl" in text[tag_start:tag_end].lower():
        return None
    return f' data-versionurl="{html.escape(target.archive_url or "")}" data-versiondate="{target.archive_date}"'


def _markdown_url(url: str) -> str:
    # A destination CommonMark reads back as written: no spaces, no unbalanced parentheses.
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def _replacement_text(new_url: str, kind: LinkKind, amp: bool) -> str:
    if kind is LinkKind.HTML_ATTR:
        escaped = new_url.replace('"', "%22").replace("'", "%27")
        return escaped.replace("&", "&amp;") if amp else escaped
    if kind in (LinkKind.MARKDOWN_LINK, LinkKind.REFERENCE_DEFINITION):
        return _markdown_url(new_url)
    return new_url.replace(" ", "%20")


def _with_fragment(new_url: str, written: str) -> str:
    """A redirect target keeps the written URL's fragment, as a browser does when following it."""
    fragment = urlsplit(written).fragment
    parts = urlsplit(new_url)
    if fragment and not parts.fragment:
        return urlunsplit(parts._replace(fragment=fragment))
    return new_url


def _edit_for(
    text: str, pos: int, occ: Occurrence, url: str, target: Target, template: str, markdown: bool
) -> tuple[_Edit | None, str | None]:
    """The edit at one occurrence, or (None, why not) — (None, None) when there is nothing to do."""
    kind = occ.kind
    place = f"{occ.file}:{occ.line}:{occ.column}"
    twin = _https_twin(url)
    if target.reason == reasons.FIX_HTTPS and twin is None and target.new_url is None:
        return None, None  # written https:// already
    span = _written_span(text, pos, url, kind)
    if span is None:
        return None, f"{place}: {url} is written with escapes; not edited"
    url_end, amp = span
    # https: the written URL itself with https, which keeps how it was written.
    new_url = twin if target.reason == reasons.FIX_HTTPS and twin is not None else target.new_url
    if new_url is not None:
        new_url = _with_fragment(new_url, url)
        if new_url == url:
            return None, None
        written = _replacement_text(new_url, kind, amp)
        proposal = Proposal(
            occ.file, occ.line, occ.column, kind, url, target.reason, new_url, None, target.detail,
            text[pos:url_end], written,
        )  # fmt: skip
        return _Edit(pos, url_end, written, proposal, new_url), None
    # An archive link beside a dead one.
    if kind in (LinkKind.IMAGE, LinkKind.REFERENCE_DEFINITION):
        what = "an image" if kind is LinkKind.IMAGE else "a reference definition"
        return None, f"{place}: {url} is {what}; no archive link added"
    if kind is LinkKind.HTML_ATTR:
        added = _robust_links(text, pos, url_end, target)
        if added is None:
            if "data-versionurl" in text[pos : text.find(">", pos)].lower():
                return None, None  # added before
            return None, f"{place}: {url} is not an <a href>; no archive link added"
        proposal = Proposal(
            occ.file, occ.line, occ.column, kind, url, reasons.FIX_ROBUST_LINKS, None, added, target.detail, "", added
        )
        at = url_end + 1 if text[url_end : url_end + 1] in ('"', "'") else url_end
        return _Edit(at, at, added, proposal), None
    end = _construct_end(text, pos, url_end, kind) if markdown else None
    if end is None:
        return None, f"{place}: {url}: cannot tell where the link ends; no archive link added"
    added = template.format(archive_url=target.archive_url, url=url, date=target.archive_date)
    if text.startswith(added, end):
        return None, None  # added before
    proposal = Proposal(
        occ.file, occ.line, occ.column, kind, url, reasons.FIX_ARCHIVE_LINK, None, added, target.detail, "", added
    )
    return _Edit(end, end, added, proposal), None


def plan_file(
    path: str,
    data: bytes,
    recorded: Iterable[tuple[str, int, int, str]],
    targets: dict[str, Target],
    *,
    template: str = DEFAULT_ARCHIVE_LINK,
) -> FilePlan | Skipped:
    """The edits of one post. ``recorded``: the history's occurrences in it (canonical, line,
    column, kind) — the places the last check saw."""
    decoded = decode_exactly(data)
    if decoded is None:
        return Skipped(path, "not decodable byte for byte (UTF-8 or GB18030); not edited")
    text, encoding, bom = decoded
    markdown = not path.lower().endswith((".html", ".htm"))
    found = {(occ.line, occ.column): (url, occ) for url, occ in extracted_list(text, path)}
    starts = _offsets(text)
    front = front_matter_end(text)  # Jekyll reads it in HTML posts too
    plan = FilePlan(path, data, data, text, text)
    edits: list[_Edit] = []
    for canonical, line, column, kind in sorted(set(recorded), key=lambda r: (r[1], r[2])):
        here = found.get((line, column))
        if here is None or canonicalize(here[0]).canonical != canonical:
            return Skipped(
                path, f"edited since the last check: line {line}, column {column} no longer holds {canonical}"
            )
        url, occ = here
        if kind == LinkKind.CODE or occ.kind is LinkKind.CODE:
            continue  # code is shown as written
        if line > len(starts):
            continue
        pos = starts[line - 1] + column - 1
        if pos < front:
            continue  # front matter is data, not prose
        target = targets.get(canonical)
        if target is None:
            continue
        edit, note = _edit_for(text, pos, occ, url, target, template, markdown)
        if note:
            plan.notes.append(note)
        if edit is not None:
            edits.append(edit)
    edits = _verified(path, text, edits, plan.notes)
    if not edits:
        return plan
    after = _applied(text, edits)
    plan.after_text = after
    plan.after = (_BOM if bom else b"") + after.encode(encoding)
    plan.proposals = [e.proposal for e in edits]
    return plan


def _applied(text: str, edits: list[_Edit]) -> str:
    out: list[str] = []
    pos = 0
    for edit in sorted(edits, key=lambda e: e.start):
        out.append(text[pos : edit.start])
        out.append(edit.text)
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


def _reads_back(path: str, text: str, edits: list[_Edit], before: Counter[str]) -> bool:
    """Whether the extractor reads the edited text as meant: each replacement as its new URL at
    its new place, and otherwise the same URLs as before plus those of the added text."""
    after_text = _applied(text, edits)
    read = extracted_list(after_text, path)
    starts = _offsets(after_text)
    at = {starts[occ.line - 1] + occ.column - 1: url for url, occ in read}
    expected = Counter(before)
    shift = 0
    for edit in edits:
        if edit.new_url is not None:
            if at.get(edit.start + shift) != edit.new_url:
                return False
            expected[edit.proposal.url] -= 1
            expected[edit.new_url] += 1
        else:
            expected.update(url for url, _ in extracted_list(edit.text, path))
        shift += len(edit.text) - (edit.end - edit.start)
    return Counter(url for url, _ in read) == +expected


def _verified(path: str, text: str, edits: list[_Edit], notes: list[str]) -> list[_Edit]:
    """The edits the extractor reads back as meant (:func:`_reads_back`), each on its own and all
    together; the others are dropped with a note."""
    kept: list[_Edit] = []
    for edit in sorted(edits, key=lambda e: e.start):
        place = f"{path}:{edit.proposal.line}:{edit.proposal.column}"
        if kept and edit.start < kept[-1].end:
            notes.append(f"{place}: overlaps another edit; not edited")
            continue
        kept.append(edit)
    before = Counter(url for url, _ in extracted_list(text, path))
    good: list[_Edit] = []
    for edit in kept:
        if _reads_back(path, text, [edit], before):
            good.append(edit)
        else:
            what = edit.new_url or edit.text
            notes.append(
                f"{path}:{edit.proposal.line}:{edit.proposal.column}: {what} would not read back as meant there; "
                "not edited"
            )
    if good and not _reads_back(path, text, good, before):
        notes.append(f"{path}: its edits together would not read back as meant; not edited")
        return []
    return good


def write_file(path: Path, plan: FilePlan) -> None:
    """Replace the post with ``plan.after``, atomically (a temporary file in its folder, renamed
    over it, its permissions kept), if it still holds ``plan.before``."""
    path = path.resolve()  # a post reached through a symbolic link is edited where it lives
    if path.read_bytes() != plan.before:
        raise OSError(f"{path}: changed while fix ran; not written")
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".fix")
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(plan.after)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def recorded_occurrences(store: Store) -> dict[str, list[tuple[str, int, int, str]]]:
    """The history's occurrences by the real path of their file: (canonical, line, column, kind)."""
    out: dict[str, list[tuple[str, int, int, str]]] = {}
    for file, canonical, line, column, kind in store.links.all_occurrences():
        out.setdefault(os.path.realpath(file), []).append((canonical, line, column, kind))
    return out


def plan_fix(
    files: Sequence[str],
    store: Store,
    warc_dir: Path,
    *,
    template: str = DEFAULT_ARCHIVE_LINK,
    folder: str = DEFAULT_FOLDER,
    baseurl: str = "",
) -> FixPlan:
    """Every post's proposals (``files``: the posts, as the scan walks them)."""
    problem = check_template(template)
    if problem:
        raise TemplateError(f"archive_link {problem}")
    targets = plan_targets(store, warc_dir, folder=folder, baseurl=baseurl)
    recorded = recorded_occurrences(store)
    plan = FixPlan()
    for file in files:
        occurrences = recorded.get(os.path.realpath(file), [])
        if not occurrences:
            plan.unrecorded.append(file)
            continue
        wanted = [r for r in occurrences if r[0] in targets]
        if not wanted:
            continue
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            plan.skipped.append(Skipped(file, f"cannot read: {exc.strerror or exc}"))
            continue
        result = plan_file(file, data, wanted, targets, template=template)
        if isinstance(result, Skipped):
            plan.skipped.append(result)
        else:
            plan.files.append(result)
    return plan


__all__ = [
    "DEFAULT_ARCHIVE_LINK",
    "FilePlan",
    "FixPlan",
    "Proposal",
    "Skipped",
    "Target",
    "TemplateError",
    "check_template",
    "decode_exactly",
    "front_matter_end",
    "plan_file",
    "plan_fix",
    "plan_targets",
    "redirect_target",
    "write_file",
]
