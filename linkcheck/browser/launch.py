"""Starting headless Chromium the HTTP client's way: availability, launch, relaunch, contexts, trust,
proxy, routing and the address guard.

* **Where Chromium is.** Debian's ``chromium`` (``/usr/bin/chromium``, else ``chromium`` on PATH;
  ``LINKCHECK_CHROMIUM`` or :attr:`BrowserSettings.executable` override), driven by Playwright;
  never a browser Playwright downloads.
* **Proxy.** The HTTP client's proxy (:func:`linkcheck.net.transport.proxy_plan`) becomes
  Playwright's ``proxy`` launch option (:func:`chromium_proxy`), so behind a proxy Chromium never
  resolves a page's host itself.
* **Trust.** A configured CA (``--ca-bundle``, ``FetchSettings.extra_ca_pem``) is trusted through a
  throwaway NSS database (:mod:`linkcheck.browser.nssdb`) in a temporary ``HOME`` the browser runs
  with: Chromium itself verifies every certificate, host name included.
* **Routing** (tests, benchmarks, the demo): the simulated web's ``route(host, port)`` becomes
  ``--host-resolver-rules`` (:func:`host_resolver_rules`).
* **Address guard.** Unless ``allow_private``, every request of a page is first checked against the
  HTTP client's address rules (loopback, private, link-local, multicast refused); a proxied
  request's name is left to the proxy, and only IP literals and ``localhost`` names are refused.
* **One context per site**: cookies (Zhihu's solved challenge) persist across that site's URLs for
  the run and never reach another site's context.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from linkcheck.browser.nssdb import CERTUTIL_MISSING, TrustStoreError, find_certutil, make_home
from linkcheck.net.resolve import RoutingResolver
from linkcheck.scan.canonical import address_refusal, address_skip_reason
from linkcheck.sites import PROFILES, SiteProfile, profile_for

if TYPE_CHECKING:
    from linkcheck.net.transport import FetchSettings, ProxyPlan

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
    max_resource_bytes: int = 8 * 1024 * 1024  # a longer body is not archived (WARC-Truncated: length)
    max_capture_bytes: int = 40 * 1024 * 1024  # bodies archived per visit
    extra_args: tuple[str, ...] = ()


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
    """Whether the browser can run here, and why (not): Playwright importable, Chromium found, and
    with ``custom_ca`` (a CA bundle to trust) ``certutil`` found to hand it to Chromium."""
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


# --------------------------------------------------------------------------------------------
# Proxy and routing
# --------------------------------------------------------------------------------------------


def _hostport(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def host_resolver_rules(
    route: Route, hosts: Iterable[str], *, fallback: bool = False, exclude: Iterable[str] = ()
) -> str:
    """``--host-resolver-rules`` sending ``hosts`` where ``route`` sends them (443 and 80 apart).

    Without ``fallback`` every other name is ``~NOTFOUND`` (a closed world, like a
    :class:`~linkcheck.net.resolve.RoutingResolver` without system fallback) — except the ``exclude``
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


def hosts_to_route(hosts: Iterable[str]) -> set[str]:
    """The names a routed browser must know: ``hosts`` of sites a browser helps with, and the
    named hosts of every such site (a Zhihu answer on www.zhihu.com links zhuanlan.zhihu.com)."""
    names = {h for profile in PROFILES if profile.browser is not None for h in profile.hosts if not h.startswith(".")}
    names.update(host for host in hosts if profile_for(host).browser is not None)
    return names


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
    """The routing function and system-fallback flag of a :class:`~linkcheck.net.resolve.RoutingResolver`
    (``(None, True)`` for anything else: the browser then resolves names itself)."""
    if not isinstance(resolver, RoutingResolver):
        return None, True
    return resolver.route_function, resolver.system_fallback


def is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host.strip("[]"))
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# The browser process
# --------------------------------------------------------------------------------------------


class BrowserGone(Exception):
    """The browser is gone and may not be relaunched again."""


# Refused requests are reported to whoever watches the page: (page, request URL, why).
RefusalSink = Callable[[Any, str, str], None]


class Chromium:
    """One headless Chromium for a run, started by :meth:`start` (never raising for a missing or
    broken browser: :attr:`unavailable` then says why), relaunched after a crash at most
    ``max_restarts`` times, closed by :meth:`close`."""

    def __init__(
        self,
        settings: FetchSettings,
        options: BrowserSettings,
        *,
        route: Route | None = None,
        route_hosts: Iterable[str] = (),
        route_fallback: bool = False,
        on_refused: RefusalSink | None = None,
    ) -> None:
        from linkcheck.net.transport import proxy_plan

        self.settings = settings
        self.options = options
        self.route = route
        self.route_hosts = tuple(route_hosts)
        self.route_fallback = route_fallback
        self.on_refused = on_refused
        self.unavailable: str | None = None
        self.executable: str | None = None
        self.version: str = ""
        self.user_agent: str = ""
        self.restarts = 0
        self.proxies = proxy_plan(settings)
        self.proxy = chromium_proxy(self.proxies)  # Playwright's launch option; None: direct
        self.home: Path | None = None  # the browser's HOME, holding the NSS trust store (a CA is set)
        # Playwright's error class, once it is imported (Playwright is an optional extra).
        self.errors: type[BaseException] | tuple[type[BaseException], ...] = ()
        self._pw: Any = None
        self._browser: Any = None
        self._contexts: dict[str, Any] = {}
        self._context_lock = asyncio.Lock()
        self._launch_lock = asyncio.Lock()
        self._address_cache: dict[str, str | None] = {}

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        ok, why = available(self.options.executable, custom_ca=self._custom_ca)
        if not ok:
            self.unavailable = why
            return
        self.executable = find_chromium(self.options.executable)
        if self._custom_ca:
            try:
                self.home = await asyncio.to_thread(make_home, self._ca_sources())
            except TrustStoreError as exc:  # the browser would refuse every page: say so once instead
                self.unavailable = f"the CA cannot be trusted in the browser: {exc}"[:400]
                return
        try:
            await self._launch()
        except Exception as exc:  # no usable browser here: the links stay blocked, the report says why
            self.unavailable = f"Chromium did not start ({self.executable}): {type(exc).__name__}: {exc}"[:400]
            await self.close()

    async def close(self) -> None:
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
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None

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

        self.errors = (PlaywrightError,)
        if self._pw is None:
            self._pw = await async_playwright().start()
        launch: dict[str, Any] = {}
        if self.proxy is not None:
            launch["proxy"] = self.proxy
        if self.home is not None:
            # Chromium on Linux reads its trust store from $HOME/.pki/nssdb, and only from there.
            launch["env"] = {**os.environ, "HOME": str(self.home)}
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

    async def _ensure_browser(self) -> Any:
        browser = self._browser
        if browser is not None and browser.is_connected():
            return browser
        async with self._launch_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            if self.restarts >= self.options.max_restarts:
                raise BrowserGone(f"browser gone; gave up after {self.restarts} restarts")
            self.restarts += 1
            self._contexts.clear()  # they died with it (cookies too: challenges are solved again)
            with contextlib.suppress(Exception):
                if self._browser is not None:
                    await self._browser.close()
            self._browser = None
            await self._launch()
            return self._browser

    # -- contexts ------------------------------------------------------------------------------

    async def context_for(self, profile: SiteProfile) -> Any:
        """The site's browser context (created on first use; after a crash, in a relaunched browser)."""
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

    # -- the address guard ---------------------------------------------------------------------

    async def _refusal(self, host: str) -> str | None:
        """Why the page may not contact ``host`` (same address rules as the HTTP client)."""
        if host in self._address_cache:
            return self._address_cache[host]
        why = address_skip_reason(host.strip("[]"))
        # Behind the proxy the name is the proxy's to resolve (Chromium sends it the name, and this
        # machine may not resolve public names at all): only IP literals and localhost are refused here.
        proxied = self.proxy is not None and not self.proxies.bypassed(host)
        if why is None and not proxied and not is_ip(host):
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
                trusted = host in self.settings.trusted_hosts and not is_ip(host)
                why = None if trusted else await self._refusal(host)
            if why is not None:
                if self.on_refused is not None:
                    with contextlib.suppress(Exception):
                        self.on_refused(request.frame.page, request.url, why)
                await route.abort("blockedbyclient")
                return
            await route.continue_()
        except Exception:  # the page went away meanwhile
            return


__all__ = [
    "CHROMIUM_FLAGS",
    "DEFAULT_CHROMIUM",
    "BrowserGone",
    "BrowserSettings",
    "Chromium",
    "Route",
    "available",
    "chromium_proxy",
    "find_chromium",
    "host_resolver_rules",
    "hosts_to_route",
    "is_ip",
    "route_of",
]
