"""Every reason an outcome can give, named once.

A verdict (:class:`~linkcheck.models.Verdict`) says *what* is behind a URL; its reason says *why*,
and reports, the history and the SQL views show it as written here. Reasons that come from the
site-profile table (``tombstone:…``, ``antibot:…``, ``login-wall``) are spelled there, next to the
marker that finds them; reasons of links into the blog (``missing-file`` …) are spelled in
:mod:`linkcheck.run.local`; ``http-<status>`` is built from the status (:func:`http_status`). The
rest are here.
"""

from __future__ import annotations

from functools import cache


@cache
def http_status(status: int) -> str:
    """``http-<status>``: one string per status for the whole run. A run holds every outcome to
    its end (the report), and 25,000 copies of ``http-200`` are 1.4 MB of it."""
    return f"http-{status}"


# alive
LIVE_MARKER = "live-marker"  # the site's live marker is on the page

# dead: a 200 page that answers as its host answers a URL that cannot exist (linkcheck.soft404)
SOFT_404 = "soft-404"

# error: transient or unresolved (re-checked; never dead by itself)
TIMEOUT = "timeout"
CONNECT = "connect"
CONN_RESET = "conn-reset"
TLS = "tls"
DNS = "dns"  # error when the resolver could not say; dead when the name does not exist
TRUNCATED = "truncated"
BAD_RESPONSE = "bad-response"
CLIENT_ERROR = "client-error"
HTTP_5XX = "http-5xx"
HTTP_408 = "http-408"
HTTP_429 = "http-429"
UNRECOGNIZED_PAGE = "unrecognized-page"  # neither a tombstone nor the site's live marker
REDIRECT_LOOP = "redirect-loop"
REDIRECT_SCHEME = "redirect-scheme"  # a redirect to file:, ftp:, javascript: …
TOO_MANY_REDIRECTS = "too-many-redirects"

# blocked: a wall answered; says nothing about the page
RATE_LIMITED = "rate-limited"  # 429 with a Retry-After longer than this run waits
HOST_PAUSED = "host-paused"  # the site's walls persisted: left alone for the rest of the run

# skipped: never fetched
NOT_CHECKABLE = "not-checkable"
IN_CODE = "in-code"
EXCLUDED = "excluded"
SITE_RELATIVE = "site-relative"
MALFORMED = "malformed"
NO_HOST = "no-host"

# the headless browser's own failures (error) and pauses (blocked)
BROWSER_UNAVAILABLE = "browser-unavailable"
BROWSER_PAUSED = "browser-paused"
BROWSER_CRASH = "browser-crash"
BROWSER_TIMEOUT = "browser-timeout"
BROWSER_DNS = "browser-dns"
BROWSER_TLS = "browser-tls"
BROWSER_CONNECT = "browser-connect"
BROWSER_NET = "browser-net"
BROWSER_ERROR = "browser-error"

# Transient reasons: retried within the run (with backoff, honouring Retry-After).
TRANSIENT = frozenset({TIMEOUT, CONN_RESET, CONNECT, HTTP_5XX, HTTP_408, HTTP_429, TRUNCATED})
# Errors that say nothing about whether the link answers, so they neither extend nor end its
# error streak (the "unreachable" rule, linkcheck.store.state): a page that answered but that its
# site's markers do not recognise (a CSDN user's home page, a Zhihu path no profile describes —
# the classifier's gap, not the link's), and the headless browser missing or crashing.
REACHABILITY_NEUTRAL = frozenset({UNRECOGNIZED_PAGE, BROWSER_UNAVAILABLE, BROWSER_CRASH})
# Failures below HTTP: no server answered, which may be the machine's own network (the offline guard).
CONNECTION_LEVEL = frozenset({DNS, CONNECT, TIMEOUT, CONN_RESET, TLS})

# An alive outcome reached through a tombstone that names its successor (WeChat account
# migration): ``moved:`` + the tombstone's reason without its ``tombstone:`` prefix.
MOVED_PREFIX = "moved:"

# ``linkcheck fix``: why an edit is proposed (linkcheck.fix.Proposal.reason)
FIX_REDIRECT = "fix:permanent-redirect"  # 301/308 to a live page on every check for the confirmation window
FIX_HTTPS = "fix:https"  # the site forces HTTPS (its profile, or a redirect to the https:// twin on every check)
FIX_SUCCESSOR = "fix:successor"  # a migrated WeChat account's article → its successor, checked alive
FIX_ARCHIVE_LINK = "fix:archive-link"  # confirmed dead, readable capture: an archive link beside it
FIX_ROBUST_LINKS = "fix:robust-links"  # the same in HTML: data-versionurl / data-versiondate on the <a>
