"""The headless browser as a stage of the runner: Zhihu's ``__zse_ck`` challenge and friends.

A plain HTTP client gets Zhihu's 403 JavaScript challenge for live *and* deleted posts
(shared/docs/decay-signatures.md §2 row 6): deadness is only observable after running the
challenge script. With the optional extra (``pip install 'linkcheck[browser]'``: Playwright for
Python) and Debian's ``chromium`` package, the runner hands such links to :class:`BrowserChecker`
(an :class:`~linkcheck.run.checker.Escalation`): headless Chromium runs the script, keeps the
cookie for the rest of the run, lands on the real page, and the rendered page is classified by the
same site profiles. Which walls a browser gets past, and its pacing, are the profiles'
:class:`~linkcheck.sites.BrowserRule`; docs/browser.md has the long form.

Modules: :mod:`~linkcheck.browser.launch` (finding, launching and relaunching Chromium; proxy,
trust via :mod:`~linkcheck.browser.nssdb`, routing, the address guard, one context per site),
:mod:`~linkcheck.browser.checker` (one visit: navigate, wait for the challenge, classify; pacing;
failures as verdicts), :mod:`~linkcheck.browser.capture` (a visit as exchanges the archive writes,
plus the rendered DOM), :mod:`~linkcheck.browser.summary` (the report's figures).
"""

from __future__ import annotations

from linkcheck.browser.capture import BrowserResponse, archive_visit
from linkcheck.browser.checker import BrowserChecker, Visit, failure_outcome
from linkcheck.browser.launch import (
    CHROMIUM_FLAGS,
    DEFAULT_CHROMIUM,
    BrowserSettings,
    Chromium,
    Route,
    available,
    chromium_proxy,
    find_chromium,
    host_resolver_rules,
    hosts_to_route,
    route_of,
)
from linkcheck.browser.summary import RecheckSummary

__all__ = [
    "CHROMIUM_FLAGS",
    "DEFAULT_CHROMIUM",
    "BrowserChecker",
    "BrowserResponse",
    "BrowserSettings",
    "Chromium",
    "RecheckSummary",
    "Route",
    "Visit",
    "archive_visit",
    "available",
    "chromium_proxy",
    "failure_outcome",
    "find_chromium",
    "host_resolver_rules",
    "hosts_to_route",
    "route_of",
]
