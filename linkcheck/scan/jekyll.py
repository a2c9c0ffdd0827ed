"""The blog's own site, read from its Jekyll source tree: which URLs it serves and from what.

A link into the blog (``/images/img5/io_uring.png``, ``/ml/2016/08/02/Machine_Learning_2.html#Pearson``,
``{% post_url 2016-08-02-Machine_Learning_2 %}``) is checked here without the network: the site
model knows every file Jekyll would publish and the URL it would publish it at.

* **The root** is the directory holding ``_config.yml`` (or ``.yaml``/``.toml``), found upward from
  the scanned paths (:func:`find_root`), or given (``--root``). The config's ``url``, ``baseurl``,
  ``permalink``, ``collections``, ``collections_dir``, ``include``, ``exclude``, ``defaults``,
  ``markdown_ext``, ``timezone``, ``plugins`` and ``kramdown`` options are read with PyYAML.
* **Posts** (``_posts/``, also ``<category>/_posts/``) get their URL by Jekyll 4's permalink rules
  (:func:`expand_permalink`): the global ``permalink`` (a style — ``date`` by default, i.e.
  ``/:categories/:year/:month/:day/:title:output_ext`` — or a template), else a post's own
  ``permalink``; categories from ``category``/``categories`` and the folders above ``_posts``,
  lower-cased, spaces kept (``/deep object detection/2018/…``); the date from the file name
  (``2016-8-2-…`` is 2016/08/02) unless the front matter has one; ``:title`` is the file's slug
  as Jekyll's "pretty" slugify leaves it (``Machine_Learning_2``). ``published: false`` posts and
  ``_drafts`` are not published.
* **Pages** (any other file with front matter) and **collection documents** (``output: true``)
  likewise; **static files** are every other file that Jekyll copies (not ``_``/``.``-prefixed,
  not excluded), at their own path.
* A published file answers at its URL and, as GitHub Pages and ``jekyll serve`` do, ``/a/`` at
  ``/a/index.html`` and ``/a``, ``/a.html`` at ``/a``.

The model is case-sensitive, as the server that publishes the blog is (:meth:`JekyllSite.lookup`
reports a path that only differs in case), and never touches the network.
"""

from __future__ import annotations

import calendar
import contextlib
import fnmatch
import os
import posixpath
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from linkcheck.scan.anchors import GFM, document_anchors
from linkcheck.scan.blogroot import CONFIG_NAMES, SiteError, find_root, load_site

# Jekyll's named permalink styles (lib/jekyll/configuration.rb STYLE_TO_PERMALINK).
PERMALINK_STYLES = {
    "none": "/:categories/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
}
DEFAULT_MARKDOWN_EXT = "markdown,mkdown,mkdn,mkd,md"
DEFAULT_EXCLUDE = (
    ".sass-cache", ".jekyll-cache", "gemfiles", "Gemfile", "Gemfile.lock", "node_modules",
    "vendor/bundle/", "vendor/cache/", "vendor/gems/", "vendor/ruby/",
)  # fmt: skip
# Output extension of a rendered page by source extension (besides Markdown → .html).
_CONVERTED_EXT = {".scss": ".css", ".sass": ".css", ".coffee": ".js"}
HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
_BINARY_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".ico", ".tif", ".tiff", ".pdf", ".zip", ".gz",
     ".mp3", ".mp4", ".webm", ".ogg", ".wav", ".woff", ".woff2", ".ttf", ".otf", ".eot"}
)  # fmt: skip
_DATE_FILENAME = re.compile(r"^(?:.+/)*?(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^.]+)$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\n?)^(?:---|\.\.\.)[ \t]*$\r?\n?", re.M | re.S)
_YAML_HEADER = re.compile(rb"\A---\s*\r?\n")
_HEAD_BYTES = 8192  # read to find a document's front matter (its body is read when an anchor needs it)
# Jekyll's "pretty" slugify keeps letters, marks, digits and ._~!$&'()+,;=@ ; "default" only the first three.
_PRETTY_KEEP = frozenset("._~!$&'()+,;=@")


# ---------------------------------------------------------------------------------------------
# Jekyll's string rules


def _slug_keeps(ch: str, pretty: bool) -> bool:
    if ch.isascii():
        return ch.isalnum() or (pretty and ch in _PRETTY_KEEP)
    if pretty and ch in _PRETTY_KEEP:
        return True
    category = unicodedata.category(ch)
    return category[0] in "LM" or category == "Nd"


def slugify(text: str, *, mode: str = "default", cased: bool = False) -> str:
    """Jekyll's ``Utils.slugify`` for the ``default`` and ``pretty`` modes (``raw`` too)."""
    if mode == "raw":
        slug = re.sub(r"\s+", "-", text)
    else:
        pretty = mode == "pretty"
        out: list[str] = []
        for ch in text:
            if _slug_keeps(ch, pretty):
                out.append(ch)
            elif not out or out[-1] != "\x00":
                out.append("\x00")  # a run of other characters becomes one hyphen
        slug = "".join(out).replace("\x00", "-")
    slug = re.sub(r"^-|-$", "", slug)
    return slug if cased else slug.lower()


_ESCAPE_PLAIN = re.compile(r"^[a-zA-Z0-9./-]+$")
# Addressable::URI.encode keeps unreserved characters, sub-delims, ':', '@', '/' and '%'.
_URL_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def escape_path(path: str) -> str:
    """Jekyll's ``URL.escape_path``: a placeholder's value as it goes into a URL."""
    if not path or _ESCAPE_PLAIN.match(path):
        return path
    return quote(path, safe=_URL_PATH_SAFE).replace("#", "%23")


def sanitize_url(url: str) -> str:
    """Jekyll's ``URL#sanitize_url``: leading '/', no '..', './' or '//'."""
    result = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub("/+", "/", result)


def expand_permalink(template: str, values: dict[str, str | None]) -> str:
    """A permalink template with its ``:placeholders`` replaced (Jekyll's ``URL#generate_url``),
    sanitised. Unknown placeholders raise :class:`KeyError` (Jekyll fails the build)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        for key in (name, name[:-1]) if name.endswith("_") else (name,):
            if key in values:
                value = values[key]
                return escape_path(value or "") + match.group(0)[len(key) + 1 :]
        raise KeyError(name)

    return sanitize_url(re.sub(r":([a-z_]+)", replace, template))


def normalize_path(path: str) -> str:
    """A URL path with '.' and '..' segments resolved (never above '/'), trailing slash kept."""
    if not path:
        return "/"
    normalized = posixpath.normpath(path)
    if normalized.startswith("//"):
        normalized = "/" + normalized.lstrip("/")
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    if not normalized.startswith("/"):
        normalized = "/" + normalized
    return normalized


# ---------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True, slots=True)
class Collection:
    label: str
    output: bool
    permalink: str | None  # None: the default for the site's permalink style


@dataclass(slots=True)
class SiteConfig:
    """The ``_config.yml`` keys that decide URLs and anchors, with Jekyll's defaults."""

    url: str = ""
    baseurl: str = ""  # without its trailing slash; "" at the host's root
    permalink: str = "date"  # as written: a style name or a template
    collections: dict[str, Collection] = field(default_factory=dict)
    collections_dir: str = ""
    include: tuple[str, ...] = (".htaccess",)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    defaults: tuple[tuple[str, str | None, dict[str, Any]], ...] = ()  # (scope path, scope type, values)
    markdown_ext: frozenset[str] = frozenset("." + e for e in DEFAULT_MARKDOWN_EXT.split(","))
    markdown_input: str = GFM
    auto_ids: bool = True
    auto_id_prefix: str = ""
    timezone: str | None = None
    plugins: tuple[str, ...] = ()
    feed_path: str = "feed.xml"
    paginate_path: str | None = None

    @property
    def post_template(self) -> str:
        posts = self.collections.get("posts")
        if posts is not None and posts.permalink:
            return PERMALINK_STYLES.get(posts.permalink, posts.permalink)
        return PERMALINK_STYLES.get(self.permalink, self.permalink)

    def suffixed(self, template: str) -> str:
        """Jekyll's ``Utils.add_permalink_suffix`` for the site's permalink style."""
        style = self.permalink
        if style == "pretty":
            return template + "/"
        if style in ("date", "ordinal", "none"):
            return template + ":output_ext"
        if style.endswith("/"):
            template += "/"
        if style.endswith(":output_ext"):
            template += ":output_ext"
        return template


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def parse_config(data: dict[str, Any]) -> SiteConfig:
    """A :class:`SiteConfig` from the parsed ``_config.yml``."""
    config = SiteConfig()
    if not isinstance(data, dict):
        raise SiteError("the configuration is not a mapping of keys")
    config.url = str(data.get("url") or "").rstrip("/")
    config.baseurl = str(data.get("baseurl") or "").rstrip("/")
    if config.baseurl and not config.baseurl.startswith("/"):
        config.baseurl = "/" + config.baseurl
    if data.get("permalink"):
        config.permalink = str(data["permalink"])
    collections = data.get("collections") or {}
    if isinstance(collections, list):
        collections = {str(name): {} for name in collections}
    if not isinstance(collections, dict):
        raise SiteError("collections must be a mapping or a list")
    for label, options in {"posts": {}, **collections}.items():
        options = options if isinstance(options, dict) else {}
        permalink = options.get("permalink")
        config.collections[str(label)] = Collection(
            str(label), label == "posts" or bool(options.get("output")), str(permalink) if permalink else None
        )
    config.collections_dir = str(data.get("collections_dir") or "").strip("/")
    if "include" in data:
        config.include = tuple(_as_list(data["include"]))
    config.exclude = tuple(dict.fromkeys([*_as_list(data.get("exclude")), *DEFAULT_EXCLUDE]))
    defaults = []
    for entry in data.get("defaults") or []:
        if isinstance(entry, dict) and isinstance(entry.get("values"), dict):
            scope = entry.get("scope") if isinstance(entry.get("scope"), dict) else {}
            defaults.append((str(scope.get("path") or "").strip("/"), scope.get("type"), dict(entry["values"])))
    config.defaults = tuple(defaults)
    if data.get("markdown_ext"):
        config.markdown_ext = frozenset("." + e.strip() for e in str(data["markdown_ext"]).split(","))
    kramdown = data.get("kramdown") if isinstance(data.get("kramdown"), dict) else {}
    config.markdown_input = str(kramdown.get("input") or GFM)
    config.auto_ids = bool(kramdown.get("auto_ids", True))
    config.auto_id_prefix = str(kramdown.get("auto_id_prefix") or "")
    config.timezone = str(data["timezone"]) if data.get("timezone") else None
    config.plugins = tuple(_as_list(data.get("plugins")) + _as_list(data.get("gems")))
    feed = data.get("feed") if isinstance(data.get("feed"), dict) else {}
    config.feed_path = str(feed.get("path") or "feed.xml").lstrip("/")
    if data.get("paginate"):
        config.paginate_path = str(data.get("paginate_path") or "/page:num/")
    return config


def _load_yaml(text: str) -> Any:
    import yaml  # PyYAML: the config and front matter are YAML in all its forms

    # The C parser (libyaml) where PyYAML has it: a tenth of the pure-Python one's time per post.
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_config(root: Path) -> tuple[SiteConfig, Path | None]:
    """The site's configuration (defaults where there is no config file) and the file read."""
    for name in CONFIG_NAMES:
        path = root / name
        if path.is_file():
            break
    else:
        return parse_config({}), None
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text) if path.suffix == ".toml" else _load_yaml(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SiteError(f"{path}: {exc}") from None
    except Exception as exc:  # yaml.YAMLError, without importing PyYAML at module import
        raise SiteError(f"{path}: not valid YAML: {exc}") from None
    return parse_config(data or {}), path


# ---------------------------------------------------------------------------------------------
# Documents


@dataclass(slots=True)
class Document:
    """A page Jekyll renders (post, page or collection document)."""

    source: str  # path relative to the root, '/'-separated
    url: str  # as Jekyll writes it (escaped), without the baseurl
    kind: str  # "post", "page" or the collection's label
    markdown: bool
    layout: str | None = None
    relative_path: str = ""  # posts/documents: relative to collections_dir; pages: to the root
    date: datetime | None = None
    slug: str = ""


@dataclass(frozen=True, slots=True)
class Served:
    """What answers at a path: a rendered document or a static file."""

    source: str  # path relative to the root ('' for generated files such as feed.xml)
    url: str  # the canonical URL of it (escaped, without baseurl)
    document: Document | None = None


@dataclass(frozen=True, slots=True)
class Lookup:
    """The answer to "what does the server answer at this path"."""

    served: Served | None  # found exactly
    case_variant: Served | None = None  # not found, but this differs only in case
    candidate: Served | None = None  # not found; the one file or page with the same name elsewhere
    outside_base: bool = False  # the path is not under the site's baseurl


def _parse_front_matter(text: str) -> tuple[dict[str, Any], str | None]:
    """(front matter, problem). Invalid YAML gives an empty mapping, as Jekyll carries on with one."""
    m = _FRONT_MATTER.match(text)
    if m is None:
        return {}, None
    try:
        data = _load_yaml(m.group(1))
    except Exception as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {}, f"front matter is not valid YAML ({first_line}); read as empty, as Jekyll does"
    return (data if isinstance(data, dict) else {}), None


def _parse_date(value: Any, timezone: str | None) -> datetime | None:
    """A front matter or file name date as Jekyll would place it (wall clock of the site)."""
    if isinstance(value, datetime):
        moment = value
    elif hasattr(value, "year") and hasattr(value, "month") and hasattr(value, "day"):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        m = re.match(
            r"(\d{1,4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
            r"\s*(Z|[+-]\d{2}:?\d{2})?",
            text,
        )
        if m is None:
            return None
        year, month, day, hour, minute, second, offset = m.groups()
        try:
            moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        except ValueError:
            return None
        if offset:
            from datetime import timezone as tz

            if offset == "Z":
                delta = timedelta(0)
            else:
                digits = offset.replace(":", "")
                delta = timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))
                delta = -delta if digits[0] == "-" else delta
            moment = moment.replace(tzinfo=tz(delta))
    if moment.tzinfo is not None:
        if timezone:
            from zoneinfo import ZoneInfo

            with contextlib.suppress(Exception):  # an unknown zone name: the wall clock as written
                moment = moment.astimezone(ZoneInfo(timezone))
        moment = moment.replace(tzinfo=None)  # else: the wall clock as written
    return moment


def _date_values(date: datetime) -> dict[str, str | None]:
    iso_year, iso_week, iso_day = date.isocalendar()
    return {
        "year": f"{date.year:04d}", "month": f"{date.month:02d}", "day": f"{date.day:02d}",
        "hour": f"{date.hour:02d}", "minute": f"{date.minute:02d}", "second": f"{date.second:02d}",
        "i_day": str(date.day), "i_month": str(date.month),
        "short_month": calendar.month_abbr[date.month], "long_month": calendar.month_name[date.month],
        "short_year": f"{date.year % 100:02d}", "w_year": str(iso_year), "week": f"{iso_week:02d}",
        "w_day": str(iso_day), "short_day": calendar.day_abbr[date.weekday()],
        "long_day": calendar.day_name[date.weekday()], "y_day": f"{date.timetuple().tm_yday:03d}",
    }  # fmt: skip


def _categories(path_categories: list[str], data: dict[str, Any]) -> list[str]:
    """A post's categories as Jekyll 4 merges them (folders, ``categories``, ``category``)."""
    categories = list(path_categories)
    if data.get("categories") is not None:
        given = data["categories"]
        given = given.split() if isinstance(given, str) else _as_list(given)
        categories = list(dict.fromkeys([*categories, *given]))
    if "category" in data and data["category"] is not None:
        extra = _as_list(data["category"])
    elif isinstance(data.get("categories"), str):
        extra = data["categories"].split()
    else:
        extra = _as_list(data.get("categories"))
    return list(dict.fromkeys(str(c) for c in [*categories, *extra]))


class JekyllSite:
    """The published site of a Jekyll source tree: documents, static files, and their URLs."""

    def __init__(self, root: Path, config: SiteConfig, config_file: Path | None = None) -> None:
        self.root = root
        self.config = config
        self.config_file = config_file
        self.documents: list[Document] = []
        self.static_files: list[str] = []  # paths relative to the root
        self.generated: list[str] = []  # published paths with no source (feed.xml …)
        self.problems: list[tuple[str, str]] = []  # (file, message)
        self._served: dict[str, Served] = {}  # decoded path (without baseurl) -> what answers
        self._folded: dict[str, list[str]] = {}  # casefolded path -> paths
        self._by_name: dict[str, list[Served]] = {}  # casefolded last segment -> served (canonical URLs)
        self._by_source: dict[str, Document] = {}  # absolute source path -> document
        self._by_real: dict[str, Document] | None = None  # the same by real path (symlinks resolved)
        self._anchors: dict[str, frozenset[str]] = {}
        self._layout_ids: dict[str, frozenset[str]] = {}

    # ---- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, root: Path) -> JekyllSite:
        """Read the source tree at ``root``. Raises :class:`SiteError` for a missing root or a
        config file that cannot be read."""
        if not root.is_dir():
            raise SiteError(f"blog root {root}: not a directory")
        config, config_file = read_config(root)
        site = cls(root.resolve(), config, config_file)
        site._read()
        return site

    def _read(self) -> None:
        config = self.config
        collections_dir = config.collections_dir
        for relative in self._walk(""):
            self._read_entry(relative)
        # Collections live in _<label> folders (under collections_dir); posts also in <dir>/_posts.
        for collection in config.collections.values():
            if not collection.output:
                continue
            base = f"_{collection.label}"
            if collections_dir:
                base = posixpath.join(collections_dir, base)
            for relative in self._walk(base):
                self._read_document(relative, collection)
        for relative in self._nested_post_dirs():
            for post in self._walk(relative):
                self._read_document(post, config.collections["posts"])
        self._add_generated()

    def _excluded(self, relative: str) -> bool:
        config = self.config
        for pattern in config.exclude:
            if pattern in config.include:
                continue
            bare = pattern.strip("/")
            if relative == bare or relative.startswith(bare + "/") or fnmatch.fnmatchcase(relative, pattern):
                return True
        return False

    def _included(self, relative: str) -> bool:
        name = relative.rsplit("/", 1)[-1]
        return any(fnmatch.fnmatchcase(relative, p) or fnmatch.fnmatchcase(name, p) for p in self.config.include)

    def _filtered(self, relative: str) -> bool:
        """Jekyll's EntryFilter: leave out '.', '_', '#', '~' names, backups and excluded paths."""
        name = relative.rsplit("/", 1)[-1]
        if name.endswith("."):
            return True
        included = self._included(relative)
        if self._excluded(relative) and not included:
            return True
        if included:
            return False
        return name[:1] in "._#~" or name.endswith("~")

    def _walk(self, start: str) -> Iterator[str]:
        """Files below ``start`` (relative to the root) that Jekyll reads, sorted, following symlinks."""
        top = self.root / start if start else self.root
        if not top.is_dir():
            return
        seen: set[tuple[int, int]] = set()
        stack = [start]
        while stack:
            folder = stack.pop()
            path = self.root / folder if folder else self.root
            try:
                st = path.stat()
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
                entries = sorted(os.scandir(path), key=lambda e: e.name)
            except OSError as exc:
                self.problems.append((folder or ".", f"cannot list: {exc.strerror or exc}"))
                continue
            subfolders = []
            for entry in entries:
                relative = f"{folder}/{entry.name}" if folder else entry.name
                if self._filtered(relative):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    continue
                if is_dir:
                    subfolders.append(relative)
                elif entry.is_file():
                    yield relative
            stack.extend(reversed(subfolders))

    def _nested_post_dirs(self) -> list[str]:
        """``<folder>/_posts`` directories below the root (their posts get the folders as categories)."""
        found = []
        for dirpath, dirnames, _ in os.walk(self.root, followlinks=True):
            relative = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            relative = "" if relative == "." else relative
            keep = []
            for name in sorted(dirnames):
                child = f"{relative}/{name}" if relative else name
                if name == "_posts" and relative:
                    found.append(child)
                elif not self._filtered(child):
                    keep.append(name)
            dirnames[:] = keep
        return found

    def _defaults(self, relative: str, kind: str) -> dict[str, Any]:
        """Front matter defaults that apply to a file (later and more specific scopes win)."""
        merged: dict[str, Any] = {}
        for scope_path, scope_type, values in self.config.defaults:
            if scope_type and scope_type != kind:
                continue
            if scope_path and not (
                relative == scope_path
                or relative.startswith(scope_path + "/")
                or fnmatch.fnmatchcase(relative, scope_path)
            ):
                continue
            merged.update(values)
        return merged

    def _read_text(self, relative: str, *, head: bool = False) -> str | None:
        """The file's text; with ``head``, enough of it for its front matter."""
        try:
            with open(self.root / relative, "rb") as fh:
                data = fh.read(_HEAD_BYTES if head else -1)
                if head and len(data) == _HEAD_BYTES and not _FRONT_MATTER.match(data.decode("utf-8", "ignore")):
                    data += fh.read()  # a front matter longer than the head
        except OSError as exc:
            self.problems.append((relative, f"cannot read: {exc.strerror or exc}"))
            return None
        return data.decode("utf-8-sig", errors="replace")

    def _read_entry(self, relative: str) -> None:
        """A file outside the special folders: a page when it has front matter, else static."""
        if posixpath.splitext(relative)[1].lower() in _BINARY_EXTENSIONS:
            self._add_static(relative)  # an image never starts with '---' (thousands of them: no sniffing)
            return
        try:
            with open(self.root / relative, "rb") as fh:
                head = fh.read(64)
        except OSError as exc:
            self.problems.append((relative, f"cannot read: {exc.strerror or exc}"))
            return
        if not _YAML_HEADER.match(head):
            self._add_static(relative)
            return
        text = self._read_text(relative, head=True)
        if text is None:
            return
        data, problem = _parse_front_matter(text)
        if problem:
            self.problems.append((relative, problem))
        data = {**self._defaults(relative, "pages"), **data}
        if data.get("published") is False:
            return
        folder, _, name = relative.rpartition("/")
        stem, ext = posixpath.splitext(name)
        markdown = ext.lower() in self.config.markdown_ext
        output_ext = ".html" if markdown else _CONVERTED_EXT.get(ext.lower(), ext)
        if ext.lower() in (".scss", ".sass"):
            self._add_generated_file(f"/{folder}/{stem}.css.map" if folder else f"/{stem}.css.map")
        if data.get("permalink"):
            template = str(data["permalink"])
        elif output_ext not in HTML_EXTENSIONS:
            template = "/:path/:basename:output_ext"
        elif stem == "index":
            template = "/:path/"
        else:
            template = self.config.suffixed("/:path/:basename")
        values: dict[str, str | None] = {
            "path": "/" + folder if folder else "",
            "basename": stem,
            "output_ext": output_ext,
        }
        try:
            url = expand_permalink(template, values)
        except KeyError as exc:
            self.problems.append((relative, f"permalink {template!r}: unknown placeholder :{exc.args[0]}"))
            return
        self._add_document(Document(relative, url, "page", markdown, _layout(data), relative_path=relative))

    def _read_document(self, relative: str, collection: Collection) -> None:
        """A post or a collection document (``relative`` to the root)."""
        config = self.config
        collections_dir = config.collections_dir
        in_collections = relative[len(collections_dir) + 1 :] if collections_dir else relative
        folder = f"_{collection.label}"
        name = relative.rsplit("/", 1)[-1]
        stem, ext = posixpath.splitext(name)
        markdown = ext.lower() in config.markdown_ext
        if not markdown and ext.lower() not in HTML_EXTENSIONS:
            if collection.label != "posts":
                self._add_static(relative)  # a collection's other files are copied as they are
            return
        text = self._read_text(relative, head=True)
        if text is None:
            return
        kind = collection.label
        data, problem = _parse_front_matter(text)
        if problem:
            self.problems.append((relative, problem))
        data = {**self._defaults(relative, kind), **data}
        if data.get("published") is False:
            return
        date: datetime | None = None
        slug = stem
        if kind == "posts":
            m = _DATE_FILENAME.match(in_collections)
            if m is None:
                return  # Jekyll ignores a file in _posts whose name has no date
            if problem:
                # Jekyll stops reading the post at the bad YAML, before it takes the date and slug
                # from the file name: the post goes out under the build's date and its whole name.
                date = datetime.now()
            else:
                date = _parse_date(m.group(1), None)
                slug = m.group(2)
        if data.get("date") is not None:
            date = _parse_date(data["date"], config.timezone) or date
        if kind == "posts" and date is None:
            self.problems.append((relative, "the date in its name or front matter is not a date"))
            return
        slug = str(data["slug"]) if data.get("slug") else slug.rstrip(".")
        # Folders above _posts are categories (blog/_posts/x.md is in category "blog").
        path_categories = []
        if kind == "posts" and not in_collections.startswith(folder):
            path_categories = [c for c in in_collections.split("/_posts/")[0].split("/") if c and c != folder]
        categories = _categories(path_categories, data)
        # Jekyll's cleaned_relative_path: without the extension and the first "_<label>".
        cleaned = in_collections[: -len(ext) or None].replace(folder, "", 1).rstrip(".")
        if data.get("permalink"):
            template = str(data["permalink"])
        elif kind == "posts":
            template = config.post_template
        else:
            template = collection.permalink or config.suffixed("/:collection/:path")
            template = PERMALINK_STYLES.get(template, template)
        # Each placeholder's value, computed only when the template names it (slugify is slow).
        providers: dict[str, Callable[[], str]] = {
            "collection": lambda: collection.label,
            "path": lambda: cleaned,
            "name": lambda: slugify(stem),
            "title": lambda: slugify(slug, mode="pretty", cased=True),
            "slug": lambda: slugify(slug),
            "categories": lambda: "/".join(dict.fromkeys(c.lower() for c in categories)),
            "slugified_categories": lambda: "/".join(dict.fromkeys(slugify(c) for c in categories)),
            "output_ext": lambda: ".html",
        }
        named = {n for name in re.findall(r":([a-z_]+)", template) for n in (name, name.rstrip("_"))}
        values: dict[str, str | None] = {k: f() for k, f in providers.items() if k in named}
        if date is not None:
            values.update(_date_values(date))
        try:
            url = expand_permalink(template, values)
        except KeyError as exc:
            self.problems.append((relative, f"permalink {template!r}: unknown placeholder :{exc.args[0]}"))
            return
        kind_name = "post" if kind == "posts" else kind
        document = Document(relative, url, kind_name, markdown, _layout(data), in_collections, date, slug)
        self._add_document(document)

    def _index(self, path: str, served: Served) -> None:
        if path in self._served:
            return  # the first one read wins (Jekyll would warn about the conflict)
        self._served[path] = served
        self._folded.setdefault(path.casefold(), []).append(path)

    def _add_document(self, document: Document) -> None:
        self.documents.append(document)
        self._by_source[os.path.join(self.root, document.source)] = document
        served = Served(document.source, document.url, document)
        decoded = unquote(document.url)
        self._index(decoded, served)
        if decoded.endswith("/"):
            self._index(decoded + "index.html", served)
            if decoded != "/":
                self._index(decoded.rstrip("/"), served)
            name = decoded.rstrip("/").rsplit("/", 1)[-1]
        else:
            stem, ext = posixpath.splitext(decoded)
            if ext in HTML_EXTENSIONS:
                self._index(stem, served)  # /a.html answers at /a too
            elif not ext:
                self._index(decoded + ".html", served)  # permalink /a is written to a.html
            name = posixpath.splitext(decoded.rsplit("/", 1)[-1])[0]
        self._by_name.setdefault(name.casefold(), []).append(served)

    def _add_static(self, relative: str) -> None:
        self.static_files.append(relative)
        path = "/" + relative
        served = Served(relative, escape_path(path))
        self._index(path, served)
        name = relative.rsplit("/", 1)[-1]
        if name in ("index.html", "index.htm"):
            folder = path[: -len(name)]
            self._index(folder, served)
            if folder != "/":
                self._index(folder.rstrip("/"), served)
        elif posixpath.splitext(name)[1] in HTML_EXTENSIONS:
            self._index(posixpath.splitext(path)[0], served)
        self._by_name.setdefault(name.casefold(), []).append(served)

    def _add_generated(self) -> None:
        """Files plugins write that have no source: the feed, the sitemap."""
        plugins = set(self.config.plugins)
        generated = []
        if "jekyll-feed" in plugins:
            generated.append("/" + self.config.feed_path)
        if "jekyll-sitemap" in plugins:
            generated += ["/sitemap.xml", "/robots.txt"]
        for path in generated:
            self._add_generated_file(path)

    def _add_generated_file(self, path: str) -> None:
        """A file the build writes without a source of its own (a feed, a sitemap, a source map)."""
        self.generated.append(path.lstrip("/"))
        self._index(path, Served("", escape_path(path)))

    # ---- questions -------------------------------------------------------------------------

    @property
    def posts(self) -> list[Document]:
        return [d for d in self.documents if d.kind == "post"]

    def document_for(self, file: str | Path) -> Document | None:
        """The document a scanned file is (by its path, or the file a symbolic link leads to)."""
        found = self._by_source.get(os.path.abspath(file))
        if found is None:
            if self._by_real is None:  # built once: posts scanned through another path to them
                self._by_real = {os.path.realpath(path): d for path, d in self._by_source.items()}
            found = self._by_real.get(os.path.realpath(file))
        return found

    def relative_source(self, file: str | Path) -> str | None:
        """``file`` relative to the root ('/'-separated), or None when it is outside the root."""
        for path in (os.path.abspath(file), os.path.realpath(file)):
            try:
                return Path(path).relative_to(self.root).as_posix()
            except ValueError:
                continue
        return None

    def lookup(self, path: str) -> Lookup:
        """What the published site answers at ``path`` (decoded, baseurl included)."""
        base = self.config.baseurl
        if base:
            if path == base or path.startswith(base + "/"):
                path = path[len(base) :] or "/"
            else:
                inside = self._lookup_in_site(path)
                suggestion = inside.served or inside.case_variant or inside.candidate
                return Lookup(None, None, suggestion, outside_base=True)
        return self._lookup_in_site(path)

    def _lookup_in_site(self, path: str) -> Lookup:
        served = self._served.get(path)
        if served is not None:
            return Lookup(served)
        variants = self._folded.get(path.casefold(), [])
        if len(variants) >= 1:
            return Lookup(None, case_variant=self._served[variants[0]])
        name = path.rstrip("/").rsplit("/", 1)[-1]
        stem, ext = posixpath.splitext(name)
        key = (stem if ext in HTML_EXTENSIONS or not ext else name).casefold()
        candidates = {s.url: s for s in self._by_name.get(key, [])}
        candidate = next(iter(candidates.values())) if len(candidates) == 1 else None
        return Lookup(None, candidate=candidate)

    def find_post(self, name: str) -> Document | None:
        """The post ``{% post_url name %}`` names (Jekyll 4's PostComparer: the file's path and
        name, else, deprecated, the same slug and day)."""
        m = re.match(r"^(.+/)*(\d+-\d+-\d+)-(.*)$", name.lstrip("/"))
        if m is None:
            return None
        folder, date_text, slug = m.group(1) or "", m.group(2), m.group(3)
        basename = f"{re.escape(date_text)}-{re.escape(slug)}\\.[^.]+"
        pattern = re.compile(f"^_posts/{re.escape(folder)}{basename}|^{re.escape(folder)}_posts/?{basename}")
        posts = self.posts
        for post in posts:
            if pattern.match(post.relative_path):
                return post
        day = _parse_date(date_text, None)
        for post in posts:
            if day is not None and post.date is not None and post.slug == slug and post.date.date() == day.date():
                return post
        return None

    def find_file(self, relative: str) -> Served | None:
        """The document or static file ``{% link relative %}`` names (relative to the root)."""
        wanted = relative.strip().lstrip("/")
        for document in self.documents:
            if wanted in (document.source, document.relative_path):
                return Served(document.source, document.url, document)
        if (self.root / wanted).is_file() and wanted in set(self.static_files):
            return self._served.get("/" + wanted)
        return None

    def anchors(self, served: Served) -> frozenset[str] | None:
        """The ids a fragment may name in what ``served`` is, or None when it has none to check
        (an image, a PDF …: its fragment means something else)."""
        source = served.source
        document = served.document
        if document is None and posixpath.splitext(source)[1].lower() not in HTML_EXTENSIONS:
            return None
        cached = self._anchors.get(source)
        if cached is not None:
            return cached
        text = self._read_text(source) if source else ""
        markdown = document.markdown if document is not None else False
        config = self.config
        found = document_anchors(
            text or "",
            markdown=markdown,
            markdown_input=config.markdown_input,
            auto_ids=config.auto_ids,
            prefix=config.auto_id_prefix,
        )
        if document is not None and document.layout:
            found |= self._layout_anchors(document.layout)
        result = frozenset(found)
        self._anchors[source] = result
        return result

    def _layout_anchors(self, layout: str, depth: int = 0) -> frozenset[str]:
        """Ids written in a layout (and the layouts it is in): part of every page that uses it."""
        cached = self._layout_ids.get(layout)
        if cached is not None:
            return cached
        found: set[str] = set()
        if depth < 10:
            for ext in (".html", ".htm", ".md", ".markdown"):
                path = self.root / "_layouts" / f"{layout}{ext}"
                if path.is_file():
                    text = self._read_text(f"_layouts/{layout}{ext}") or ""
                    found |= document_anchors(text, markdown=False)
                    data, _ = _parse_front_matter(text)
                    parent = _layout(data)
                    if parent and parent != layout:
                        found |= self._layout_anchors(parent, depth + 1)
                    break
        result = frozenset(found)
        self._layout_ids[layout] = result
        return result

    def own_url(self, scheme: str, netloc: str) -> bool:
        """Whether an absolute URL's scheme and host are the blog's own (its ``url``)."""
        if not self.config.url or scheme.lower() not in ("http", "https"):
            return False
        own = urlsplit(self.config.url)
        return own.netloc.lower() == netloc.lower()


def _layout(data: dict[str, Any]) -> str | None:
    layout = data.get("layout")
    return str(layout) if layout not in (None, "", "none", "null", False) else None


__all__ = [
    "CONFIG_NAMES",
    "PERMALINK_STYLES",
    "Document",
    "JekyllSite",
    "Lookup",
    "Served",
    "SiteConfig",
    "SiteError",
    "escape_path",
    "expand_permalink",
    "find_root",
    "load_site",
    "normalize_path",
    "parse_config",
    "read_config",
    "slugify",
]
