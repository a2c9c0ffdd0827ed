"""Capturing pages: the :class:`Archiver`, which writes a page and its images from the exchanges of
the checker's own requests.

The archive has no HTTP code of its own. In a check run the capture policy is consulted before
anything is fetched (:meth:`Archiver.plan`), and the check of each chosen page is a GET that keeps
its raw exchange; when it classifies ``alive`` the WARC records are written from those bytes
(:meth:`Archiver.check`). A page no check of the run fetched is fetched by :meth:`Archiver.recapture`
— a check too, whose verdict the caller records. A capture is kept only when the exchange
classifies ``alive``: an anti-bot wall or a tombstone served instead of the article is never
archived as the article. Page requisites: on sites with a :class:`~linkcheck.sites.Requisites`
rule (WeChat ``img[data-src]`` on ``mmbiz.qpic.cn``, Zhihu images on ``pic*.zhimg.com``) the images
are fetched with the Referer a browser would send and archived next to the page, bounded in count
and bytes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from linkcheck.archive import readable
from linkcheck.archive.digest import PageDigest, digest_answer
from linkcheck.archive.policy import RankKey, pending_in_order, plan_captures
from linkcheck.archive.progress import ArchiveTally
from linkcheck.archive.recorder import CaptureRecorder, RecordedCapture
from linkcheck.archive.warcfile import DEFAULT_ROTATE_BYTES, TMP_DIR, Repair, WarcFileWriter
from linkcheck.models import Outcome, Verdict
from linkcheck.net.transport import Exchange, Recording
from linkcheck.sites import Requisites, profile_for

if TYPE_CHECKING:
    from linkcheck.net.transport import Fetcher
    from linkcheck.store import Store

IMAGE_ACCEPT = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
# Disk the reserve pages of a check run may hold in .tmp/ until the archive stage (see Archiver.plan).
RESERVE_BYTES = 256 * 1024 * 1024


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
    readable: bool = True  # a readable copy beside captures of sites with a Readable rule (readable.py)


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
    scripts: int = 0  # the page's scripts and style sheets archived with it (each URL once, ever)
    # The readable copy beside the capture: "written", "" (the site has none), or why not.
    readable: str = ""

    def count(self, recorded: RecordedCapture) -> None:
        """Account for one record written for the page (itself, a redirect hop or an image)."""
        self.bytes_written += recorded.bytes_written
        self.revisits += int(recorded.original is not None)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class ReservedPage:
    """A reserve page its check found alive: the exchange (bodies on disk) and its digest."""

    key: RankKey  # its rank in the archive's order
    canonical: str
    recording: Recording
    digest: PageDigest | None

    @property
    def size(self) -> int:
        return sum(exchange.length for exchange in self.recording.exchanges)


def requisite_urls(page_url: str, images: Sequence[str], rules: Requisites, limit: int) -> list[str]:
    """The page's images worth archiving: absolute http(s) URLs on the site's image hosts, without
    fragment, each once, at most ``limit``, in page order."""
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
    return wanted[:limit]


class Archiver:
    """Captures pages into WARC files from the exchanges of :meth:`Fetcher.check
    <linkcheck.net.transport.Fetcher.check>` with a :class:`~linkcheck.net.transport.Recording`.

    Pages and their images are checks of the fetcher — the same redirects, caps, error reasons,
    request headers and per-host politeness gates. A page is written from the exchange that was
    classified: during a check run by :meth:`check` (for the pages :meth:`plan` chose before the
    run: they cost no request of their own), else by :meth:`recapture`, whose verdict the caller
    records as the page's check. Records and rows are written by a :class:`CaptureRecorder` on one
    worker thread.
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
        # A check run records its scan (store.links.sync) on a writer thread while the checks begin: the
        # first capture row waits for it, so a cited URL is never first added as uncited, and
        # nothing is written when it failed.
        self._ready = ready
        self.warc_dir = Path(warc_dir)
        self.settings = settings or ArchiveSettings()
        self.run_id = run_id
        self.now = now or (lambda: datetime.now(UTC))
        self.writer = WarcFileWriter(self.warc_dir, rotate_bytes=self.settings.rotate_bytes)
        self.recorder = CaptureRecorder(store, self.writer, run_id=run_id, dedup=self.settings.dedup)
        # What is done so far, for a progress display (its listener is set by whoever shows it).
        self.tally = ArchiveTally(fetcher.gates, lambda: self.writer.bytes_written)
        self.repaired: list[Repair] = []  # what the repair before this archiver's first write did
        self.planned: frozenset[str] = frozenset()  # pages captured from their check (see plan())
        self.reserve: dict[str, RankKey] = {}  # next in line (canonical -> rank), kept if alive
        self.from_checks: list[PageCapture] = []
        self.reserved: list[ReservedPage] = []  # reserve pages found alive, waiting for a place
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
        self._scripts_seen: set[str] = set()  # page scripts archived (or being archived) by this run
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
        """Choose, before a check run, the pages its checks capture, by the capture policy
        (:func:`~linkcheck.archive.policy.plan_captures`): ``links`` are the run's (canonical,
        host) in check order. A page needs a capture when it has none, or (``max_age`` given) its
        newest is older than that; whether it is alive, its check will tell.

        At most ``limit`` pages in all, counting the alive pages the run does not check, which the
        archive stage fetches (``archive_pending`` with this archiver). *Planned* pages are written
        as soon as their check finds them alive; *reserve* pages keep their check's exchange too
        (on disk, up to ``RESERVE_BYTES``), and the archive stage writes those that get a place
        left by a planned page found dead or walled. Only planned and reserve pages are read to the
        archive's cap; every other check reads what it always does.
        """
        from linkcheck.store import iso, to_utc

        now = self.now()
        cutoff = iso(to_utc(now) - max_age) if max_age is not None else None
        last = self.store.captures.last_page_times()
        pending = pending_in_order(self.store.captures.due(max_age=max_age, now=now)) if limit is not None else ()
        chosen = plan_captures(links, last, cutoff=cutoff, limit=limit, pending=pending)
        self.planned, self.reserve = chosen.planned, dict(chosen.reserve)
        self.tally.pages_planned = len(self.planned)
        return self.planned

    def add_from_check(self, page: PageCapture) -> None:
        """A planned page its check (or the browser's visit) captured, or failed to."""
        self.from_checks.append(page)
        self.tally.page(page)

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
                        self.add_from_check(
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
        entry = ReservedPage(self.reserve[canonical], canonical, recording, None)
        if recording.incomplete is not None or self._reserved_bytes + entry.size > RESERVE_BYTES:
            return False
        entry.digest = await self._digest_of(canonical, recording)
        self._reserved_bytes += entry.size
        self.reserved.append(entry)
        return True

    async def keep_reserved(self, entry: ReservedPage) -> PageCapture:
        """Write a reserve page that got a place (its check's exchange, kept since)."""
        size = entry.size
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

    async def _digest_of(self, canonical: str, recording: Recording) -> PageDigest | None:
        """The page's digest; the decoded windows are let go (only the small digest stays)."""
        assert recording.page is not None
        rules = self._requisite_rules(canonical)
        page, window = recording.page, recording.text or b""
        recording.page = recording.text = None
        return await self._in_thread(digest_answer, page, window, rules.attrs if rules else ())

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
        recorded = await self.store_record(final, kind="page", canonical=canonical, title=title, excerpt=excerpt)
        result.capture_id, result.title = recorded.capture_id, title
        result.count(recorded)
        await self._store_hops(recording, recorded.capture_id, result)
        if recorded.original is not None:
            # The same bytes are archived already: so are the images they name.
            original_url = recorded.original["url"]
            result.outcome = "unchanged"
            result.reason = "unchanged" if original_url == final.url else f"identical-to:{original_url}"
            return result
        result.outcome = "captured"
        draft = await self._readable_draft(canonical, final, result)
        capture_id = recorded.capture_id
        rules = self._requisite_rules(canonical)
        if rules is not None and digest is not None and (digest.images or digest.scripts):
            if requisites_now:
                await self._capture_scripts(final.url, digest.scripts, rules, capture_id, result)
                archived = await self._capture_requisites(final.url, digest.images, rules, capture_id, result)
                await self._write_readable(draft, capture_id, archived, result)
            else:
                task = asyncio.create_task(self._requisites_beside(final.url, digest, rules, capture_id, result, draft))
                self._requisite_tasks.add(task)
                task.add_done_callback(self._requisite_tasks.discard)
        else:
            await self._write_readable(draft, capture_id, {}, result)
        return result

    async def _requisites_beside(
        self,
        page_url: str,
        digest: PageDigest,
        rules: Requisites,
        page_capture_id: int,
        result: PageCapture,
        draft: readable.ReadableDraft | None,
    ) -> None:
        from linkcheck.store import StoreError

        async with self._requisite_slots:
            if self.failure is not None:
                return
            try:
                await self._capture_scripts(page_url, digest.scripts, rules, page_capture_id, result)
                archived = await self._capture_requisites(page_url, digest.images, rules, page_capture_id, result)
                await self._write_readable(draft, page_capture_id, archived, result)
            except (OSError, StoreError) as exc:
                self.failure = self.failure or exc

    async def _capture_requisites(
        self, page_url: str, images: Sequence[str], rules: Requisites, page_capture_id: int, result: PageCapture
    ) -> dict[str, str]:
        """Fetch and write the page's images; returns each archived image's URL (as the page
        names it) → the URL its 2xx answer is archived at (after redirects)."""
        archived: dict[str, str] = {}
        parts = urlsplit(page_url)
        # The Referer a browser sends for the page's images (its origin): without it WeChat serves
        # a "未经允许不可引用" placeholder.
        headers = {"Accept": IMAGE_ACCEPT, "Referer": f"{parts.scheme}://{parts.netloc}/"}
        budget = self.settings.max_requisites_total
        wanted = requisite_urls(page_url, images, rules, self.settings.max_requisites)
        self.tally.images_found(page_url, wanted)
        for n, url in enumerate(wanted):
            if budget <= 0 or self.failure is not None:
                self.tally.images_dropped(wanted[n:])
                break
            cap = min(self.settings.max_requisite_bytes, budget)
            final = None
            try:
                final = await self._requisite(url, cap, headers, page_capture_id, result)
            finally:
                self.tally.image(url, ok=final is not None)
            if final is None:
                result.requisites_failed += 1
                continue
            budget -= final.length
            if (final.header("Content-Type") or "").strip().lower().startswith("image/"):
                # (An error page served with 200 is archived as sent, never shown as the figure.)
                archived[url] = final.url
            result.requisites += 1
        return archived

    async def _capture_scripts(
        self, page_url: str, scripts: Sequence[str], rules: Requisites, page_capture_id: int, result: PageCapture
    ) -> None:
        """Archive the page's own scripts and style sheets on the site's script hosts — each URL
        once: they are the same for every article, so only the first page pays the request."""
        if rules.scripts is None:
            return
        parts = urlsplit(page_url)
        headers = {"Accept": "*/*", "Referer": f"{parts.scheme}://{parts.netloc}/"}
        for raw in scripts:
            url = urljoin(page_url, raw).split("#", 1)[0]
            split = urlsplit(url)
            if split.scheme not in ("http", "https") or not rules.scripts.fullmatch((split.hostname or "").lower()):
                continue
            if url in self._scripts_seen or self.failure is not None:
                continue
            self._scripts_seen.add(url)
            if await self._in_thread(self.store.captures.latest, url) is not None:
                continue  # archived by an earlier run
            final = await self._requisite(url, self.settings.max_requisite_bytes, headers, page_capture_id, result)
            if final is None:
                self._scripts_seen.discard(url)  # another page may try again
                continue
            result.scripts += 1

    async def _requisite(
        self, url: str, max_bytes: int, headers: dict[str, str], page_capture_id: int, result: PageCapture
    ) -> Exchange | None:
        """Fetch one requisite of a page (an image, a script) and write it, with the redirect hops
        that led to it, as records pointing at the page. Its final exchange (headers and length;
        the body is written and dropped), or None when it was not archived: no 2xx answer, or an
        answer cut short."""
        recording = self.recording(max_bytes=max_bytes, headers=headers, page=False)
        try:
            await self.fetcher.check(url, recording=recording)
            if recording.disk_error is not None:
                raise recording.disk_error
            final = recording.final
            if final is None or not 200 <= final.status < 300 or recording.incomplete is not None:
                return None
            result.count(await self.store_record(final, kind="requisite", page_capture_id=page_capture_id))
            await self._store_hops(recording, page_capture_id, result)
            return final
        finally:
            recording.discard()

    # -- readable copies ------------------------------------------------------------------------

    async def _readable_draft(
        self, canonical: str, final: Exchange, result: PageCapture
    ) -> readable.ReadableDraft | None:
        """The article of a page just written (read from its body file, on the worker thread),
        for sites with a :class:`~linkcheck.sites.Readable` rule; None otherwise."""
        rule = readable.rule_for(canonical) if self.settings.readable else None
        if rule is None:
            return None
        if final.truncated:
            result.readable = "no: the page was cut when captured (WARC-Truncated)"
            return None
        profile = profile_for((urlsplit(canonical).hostname or "").lower())
        attrs = profile.requisites.attrs if profile.requisites is not None else ("src",)
        draft = await self._in_thread(
            functools.partial(
                readable.extract,
                readable.file_chunks(final.body_path),
                page_url=final.url,
                content_type=final.header("Content-Type") or "",
                content_encoding=final.header("Content-Encoding"),
                rule=rule,
                image_attrs=attrs,
            )
        )
        if draft is None:
            result.readable = "no: the site's article element is not in the page"
        elif not draft.readable:
            result.readable = f"no: {draft.note or 'no text and no picture in the article'}"
            return None
        return draft

    async def _write_readable(
        self,
        draft: readable.ReadableDraft | None,
        page_capture_id: int,
        archived: Mapping[str, str],
        result: PageCapture,
    ) -> None:
        """Write the readable copy of a captured page (its images as archived) and its row."""
        if draft is None:
            return
        async with self._write_lock:
            written = await self._in_thread(self._readable_sync, draft, page_capture_id, archived, result.title)
        result.bytes_written += written
        result.readable = "written"
        self.tally.readable_written()

    def _readable_sync(
        self, draft: readable.ReadableDraft, page_capture_id: int, archived: Mapping[str, str], title: str | None
    ) -> int:
        page = self.store.captures.get(page_capture_id)
        assert page is not None
        html = readable.render(
            draft, title=title, captured_at=page["warc_date"], http_status=page["http_status"], image_src=archived.get
        ).encode("utf-8")
        shown = sum(url in archived for url in draft.images)
        records = readable.build_records(
            html,
            page_url=page["url"],
            warc_date=page["warc_date"],
            page_record_id=page["warc_record_id"],
            images=len(draft.images),
            images_archived=shown,
        )
        try:
            before = self.writer.bytes_written
            name, positions = self.writer.write(records)
            written = self.writer.bytes_written - before
        finally:
            for record in records:
                with suppress(Exception):
                    record.raw_stream.close()
        offset, length = positions[0]
        self.store.readable.record(
            now=self.now(),
            page_capture_id=page_capture_id,
            url=readable.readable_uri(page["url"]),
            warc_date=page["warc_date"],
            warc_file=name,
            warc_offset=offset,
            warc_length=length,
            warc_record_id=records[0].rec_headers.get_header("WARC-Record-ID"),
            payload_length=len(html),
            images=len(draft.images),
            images_archived=shown,
            text_chars=draft.text_chars,
        )
        return written

    # -- records ------------------------------------------------------------------------------

    async def _store_hops(self, recording: Recording, page_capture_id: int, result: PageCapture) -> None:
        """The redirect hops that led to the recording's final answer, each pointing at the page."""
        for hop in recording.exchanges[:-1]:
            result.count(await self.store_record(hop, kind="redirect", page_capture_id=page_capture_id))

    async def store_record(self, exchange: Exchange, **row: Any) -> RecordedCapture:
        """Write the exchange (response, or revisit if the payload is known) and its ``captures``
        row: :meth:`CaptureRecorder.record <linkcheck.archive.recorder.CaptureRecorder.record>`,
        whose keywords ``row`` are.

        On the worker thread, record and row together: SQLite waits (the check run's commits) do
        not hold up the event loop, and a cancelled caller cannot leave a record without its row.
        """
        async with self._write_lock:
            if self._ready is not None:
                await asyncio.wrap_future(self._ready)  # raises what the sync raised
                self._ready = None
            return await self._in_thread(functools.partial(self.recorder.record, exchange, **row))


__all__ = [
    "IMAGE_ACCEPT",
    "RESERVE_BYTES",
    "ArchiveSettings",
    "Archiver",
    "PageCapture",
    "ReservedPage",
    "requisite_urls",
]
