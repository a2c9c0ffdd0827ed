"""Polite HTTP: one aiohttp session, per-host gates, manual redirects, capped bodies, retries.

``Fetcher.check(url)`` returns an :class:`~linkcheck.models.Outcome` and never raises for anything
a server or the network can do: every failure is a verdict with a reason.

``Fetcher.check(url, recording=…)`` is the same check, a GET that also keeps its raw exchanges —
request headers, status line, headers and the body as received (still Content-Encoded) in a
temporary file, each redirect hop too — so the archive writes its WARC records from the very
exchange that was classified instead of asking the site again (:class:`Recording`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import hashlib
import os
import socket
import ssl
import tempfile
import time
import zlib
from base64 import b32encode
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import getproxies, proxy_bypass_environment

import aiohttp
from aiohttp.abc import AbstractResolver
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from linkcheck import reasons, soft404
from linkcheck.classify import Page, classify
from linkcheck.models import HOST_PAUSED, Outcome, Verdict
from linkcheck.net.gates import HostGate, HostGates, site_politeness
from linkcheck.net.probes import HostProbes
from linkcheck.net.resolve import GuardedResolver, is_blocked_address_error
from linkcheck.scan.canonical import address_skip_reason
from linkcheck.sites import Politeness, SiteProfile, profile_for

# HEAD answers that say nothing certain about the resource: ask again with GET (servers that do not
# implement HEAD answer 400/405/500/501; some walls only bite HEAD; 451's body tells why). 429 and 503
# are not here: they are retried as they are, after the Retry-After they carry.
_HEAD_FALLBACK_STATUSES = frozenset({400, 403, 404, 405, 406, 409, 410, 451, 500, 501, 502})
# What a recorded GET asks for: the encodings the window decoder (and every WARC tool) can undo.
RECORDED_ACCEPT_ENCODING = "gzip, deflate"
_CHUNK = 65536
# aiohttp refuses more response headers than this since 3.14 and accepts any number before: the
# limit is stated here, so the verdict (error: bad-response) does not depend on its release.
_MAX_RESPONSE_HEADERS = 128


def _too_many_headers(response: aiohttp.ClientResponse) -> aiohttp.ClientResponseError:
    return aiohttp.ClientResponseError(
        response.request_info,
        response.history,
        status=response.status,
        message=f"{len(response.raw_headers)} response headers (at most {_MAX_RESPONSE_HEADERS})",
    )


@dataclass(slots=True)
class FetchSettings:
    concurrency: int = 64  # requests in flight across all hosts
    connect_timeout: float = 10.0
    total_timeout: float = 30.0  # one attempt, headers and capped body together
    max_redirects: int = 10
    max_body_bytes: int = 2 * 1024 * 1024  # read for classification on sites whose content decides
    max_probe_bytes: int = 64 * 1024  # read on other sites' GET answers
    max_attempts: int = 3
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    max_retry_after: float = 60.0  # longest Retry-After honoured; longer waits give up for this run
    proxy: str | None = None  # else HTTP(S)_PROXY / NO_PROXY from the environment
    ca_bundle: str | None = None
    extra_ca_pem: bytes | None = None  # trusted in addition to the system store (tests, demo)
    allow_private: bool = False  # fetch loopback/private addresses (SSRF guard off)
    # Names allowed to resolve to loopback/private addresses while the guard stays on: the
    # simulated web's hosts in the guard's own tests. IP literals are never "trusted".
    trusted_hosts: frozenset[str] = frozenset()
    head_first: bool = True  # False: GET every URL (reads the capped body everywhere)
    politeness_overrides: dict[str, Politeness] = field(default_factory=dict)
    host_headers: dict[str, dict[str, str]] = field(default_factory=dict)  # per-host extra headers
    # Soft 404s (linkcheck.soft404): probe a host of a profile without markers of its own once per
    # run when one of its pages answers 200, and call pages that answer like the probe dead.
    soft_404: bool = True

    def refusal(self, host: str) -> str | None:
        """Why a URL's host (name or IP literal) must not be contacted, or None (SSRF guard)."""
        if self.allow_private or host in self.trusted_hosts:
            return None
        return address_skip_reason(host)


def _ssl_context(settings: FetchSettings) -> ssl.SSLContext | bool:
    """The client's TLS context: ``True`` (aiohttp's verified default context, the system's trust
    store) unless a CA bundle or extra CA is configured. aiohttp builds its default context when
    it is imported; building the same context again costs about 40 ms of every run's start-up."""
    if settings.ca_bundle is None and not settings.extra_ca_pem:
        return True
    context = ssl.create_default_context(cafile=settings.ca_bundle)
    if settings.extra_ca_pem:
        context.load_verify_locations(cadata=settings.extra_ca_pem.decode("ascii"))
    return context


@dataclass(frozen=True, slots=True)
class ProxyPlan:
    """Which proxy the HTTP client uses for which URL — stated once, so that other clients (the
    browser re-check's Chromium) go the same way. See :func:`proxy_plan`."""

    proxies: dict[str, str] = field(default_factory=dict)  # URL scheme → proxy URL (credentials kept)
    no_proxy: str = ""  # NO_PROXY as given (environment proxies only: an explicit proxy has no bypass)

    def for_url(self, url: str) -> str | None:
        """The proxy a request for ``url`` goes through, or None (direct)."""
        parts = urlsplit(url)
        proxy = self.proxies.get(parts.scheme.lower())
        if proxy is None or (self.no_proxy and self.bypassed(parts.hostname or "")):
            return None
        return proxy

    def bypassed(self, host: str) -> bool:
        """Whether NO_PROXY sends ``host`` direct (urllib's matching, which aiohttp's ``trust_env`` uses)."""
        return bool(self.no_proxy) and bool(proxy_bypass_environment(host, {"no": self.no_proxy}))

    @property
    def hosts(self) -> frozenset[str]:
        """The proxies' host names: the operator's choice, never a link's target, so the SSRF guard
        lets them resolve to loopback or private addresses (a proxy on ``localhost`` is common)."""
        return frozenset(h for h in (urlsplit(url).hostname for url in self.proxies.values()) if h)


def proxy_plan(settings: FetchSettings) -> ProxyPlan:
    """The proxies the client's session uses: ``settings.proxy`` for every URL, else what aiohttp's
    ``trust_env`` takes from ``HTTP_PROXY``/``HTTPS_PROXY`` (its own reading: https:// proxies are
    ignored, credentials may come from netrc) with ``NO_PROXY`` bypasses."""
    if settings.proxy:
        return ProxyPlan({"http": settings.proxy, "https": settings.proxy})
    if not any(scheme in getproxies() for scheme in ("http", "https")):
        return ProxyPlan()
    from aiohttp.helpers import proxies_from_env

    proxies: dict[str, str] = {}
    for scheme, info in proxies_from_env().items():
        if scheme not in ("http", "https"):
            continue
        url = info.proxy
        if info.proxy_auth is not None:
            url = url.with_user(info.proxy_auth.login).with_password(info.proxy_auth.password or None)
        proxies[scheme] = str(url)
    return ProxyPlan(proxies, getproxies().get("no", ""))


def _network_outcome(exc: BaseException, url: str, started: float, redirects: tuple[str, ...]) -> Outcome:
    """Map a client-side exception to a verdict (see :func:`_network_failure`)."""
    elapsed = int((time.monotonic() - started) * 1000)
    blocked = is_blocked_address_error(exc)
    if blocked is not None:
        return Outcome(
            Verdict.SKIPPED,
            f"ssrf:{blocked.why}",
            final_url=url,
            redirects=redirects,
            elapsed_ms=elapsed,
            error=str(blocked),
        )
    verdict, reason = _network_failure(exc)
    detail = f"{type(exc).__name__}: {exc}"[:300]
    return Outcome(verdict, reason, final_url=url, redirects=redirects, elapsed_ms=elapsed, error=detail)


def _network_failure(exc: BaseException) -> tuple[Verdict, str]:
    """The verdict and reason of a request that got no usable answer. Order matters: subclasses
    first."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError) or (
        # getattr: aiohttp < 3.11.x leaves a certificate error's os_error unset (the property raises).
        isinstance(exc, aiohttp.ClientConnectorError) and isinstance(getattr(exc, "os_error", None), socket.gaierror)
    ):
        code = getattr(getattr(exc, "os_error", None), "errno", None)
        # NXDOMAIN is an answer (the name is gone); a failed lookup is not.
        gone = code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5))
        return (Verdict.DEAD if gone else Verdict.ERROR), reasons.DNS
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError | ssl.SSLError):
        return Verdict.ERROR, reasons.TLS
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return Verdict.ERROR, reasons.TIMEOUT
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Verdict.ERROR, reasons.CONNECT
    if isinstance(exc, aiohttp.ClientPayloadError):
        return Verdict.ERROR, reasons.TRUNCATED
    if isinstance(exc, aiohttp.ServerDisconnectedError | ConnectionResetError) or (
        isinstance(exc, aiohttp.ClientOSError) and exc.errno in (errno.ECONNRESET, errno.EPIPE)
    ):
        return Verdict.ERROR, reasons.CONN_RESET
    if isinstance(exc, aiohttp.ClientResponseError):
        return Verdict.ERROR, reasons.BAD_RESPONSE
    if isinstance(exc, aiohttp.InvalidURL | ValueError):
        return Verdict.SKIPPED, reasons.MALFORMED
    return Verdict.ERROR, (reasons.CONN_RESET if isinstance(exc, OSError) else reasons.CLIENT_ERROR)


# -- recorded exchanges (for the archive) ----------------------------------------------------------


def sha1_digest(hasher: Any) -> str:
    """``sha1:<BASE32>``, the form warcio and cdxj-indexer use for WARC digests."""
    return "sha1:" + b32encode(hasher.digest()).decode("ascii")


def _header_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass(slots=True)
class Exchange:
    """One HTTP request and its response as they went over the wire: what a WARC ``response`` +
    ``request`` pair holds. The body is in a temporary file, as received — still Content-Encoded;
    aiohttp has removed any chunking — cut at the recording's ``max_bytes`` (``truncated``)."""

    url: str
    status: int
    reason: str
    protocol: str
    response_headers: list[tuple[str, str]]  # as received, in order
    request_line: str
    request_headers: list[tuple[str, str]]  # what aiohttp really sent
    body_path: Path
    length: int
    payload_digest: str
    truncated: bool
    started: datetime  # when the request was made (the recording's clock): the WARC-Date
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


@dataclass(slots=True)
class Recording:
    """Asks :meth:`Fetcher.check` to keep the raw exchanges of its attempts (for a WARC capture).

    A recorded check is always a GET (no HEAD first): the body is read up to ``max_bytes`` raw
    bytes — the archive's cap, not the check's — streamed to a file under ``tmp_dir``, while the
    first bytes, decoded, go to the classifier exactly as in a plain check (at most the check's own
    cap, and ``text_limit`` if smaller). The request and classification window keep the check's
    timeout; the rest of a long body may take until ``timeout`` after the request started. A read
    that fails past the classification window leaves the verdict as it is and sets ``incomplete``.

    Where the plain check would stop at a HEAD (a site whose content does not decide, answering a
    status that says enough), the classifier gets no body from the GET either, and everything past
    the headers is read for the archive only: the verdict never depends on the recording.

    After the check: ``exchanges`` (redirect hops first, the final answer last), ``outcome`` (that
    attempt's own classification — a followed successor or a retry wrapper does not change it),
    ``page`` (what the classifier saw) and ``text`` (the first ``text_limit`` bytes decoded: title,
    text and image URLs for the archive) describe the last attempt made; ``outcome`` is None when
    no request was made (a paused host). Call :meth:`discard` when done: it deletes the files.
    """

    tmp_dir: Path
    max_bytes: int
    text_limit: int | None = None
    timeout: float = 120.0
    headers: Mapping[str, str] = field(default_factory=dict)  # on top of the host's (requisites: Accept, Referer)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    exchanges: list[Exchange] = field(default_factory=list)
    outcome: Outcome | None = None
    page: Page | None = None
    text: bytearray | None = None  # the final answer's first ``text_limit`` bytes, decoded (title, text)
    incomplete: str | None = None  # why the body past the classification window could not be read whole
    disk_error: OSError | None = None  # the temporary file could not be written: nothing to archive

    @property
    def final(self) -> Exchange | None:
        """The exchange that was classified (after any redirect hops)."""
        return self.exchanges[-1] if self.exchanges and self.outcome is not None else None

    def reset(self) -> None:
        """Forget a previous attempt (before a retry)."""
        self.discard()
        self.outcome = self.incomplete = None

    def discard(self) -> None:
        for exchange in self.exchanges:
            exchange.discard()
        self.exchanges.clear()
        self.page = self.text = None


class WindowDecoder:
    """The first ``limit`` bytes of a body with its Content-Encoding undone, fed the raw chunks as
    they arrive — a gzip bomb cannot inflate past the window. ``identity``, ``gzip`` and ``deflate``
    (zlib-wrapped as specified, or raw as often sent); any other encoding decodes to nothing.
    ``ended``: nothing more will be decoded (window full, stream end, undecodable); ``more``: the
    window was cut with content left over."""

    __slots__ = ("_zlib", "encoding", "ended", "limit", "more", "window")

    def __init__(self, encoding: str | None, limit: int) -> None:
        self.limit = limit
        self.window = bytearray()
        self.more = False
        self.encoding = (encoding or "identity").strip().lower() or "identity"
        self._zlib: Any = None
        self.ended = limit <= 0 or self.encoding not in ("identity", "gzip", "x-gzip", "deflate")
        if self.encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, chunk: bytes) -> None:
        if self.ended:
            if chunk and len(self.window) >= self.limit > 0:
                self.more = True
            return
        room = self.limit - len(self.window)
        if self.encoding == "identity":
            self.window += chunk[:room]
            if len(chunk) >= room:
                self.ended = True
                self.more = len(chunk) > room
            return
        if self._zlib is None:  # deflate: a zlib header (CMF/FLG, RFC 1950) or raw deflate
            zlib_wrapped = len(chunk) >= 2 and chunk[0] & 0x0F == 8 and ((chunk[0] << 8) | chunk[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
        data = chunk
        try:
            while data and room > 0:
                out = self._zlib.decompress(data, room)
                self.window += out
                room -= len(out)
                data = self._zlib.unconsumed_tail
                if self._zlib.eof:
                    self.ended = True
                    return
        except zlib.error:
            self.ended = True  # keep what decoded before the damage
            return
        if room <= 0:
            self.ended = True
            self.more = bool(data) or not self._zlib.eof


class _BodyFile:
    """A recorded body on its way to a temporary file: sha1 as it goes, cut at ``cap`` bytes. A
    failing disk does not fail the check: the error is kept and the bytes are dropped."""

    __slots__ = ("_out", "cap", "disk_error", "hasher", "path", "size", "truncated")

    def __init__(self, directory: Path, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self.truncated = False
        self.hasher = hashlib.sha1()
        self.disk_error: OSError | None = None
        self.path = directory / "unwritten"
        self._out: Any = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=directory, prefix="body-", suffix=".part")
            self.path = Path(name)
            self._out = os.fdopen(fd, "wb")
        except OSError as exc:
            self.disk_error = exc

    @property
    def full(self) -> bool:
        """Bytes past the cap were seen: nothing more will be kept (a body of exactly ``cap`` bytes
        is not full until its end is read)."""
        return self.truncated

    def write(self, chunk: bytes) -> None:
        if self.truncated:
            return
        room = self.cap - self.size
        if len(chunk) > room:
            chunk = chunk[:room]
            self.truncated = True
        if not chunk:
            return
        self.hasher.update(chunk)
        self.size += len(chunk)
        if self._out is not None:
            try:
                self._out.write(chunk)
            except OSError as exc:
                self.disk_error = exc
                self._close()

    def _close(self) -> None:
        out, self._out = self._out, None
        if out is not None:
            try:
                out.close()
            except OSError as exc:
                self.disk_error = self.disk_error or exc

    def finish(self) -> None:
        self._close()

    def abandon(self) -> None:
        self._close()
        with suppress(OSError):
            self.path.unlink()


def _environment_may_proxy_or_authenticate() -> bool:
    """Whether aiohttp's ``trust_env`` can change anything: a proxy variable or a netrc file.

    With ``trust_env`` aiohttp looks up the proxy variables *and* re-reads the netrc file in worker
    threads on every request (two thread hops per request, most of the client's overhead at
    thousands of URLs). Where neither exists those lookups always come back empty, so the session
    is opened without ``trust_env``: the same requests, without the threads.
    """
    if any(scheme in getproxies() for scheme in ("http", "https", "ws", "wss")):
        return True
    netrc = os.environ.get("NETRC")
    if netrc is not None:
        return True
    try:
        return (Path.home() / ("_netrc" if os.name == "nt" else ".netrc")).exists()
    except (RuntimeError, OSError):
        return True


class Fetcher:
    """Checks URLs politely. Use as ``async with Fetcher(settings) as fetcher:``."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        resolver: AbstractResolver | None = None,
        sleep: Callable[[float], object] = asyncio.sleep,
        probes: HostProbes | None = None,
    ) -> None:
        """``probes``: the soft-404 probe answers to use and fill (the nightly job passes those the
        history holds and stores the new ones); default a fresh set when ``settings.soft_404``."""
        self.settings = settings or FetchSettings()
        self.probes = probes if probes is not None else (HostProbes() if self.settings.soft_404 else None)
        self.proxies = proxy_plan(self.settings)
        # The proxy's own name is resolved by this resolver too: the guard must not refuse the proxy.
        self._resolver = GuardedResolver(
            resolver,
            allow_private=self.settings.allow_private,
            trusted_hosts=self.settings.trusted_hosts | self.proxies.hosts,
        )
        self._sleep = sleep
        self._global = asyncio.Semaphore(self.settings.concurrency)
        self.gates = HostGates(self._politeness_for)
        # host -> (profile, gate, request headers): looked up once per host, not per request.
        self._hosts: dict[str, tuple[SiteProfile, HostGate, dict[str, str]]] = {}
        self._session: aiohttp.ClientSession | None = None
        s = self.settings
        # Exponential backoff with full jitter on top (the same shape as wait_exponential_jitter,
        # spelled with primitives that are stable across tenacity releases).
        self._backoff = wait_exponential(multiplier=s.backoff_initial, max=s.backoff_max) + wait_random(
            0, s.backoff_initial
        )

    def _politeness_for(self, host: str) -> Politeness:
        return site_politeness(host, self.settings.politeness_overrides)

    def _host(self, host: str) -> tuple[SiteProfile, HostGate, dict[str, str]]:
        """The host's profile, gate and request headers (the headers dict is shared: never mutate)."""
        found = self._hosts.get(host)
        if found is None:
            profile = profile_for(host)
            headers = profile.request_headers()
            extra = self.settings.host_headers.get(host)
            if extra:
                headers.update(extra)
            found = self._hosts[host] = (profile, self.gates[host], headers)
        return found

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        connector = aiohttp.TCPConnector(
            resolver=self._resolver,
            ssl=_ssl_context(s),
            limit=s.concurrency,
            limit_per_host=0,
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=s.total_timeout, sock_connect=s.connect_timeout),
            trust_env=s.proxy is None and _environment_may_proxy_or_authenticate(),
            auto_decompress=True,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- one request chain -------------------------------------------------------------------

    def _send(self, method: str, url: str, headers: dict[str, str], **options: Any) -> Any:
        """One request of a chain, as every request here is sent: redirects left to the caller (each
        hop is checked), the configured proxy, and header lines capped (a hostile server's megabyte
        header costs nothing)."""
        assert self._session is not None
        return self._session.request(
            method,
            url,
            headers=headers,
            allow_redirects=False,
            proxy=self.settings.proxy,
            max_line_size=16 * 1024,
            max_field_size=16 * 1024,
            **options,
        )

    async def _request(self, method: str, url: str, profile: SiteProfile, headers: dict[str, str]) -> Page:
        """Follow redirects by hand (to record the chain and refuse bad targets); cap the body.

        ``headers``: those of ``url``'s host (profile headers and configured extras), sent along
        the whole redirect chain.
        """
        assert self._session is not None
        s = self.settings
        started = time.monotonic()
        redirects: list[str] = []
        statuses: list[int] = []  # each hop's status: whether a redirect is permanent (linkcheck fix)
        seen = {url}
        current = url
        while True:
            async with self._send(method, current, headers) as response:
                if len(response.raw_headers) > _MAX_RESPONSE_HEADERS:
                    raise _too_many_headers(response)
                status = response.status
                location = response.headers.get("Location")
                if 300 <= status < 400 and location:
                    current = self._follow(current, location, redirects, seen)
                    statuses.append(status)
                    if status == 303:
                        method = "GET"
                    continue
                body = b""
                truncated = False
                body_read = method == "GET"
                if body_read:
                    cap = s.max_body_bytes if profile.needs_body else s.max_probe_bytes
                    chunks: list[bytes] = []
                    size = 0
                    while size < cap:
                        chunk = await response.content.read(min(65536, cap - size))
                        if not chunk:
                            break
                        chunks.append(chunk)
                        size += len(chunk)
                    truncated = size >= cap and not response.content.at_eof()
                    body = b"".join(chunks)
                return Page(
                    url=url,
                    final_url=current,
                    status=status,
                    content_type=response.headers.get("Content-Type", ""),
                    body=body,
                    redirects=tuple(redirects),
                    redirect_statuses=tuple(statuses),
                    retry_after=response.headers.get("Retry-After"),
                    body_read=body_read,
                    truncated=truncated,
                    elapsed_ms=int((time.monotonic() - started) * 1000),
                )

    def _follow(self, current: str, location: str, redirects: list[str], seen: set[str]) -> str:
        """The next hop of a redirect chain (appended to ``redirects``), or _RedirectRefused."""
        target = urljoin(current, location)
        redirects.append(target)
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            raise _RedirectRefused(reasons.REDIRECT_SCHEME, target, tuple(redirects))
        if target in seen:
            raise _RedirectRefused(reasons.REDIRECT_LOOP, target, tuple(redirects))
        if len(redirects) > self.settings.max_redirects:
            raise _RedirectRefused(reasons.TOO_MANY_REDIRECTS, target, tuple(redirects))
        skip = self.settings.refusal(urlsplit(target).hostname or "")
        if skip:
            raise _RedirectRefused(f"ssrf:{skip}", target, tuple(redirects))
        seen.add(target)
        return target

    async def _request_recorded(
        self, url: str, profile: SiteProfile, headers: dict[str, str], recording: Recording, wants_body: bool
    ) -> Page:
        """:meth:`_request` for a GET whose exchanges are kept (see :class:`Recording`): the same
        redirect rules, the classifier sees what the plain check would, the raw body is kept to the
        recording's cap and its first ``text_limit`` bytes decoded for the archive."""
        assert self._session is not None
        s = self.settings
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        check_window = s.max_body_bytes if profile.needs_body else s.max_probe_bytes
        if recording.text_limit is not None:
            check_window = min(check_window, recording.text_limit)
        redirects: list[str] = []
        statuses: list[int] = []
        seen = {url}
        current = url
        # Timeouts are ours, not the session's: the check's for headers and the classification
        # window, the recording's for the rest of a long body (see _read_recorded).
        no_total = aiohttp.ClientTimeout(total=None, sock_connect=s.connect_timeout)
        while True:
            body_deadline = loop.time() + max(recording.timeout, s.total_timeout)
            when = recording.clock()
            async with asyncio.timeout(s.total_timeout) as deadline:
                async with self._send("GET", current, headers, auto_decompress=False, timeout=no_total) as response:
                    if len(response.raw_headers) > _MAX_RESPONSE_HEADERS:
                        raise _too_many_headers(response)
                    status = response.status
                    location = response.headers.get("Location")
                    hop = 300 <= status < 400 and bool(location)
                    ip = None
                    connection = response.connection
                    if connection is not None and connection.transport is not None:
                        peer = connection.transport.get_extra_info("peername")
                        ip = str(peer[0]) if peer else None
                    # Where the plain check sends HEAD and stops (a status that says enough), the
                    # classifier gets no body either: the verdict cannot depend on the recording.
                    reads_body = wants_body or not s.head_first or status in _HEAD_FALLBACK_STATUSES
                    classify = 0 if hop or not reads_body else check_window
                    text = 0 if hop else max(classify, recording.text_limit or 0)
                    decoder = WindowDecoder(response.headers.get("Content-Encoding"), text)
                    body = _BodyFile(recording.tmp_dir, recording.max_bytes)
                    try:
                        await self._read_recorded(response, body, decoder, classify, recording, deadline, body_deadline)
                    except BaseException:
                        body.abandon()
                        raise
                    body.finish()
                    info = response.request_info
                    recording.exchanges.append(
                        Exchange(
                            url=str(response.url),
                            status=status,
                            reason=response.reason or "",
                            protocol=f"HTTP/{response.version.major}.{response.version.minor}"
                            if response.version
                            else "HTTP/1.1",
                            response_headers=[(_header_text(k), _header_text(v)) for k, v in response.raw_headers],
                            request_line=f"GET {info.url.raw_path_qs or '/'} HTTP/1.1",
                            request_headers=[(str(k), str(v)) for k, v in info.headers.items()],
                            body_path=body.path,
                            length=body.size,
                            payload_digest=sha1_digest(body.hasher),
                            truncated=body.truncated,
                            started=when,
                            ip=ip,
                        )
                    )
                    if body.disk_error is not None:
                        recording.disk_error = recording.disk_error or body.disk_error
                    if hop:
                        assert location is not None
                        current = self._follow(current, location, redirects, seen)
                        statuses.append(status)
                        continue
                    window = decoder.window
                    recording.text = window
                    return Page(
                        url=url,
                        final_url=current,
                        status=status,
                        content_type=response.headers.get("Content-Type", ""),
                        # The archive's text window holds the classifier's: shared when equal (no copy).
                        body=window if len(window) <= classify else bytes(window[:classify]),  # type: ignore[arg-type]
                        redirects=tuple(redirects),
                        redirect_statuses=tuple(statuses),
                        retry_after=response.headers.get("Retry-After"),
                        body_read=classify > 0,
                        truncated=len(window) > classify or decoder.more,
                        elapsed_ms=int((time.monotonic() - started) * 1000),
                    )

    @staticmethod
    async def _read_recorded(
        response: aiohttp.ClientResponse,
        body: _BodyFile,
        decoder: WindowDecoder,
        classify: int,
        recording: Recording,
        deadline: asyncio.Timeout,
        body_deadline: float,
    ) -> None:
        """Read the body: first until the classifier's ``classify`` decoded bytes are there (or the
        body ends) — a failure then is the check's, it raises, as in a plain check; then on, to the
        recording's cap, for the archive only — a failure there leaves the verdict as it is and
        marks the recording ``incomplete``."""
        content = response.content
        while not (decoder.ended or len(decoder.window) >= classify):
            chunk = await content.read(_CHUNK)
            if not chunk:
                return
            body.write(chunk)
            decoder.feed(chunk)
        if body.full:
            return
        # The classification window is complete: the rest gets the recording's own time.
        deadline.reschedule(None)
        try:
            async with asyncio.timeout_at(max(body_deadline, asyncio.get_running_loop().time())):
                while not body.full:
                    chunk = await content.read(_CHUNK)
                    if not chunk:
                        return
                    body.write(chunk)
                    decoder.feed(chunk)
        except TimeoutError:
            recording.incomplete = reasons.TIMEOUT
        except (aiohttp.ClientError, OSError) as exc:
            recording.incomplete = _network_outcome(exc, str(response.url), time.monotonic(), ()).reason

    async def attempt(self, url: str) -> Outcome:
        """One attempt (HEAD, then GET where HEAD says nothing), inside the host's gate; no
        soft-404 probe (a canary, a successor: their answer is all that is asked)."""
        return await self._attempt(url, urlsplit(url).hostname or "", soft_404=False)

    def _recorded_headers(self, host: str, headers: dict[str, str], recording: Recording) -> dict[str, str]:
        """The host's headers, the recording's own (Accept-Encoding it can decode; a requisite's
        Accept and Referer), then the extras configured for the host, which have the last word."""
        extra = self.settings.host_headers.get(host)
        return {**headers, "Accept-Encoding": RECORDED_ACCEPT_ENCODING, **recording.headers, **(extra or {})}

    async def _attempt(
        self, url: str, host: str, recording: Recording | None = None, *, soft_404: bool = True
    ) -> Outcome:
        profile, gate, headers = self._host(host)
        started = time.monotonic()
        page: Page | None = None
        if recording is not None:
            recording.reset()
        # A page a soft-404 probe may be compared with is read with GET at once (HostProbes.reads_body):
        # the probe is then the only extra request a host gets in a run.
        wants_body = (
            profile.needs_body
            or profile.reads_page
            or (soft_404 and profile.soft_404 and self.probes is not None and self.probes.reads_body(host))
        )
        async with gate.slot(), self._global:
            try:
                if recording is not None:
                    page = await self._request_recorded(
                        url, profile, self._recorded_headers(host, headers, recording), recording, wants_body
                    )
                elif wants_body or not self.settings.head_first:
                    page = await self._request("GET", url, profile, headers)
                else:
                    page = await self._request("HEAD", url, profile, headers)
                    if page.status in _HEAD_FALLBACK_STATUSES:
                        page = await self._request("GET", url, profile, headers)
                outcome = classify(page, profile)
            except _RedirectRefused as refused:
                verdict = Verdict.SKIPPED if refused.reason.startswith("ssrf:") else Verdict.ERROR
                outcome = Outcome(
                    verdict,
                    refused.reason,
                    final_url=refused.target,
                    redirects=refused.redirects,
                    elapsed_ms=int((time.monotonic() - started) * 1000),
                )
            except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
                outcome = _network_outcome(exc, url, started, ())
        gate.observe(outcome)
        if (
            soft_404
            and page is not None
            and profile.soft_404
            and self.probes is not None
            and outcome.verdict is Verdict.ALIVE
            and outcome.reason == "http-200"
            and not gate.tripped
        ):
            seen = None
            if recording is None and page.body_read and self.probes.unanswered(host):
                # The page waits for its host's probe (the host's first pages, every host's at the
                # start of a run: thousands at once): it keeps only what the comparison reads, its
                # title and main text (at most soft404.TEXT_CHARS), not its body of up to
                # max_probe_bytes and that body decoded. (A recording keeps its own window for the
                # archive; the classifier's body shares it.)
                seen = soft404.answer(url, page.status, page.final_url, page.content_type, page.text)
                page = dataclasses.replace(page, body=b"", _text=None)
            outcome, page = await self._soft_404(url, host, page, outcome, recording, seen)
        if recording is not None:
            recording.outcome = outcome
            recording.page = page
        return outcome

    async def _soft_404(
        self,
        url: str,
        host: str,
        page: Page,
        outcome: Outcome,
        recording: Recording | None,
        seen: soft404.Answer | None = None,
    ) -> tuple[Outcome, Page]:
        """A 200 page of a host without markers of its own, against the host's answer for a URL
        that cannot exist (:mod:`linkcheck.soft404`): ``dead`` (``soft-404``) when it answers the
        same way, else the outcome as it was. Outside the page's gate slot: the probe takes one.
        ``seen``: the page's answer, made before its body was let go (then ``page`` has none)."""
        assert self.probes is not None
        probe = await self.probes.answer_for(host, url, lambda probe_url: self._probe(probe_url, host))
        if probe is None or not soft404.host_is_soft(probe):
            return outcome, page
        if not page.body_read and not probe.redirected:
            # The template decides, and this page was read with HEAD before the host was known to
            # answer 200 for anything: its body, from the recording's window or one GET.
            if recording is not None and recording.text:
                window = bytes(recording.text[: self.settings.max_probe_bytes])
                page = dataclasses.replace(page, body=window, body_read=True, _text=None)
            else:
                profile, gate, headers = self._host(host)
                try:
                    async with gate.slot(), self._global:
                        page = await self._request("GET", url, profile, headers)
                except (_RedirectRefused, TimeoutError, aiohttp.ClientError, OSError, ValueError):
                    return outcome, page  # no better evidence than the HEAD's
                again = classify(page, profile)
                if again.verdict is not Verdict.ALIVE or again.reason != "http-200":
                    return again, page
        if seen is None:
            if not probe.redirected and not probe.text:
                # No not-found text to match (soft404.judge needs the probe's; a run holds it only
                # where a page can match it, soft404.comparable): the page's words are not read.
                return outcome, page
            # A redirected probe: only the landing decides, the page's words are not read either.
            words = page.text if page.body_read and not probe.redirected else None
            seen = soft404.answer(url, page.status, page.final_url, page.content_type, words)
        match = soft404.judge(seen, probe)
        if match is None:
            return outcome, page
        dead = Outcome(
            Verdict.DEAD,
            reasons.SOFT_404,
            http_status=page.status,
            final_url=page.final_url,
            redirects=page.redirects,
            redirect_statuses=page.redirect_statuses,
            elapsed_ms=outcome.elapsed_ms,
            marker=match.evidence,
        )
        return dead, page

    async def _probe(self, url: str, host: str) -> soft404.Answer | None:
        """The soft-404 probe: one GET through the host's gate, no retry (None: no HTTP answer)."""
        profile, gate, headers = self._host(host)
        if gate.tripped:
            return None
        try:
            async with gate.slot(), self._global:
                page = await self._request("GET", url, profile, headers)
        except (_RedirectRefused, TimeoutError, aiohttp.ClientError, OSError, ValueError):
            return None
        return soft404.answer(url, page.status, page.final_url, page.content_type, page.text)

    def _wait(self, state: RetryCallState) -> float:
        s = self.settings
        backoff = self._backoff(state)
        outcome: Outcome = state.outcome.result() if state.outcome else None  # type: ignore[assignment]
        if outcome is not None and outcome.retry_after is not None:
            return max(backoff, min(outcome.retry_after, s.max_retry_after))
        return backoff

    def _should_retry(self, outcome: Outcome) -> bool:
        if not outcome.retryable:
            return False
        # A wait longer than we are willing to honour: give up for this run, keep the evidence.
        if outcome.retry_after is not None and outcome.retry_after > self.settings.max_retry_after:
            return False
        host = urlsplit(outcome.final_url or "").hostname or ""
        return not self.gates[host].tripped

    async def check(
        self, url: str, host: str | None = None, *, recording: Recording | None = None, soft_404: bool = True
    ) -> Outcome:
        """Check ``url`` with retries (tenacity, exponential backoff with jitter, Retry-After).

        ``host``: ``url``'s host name when the caller knows it (a collected link does), which
        saves parsing the URL again. ``recording``: make it a GET whose raw exchanges are kept,
        for the archive (:class:`Recording`); the verdict is the one a plain check would give.
        ``soft_404=False``: no soft-404 probe or comparison (a page's image or script, not a page a
        post cites)."""
        if host is None:
            host = urlsplit(url).hostname or ""
        gate = self.gates[host]
        if gate.tripped:
            return Outcome(Verdict.BLOCKED, HOST_PAUSED, marker=gate.tripped_reason)
        # The first attempt is made here: most URLs need no retry, and then tenacity (built per
        # call) would only repeat the decision below. When a retry is due, tenacity takes over with
        # that first outcome as its attempt 1, so waits and stops are exactly its own.
        outcome = await self._attempt(url, host, recording, soft_404=soft_404)
        if self.settings.max_attempts > 1 and self._should_retry(outcome):
            retrying = AsyncRetrying(
                stop=stop_after_attempt(max(1, self.settings.max_attempts)),
                wait=self._wait,
                retry=retry_if_result(self._should_retry),
                sleep=self._sleep,
                retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
            )
            outcome = await retrying(self._attempts_after(outcome, url, host, recording, soft_404))
        if outcome.reason == reasons.HTTP_429:
            # Still rate-limited after every retry: the host is walling us, not the content.
            outcome = Outcome(
                Verdict.BLOCKED,
                reasons.RATE_LIMITED,
                http_status=429,
                final_url=outcome.final_url,
                redirects=outcome.redirects,
                redirect_statuses=outcome.redirect_statuses,
                elapsed_ms=outcome.elapsed_ms,
                retry_after=outcome.retry_after,
            )
        if outcome.follow_url and outcome.verdict is Verdict.DEAD:
            outcome = await self._follow_successor(outcome)
        return outcome

    def _attempts_after(
        self, first: Outcome, url: str, host: str, recording: Recording | None, soft_404: bool
    ) -> Callable[[], Awaitable[Outcome]]:
        """An attempt function for tenacity whose first call returns ``first`` (already made)."""
        pending = [first]

        async def attempt() -> Outcome:
            if pending:
                return pending.pop()
            return await self._attempt(url, host, recording, soft_404=soft_404)

        return attempt

    async def _follow_successor(self, tombstone: Outcome) -> Outcome:
        """A tombstone naming its successor (WeChat account migration): the link lives on there."""
        assert tombstone.follow_url is not None
        successor = await self.attempt(tombstone.follow_url)
        if successor.verdict is Verdict.ALIVE:
            return Outcome(
                Verdict.ALIVE,
                f"{reasons.MOVED_PREFIX}{tombstone.reason.split(':', 1)[-1]}",
                http_status=successor.http_status,
                final_url=successor.final_url,
                redirects=(*tombstone.redirects, tombstone.follow_url),
                # The last step is the tombstone naming its successor, not an HTTP redirect.
                redirect_statuses=tombstone.redirect_statuses,
                elapsed_ms=tombstone.elapsed_ms + successor.elapsed_ms,
                marker=tombstone.marker,
            )
        return tombstone


class _RedirectRefused(Exception):
    def __init__(self, reason: str, target: str, redirects: tuple[str, ...]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.target = target
        self.redirects = redirects
