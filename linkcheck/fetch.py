"""Polite HTTP: one aiohttp session, per-host gates, manual redirects, capped bodies, retries.

``Fetcher.check(url)`` returns an :class:`~linkcheck.models.Outcome` and never raises for anything
a server or the network can do: every failure is a verdict with a reason.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
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

from linkcheck.canonical import address_skip_reason
from linkcheck.classify import Page, classify
from linkcheck.models import Outcome, Verdict
from linkcheck.ratelimit import HostGate, HostGates, site_politeness
from linkcheck.resolve import GuardedResolver, is_blocked_address_error
from linkcheck.sites import Politeness, SiteProfile, profile_for

# HEAD answers that say nothing certain about the resource: ask again with GET (servers that do not
# implement HEAD answer 400/405/500/501; some walls only bite HEAD; 451's body tells why). 429 and 503
# are not here: they are retried as they are, after the Retry-After they carry.
_HEAD_FALLBACK_STATUSES = frozenset({400, 403, 404, 405, 406, 409, 410, 451, 500, 501, 502})
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
    """Map a client-side exception to a verdict. Order matters: subclasses first."""
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
    name = type(exc).__name__
    detail = f"{name}: {exc}"[:300]
    if isinstance(exc, aiohttp.ClientConnectorDNSError) or (
        # getattr: aiohttp < 3.11.x leaves a certificate error's os_error unset (the property raises).
        isinstance(exc, aiohttp.ClientConnectorError) and isinstance(getattr(exc, "os_error", None), socket.gaierror)
    ):
        os_error = getattr(exc, "os_error", None)
        code = getattr(os_error, "errno", None)
        # NXDOMAIN is an answer (the name is gone); a failed lookup is not.
        if code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            return Outcome(Verdict.DEAD, "dns", final_url=url, redirects=redirects, elapsed_ms=elapsed, error=detail)
        return Outcome(Verdict.ERROR, "dns", final_url=url, redirects=redirects, elapsed_ms=elapsed, error=detail)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError | ssl.SSLError):
        return Outcome(Verdict.ERROR, "tls", final_url=url, redirects=redirects, elapsed_ms=elapsed, error=detail)
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return Outcome(Verdict.ERROR, "timeout", final_url=url, redirects=redirects, elapsed_ms=elapsed, error=detail)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Outcome(Verdict.ERROR, "connect", final_url=url, redirects=redirects, elapsed_ms=elapsed, error=detail)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return Outcome(Verdict.ERROR, "truncated", final_url=url, redirects=redirects, elapsed_ms=elapsed, error=detail)
    if isinstance(exc, aiohttp.ServerDisconnectedError | ConnectionResetError) or (
        isinstance(exc, aiohttp.ClientOSError) and exc.errno in (errno.ECONNRESET, errno.EPIPE)
    ):
        return Outcome(
            Verdict.ERROR, "conn-reset", final_url=url, redirects=redirects, elapsed_ms=elapsed, error=detail
        )
    if isinstance(exc, aiohttp.ClientResponseError):
        return Outcome(
            Verdict.ERROR,
            "bad-response",
            final_url=url,
            redirects=redirects,
            elapsed_ms=elapsed,
            error=detail,
        )
    if isinstance(exc, aiohttp.InvalidURL | ValueError):
        return Outcome(
            Verdict.SKIPPED, "malformed", final_url=url, redirects=redirects, elapsed_ms=elapsed, error=detail
        )
    return Outcome(
        Verdict.ERROR,
        "conn-reset" if isinstance(exc, OSError) else "client-error",
        final_url=url,
        redirects=redirects,
        elapsed_ms=elapsed,
        error=detail,
    )


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
    ) -> None:
        self.settings = settings or FetchSettings()
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

    @property
    def session(self) -> aiohttp.ClientSession:
        """The shared session (resolver, TLS, proxy settings) for other stages, e.g. archiving."""
        if self._session is None:
            raise RuntimeError("Fetcher is not open: use `async with Fetcher(...)`")
        return self._session

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- one request chain -------------------------------------------------------------------

    async def _request(self, method: str, url: str, profile: SiteProfile, headers: dict[str, str]) -> Page:
        """Follow redirects by hand (to record the chain and refuse bad targets); cap the body.

        ``headers``: those of ``url``'s host (profile headers and configured extras), sent along
        the whole redirect chain.
        """
        assert self._session is not None
        s = self.settings
        started = time.monotonic()
        redirects: list[str] = []
        seen = {url}
        current = url
        while True:
            async with self._session.request(
                method,
                current,
                headers=headers,
                allow_redirects=False,
                proxy=s.proxy,
                max_line_size=16 * 1024,
                max_field_size=16 * 1024,
            ) as response:
                if len(response.raw_headers) > _MAX_RESPONSE_HEADERS:
                    raise _too_many_headers(response)
                status = response.status
                location = response.headers.get("Location")
                if 300 <= status < 400 and location:
                    target = urljoin(current, location)
                    redirects.append(target)
                    scheme = urlsplit(target).scheme.lower()
                    if scheme not in ("http", "https"):
                        raise _RedirectRefused("redirect-scheme", target, tuple(redirects))
                    if target in seen:
                        raise _RedirectRefused("redirect-loop", target, tuple(redirects))
                    if len(redirects) > s.max_redirects:
                        raise _RedirectRefused("too-many-redirects", target, tuple(redirects))
                    skip = s.refusal(urlsplit(target).hostname or "")
                    if skip:
                        raise _RedirectRefused(f"ssrf:{skip}", target, tuple(redirects))
                    seen.add(target)
                    current = target
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
                    retry_after=response.headers.get("Retry-After"),
                    body_read=body_read,
                    truncated=truncated,
                    elapsed_ms=int((time.monotonic() - started) * 1000),
                )

    async def attempt(self, url: str) -> Outcome:
        """One attempt (HEAD, then GET where HEAD says nothing), inside the host's gate."""
        return await self._attempt(url, urlsplit(url).hostname or "")

    async def _attempt(self, url: str, host: str) -> Outcome:
        profile, gate, headers = self._host(host)
        started = time.monotonic()
        async with gate.slot(), self._global:
            try:
                if profile.needs_body or not self.settings.head_first:
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
        return outcome

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

    async def check(self, url: str, host: str | None = None) -> Outcome:
        """Check ``url`` with retries (tenacity, exponential backoff with jitter, Retry-After).

        ``host``: ``url``'s host name when the caller knows it (a collected link does), which
        saves parsing the URL again."""
        if host is None:
            host = urlsplit(url).hostname or ""
        gate = self.gates[host]
        if gate.tripped:
            return Outcome(Verdict.BLOCKED, "host-paused", marker=gate.tripped_reason)
        # The first attempt is made here: most URLs need no retry, and then tenacity (built per
        # call) would only repeat the decision below. When a retry is due, tenacity takes over with
        # that first outcome as its attempt 1, so waits and stops are exactly its own.
        outcome = await self._attempt(url, host)
        if self.settings.max_attempts > 1 and self._should_retry(outcome):
            retrying = AsyncRetrying(
                stop=stop_after_attempt(max(1, self.settings.max_attempts)),
                wait=self._wait,
                retry=retry_if_result(self._should_retry),
                sleep=self._sleep,
                retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
            )
            outcome = await retrying(self._attempts_after(outcome, url))
        if outcome.reason == "http-429":
            # Still rate-limited after every retry: the host is walling us, not the content.
            outcome = Outcome(
                Verdict.BLOCKED,
                "rate-limited",
                http_status=429,
                final_url=outcome.final_url,
                redirects=outcome.redirects,
                elapsed_ms=outcome.elapsed_ms,
                retry_after=outcome.retry_after,
            )
        if outcome.follow_url and outcome.verdict is Verdict.DEAD:
            outcome = await self._follow_successor(outcome)
        return outcome

    def _attempts_after(self, first: Outcome, url: str) -> Callable[[], Awaitable[Outcome]]:
        """An attempt function for tenacity whose first call returns ``first`` (already made)."""
        pending = [first]

        async def attempt() -> Outcome:
            if pending:
                return pending.pop()
            return await self.attempt(url)

        return attempt

    async def _follow_successor(self, tombstone: Outcome) -> Outcome:
        """A tombstone naming its successor (WeChat account migration): the link lives on there."""
        assert tombstone.follow_url is not None
        successor = await self.attempt(tombstone.follow_url)
        if successor.verdict is Verdict.ALIVE:
            return Outcome(
                Verdict.ALIVE,
                f"moved:{tombstone.reason.split(':', 1)[-1]}",
                http_status=successor.http_status,
                final_url=successor.final_url,
                redirects=(*tombstone.redirects, tombstone.follow_url),
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
