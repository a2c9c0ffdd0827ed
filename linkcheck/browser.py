"""Re-check ``blocked`` links in a real headless browser: Zhihu's ``__zse_ck`` challenge and friends.

A plain HTTP client gets Zhihu's 403 JavaScript challenge for live *and* deleted posts
(shared/docs/decay-signatures.md §2 row 6): deadness is only observable after running the
challenge script. With the optional extra (``pip install 'linkcheck[browser]'``: Playwright for
Python) and Debian's ``chromium`` package, :func:`recheck_blocked` opens each such URL in headless
Chromium, which runs the script, keeps the cookie for the rest of the run and lands on the real
page; the rendered page is classified by the same site profiles (:func:`linkcheck.classify.classify`).

Rules it keeps (docs/browser.md has the long form):

* **Only where it helps.** Only ``blocked`` outcomes of sites whose profile allows it (Zhihu,
  WeChat), never login walls or "open in the WeChat client" pages a browser cannot pass.
* **One browser context per site** (cookies persist across that site's URLs within the run, and
  never leak to another site), **one page at a time per host**, paced by the site's politeness
  interval (:class:`~linkcheck.ratelimit.HostGate`); a host whose walls persist in the browser too
  is left alone after ``trip_after`` walls.
* **A failure is a verdict.** Navigation timeout → ``error:browser-timeout``; a crashed renderer
  or browser → ``error:browser-crash`` (the browser is relaunched, a bounded number of times);
  network errors → ``error:browser-dns|connect|tls|net``. Nothing raises out of :meth:`check`.
* **No Chromium, no problem.** Without Playwright or a Chromium executable the URLs stay
  ``blocked`` and :class:`RecheckSummary` says why (``unavailable``).
* **Archived as seen.** Every response the page received (document, challenge, reload,
  resources) is written as WARC ``response``/``request`` records from Playwright's response
  events, plus the rendered DOM as a ``conversion`` record and a ``metadata`` record — in files of
  their own whose ``warcinfo`` says ``linkcheck browser capture``. HTTP headers are reconstructed
  from the browser's events; bodies come decoded, so ``Content-Encoding``/``Transfer-Encoding`` are
  dropped and ``Content-Length`` is the stored length.

Proxy, trust and routing: the browser goes the HTTP client's way. The same proxy
(:func:`linkcheck.fetch.proxy_plan`: ``--proxy``, else ``HTTP(S)_PROXY``/``NO_PROXY``) becomes
Playwright's ``proxy`` launch option (Chromium's ``--proxy-server``/``--proxy-bypass-list``), so
behind a proxy Chromium never resolves a page's host itself. A configured CA (``--ca-bundle``,
``FetchSettings.extra_ca_pem``) is trusted through a throwaway NSS database (:mod:`linkcheck.nssdb`,
``certutil`` from ``libnss3-tools``) in a temporary ``HOME`` the browser runs with: Chromium itself
verifies every certificate, host name included. Tests, benchmarks and the demo may also pass the
simulated web's ``route(host, port)`` function: it becomes ``--host-resolver-rules`` (``MAP host:443
127.0.0.1:PORT``, every other name ``~NOTFOUND``). Unless ``allow_private``, every request of the
page is first checked against the same address rules as the HTTP client (loopback, private,
link-local and multicast addresses are refused); a proxied request's name is left to the proxy, as
the HTTP client does, and only IP literals and ``localhost`` names are refused.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import io
import os
import re
import shutil
import socket
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from linkcheck import __version__
from linkcheck.canonical import address_refusal, address_skip_reason
from linkcheck.classify import Page, classify
from linkcheck.models import Link, Outcome, Verdict
from linkcheck.nssdb import CERTUTIL_MISSING, TrustStoreError, find_certutil, make_home
from linkcheck.ratelimit import HostGates, site_politeness
from linkcheck.resolve import RoutingResolver
from linkcheck.sites import SiteProfile, profile_for

if TYPE_CHECKING:
    from linkcheck.fetch import FetchSettings, ProxyPlan

Route = Callable[[str, int], "tuple[str, int] | None"]

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Flags for a closed, reproducible run: no GPU, no QUIC, no first-run UI, and none of the background
# connections (component updates, sync, variations…) a fresh profile would otherwise open.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
)
# Sites whose walls a browser can get past when the profile has no ``browser_recheck`` field yet.
BROWSER_SITES: frozenset[str] = frozenset({"zhihu", "weixin"})
# Walls a browser does not get past: a login, a page that only opens in the WeChat app, signed-API
# refusals, and rate limits (asking again in a browser only prolongs those).
NOT_FOR_BROWSER: frozenset[str] = frozenset(
    {"login-wall", "antibot:weixin-client-only", "antibot:weixin-frequency", "antibot:zhihu-api", "rate-limited"}
)
_HAS_VIA = "via" in {f.name for f in fields(Outcome)}
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
_DROP_RESPONSE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


# --------------------------------------------------------------------------------------------
# Availability
# --------------------------------------------------------------------------------------------


def find_chromium(path: str | os.PathLike[str] | None = None) -> str | None:
    """The Chromium executable: ``path`` if given, else ``/usr/bin/chromium`` or ``chromium`` on PATH."""
    if path is not None:
        candidates: list[str | None] = [os.fspath(path)]
    else:
        candidates = [
            os.environ.get("LINKCHECK_CHROMIUM"),
            DEFAULT_CHROMIUM,
            shutil.which("chromium"),
            shutil.which("chromium-browser"),
        ]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def available(path: str | os.PathLike[str] | None = None, *, custom_ca: bool = False) -> tuple[bool, str]:
    """Whether the browser path can run here, and why (not): Playwright importable, Chromium found,
    and with ``custom_ca`` (a CA bundle to trust) ``certutil`` found to hand it to Chromium."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return False, "Playwright is not installed (pip install 'linkcheck[browser]')"
    executable = find_chromium(path)
    if executable is None:
        where = os.fspath(path) if path is not None else f"{DEFAULT_CHROMIUM} or on PATH"
        return False, f"no Chromium executable {where} (Debian: apt-get install chromium)"
    if custom_ca and find_certutil() is None:
        return False, CERTUTIL_MISSING
    return True, f"Chromium at {executable}"


def browser_allowed(profile: SiteProfile) -> bool:
    """Whether the site profile lets a browser re-check its blocked links."""
    return bool(getattr(profile, "browser_recheck", profile.name in BROWSER_SITES))


def mark_browser(outcome: Outcome) -> Outcome:
    """The outcome marked as decided by the browser (``Outcome.via``, where the field exists)."""
    return replace(outcome, via="browser") if _HAS_VIA else outcome  # type: ignore[call-arg]


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrowserSettings:
    executable: str | None = None  # None: /usr/bin/chromium, else `chromium` on PATH
    page_timeout: float = 30.0  # one visit: navigation, challenge reloads, settling
    idle: float = 2.0  # longest wait for network quiet after the load event
    quiet: float = 0.15  # a script-scheduled reload/redirect shows up within this after load
    max_navigations: int = 4  # main-frame navigations followed per visit (challenge reloads)
    max_pages: int = 4  # pages open at once, across sites
    max_html_bytes: int = 2 * 1024 * 1024  # rendered HTML handed to the classifier
    launch_timeout: float = 30.0
    max_restarts: int = 2  # relaunches after a browser crash, per run
    sites: frozenset[str] | None = None  # None: every profile that allows it
    skip_reasons: frozenset[str] = NOT_FOR_BROWSER
    warc_dir: Path | None = None  # None: nothing archived
    capture_verdicts: frozenset[str] = frozenset({"alive"})  # visits whose network log is archived
    max_resource_bytes: int = 8 * 1024 * 1024  # a longer body is not kept (WARC-Truncated: length)
    max_capture_bytes: int = 40 * 1024 * 1024  # bodies kept per visit
    extra_args: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# One visit: what the page's network events said
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Exchange:
    """One response the page received, as Playwright reported it (body decoded)."""

    url: str
    method: str
    status: int
    status_text: str
    http_version: str
    response_headers: list[tuple[str, str]]
    request_headers: list[tuple[str, str]]
    body: bytes
    truncated: bool
    at: datetime
    ip: str | None
    resource_type: str
    main: bool  # a main-frame navigation (the document, a challenge page, a redirect hop)
    response: Any = field(default=None, repr=False, compare=False)  # Playwright's Response


class _Visit:
    """Listens to one page: main-frame navigations (for the final status) and, if asked, bodies."""

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
        self.exchanges: list[Exchange] = []
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
            self.exchanges.append(
                Exchange(
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
                    resource_type=request.resource_type,
                    main=main,
                    response=response,
                )
            )
        except Exception:  # the page is gone: nothing more to learn about this response
            self.unavailable.append(f"{status} {response.url}")

    async def finish(self, timeout: float) -> None:
        """Wait (bounded) for the body reads still running, before the page closes."""
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=max(0.1, timeout))
            for task in pending:
                task.cancel()

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


# --------------------------------------------------------------------------------------------
# WARC records of what the browser saw
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class CaptureRecord:
    """One response record written (for a ``captures`` table: see :func:`store_sink`)."""

    canonical: str | None  # the cited URL, on the visit's document record only
    url: str
    kind: str  # "page", "redirect" or "requisite"
    warc_file: str
    warc_offset: int
    warc_length: int
    warc_record_id: str
    warc_date: str
    payload_digest: str
    payload_length: int
    truncated: bool
    http_status: int
    content_type: str | None
    page_record: int | None = None  # index of the page's record in the same batch, for requisites


def _sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")  # the WARC digest algorithm


def _warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class BrowserWarc:
    """Writes browser visits through :class:`linkcheck.archive.WarcFileWriter` (same naming, ``.open``
    files renamed on close), in files whose ``warcinfo`` names the browser capture."""

    def __init__(self, directory: Path, *, browser_version: str, user_agent: str) -> None:
        from linkcheck.archive import WarcFileWriter

        self.writer = WarcFileWriter(
            Path(directory),
            info={
                "software": f"linkcheck/{__version__} browser capture (Playwright, {browser_version})",
                "description": (
                    "Pages as a headless browser saw them during `linkcheck check` browser re-checks. "
                    "Records come from the browser's network events: HTTP headers are reconstructed, "
                    "bodies are decoded (Content-Encoding/Transfer-Encoding dropped, Content-Length = "
                    "stored length); conversion records hold the rendered DOM."
                ),
                "http-header-user-agent": user_agent,
            },
        )
        self.records = 0
        self._lock = asyncio.Lock()

    @property
    def files(self) -> list[str]:
        names = list(self.writer.closed_files)
        if self.writer.current:
            names.append(self.writer.current)
        return names

    def close(self) -> None:
        self.writer.close()

    @staticmethod
    def _response_headers(exchange: Exchange) -> list[tuple[str, str]]:
        kept = [
            (k, v)
            for k, v in exchange.response_headers
            if not k.startswith(":") and k.lower() not in _DROP_RESPONSE_HEADERS
        ]
        kept.append(("Content-Length", str(len(exchange.body))))
        return kept

    @staticmethod
    def _request_line(exchange: Exchange) -> tuple[str, list[tuple[str, str]]]:
        parts = urlsplit(exchange.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [(k, v) for k, v in exchange.request_headers if not k.startswith(":")]
        if not any(k.lower() == "host" for k, _ in headers):
            headers.insert(0, ("Host", parts.netloc))
        return f"{exchange.method} {target} HTTP/1.1", headers

    def _build(
        self, canonical: str, visit: _Visit, html: str, outcome: Outcome
    ) -> tuple[list[Any], list[tuple[int, Exchange]], int | None]:
        from warcio.recordbuilder import RecordBuilder
        from warcio.statusandheaders import StatusAndHeaders

        builder = RecordBuilder(warc_version="1.1")
        records: list[Any] = []
        responses: list[tuple[int, Exchange]] = []
        document_index: int | None = None
        document = visit.document
        for exchange in sorted(visit.exchanges, key=lambda e: e.at):
            date = _warc_date(exchange.at)
            extra = {"WARC-Date": date, "WARC-Payload-Digest": _sha1(exchange.body)}
            if exchange.ip:
                extra["WARC-IP-Address"] = exchange.ip
            if exchange.truncated:
                extra["WARC-Truncated"] = "length"
            http = StatusAndHeaders(
                f"{exchange.status} {exchange.status_text}".strip(),
                self._response_headers(exchange),
                protocol="HTTP/1.1",
            )
            response = builder.create_warc_record(
                exchange.url,
                "response",
                payload=io.BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=http,
                warc_headers_dict=extra,
            )
            if document is not None and exchange.response is document:
                document_index = len(records)
            responses.append((len(records), exchange))
            records.append(response)
            line, headers = self._request_line(exchange)
            records.append(
                builder.create_warc_record(
                    exchange.url,
                    "request",
                    http_headers=StatusAndHeaders(line, headers, is_http_request=True),
                    warc_headers_dict={
                        "WARC-Date": date,
                        "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
                    },
                )
            )
        final_url = outcome.final_url or canonical
        refers = (
            records[document_index].rec_headers.get_header("WARC-Record-ID") if document_index is not None else None
        )
        now = _warc_date(datetime.now(UTC))
        dom = html.encode("utf-8")
        conversion_headers = {"WARC-Date": now, "Content-Type": "text/html; charset=utf-8"}
        if refers:
            conversion_headers["WARC-Refers-To"] = refers
        records.append(
            builder.create_warc_record(
                final_url,
                "conversion",
                payload=io.BytesIO(dom),
                length=len(dom),
                warc_content_type="text/html; charset=utf-8",
                warc_headers_dict=conversion_headers,
            )
        )
        fields_text = "".join(
            f"{key}: {value}\n"
            for key, value in (
                ("via", "browser"),
                ("cited-url", canonical),
                ("final-url", final_url),
                ("verdict", outcome.verdict.value),
                ("reason", outcome.reason),
                ("http-status", outcome.http_status),
                ("navigations", visit.navigations),
                ("responses", len(visit.exchanges)),
                ("http-versions", ",".join(sorted({e.http_version for e in visit.exchanges}))),
                *(("body-unavailable", entry) for entry in visit.unavailable),
            )
        ).encode("utf-8")
        metadata_headers = {"WARC-Date": now}
        if refers:
            metadata_headers["WARC-Refers-To"] = refers
        records.append(
            builder.create_warc_record(
                final_url,
                "metadata",
                payload=io.BytesIO(fields_text),
                length=len(fields_text),
                warc_content_type="application/warc-fields",
                warc_headers_dict=metadata_headers,
            )
        )
        return records, responses, document_index

    async def write(self, canonical: str, visit: _Visit, html: str, outcome: Outcome) -> list[CaptureRecord]:
        records, responses, document_index = self._build(canonical, visit, html, outcome)
        async with self._lock:
            name, positions = await asyncio.to_thread(self.writer.write, records)
        self.records += len(records)
        captured: list[CaptureRecord] = []
        for index, exchange in responses:
            offset, length = positions[index]
            record = records[index]
            is_page = index == document_index
            kind = "page" if is_page else ("redirect" if exchange.main else "requisite")
            content_type = next((v for k, v in exchange.response_headers if k.lower() == "content-type"), None)
            captured.append(
                CaptureRecord(
                    canonical=canonical if is_page else None,
                    url=exchange.url,
                    kind=kind,
                    warc_file=name,
                    warc_offset=offset,
                    warc_length=length,
                    warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
                    warc_date=record.rec_headers.get_header("WARC-Date"),
                    payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
                    payload_length=len(exchange.body),
                    truncated=exchange.truncated,
                    http_status=exchange.status,
                    content_type=content_type,
                )
            )
        return captured


def store_sink(store: Any, run_id: int | None) -> Callable[[list[CaptureRecord]], None]:
    """An ``on_capture`` callback writing a visit's records as rows of the store's ``captures`` table
    (the page first, its redirect hops and requisites pointing at it), as ``linkcheck archive`` does."""

    def sink(captured: list[CaptureRecord]) -> None:
        page_id = None
        ordered = sorted(captured, key=lambda c: c.kind != "page")
        for capture in ordered:
            row = {
                "url": capture.url,
                "kind": capture.kind,
                "run_id": run_id,
                "warc_date": capture.warc_date,
                "warc_file": capture.warc_file,
                "warc_offset": capture.warc_offset,
                "warc_length": capture.warc_length,
                "warc_record_id": capture.warc_record_id,
                "record_type": "response",
                "payload_digest": capture.payload_digest,
                "payload_length": capture.payload_length,
                "truncated": "length" if capture.truncated else None,
                "http_status": capture.http_status,
                "content_type": capture.content_type,
            }
            if capture.kind == "page":
                page_id = store.record_capture(canonical=capture.canonical, **row)
            elif page_id is not None:
                store.record_capture(page_capture_id=page_id, **row)

    return sink


# --------------------------------------------------------------------------------------------
# Routing (tests, demo) and the address guard (production)
# --------------------------------------------------------------------------------------------


def _hostport(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def host_resolver_rules(
    route: Route, hosts: Iterable[str], *, fallback: bool = False, exclude: Iterable[str] = ()
) -> str:
    """``--host-resolver-rules`` sending ``hosts`` where ``route`` sends them (443 and 80 apart).

    Without ``fallback`` every other name is ``~NOTFOUND`` (a closed world, like a
    :class:`~linkcheck.resolve.RoutingResolver` without system fallback) — except the ``exclude``
    names (the proxy's), which Chromium resolves as usual.
    """
    rules: list[str] = [f"EXCLUDE {host}" for host in sorted({h.lower() for h in exclude if h})]
    for host in sorted({h.lower().rstrip(".") for h in hosts if h}):
        for port in (443, 80):
            target = route(host, port)
            if target is None or target[0] == "nxdomain":
                rules.append(f"MAP {host}:{port} ~NOTFOUND")
            else:
                rules.append(f"MAP {host}:{port} {_hostport(target[0], target[1])}")
    if not fallback:
        rules.append("MAP * ~NOTFOUND")
    return ", ".join(rules)


def chromium_proxy(plan: ProxyPlan) -> dict[str, str] | None:
    """Playwright's ``proxy`` launch option for the HTTP client's proxies, or None (direct).

    Chromium is given one proxy: the client's proxy for https:// URLs (the pages re-checked are
    Zhihu's and WeChat's), else its proxy for http:// URLs. ``NO_PROXY`` entries become the bypass
    list with the meaning urllib (and so aiohttp) gives them: ``example.org`` and ``.example.org``
    both cover the name and its subdomains; ``*`` sends everything direct.
    """
    server_url = plan.proxies.get("https") or plan.proxies.get("http")
    if server_url is None:
        return None
    entries = [entry.strip() for entry in plan.no_proxy.split(",") if entry.strip()]
    if "*" in entries:
        return None
    bypass: list[str] = []
    for entry in entries:
        if "/" in entry:  # urllib matches no CIDR block (it takes it for a name): neither does the browser
            continue
        name = entry.lstrip(".")
        bypass += [name, f".{name}"]  # Playwright turns ".name" into Chromium's "*.name"
    parts = urlsplit(server_url)
    option = {"server": f"{parts.scheme or 'http'}://{parts.netloc.rpartition('@')[2]}"}
    if bypass:
        option["bypass"] = ",".join(bypass)
    if parts.username is not None:  # Playwright answers the proxy's 407 with these
        option["username"] = unquote(parts.username)
        option["password"] = unquote(parts.password or "")
    return option


def route_of(resolver: Any) -> tuple[Route | None, bool]:
    """The routing function and system-fallback flag of a :class:`~linkcheck.resolve.RoutingResolver`
    (``(None, True)`` for anything else: the browser then resolves names itself)."""
    if not isinstance(resolver, RoutingResolver):
        return None, True
    return resolver.route_function, resolver.system_fallback


# --------------------------------------------------------------------------------------------
# The browser
# --------------------------------------------------------------------------------------------


class _Gone(Exception):
    """The browser is gone and may not be relaunched again."""


def _failure(exc: BaseException, url: str, started: float, visit: _Visit | None = None) -> Outcome:
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
    if (visit is not None and visit.crashed) or isinstance(exc, _Gone) or any(s in str(exc) for s in _CLOSED):
        reason = "browser-crash"
    elif isinstance(exc, TimeoutError) or name == "TimeoutError" or "Timeout" in message[:40]:
        reason = "browser-timeout"
    elif code_match:
        code = code_match.group(1)
        if code in ("ERR_NAME_NOT_RESOLVED", "ERR_NAME_RESOLUTION_FAILED"):
            reason = "browser-dns"
        elif "CERT" in code or "SSL" in code:
            reason = "browser-tls"
        elif code in ("ERR_CONNECTION_REFUSED", "ERR_CONNECTION_FAILED", "ERR_ADDRESS_UNREACHABLE"):
            reason = "browser-connect"
        elif code == "ERR_TIMED_OUT" or code == "ERR_CONNECTION_TIMED_OUT":
            reason = "browser-timeout"
        else:
            reason = "browser-net"
    else:
        reason = "browser-error"
    return Outcome(Verdict.ERROR, reason, final_url=url, elapsed_ms=elapsed, error=detail)


class BrowserFetcher:
    """Checks URLs in headless Chromium. ``async with BrowserFetcher(settings) as browser:``.

    Entering never raises for a missing or broken browser: ``unavailable`` then says why and
    :meth:`check` answers ``error:browser-unavailable``. ``route``/``route_hosts``: send those
    names where ``route(host, port)`` says (tests, demo); see the module docstring.
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        options: BrowserSettings | None = None,
        *,
        route: Route | None = None,
        route_hosts: Iterable[str] = (),
        route_fallback: bool = False,
        on_capture: Callable[[list[CaptureRecord]], None] | None = None,
    ) -> None:
        from linkcheck.fetch import FetchSettings, proxy_plan

        if settings is None:
            settings = FetchSettings()
        self.settings = settings
        self.options = options or BrowserSettings()
        self.route = route
        self.route_hosts = tuple(route_hosts)
        self.route_fallback = route_fallback
        self.on_capture = on_capture
        self.gates = HostGates(self._politeness_for)
        self.unavailable: str | None = None
        self.executable: str | None = None
        self.version: str = ""
        self.user_agent: str = ""
        self.restarts = 0
        self.proxies = proxy_plan(settings)
        self.proxy = chromium_proxy(self.proxies)  # Playwright's launch option; None: direct
        self._home: Path | None = None  # the browser's HOME, holding the NSS trust store (a CA is set)
        self.warc: BrowserWarc | None = None
        self._pw: Any = None
        self._browser: Any = None
        self._contexts: dict[str, Any] = {}
        self._context_lock = asyncio.Lock()
        self._launch_lock = asyncio.Lock()
        self._pages = asyncio.Semaphore(max(1, self.options.max_pages))
        self._address_cache: dict[str, str | None] = {}
        self._visits: dict[Any, _Visit] = {}
        self._errors: type[BaseException] | tuple[type[BaseException], ...] = ()

    def _politeness_for(self, host: str):
        base = site_politeness(host, self.settings.politeness_overrides)
        return replace(base, concurrency=1)  # one page at a time per site

    # -- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> BrowserFetcher:
        ok, why = available(self.options.executable, custom_ca=self._custom_ca)
        if not ok:
            self.unavailable = why
            return self
        self.executable = find_chromium(self.options.executable)
        if self._custom_ca:
            try:
                self._home = await asyncio.to_thread(make_home, self._ca_sources())
            except TrustStoreError as exc:  # the browser would refuse every page: say so once instead
                self.unavailable = f"the CA cannot be trusted in the browser: {exc}"[:400]
                return self
        try:
            await self._launch()
        except Exception as exc:  # no usable browser here: the links stay blocked, the report says why
            self.unavailable = f"Chromium did not start ({self.executable}): {type(exc).__name__}: {exc}"[:400]
            await self._shutdown()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._shutdown()

    async def _shutdown(self) -> None:
        for context in list(self._contexts.values()):
            with contextlib.suppress(Exception):
                await context.close()
        self._contexts.clear()
        if self._browser is not None:
            with contextlib.suppress(Exception):
                await self._browser.close()
            self._browser = None
        if self._pw is not None:
            with contextlib.suppress(Exception):
                await self._pw.stop()
            self._pw = None
        if self.warc is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.warc.close)
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    @property
    def _custom_ca(self) -> bool:
        return bool(self.settings.ca_bundle or self.settings.extra_ca_pem)

    def _ca_sources(self) -> list[tuple[str, bytes]]:
        """The PEM data the HTTP client trusts beyond (or instead of) the system store."""
        sources: list[tuple[str, bytes]] = []
        if self.settings.ca_bundle:
            try:
                sources.append((self.settings.ca_bundle, Path(self.settings.ca_bundle).read_bytes()))
            except OSError as exc:
                raise TrustStoreError(f"{self.settings.ca_bundle}: {exc.strerror or exc}") from None
        if self.settings.extra_ca_pem:
            sources.append(("the extra CA", self.settings.extra_ca_pem))
        return sources

    def _args(self) -> list[str]:
        args = [*CHROMIUM_FLAGS, *self.options.extra_args]
        if self.route is not None:
            # The proxy's name is not one of the routed names: Chromium must still find the proxy.
            exclude = self.proxies.hosts if self.proxy is not None else ()
            rules = host_resolver_rules(self.route, self.route_hosts, fallback=self.route_fallback, exclude=exclude)
            args.append(f"--host-resolver-rules={rules}")
        return args

    async def _launch(self) -> None:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        self._errors = (PlaywrightError,)
        if self._pw is None:
            self._pw = await async_playwright().start()
        launch: dict[str, Any] = {}
        if self.proxy is not None:
            launch["proxy"] = self.proxy
        if self._home is not None:
            # Chromium on Linux reads its trust store from $HOME/.pki/nssdb, and only from there.
            launch["env"] = {**os.environ, "HOME": str(self._home)}
        self._browser = await self._pw.chromium.launch(
            executable_path=self.executable,
            headless=True,
            args=self._args(),
            **launch,
            timeout=self.options.launch_timeout * 1000,
            handle_sigint=False,
            handle_sigterm=False,
            handle_sighup=False,
        )
        self.version = f"Chromium {self._browser.version}"
        if not self.user_agent:
            session = await self._browser.new_browser_cdp_session()
            try:
                info = await session.send("Browser.getVersion")
            finally:
                with contextlib.suppress(Exception):
                    await session.detach()
            # Headless Chromium says "HeadlessChrome": a label, not a capability; sites treat it as a bot.
            self.user_agent = str(info.get("userAgent", "")).replace("HeadlessChrome/", "Chrome/")
        if self.options.warc_dir is not None and self.warc is None:
            self.warc = BrowserWarc(self.options.warc_dir, browser_version=self.version, user_agent=self.user_agent)

    async def _ensure_browser(self) -> Any:
        browser = self._browser
        if browser is not None and browser.is_connected():
            return browser
        async with self._launch_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            if self.restarts >= self.options.max_restarts:
                raise _Gone(f"browser gone; gave up after {self.restarts} restarts")
            self.restarts += 1
            self._contexts.clear()  # they died with it (cookies too: challenges are solved again)
            with contextlib.suppress(Exception):
                if self._browser is not None:
                    await self._browser.close()
            self._browser = None
            await self._launch()
            return self._browser

    @property
    def available(self) -> bool:
        return self.unavailable is None

    # -- contexts ------------------------------------------------------------------------------

    async def _context_for(self, profile: SiteProfile) -> Any:
        if self._browser is None or not self._browser.is_connected():
            await self._ensure_browser()  # crashed: relaunch (bounded); its contexts died with it
        context = self._contexts.get(profile.name)
        if context is not None:
            return context
        async with self._context_lock:
            context = self._contexts.get(profile.name)
            if context is not None:
                return context
            browser = await self._ensure_browser()
            headers = {"Accept-Language": profile.request_headers().get("Accept-Language", "zh-CN,zh;q=0.9")}
            context = await browser.new_context(
                user_agent=self.user_agent or None,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                extra_http_headers=headers,
                service_workers="block",
                accept_downloads=False,
                viewport={"width": 1280, "height": 900},
            )
            # Every request passes _guard: the address rules (unless allow_private), no favicon fetches
            # (browser-initiated, outside the page's pacing). Routing also turns the HTTP cache off.
            await context.route("**/*", self._guard)
            self._contexts[profile.name] = context
            return context

    async def _refusal(self, host: str) -> str | None:
        """Why the page may not contact ``host`` (same address rules as the HTTP client)."""
        if host in self._address_cache:
            return self._address_cache[host]
        why = address_skip_reason(host.strip("[]"))
        # Behind the proxy the name is the proxy's to resolve (Chromium sends it the name, and this
        # machine may not resolve public names at all): only IP literals and localhost are refused here.
        proxied = self.proxy is not None and not self.proxies.bypassed(host)
        if why is None and not proxied and not _is_ip(host):
            addresses: list[str] = []
            if self.route is not None:
                target = self.route(host, 443)
                if target is not None:
                    addresses = [target[0]]
            if not addresses:
                with contextlib.suppress(OSError):
                    infos = await asyncio.get_running_loop().getaddrinfo(host, 443, type=socket.SOCK_STREAM)
                    addresses = [str(info[4][0]) for info in infos]
            for address in addresses:
                why = address_refusal(address)
                if why is not None:
                    break
        self._address_cache[host] = why
        return why

    async def _guard(self, route: Any, request: Any) -> None:
        parts = urlsplit(request.url)
        scheme = parts.scheme.lower()
        try:
            if scheme in ("data", "blob", "about"):
                await route.continue_()
                return
            if parts.path == "/favicon.ico":
                await route.abort("blockedbyclient")
                return
            why = None
            if scheme not in ("http", "https"):
                why = "scheme"
            elif not self.settings.allow_private:
                host = (parts.hostname or "").lower()
                trusted = host in getattr(self.settings, "trusted_hosts", ()) and not _is_ip(host)
                why = None if trusted else await self._refusal(host)
            if why is not None:
                with contextlib.suppress(Exception):
                    visit = self._visits.get(request.frame.page)
                    if visit is not None:
                        visit.refused[request.url] = why
                await route.abort("blockedbyclient")
                return
            await route.continue_()
        except Exception:  # the page went away meanwhile
            return

    # -- one URL -------------------------------------------------------------------------------

    async def check(self, url: str) -> Outcome:
        """Open ``url`` in the site's context (challenge reloads followed) and classify what rendered."""
        started = time.monotonic()
        if self.unavailable is not None:
            return Outcome(Verdict.ERROR, "browser-unavailable", final_url=url, error=self.unavailable)
        host = (urlsplit(url).hostname or "").lower()
        gate = self.gates[host]
        if gate.tripped:
            return mark_browser(Outcome(Verdict.BLOCKED, "browser-paused", final_url=url, marker=gate.tripped_reason))
        async with gate.slot(), self._pages:
            started = time.monotonic()
            outcome = await self._visit_safely(url, host, started)
        gate.observe(outcome)
        return outcome

    async def _visit_safely(self, url: str, host: str, started: float) -> Outcome:
        holder: list[_Visit] = []
        try:
            outcome = await asyncio.wait_for(
                self._visit(url, host, started, holder), timeout=self.options.page_timeout + 10
            )
        except asyncio.CancelledError:
            raise
        except TimeoutError as exc:
            outcome = _failure(exc, url, started, holder[0] if holder else None)
        except Exception as exc:  # every browser failure is a verdict
            outcome = _failure(exc, url, started, holder[0] if holder else None)
        return mark_browser(outcome)

    async def _visit(self, url: str, host: str, started: float, holder: list[_Visit]) -> Outcome:
        profile = profile_for(host)
        deadline = started + self.options.page_timeout
        context = await self._context_for(profile)
        page = await context.new_page()
        capture = self.warc is not None
        visit = _Visit(
            page,
            capture=capture,
            max_resource=self.options.max_resource_bytes,
            max_total=self.options.max_capture_bytes,
        )
        self._visits[page] = visit  # for the address guard's bookkeeping
        holder.append(visit)
        try:
            html = await self._navigate(page, visit, url, profile, deadline)
            if visit.crashed:
                raise RuntimeError("page crashed")
            document = visit.document
            if document is None:
                raise RuntimeError("no document response")
            body = html.encode("utf-8")
            cap = self.options.max_html_bytes
            final_url = document.url
            page_view = Page(
                url=url,
                final_url=final_url,
                status=document.status,
                content_type="text/html; charset=utf-8",
                body=body[:cap],
                redirects=visit.redirects(),
                body_read=True,
                truncated=len(body) > cap,
                elapsed_ms=int((time.monotonic() - started) * 1000),
            )
            outcome = classify(page_view, profile)
            outcome = replace(outcome, elapsed_ms=int((time.monotonic() - started) * 1000), error=None)
            if capture and outcome.verdict.value in self.options.capture_verdicts:
                await visit.finish(max(1.0, deadline - time.monotonic()))
                assert self.warc is not None
                captured = await self.warc.write(url, visit, html, outcome)
                if self.on_capture is not None:
                    with contextlib.suppress(Exception):
                        self.on_capture(captured)
            return outcome
        finally:
            await visit.finish(0.5)
            self._visits.pop(page, None)
            with contextlib.suppress(Exception):
                await page.close()

    async def _navigate(self, page: Any, visit: _Visit, url: str, profile: SiteProfile, deadline: float) -> str:
        """Go, follow script reloads/redirects until the page settles, return the rendered HTML."""
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        def left_ms() -> float:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"Timeout: page did not settle within {self.options.page_timeout:g}s")
            return remaining * 1000

        try:
            await page.goto(url, wait_until="load", timeout=left_ms(), referer=profile.headers.get("Referer"))
        except PlaywrightTimeout:
            raise
        except self._errors as exc:
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
            except self._errors as exc:
                if not any(s in str(exc) for s in ("navigating", "changing the content", *_INTERRUPTED)):
                    raise
                with contextlib.suppress(PlaywrightTimeout):
                    await page.wait_for_load_state("load", timeout=min(2000, left_ms()))
        return await page.content()


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host.strip("[]"))
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Re-checking a run's blocked links
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class RecheckSummary:
    """What the browser re-check did: the report's "resolved by browser" figures."""

    enabled: bool = True
    unavailable: str | None = None  # why the browser could not run (the links stay blocked)
    eligible: int = 0  # blocked links of sites the browser may re-check
    attempted: int = 0
    not_attempted: int = 0  # deadline, stop, or the browser paused the host
    verdicts: Counter = field(default_factory=Counter)  # browser verdict → n
    reasons: Counter = field(default_factory=Counter)  # "verdict:reason" → n
    by_site: dict[str, Counter] = field(default_factory=dict)
    elapsed_s: float = 0.0
    browser: str = ""
    warc_files: list[str] = field(default_factory=list)
    warc_records: int = 0
    restarts: int = 0

    @property
    def resolved(self) -> int:
        """Blocked links the browser decided: now alive or dead."""
        return self.verdicts.get("alive", 0) + self.verdicts.get("dead", 0)

    @property
    def per_minute(self) -> float:
        return self.attempted * 60 / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def add(self, link: Link, outcome: Outcome) -> None:
        self.attempted += 1
        verdict = outcome.verdict.value
        self.verdicts[verdict] += 1
        self.reasons[f"{verdict}:{outcome.reason}"] += 1
        self.by_site.setdefault(profile_for(link.host).name, Counter())[verdict] += 1

    def to_dict(self) -> dict:
        return {
            "enabled": self.enabled,
            "available": self.unavailable is None,
            "unavailable": self.unavailable,
            "eligible": self.eligible,
            "attempted": self.attempted,
            "not_attempted": self.not_attempted,
            "resolved": self.resolved,
            "alive": self.verdicts.get("alive", 0),
            "dead": self.verdicts.get("dead", 0),
            "still_blocked": self.verdicts.get("blocked", 0),
            "errors": self.verdicts.get("error", 0) + self.verdicts.get("skipped", 0),
            "reasons": dict(sorted(self.reasons.items())),
            "by_site": {site: dict(counts) for site, counts in sorted(self.by_site.items())},
            "elapsed_s": round(self.elapsed_s, 3),
            "per_minute": round(self.per_minute, 1),
            "browser": self.browser,
            "warc_files": list(self.warc_files),
            "warc_records": self.warc_records,
            "restarts": self.restarts,
        }

    @classmethod
    def from_dict(cls, data: dict) -> RecheckSummary:
        """Back from :meth:`to_dict` (a run row's ``counts["browser"]``), e.g. to :meth:`describe` it."""
        reasons = Counter(data.get("reasons") or {})
        verdicts: Counter = Counter()
        for key, n in reasons.items():
            verdicts[key.split(":", 1)[0]] += n
        return cls(
            enabled=bool(data.get("enabled", True)),
            unavailable=data.get("unavailable"),
            eligible=int(data.get("eligible", 0)),
            attempted=int(data.get("attempted", 0)),
            not_attempted=int(data.get("not_attempted", 0)),
            verdicts=verdicts,
            reasons=reasons,
            by_site={site: Counter(counts) for site, counts in (data.get("by_site") or {}).items()},
            elapsed_s=float(data.get("elapsed_s", 0.0)),
            browser=str(data.get("browser", "")),
            warc_files=list(data.get("warc_files") or []),
            warc_records=int(data.get("warc_records", 0)),
            restarts=int(data.get("restarts", 0)),
        )

    def describe(self) -> str:
        """One line for the report."""
        if not self.enabled:
            return "Browser re-check: off."
        if self.eligible == 0:
            return "Browser re-check: no blocked link to re-check."
        if self.unavailable is not None:
            return f"Browser re-check: {self.eligible} blocked link(s) stay blocked — {self.unavailable}."
        parts = [f"{self.verdicts.get(v, 0)} {label}" for v, label in (("alive", "alive"), ("dead", "dead"))]
        rest = [
            f"{self.verdicts[v]} {label}"
            for v, label in (("blocked", "still blocked"), ("error", "browser error"), ("skipped", "refused"))
            if self.verdicts.get(v)
        ]
        if self.not_attempted:
            rest.append(f"{self.not_attempted} not attempted")
        how = ", ".join(f"{n}× {reason}" for reason, n in self.reasons.most_common(4))
        return (
            f"Browser re-check: {self.resolved} of {self.eligible} blocked link(s) resolved by the browser "
            f"({', '.join(parts + rest)}) — {how}."
        )


class Rechecked(list):
    """``[(link, browser outcome), …]`` for the links the browser checked, plus ``.summary``."""

    def __init__(self, items: Iterable[tuple[Link, Outcome]] = (), summary: RecheckSummary | None = None) -> None:
        super().__init__(items)
        self.summary = summary or RecheckSummary()


def wants_browser(link: Link, outcome: Outcome, options: BrowserSettings | None = None) -> bool:
    """Whether a checked link is one the browser should re-check."""
    options = options or BrowserSettings()
    if outcome.verdict is not Verdict.BLOCKED or outcome.reason in options.skip_reasons:
        return False
    profile = profile_for(link.host)
    if options.sites is not None and profile.name not in options.sites:
        return False
    return browser_allowed(profile)


def _hosts_to_route(links: Sequence[Link]) -> set[str]:
    hosts: set[str] = set()
    for link in links:
        hosts.add(link.host)
        hosts.update(h for h in profile_for(link.host).hosts if not h.startswith("."))
    return hosts


async def recheck_blocked(
    items: Sequence[tuple[Link, Outcome]],
    *,
    settings: FetchSettings,
    options: BrowserSettings | None = None,
    route: Route | None = None,
    route_hosts: Iterable[str] | None = None,
    route_fallback: bool = False,
    deadline: float | None = None,
    stop: asyncio.Event | None = None,
    on_result: Callable[[Link, Outcome], None] | None = None,
    on_capture: Callable[[list[CaptureRecord]], None] | None = None,
) -> Rechecked:
    """Re-check the ``blocked`` outcomes among ``items`` (of sites that allow it) in a browser.

    Returns the browser's outcomes for the links it checked (``Outcome.via == "browser"`` where
    that field exists) and, in ``.summary``, what it resolved. Links it did not check — not
    eligible, no browser here, deadline/stop reached, host paused — are not in the list: their
    HTTP outcome stands. Never raises for anything the browser or a site does.
    """
    options = options or BrowserSettings()
    started = time.monotonic()
    eligible = [(link, outcome) for link, outcome in items if wants_browser(link, outcome, options)]
    summary = RecheckSummary(eligible=len(eligible))
    result = Rechecked(summary=summary)
    if not eligible:
        return result
    hosts = set(route_hosts) if route_hosts is not None else _hosts_to_route([link for link, _ in eligible])
    stop = stop or asyncio.Event()

    def should_stop() -> bool:
        return stop.is_set() or (deadline is not None and time.monotonic() >= deadline)

    async with BrowserFetcher(
        settings, options, route=route, route_hosts=hosts, route_fallback=route_fallback, on_capture=on_capture
    ) as browser:
        if browser.unavailable is not None:
            summary.unavailable = browser.unavailable
            summary.not_attempted = len(eligible)
            return result
        summary.browser = browser.version
        queues: dict[str, deque[Link]] = {}
        for link, _outcome in eligible:
            queues.setdefault(link.host, deque()).append(link)

        async def worker(queue: deque[Link]) -> None:
            while queue:
                if should_stop() or browser.gates[queue[0].host].tripped:
                    summary.not_attempted += len(queue)
                    queue.clear()
                    return
                link = queue.popleft()
                outcome = await browser.check(link.canonical)
                if stop.is_set():
                    summary.not_attempted += 1 + len(queue)
                    queue.clear()
                    return
                result.append((link, outcome))
                summary.add(link, outcome)
                if on_result is not None:
                    on_result(link, outcome)

        await asyncio.gather(*(worker(queue) for queue in queues.values()))
        summary.restarts = browser.restarts
        if browser.warc is not None:
            summary.warc_records = browser.warc.records
    if browser.warc is not None:
        summary.warc_files = browser.warc.files
    summary.elapsed_s = time.monotonic() - started
    return result


__all__ = [
    "BROWSER_SITES",
    "CHROMIUM_FLAGS",
    "BrowserFetcher",
    "BrowserSettings",
    "BrowserWarc",
    "CaptureRecord",
    "Exchange",
    "RecheckSummary",
    "Rechecked",
    "available",
    "browser_allowed",
    "chromium_proxy",
    "find_chromium",
    "host_resolver_rules",
    "mark_browser",
    "recheck_blocked",
    "route_of",
    "store_sink",
    "wants_browser",
]
