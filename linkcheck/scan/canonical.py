"""Canonical URL form (the key of deduplication and history) and whether a URL may be checked.

Generic rules: lower-case scheme and host, IDNA host (UTS #46, as browsers), default port dropped, fragment dropped,
``&amp;`` unescaped, non-ASCII path/query percent-encoded so that a URL written in Chinese and the
same URL written encoded are one. Per-site rules come from the site-profile table.

A site-relative link (``/images/x.png``) is resolved against the *origin* of the site URL, as a
browser resolves it: with ``https://example.com/blog/`` it is ``https://example.com/images/x.png``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from linkcheck import reasons
from linkcheck.sites import GENERIC, TRACKING_PARAMS, SiteProfile, profile_for

CHECKABLE_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are when percent-encoding a path or query: RFC 3986 reserved and
# unreserved characters plus '%' itself, so already-encoded input is not encoded twice.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"
_LOWER_ESCAPE = re.compile(r"%(?:[0-9a-f][0-9a-fA-F]|[0-9A-F][a-f])")
# The common case, a plain ASCII URL (lower-case host name, no port, no query, nothing to escape),
# canonicalised without urlsplit/quote/ipaddress: most of a 25 000-URL scan. Must agree exactly
# with the general path (tests compare the two). Hosts ending in a digit (IP literals) and
# "localhost" names take the general path. Groups: scheme, host, path, fragment.
_SIMPLE = re.compile(r"(https?)://([a-z0-9](?:[a-z0-9.\-]*[a-z])?)(/[A-Za-z0-9\-._~/!$'()*+,;=:@]*)?(#.*)?", re.S)

# The same for a plain site-relative link (``/images/x.png``, a tenth of the blog's links) when no
# site URL is configured: its canonical form is itself without the fragment.
_SIMPLE_RELATIVE = re.compile(r"(/(?!/)[A-Za-z0-9\-._~/!$'()*+,;=:@]*)(?:#.*)?", re.S)
_simple_relative = _SIMPLE_RELATIVE.fullmatch


class Canonical(NamedTuple):
    """A URL's canonical form, its host, whether it may be checked (else why not) and its site."""

    canonical: str
    host: str
    checkable: bool
    skip_reason: str | None
    profile: SiteProfile


def address_refusal(address: str) -> str | None:
    """Why an IP address must never be contacted (loopback, private, link-local …), or None."""
    literal = address.strip("[]").split("%", 1)[0]
    if ":" not in literal and not literal[-1:].isdigit():
        # A host name: no IPv6 address lacks a ':', no IPv4 address ends but in a digit. (Said
        # before ipaddress does, whose ValueError for every name the scan canonicalises cost more
        # than the rest of the general path.)
        return None
    try:
        ip = ipaddress.ip_address(literal)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private or ip.is_reserved or ip.is_unspecified:
        return "private-address"
    return None


def address_skip_reason(host: str) -> str | None:
    """Why a host written as a name or an IP literal must never be fetched, or None."""
    if host in {"localhost", "localhost.localdomain"} or host.endswith(".localhost"):
        return "loopback"
    return address_refusal(host)


def _encode_host(host: str) -> str:
    """The ASCII (punycode) form of a host name: the domain a browser would visit."""
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    import idna  # (only for the rare non-ASCII host: the package costs milliseconds at every start)

    try:
        # UTS #46 non-transitional processing (IDNA 2008), as browsers (the WHATWG URL standard)
        # and aiohttp's yarl do. Python's "idna" codec is IDNA 2003, which folds ß to "ss" and ς
        # to σ: straße.de became strasse.de, another domain. Chinese and ASCII names come out the
        # same either way, so their history rows keep their keys.
        return idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        pass
    try:
        # Symbols IDNA 2008 disallows (☃.net): browsers still visit them as IDNA 2003 spells them.
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _normalize_escapes(text: str) -> str:
    """Percent-escapes in upper case, so ``%e6`` and ``%E6`` are one."""
    return _LOWER_ESCAPE.sub(lambda m: m.group().upper(), text) if "%" in text else text


# Text quote() returns unchanged: only the characters it never encodes (its always-safe set and
# ``safe``). Most paths, keys and values are; matching them costs a tenth of quote's encode/decode.
_UNCHANGED_BY_QUOTE = {safe: re.compile(f"[A-Za-z0-9_.\\-~{re.escape(safe)}]*") for safe in (_PATH_SAFE, _QUERY_SAFE)}


def _encode(text: str, safe: str) -> str:
    """Percent-encode what must be (non-ASCII, spaces…), keeping existing escapes as they are."""
    if _UNCHANGED_BY_QUOTE[safe].fullmatch(text) is None:
        text = quote(text, safe=safe)
    return _normalize_escapes(text)


def _canonical_query(query: str, profile: SiteProfile, path: str) -> str:
    """The query, parameters kept raw (never decoded and re-encoded: ``%26`` stays ``%26``,
    legacy-encoded ``%C4%E3`` stays as it is, ``?abc`` does not become ``?abc=``)."""
    rule = next((r for r in profile.canonical if r.path.search(path)), None)
    if rule is not None and rule.keep_query == ():
        return ""
    if not query:
        return ""
    # (name for matching, key as written, "=" or "", value as written)
    items = []
    for part in query.split("&"):
        if part:
            key, sep, value = part.partition("=")
            items.append((unquote(key), key, sep, value))
    if rule is not None and rule.keep_query is not None:
        renamed = {rule.aliases.get(name, name): (sep, value) for name, _, sep, value in items}
        kept = [(name, *renamed[name]) for name in rule.keep_query if name in renamed]
        # A link lacking part of the identifying set (WeChat temporary/preview links) is only
        # identified by its other parameters: keep those rather than collapse distinct links.
        if len(kept) == len(rule.keep_query) or not rule.fallback_to_all:
            return "&".join(_encode(k, _QUERY_SAFE) + sep + _encode(v, _QUERY_SAFE) for k, sep, v in kept)
    return "&".join(
        _encode(key, _QUERY_SAFE) + sep + _encode(value, _QUERY_SAFE)
        for name, key, sep, value in items
        if name not in TRACKING_PARAMS
    )


def plain(url: str) -> tuple[str, str, SiteProfile] | None:
    """(canonical form, host, site profile) of a plain URL, which is checkable, or None when ``url``
    needs the general path (:func:`canonicalize`). The scan asks this first for each of the blog's
    27,000 distinct URLs: it builds no :class:`Canonical`, and a URL written in its canonical form
    (no fragment, nothing the site's rules change: most of them) is returned as the very string,
    whose hash the scan's dictionaries have already computed."""
    m = _SIMPLE.fullmatch(url)
    if m is None:
        return None
    scheme, host, path, fragment = m.groups()
    if "localhost" in host:
        return None
    profile = profile_for(host)
    same = path is not None and fragment is None  # as written, unless the site's rules change it
    if profile.force_https and scheme == "http":
        scheme, same = "https", False
    if path is None:
        path = "/"
    elif path[-1] == "/" and len(path) > 1 and profile.canonical:
        rule = next((r for r in profile.canonical if r.path.search(path)), None)
        if rule is not None and rule.strip_trailing_slash:
            path, same = path.rstrip("/") or "/", False
    return (url if same else f"{scheme}://{host}{path}"), host, profile


def canonicalize(url: str, site_url: str | None = None) -> Canonical:
    """Canonical form of ``url`` as written in a post (site-relative when it starts with '/': resolved
    against the origin of ``site_url`` when one is given, else not checkable)."""
    found = plain(url)
    if found is not None:
        canonical, host, profile = found
        return Canonical(canonical, host, True, None, profile)
    if site_url is None and (relative := _simple_relative(url)) is not None:
        return Canonical(relative.group(1), "", False, reasons.SITE_RELATIVE, GENERIC)
    return _canonicalize(url, site_url)


def _canonicalize(url: str, site_url: str | None) -> Canonical:
    """The general case of :func:`canonicalize`."""
    raw = url.strip().replace("&amp;", "&")
    if raw.startswith("/") and not raw.startswith("//"):
        if site_url is None:
            relative = _encode(raw.split("#", 1)[0], _QUERY_SAFE)
            return Canonical(relative, "", False, reasons.SITE_RELATIVE, GENERIC)
        # An absolute-path reference (RFC 3986 §5.2.2): it replaces the site URL's whole path, as
        # in a browser, so a blog published under /blog/ still links /images/x.png at the root.
        raw = urljoin(site_url, raw)
    if raw.startswith("//"):
        raw = "https:" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return Canonical(raw, "", False, reasons.MALFORMED, GENERIC)
    scheme = parts.scheme.lower()
    if scheme not in CHECKABLE_SCHEMES:
        return Canonical(raw, "", False, f"scheme:{scheme or 'none'}", GENERIC)
    host = _encode_host(parts.hostname or "")
    if not host:
        return Canonical(raw, "", False, reasons.NO_HOST, GENERIC)
    profile = profile_for(host)
    if profile.force_https:
        scheme = "https"
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _encode(parts.path, _PATH_SAFE) or "/"
    rule = next((r for r in profile.canonical if r.path.search(path)), None)
    if rule is not None and rule.strip_trailing_slash and len(path) > 1:
        path = path.rstrip("/") or "/"
    query = _canonical_query(parts.query, profile, path)
    canonical = urlunsplit((scheme, netloc, path, query, ""))
    skip = address_skip_reason(host)
    return Canonical(canonical, host, skip is None, skip, profile)
