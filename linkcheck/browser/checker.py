"""The browser checker: open a link in headless Chromium, let the challenge run, classify what rendered.

:class:`BrowserChecker` is the runner's :class:`~linkcheck.run.checker.Escalation`: the links whose
HTTP outcome is a wall the site's profile says a browser gets past (:func:`~linkcheck.run.checker.escalate`)
are checked here, on their host's queue, and its outcome (``via=browser``) is the link's outcome.

* **Polite.** One page at a time per host, page starts spaced by the site's browser pacing
  (:attr:`SiteProfile.browser <linkcheck.sites.SiteProfile.browser>`, or a configured per-host
  override); at most ``max_pages`` pages open across sites. A host whose walls persist in the
  browser too is left alone after ``trip_after`` of them (:meth:`accepts` says no: the link's HTTP
  outcome stands).
* **A failure is a verdict.** Navigation timeout → ``error:browser-timeout``; a crashed renderer
  or browser → ``error:browser-crash`` (the browser is relaunched, a bounded number of times);
  network errors → ``error:browser-dns|connect|tls|net``; a page the address guard stopped →
  ``skipped:ssrf:*``. Nothing raises out of :meth:`check`.
* **No Chromium, no problem.** The browser starts on the first link handed to it; without
  Playwright or a Chromium executable :meth:`accepts` says no, and :meth:`summary` says why.
* **Archived as seen.** With the run's :class:`~linkcheck.archive.Archiver`, a page the archive
  planned to capture that the browser finds alive is written through it as the browser saw it
  (:func:`linkcheck.browser.capture.archive_visit`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from linkcheck import reasons
from linkcheck.browser.capture import BrowserResponse, archive_visit
from linkcheck.browser.launch import BrowserGone, BrowserSettings, Chromium, Route
from linkcheck.browser.summary import RecheckSummary
from linkcheck.classify import Page, classify
from linkcheck.models import Link, Outcome, Verdict, Via
from linkcheck.net.gates import HostGates
from linkcheck.sites import Politeness, profile_for

if TYPE_CHECKING:
    from linkcheck.archive import Archiver
    from linkcheck.net.transport import FetchSettings

_NET_ERROR = re.compile(r"net::(ERR_[A-Z0-9_]+)")
_INTERRUPTED = ("interrupted by another navigation", "net::ERR_ABORTED", "frame was detached")
_CLOSED = (
    "has been closed",
    "crash",
    "Target closed",
    "Browser closed",
    "Connection closed",
    "disconnected",
    "Target page, context or browser",
)


class Visit:
    """Listens to one page: main-frame navigations (for the final status) and, when capturing,
    every response with its body (within the visit's byte budget)."""

    def __init__(self, page: Any, *, capture: bool, max_resource: int, max_total: int) -> None:
        self.page = page
        self.capture = capture
        self.max_resource = max_resource
        self.budget = max_total
        self.navigations = 0
        self.pending: set[Any] = set()
        self.urls: list[str] = []  # main-frame navigation requests, in order
        self.document: Any = None  # the newest main-frame non-redirect response
        self.crashed = False
        self.refused: dict[str, str] = {}  # URL → why the address guard stopped it
        self.responses: list[tuple[Any, BrowserResponse]] = []  # (Playwright's response, what it said)
        self.unavailable: list[str] = []  # "status URL" of responses whose body the browser dropped
        self._tasks: set[asyncio.Task[None]] = set()
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_done)
        page.on("requestfailed", self._on_done)
        page.on("response", self._on_response)
        page.on("crash", self._on_crash)

    def _is_main(self, request: Any) -> bool:
        try:
            return bool(request.is_navigation_request()) and request.frame is self.page.main_frame
        except Exception:  # service-worker requests have no frame
            return False

    def _on_request(self, request: Any) -> None:
        if self._is_main(request):
            self.navigations += 1
            self.pending.add(request)
            self.urls.append(request.url)

    def _on_done(self, request: Any) -> None:
        self.pending.discard(request)

    def _on_crash(self, _page: Any) -> None:
        self.crashed = True

    def _on_response(self, response: Any) -> None:
        main = self._is_main(response.request)
        if main and not (300 <= response.status < 400 and response.headers.get("location")):
            self.document = response
        if self.capture:
            task = asyncio.get_running_loop().create_task(self._read(response, main))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _read(self, response: Any, main: bool) -> None:
        at = datetime.now(UTC)
        status = response.status
        try:
            request = response.request
            headers = [(h["name"], h["value"]) for h in await response.headers_array()]
            body = b""
            truncated = False
            limit = min(self.max_resource, max(0, self.budget))
            declared = next((v for k, v in headers if k.lower() == "content-length"), None)
            if not (300 <= status < 400) and status not in (204, 304) and request.method != "HEAD":
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    truncated = True  # not read: too big for this visit
                else:
                    try:
                        body = await response.body()
                    except Exception:
                        # A document replaced at once (the challenge reloading itself): the browser
                        # has dropped its body. Listed in the visit's metadata record, not archived.
                        self.unavailable.append(f"{status} {response.url}")
                        return
                    if len(body) > limit:
                        body, truncated = b"", True
            self.budget -= len(body)
            request_headers = [(h["name"], h["value"]) for h in await request.headers_array()]
            address = None
            with contextlib.suppress(Exception):
                server = await response.server_addr()
                address = server["ipAddress"] if server else None
            try:
                version = await response.http_version()
            except Exception:
                version = "HTTP/1.1"
            seen = BrowserResponse(
                url=response.url,
                method=request.method,
                status=status,
                status_text=response.status_text or "",
                http_version=version,
                response_headers=headers,
                request_headers=request_headers,
                body=body,
                truncated=truncated,
                at=at,
                ip=address,
                main=main,
            )
            self.responses.append((response, seen))
        except Exception:  # the page is gone: nothing more to learn about this response
            self.unavailable.append(f"{status} {response.url}")

    async def finish(self, timeout: float) -> None:
        """Wait (bounded) for the body reads still running, before the page closes."""
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=max(0.1, timeout))
            for task in pending:
                task.cancel()

    def captured(self) -> list[BrowserResponse]:
        """What the page received, the final document marked."""
        for response, seen in self.responses:
            seen.document = response is self.document
        return [seen for _response, seen in self.responses]

    def redirects(self) -> tuple[str, ...]:
        """Every URL the main frame moved to after the first (redirect hops, script navigations);
        a reload of the same URL (the challenge's) is not a move."""
        chain: list[str] = []
        previous = self.urls[0] if self.urls else None
        for url in self.urls[1:]:
            if url != previous:
                chain.append(url)
            previous = url
        return tuple(chain)


def failure_outcome(exc: BaseException, url: str, started: float, visit: Visit | None = None) -> Outcome:
    """A browser-side failure as a verdict (never an exception)."""
    elapsed = int((time.monotonic() - started) * 1000)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    detail = f"{type(exc).__name__}: {message}"[:300]
    name = type(exc).__name__
    # The address guard stopped the page itself (or a redirect of it), not just one of its resources.
    refused = [u for u in visit.urls if u in visit.refused] if visit is not None else []
    if visit is not None and refused:
        why = visit.refused[refused[-1]]
        return Outcome(Verdict.SKIPPED, f"ssrf:{why}", final_url=refused[-1], elapsed_ms=elapsed, error=detail)
    code_match = _NET_ERROR.search(str(exc))
    if (visit is not None and visit.crashed) or isinstance(exc, BrowserGone) or any(s in str(exc) for s in _CLOSED):
        reason = reasons.BROWSER_CRASH
    elif isinstance(exc, TimeoutError) or name == "TimeoutError" or "Timeout" in message[:40]:
        reason = reasons.BROWSER_TIMEOUT
    elif code_match:
        code = code_match.group(1)
        if code in ("ERR_NAME_NOT_RESOLVED", "ERR_NAME_RESOLUTION_FAILED"):
            reason = reasons.BROWSER_DNS
        elif "CERT" in code or "SSL" in code:
            reason = reasons.BROWSER_TLS
        elif code in ("ERR_CONNECTION_REFUSED", "ERR_CONNECTION_FAILED", "ERR_ADDRESS_UNREACHABLE"):
            reason = reasons.BROWSER_CONNECT
        elif code == "ERR_TIMED_OUT" or code == "ERR_CONNECTION_TIMED_OUT":
            reason = reasons.BROWSER_TIMEOUT
        else:
            reason = reasons.BROWSER_NET
    else:
        reason = reasons.BROWSER_ERROR
    return Outcome(Verdict.ERROR, reason, final_url=url, elapsed_ms=elapsed, error=detail)


class BrowserChecker:
    """Checks links in headless Chromium: ``async with BrowserChecker(settings) as browser:`` (or
    :meth:`start` … :meth:`aclose`; :meth:`accepts` starts it on first use).

    ``route``/``route_hosts``/``route_fallback``: send those names where ``route(host, port)`` says
    (tests, the demo; see :mod:`linkcheck.browser.launch`). ``archiver``: the run's archive, which
    the pages it planned are captured through when the browser finds them alive.
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        options: BrowserSettings | None = None,
        *,
        route: Route | None = None,
        route_hosts: Iterable[str] = (),
        route_fallback: bool = False,
        archiver: Archiver | None = None,
    ) -> None:
        from linkcheck.net.transport import FetchSettings

        self.settings = settings or FetchSettings()
        self.options = options or BrowserSettings()
        self.archiver = archiver
        self.chromium = Chromium(
            self.settings,
            self.options,
            route=route,
            route_hosts=route_hosts,
            route_fallback=route_fallback,
            on_refused=self._refused,
        )
        self.gates = HostGates(self._politeness_for)
        self._pages = asyncio.Semaphore(max(1, self.options.max_pages))
        self._visits: dict[Any, Visit] = {}
        self._start_lock = asyncio.Lock()
        self._started = False
        self._summary = RecheckSummary()
        self._first_page: float | None = None
        self._last_page: float | None = None

    def _politeness_for(self, host: str) -> Politeness:
        """The site's browser pacing; a configured per-host override sets the interval, never more
        than the site's browser concurrency (one page at a time)."""
        profile = profile_for(host)
        own = profile.browser.politeness if profile.browser else replace(profile.politeness, concurrency=1)
        override = self.settings.politeness_overrides.get(host)
        if override is None:
            return own
        return replace(override, concurrency=min(override.concurrency, own.concurrency))

    def _refused(self, page: Any, url: str, why: str) -> None:
        visit = self._visits.get(page)
        if visit is not None:
            visit.refused[url] = why

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> bool:
        """Start Chromium (once); False, with :attr:`unavailable` saying why, when it cannot run."""
        async with self._start_lock:
            if not self._started:
                self._started = True
                await self.chromium.start()
        return self.unavailable is None

    async def aclose(self) -> None:
        await self.chromium.close()

    async def __aenter__(self) -> BrowserChecker:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def unavailable(self) -> str | None:
        return self.chromium.unavailable

    @property
    def available(self) -> bool:
        return self.chromium.unavailable is None

    @property
    def version(self) -> str:
        return self.chromium.version

    @property
    def restarts(self) -> int:
        return self.chromium.restarts

    def summary(self, eligible: int) -> RecheckSummary:
        """What the browser did for the ``eligible`` links the runner escalated to it."""
        summary = replace(self._summary, eligible=eligible, browser=self.version, restarts=self.restarts)
        summary.unavailable = self.unavailable if self._started else None
        summary.not_attempted = max(0, eligible - summary.attempted)
        if self._first_page is not None and self._last_page is not None:
            summary.elapsed_s = self._last_page - self._first_page
        return summary

    # -- the runner's escalation ---------------------------------------------------------------

    async def accepts(self, link: Link) -> bool:
        """Whether the browser checks ``link`` now: it runs here, and has not left the host alone."""
        return await self.start() and not self.gates[link.host].tripped

    async def check(self, link: Link) -> Outcome:
        """The link's outcome as the browser sees it (``via=browser``)."""
        outcome = await self.check_url(link.canonical, capture=True)
        self._summary.add(link, outcome)
        return outcome

    # -- one URL -------------------------------------------------------------------------------

    async def check_url(self, url: str, *, capture: bool = False) -> Outcome:
        """Open ``url`` in its site's context (challenge reloads followed) and classify what rendered.
        ``capture``: archive the page through the archiver when it planned the page and it is alive."""
        if not self._started:
            await self.start()
        if self.unavailable is not None:
            return Outcome(
                Verdict.ERROR, reasons.BROWSER_UNAVAILABLE, final_url=url, error=self.unavailable, via=Via.BROWSER
            )
        host = (urlsplit(url).hostname or "").lower()
        gate = self.gates[host]
        if gate.tripped:
            paused_by = gate.tripped_reason
            return Outcome(Verdict.BLOCKED, reasons.BROWSER_PAUSED, final_url=url, marker=paused_by, via=Via.BROWSER)
        archive = self.archiver if capture and self._archives(url) else None
        async with gate.slot(), self._pages:
            started = time.monotonic()  # the page's own time: not the wait for its turn
            self._first_page = started if self._first_page is None else self._first_page
            outcome = await self._visit_safely(url, started, archive)
            self._last_page = time.monotonic()
        gate.observe(outcome)
        return outcome

    def _archives(self, url: str) -> bool:
        """Whether the run's archive wants this page captured (it planned it, and can still write)."""
        return self.archiver is not None and self.archiver.failure is None and url in self.archiver.planned

    async def _visit_safely(self, url: str, started: float, archive: Archiver | None) -> Outcome:
        holder: list[Visit] = []
        try:
            outcome = await asyncio.wait_for(
                self._visit(url, started, holder, archive), timeout=self.options.page_timeout + 10
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every browser failure is a verdict (a timeout too)
            outcome = failure_outcome(exc, url, started, holder[0] if holder else None)
        return replace(outcome, via=Via.BROWSER)

    async def _visit(self, url: str, started: float, holder: list[Visit], archive: Archiver | None) -> Outcome:
        profile = profile_for((urlsplit(url).hostname or "").lower())
        deadline = started + self.options.page_timeout
        context = await self.chromium.context_for(profile)
        page = await context.new_page()
        visit = Visit(
            page,
            capture=archive is not None,
            max_resource=self.options.max_resource_bytes,
            max_total=self.options.max_capture_bytes,
        )
        self._visits[page] = visit  # for the address guard's bookkeeping
        holder.append(visit)
        try:
            html = await self._navigate(page, visit, url, deadline)
            if visit.crashed:
                raise RuntimeError("page crashed")
            document = visit.document
            if document is None:
                raise RuntimeError("no document response")
            body = html.encode("utf-8")
            cap = self.options.max_html_bytes
            page_view = Page(
                url=url,
                final_url=document.url,
                status=document.status,
                content_type="text/html; charset=utf-8",
                body=body[:cap],
                redirects=visit.redirects(),
                body_read=True,
                truncated=len(body) > cap,
                elapsed_ms=int((time.monotonic() - started) * 1000),
            )
            outcome = classify(page_view, profile)
            outcome = replace(outcome, elapsed_ms=int((time.monotonic() - started) * 1000), error=None, via=Via.BROWSER)
            if archive is not None and outcome.verdict is Verdict.ALIVE:
                await visit.finish(max(1.0, deadline - time.monotonic()))
                await self._archive(archive, url, visit, html, outcome)
            return outcome
        finally:
            await visit.finish(0.5)
            self._visits.pop(page, None)
            with contextlib.suppress(Exception):
                await page.close()

    async def _archive(self, archive: Archiver, url: str, visit: Visit, html: str, outcome: Outcome) -> None:
        """Capture the page as seen; a disk or database failure stops the run's archiving (the
        archive's own rule), never the check."""
        from linkcheck.store import StoreError

        try:
            page = await archive_visit(
                archive,
                url,
                visit.captured(),
                html,
                outcome,
                navigations=visit.navigations,
                unavailable=visit.unavailable,
            )
        except (OSError, StoreError) as exc:
            archive.failure = archive.failure or exc
            return
        self._summary.captured += page.outcome in ("captured", "unchanged")

    async def _navigate(self, page: Any, visit: Visit, url: str, deadline: float) -> str:
        """Go, follow script reloads/redirects until the page settles, return the rendered HTML."""
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        errors = self.chromium.errors
        profile = profile_for((urlsplit(url).hostname or "").lower())

        def left_ms() -> float:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"Timeout: page did not settle within {self.options.page_timeout:g}s")
            return remaining * 1000

        try:
            await page.goto(url, wait_until="load", timeout=left_ms(), referer=profile.headers.get("Referer"))
        except PlaywrightTimeout:
            raise
        except errors as exc:
            # A challenge that reloads before "load" interrupts the first navigation: not a failure.
            if visit.document is None or not any(s in str(exc) for s in _INTERRUPTED):
                raise
        for _ in range(max(1, self.options.max_navigations)):
            seen = visit.navigations
            await page.wait_for_load_state("load", timeout=left_ms())
            with contextlib.suppress(PlaywrightTimeout):
                await page.wait_for_load_state("networkidle", timeout=min(self.options.idle * 1000, left_ms()))
            await asyncio.sleep(min(self.options.quiet, left_ms() / 1000))
            if visit.navigations == seen and not visit.pending:
                break
        # Still navigating after max_navigations (a reload loop): classify what is there now.
        for _ in range(5):
            try:
                return await page.content()
            except errors as exc:
                if not any(s in str(exc) for s in ("navigating", "changing the content", *_INTERRUPTED)):
                    raise
                with contextlib.suppress(PlaywrightTimeout):
                    await page.wait_for_load_state("load", timeout=min(2000, left_ms()))
        return await page.content()


__all__ = ["BrowserChecker", "Visit", "failure_outcome"]
