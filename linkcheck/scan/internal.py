"""Links into the blog itself: which links they are, and their canonical form (the history key).

With a blog root (:mod:`linkcheck.scan.jekyll`), a link is **internal** when it points at the blog:

* site-relative ``/images/a.png``; document-relative ``../images/a.png``, ``about.html`` and
  ``#anchor`` (resolved, as a browser does, against the URL of the post that cites it);
* ``{{ site.baseurl }}/…``, ``{{ site.url }}``, ``{{ "/x.png" | relative_url }}`` (and
  ``absolute_url``, ``prepend:``/``append:``), ``{% post_url NAME %}`` and ``{% link PATH %}``
  (Jekyll 4: both give the URL with the ``baseurl``);
* absolute links to the blog's own ``url`` (``https://blog.example.com/…``), or ``--site-url``'s host.

**Canonical form of an internal link** (its key in the history): the path the browser asks the
blog's host for — ``baseurl`` included, ``.``/``..`` resolved, percent-encoded as every canonical
URL is (``/deep learning/`` → ``/deep%20learning/``; ``%e6`` → ``%E6``) — followed by ``#fragment``
when the link has one: fragments are checked here, so ``…/Machine_Learning_2.html#Pearson`` and
``…#LG`` are two links (an external link's fragment is dropped). A site-relative link without a
fragment keeps the key it always had (``/images/a.png``), and the forms that name the same target
(``/blog/x.png``, ``{{ site.baseurl }}/x.png``, ``https://blog.example.com/blog/x.png``) share one.
A ``{% post_url %}``/``{% link %}`` tag that names nothing has no URL: its key is the tag itself,
whitespace collapsed (``{% post_url 2016-08-02-nope %}``).

An internal link is checkable and has no host (``Link.host == ""``): :func:`is_internal`. Liquid
this module cannot evaluate (``{{ page.image }}``) is ``skipped: liquid``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

from linkcheck.models import Link, LinkKind, Occurrence
from linkcheck.scan.jekyll import JekyllSite

SKIP_LIQUID = "liquid"
_LIQUID = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}|\{%-?\s*(.*?)\s*-?%\}", re.S)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_QUOTED = re.compile(r"""^(["'])(.*)\1$""", re.S)
# Characters kept as they are in a key's path and fragment (what canonicalize keeps in a
# site-relative link: RFC 3986 reserved and unreserved characters, '%' and '?').
_KEY_SAFE = "/:@!$&'()*+,;=-._~%?"
_LOWER_ESCAPE = re.compile(r"%(?:[0-9a-f][0-9a-fA-F]|[0-9A-F][a-f])")
# Where a link destination is written (relative ones are links there; elsewhere only URLs are).
_DESTINATIONS = frozenset({LinkKind.MARKDOWN_LINK, LinkKind.IMAGE, LinkKind.HTML_ATTR, LinkKind.REFERENCE_DEFINITION})
_DOCUMENT_EXTENSIONS = (".md", ".markdown", ".mkdown", ".mkdn", ".mkd", ".html", ".htm")


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A link written with Liquid that cannot be evaluated here."""

    reason: str


class _MathSpans:
    """Whether an occurrence lies inside kramdown math (``$$ … $$``, inline or block), where
    ``[T](x,y)`` is a formula, not a link. Computed on first use, for texts that have any."""

    _MATH = re.compile(r"\$\$.+?\$\$", re.S)

    def __init__(self, text: str | None) -> None:
        self.text = text if text is not None and "$$" in text else None
        self._spans: list[tuple[int, int]] | None = None
        self._line_starts: list[int] = []

    def __call__(self, occurrence: Occurrence) -> bool:
        if self.text is None:
            return False
        if self._spans is None:
            self._spans = [m.span() for m in self._MATH.finditer(self.text)]
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        offset = self._line_starts[occurrence.line - 1] + occurrence.column - 1
        index = bisect.bisect_right(self._spans, (offset, float("inf"))) - 1
        return index >= 0 and self._spans[index][0] <= offset < self._spans[index][1]


def is_internal(link: Link) -> bool:
    """A link into the blog, checked from its source tree (checkable, and no host to fetch)."""
    return link.checkable and not link.host


def is_internal_key(canonical: str) -> bool:
    """Whether a canonical form is an internal link's (a path, or a tag naming nothing)."""
    return canonical.startswith(("/", "{%"))


def encode_key(text: str) -> str:
    """Percent-encode what must be (non-ASCII, spaces …), existing escapes kept, in upper case."""
    encoded = quote(text, safe=_KEY_SAFE)
    return _LOWER_ESCAPE.sub(lambda m: m.group().upper(), encoded) if "%" in encoded else encoded


def split_key(key: str) -> tuple[str, str | None]:
    """(decoded path without the query, decoded fragment or None) of a path key."""
    path, hash_mark, fragment = key.partition("#")
    return unquote(path.split("?", 1)[0]), (unquote(fragment) if hash_mark and fragment else None)


class InternalLinks:
    """Resolves the links of scanned files against the site: internal ones get their key."""

    def __init__(self, site: JekyllSite, *, site_url: str | None = None) -> None:
        self.site = site
        self._hosts = set()
        for url in (site.config.url, site_url):
            if url:
                netloc = urlsplit(url if "://" in url else "https://" + url).netloc.lower()
                if netloc:
                    self._hosts.add(netloc)
        self._bases: dict[str, str | None] = {}

    # ---- evaluation of Liquid ----------------------------------------------------------------

    def _value(self, token: str) -> str | None:
        token = token.strip()
        quoted = _QUOTED.match(token)
        if quoted is not None:
            return quoted.group(2)
        config = self.site.config
        if token == "site.baseurl":
            return config.baseurl
        if token == "site.url":
            return config.url
        return None

    def _relative_url(self, value: str) -> str:
        if _SCHEME.match(value) or value.startswith("//"):
            return value
        base = self.site.config.baseurl
        return (base + ("" if value.startswith("/") else "/") + value) if value else (base or "/")

    def _output(self, expression: str) -> str | None:
        """``{{ expression }}`` for the filters that build URLs, else None."""
        parts = [p.strip() for p in expression.split("|")]
        value = self._value(parts[0])
        if value is None:
            return None
        for part in parts[1:]:
            name, _, argument = part.partition(":")
            name = name.strip()
            if name == "relative_url":
                value = self._relative_url(value)
            elif name == "absolute_url":
                value = self._relative_url(value)
                if not _SCHEME.match(value):
                    value = self.site.config.url + value
            elif name in ("prepend", "append"):
                extra = self._value(argument)
                if extra is None:
                    return None
                value = extra + value if name == "prepend" else value + extra
            else:
                return None
        return value

    def _tag(self, tag: str) -> str | Unresolved | tuple[str]:
        """``{% tag %}``: the URL it renders, a 1-tuple (its key) when it names nothing, or
        :class:`Unresolved`."""
        name, _, argument = tag.partition(" ")
        argument = argument.strip()
        base = self.site.config.baseurl
        if name == "post_url" and argument:
            post = self.site.find_post(argument)
            return base + post.url if post is not None else (f"{{% post_url {argument} %}}",)
        if name == "link" and argument and "{" not in argument:
            found = self.site.find_file(argument)
            if found is not None:
                return base + found.url
            if argument.lstrip("/").startswith("_") or argument.lower().endswith(_DOCUMENT_EXTENSIONS):
                return (f"{{% link {argument} %}}",)  # a document: its URL is unknown
            return base + "/" + argument.lstrip("/")  # a static file: checked at its path
        return Unresolved(SKIP_LIQUID)

    def _evaluate(self, url: str) -> str | Unresolved | tuple[str]:
        if "{{" not in url and "{%" not in url:
            return url
        out: list[str] = []
        pos = 0
        for m in _LIQUID.finditer(url):
            out.append(url[pos : m.start()])
            pos = m.end()
            if m.group(1) is not None:
                value = self._output(m.group(1))
                if value is None:
                    return Unresolved(SKIP_LIQUID)
                out.append(value)
            else:
                rendered = self._tag(" ".join(m.group(2).split()))
                if isinstance(rendered, Unresolved):
                    return rendered
                if isinstance(rendered, tuple):
                    rest = url[pos:]
                    fragment = rest.partition("#")[2] if "#" in rest else ""
                    return (rendered[0] + ("#" + encode_key(fragment) if fragment else ""),)
                out.append(rendered)
        out.append(url[pos:])
        evaluated = "".join(out).strip()
        if "{{" in evaluated or "{%" in evaluated:
            return Unresolved(SKIP_LIQUID)
        return evaluated

    # ---- resolution --------------------------------------------------------------------------

    def _base(self, file: str) -> str | None:
        """The URL a scanned file is published at (its relative links resolve against it)."""
        if file in self._bases:
            return self._bases[file]
        base: str | None = None
        document = self.site.document_for(file)
        if document is not None:
            base = self.site.config.baseurl + document.url
        else:
            relative = self.site.relative_source(file)
            if relative is not None and relative in self._static:
                base = self.site.config.baseurl + "/" + relative
        self._bases[file] = base
        return base

    @property
    def _static(self) -> set[str]:
        static = getattr(self, "_static_set", None)
        if static is None:
            static = self._static_set = set(self.site.static_files)
        return static

    def resolve(self, url: str, file: str) -> str | Unresolved | None:
        """The key of an internal link; :class:`Unresolved`; None for a link that is not the
        blog's (or a relative link in a file that is not part of the site)."""
        evaluated = self._evaluate(url.strip())
        if isinstance(evaluated, Unresolved | tuple):
            return evaluated if isinstance(evaluated, Unresolved) else evaluated[0]
        if not evaluated:
            return None
        if evaluated.startswith("//") or _SCHEME.match(evaluated):
            absolute = "https:" + evaluated if evaluated.startswith("//") else evaluated
            try:
                parts = urlsplit(absolute)
            except ValueError:
                return None
            if parts.scheme.lower() not in ("http", "https") or parts.netloc.lower() not in self._hosts:
                return None
            return self._key(parts.path or "/", parts.query, parts.fragment)
        head, _, fragment = evaluated.partition("#")
        if head.startswith("/"):
            located = "http://h" + encode_key(head)
        else:
            base = self._base(file)
            if base is None:
                return None  # not a file of the site: its relative links resolve against nothing
            located = urljoin("http://h" + encode_key(base), encode_key(head))
        parts = urlsplit(located)
        return self._key(parts.path or "/", parts.query, fragment)

    @staticmethod
    def _key(path: str, query: str, fragment: str) -> str:
        """The key: the path with dot segments resolved, the query, the fragment, encoded."""
        resolved = urljoin("http://h/", path)[len("http://h") :] if "." in path else path
        key = encode_key(resolved)
        if query:
            key += "?" + encode_key(query)
        if fragment:
            key += "#" + encode_key(fragment)
        return key

    def _own_absolute(self, url: str) -> bool:
        """An absolute http(s) URL on the blog's own host (a cheap test: most links are not)."""
        if not self._hosts or not url[:8].lower().startswith(("http://", "https://")):
            return False
        return url.split("/", 3)[2].lower() in self._hosts

    def claim(
        self, pairs: list[tuple[str, Occurrence]], by_canonical: dict[str, Link], text: str | None = None
    ) -> list[tuple[str, Occurrence]]:
        """Merge the internal links among ``pairs`` (extracted from ``text``) into ``by_canonical``;
        return the others (external links, to canonicalise as usual)."""
        rest: list[tuple[str, Occurrence]] = []
        in_math = _MathSpans(text)
        for url, occurrence in pairs:
            if occurrence.kind in _DESTINATIONS:
                if _SCHEME.match(url) and not self._own_absolute(url):
                    rest.append((url, occurrence))  # another site, mailto: …
                    continue
                if in_math(occurrence):
                    continue  # $$[T](x,y)$$ is kramdown math, not a link
            elif not self._own_absolute(url):
                rest.append((url, occurrence))  # a bare URL (www.…, in code …) elsewhere
                continue
            resolved = self.resolve(url, occurrence.file)
            if resolved is None:
                if url.startswith("/") or _SCHEME.match(url):
                    rest.append((url, occurrence))
                continue  # a relative link outside the site: not a URL, as without a root
            if isinstance(resolved, Unresolved):
                key, checkable, skip = " ".join(url.split()), False, resolved.reason
            else:
                key, checkable, skip = resolved, True, None
            link = by_canonical.get(key)
            if link is None:
                by_canonical[key] = Link(url, key, "", checkable, skip, [occurrence])
            else:
                link.occurrences.append(occurrence)
        return rest


__all__ = ["SKIP_LIQUID", "InternalLinks", "Unresolved", "encode_key", "is_internal", "is_internal_key", "split_key"]
