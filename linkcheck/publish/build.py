"""``linkcheck publish``: the readable copies of dead (or all) archived articles, into the blog.

It reads only the history database and the WARC files — no request to any site:

1. **Which articles**: each confirmed dead link (the ``dead_links`` view) that has a readable copy
   (``readable_copies``: an article captured while it was alive, by its site's readable rule); with
   ``everything``, every cited URL that has one. The newest copy of each.
2. **Each page**: the article derived again from its untouched capture by the same code as
   ``show --html`` (:func:`linkcheck.archive.readable.derive` and ``render``), each image written
   from its own WARC record to a file beside the page (named by its archived URL:
   :func:`linkcheck.publish.pages.image_file_name`) and the page's ``<img>`` pointed at that file;
   an image the archive does not hold is marked as such, never fetched. The page says where it
   came from: the original URL, the capture date, that it is an archived copy, and why it is kept.
3. **Where**: :func:`linkcheck.publish.page_path` — the one rule ``publish`` and ``fix`` share —
   under ``[publish] folder``, and an index page (``<folder>/index.html``) listing every published
   article with its original URL, capture time and the posts citing it (linked at the URLs Jekyll
   gives them, read from the blog's ``_config.yml`` by :mod:`linkcheck.scan.jekyll`).
4. **How**: through :class:`linkcheck.publish.tree.Tree` — files the owner wrote or changed are
   never touched, re-running rewrites only what changed, and only linkcheck's own unchanged files
   are ever removed (images a new capture no longer shows).

A page published earlier whose link is no longer dead stays (a post may link to it) and stays in
the index.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path, PurePosixPath
from typing import Any

from linkcheck.archive import CaptureMissingError
from linkcheck.archive.readable import NotReadableError, archived_image, data_uri, derive, render
from linkcheck.publish import DEFAULT_FOLDER, page_path, page_url
from linkcheck.publish.pages import IndexEntry, image_file_name, index_document, page_document
from linkcheck.publish.tree import MANIFEST_NAME, FileState, Manifest, PublishError, Tree

SAVE_MANIFEST_EVERY = 100  # articles; a run killed between saves loses nothing (identical files are taken back)


@dataclass(frozen=True, slots=True)
class PublishOptions:
    folder: str = DEFAULT_FOLDER
    layout: str = "default"  # "": no layout (whole HTML documents)
    everything: bool = False  # every article with a readable copy, not only the dead ones


@dataclass(slots=True)
class PublishedPage:
    url: str  # canonical URL of the article
    path: str  # the page, relative to the blog's root
    state: FileState
    title: str
    captured_at: str
    images: int
    images_written: int  # archived, and on disk beside the page (or inlined)
    complete: bool
    note: str


@dataclass(slots=True)
class PublishResult:
    root: Path
    folder: str
    selected: int = 0  # articles chosen (dead with a readable copy, or all with one)
    without_copy: list[str] = field(default_factory=list)  # dead links with no readable copy to publish
    pages: list[PublishedPage] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (URL, why)
    kept_back: list[tuple[str, FileState]] = field(default_factory=list)  # files left alone
    removed: list[str] = field(default_factory=list)
    index: FileState | None = None

    def count(self, state: FileState) -> int:
        return sum(page.state is state for page in self.pages)


@dataclass(frozen=True, slots=True)
class _Article:
    canonical: str
    capture_id: int
    state: str  # what the history says of the original, for the index
    where: str  # the banner's last clause: why this copy is here
    cited: tuple[tuple[str, int], ...]  # (file, line) of each citation


def _short(when: str | None) -> str:
    return (when or "")[:10]


def _select(store: Any, everything: bool) -> tuple[list[_Article], list[str]]:
    """The articles to publish, and the dead links that have no readable copy."""
    copies = store.readable.latest_by_url()
    articles: list[_Article] = []
    without: list[str] = []
    dead = {row["url_id"]: row for row in store.queries.dead_links()}
    for url_id, row in dead.items():
        copy = copies.get(url_id)
        if copy is None:
            without.append(row["canonical"])
            continue
        reason = row["reason"] or "dead"
        articles.append(
            _Article(
                row["canonical"],
                copy["capture_id"],
                f"gone ({reason}) since {_short(row['first_dead_at'])}",
                f"the original is gone ({escape(reason)}, every check since {_short(row['first_dead_at'])}), "
                "so this blog keeps this archived copy in its place",
                tuple((o["file"], o["line"]) for o in row["occurrences"]),
            )
        )
    if everything:
        for url_id, copy in copies.items():
            if url_id in dead:
                continue
            info = store.queries.url_info(copy["canonical"]) or {}
            verdict = info.get("verdict") or "unchecked"
            checked = _short(info.get("last_checked_at"))
            articles.append(
                _Article(
                    copy["canonical"],
                    copy["capture_id"],
                    f"{verdict} when last checked{' ' + checked if checked else ''}",
                    "an archived copy kept by this blog; the original is at the link above",
                    tuple((o["file"], o["line"]) for o in info.get("occurrences", [])),
                )
            )
    articles.sort(key=lambda a: a.canonical)
    return articles, sorted(without)


class _Posts:
    """Where the citing posts are published: their URLs from the blog's Jekyll configuration."""

    def __init__(self, root: Path) -> None:
        from linkcheck.scan.jekyll import CONFIG_NAMES, JekyllSite, SiteError

        self.root = root
        self.site = None
        if any((root / name).is_file() for name in CONFIG_NAMES):
            try:
                self.site = JekyllSite.load(root)
            except SiteError:
                self.site = None  # the posts are then listed by file name only

    @property
    def baseurl(self) -> str:
        return self.site.config.baseurl if self.site is not None else ""

    def cited_in(self, cited: tuple[tuple[str, int], ...]) -> list[tuple[str, str | None]]:
        seen: dict[str, tuple[str, str | None]] = {}
        for file, _line in cited:
            if file in seen:
                continue
            seen[file] = (PurePosixPath(file.replace("\\", "/")).name, self._url(file))
        return list(seen.values())

    def _url(self, file: str) -> str | None:
        if self.site is None:
            return None
        path = Path(file)
        for candidate in (path,) if path.is_absolute() else (self.root / path, path):
            document = self.site.document_for(candidate)
            if document is not None:
                return self.baseurl + document.url
        return None


def publish(store: Any, warc_dir: Path, root: Path, options: PublishOptions = PublishOptions()) -> PublishResult:
    """Write the articles' pages, images and index into the tree at ``root`` (see the module doc).
    Raises PublishError when the tree cannot be used (an unreadable manifest, a folder leading
    outside the tree); an article that cannot be read is listed in ``failed`` and the rest go on."""
    if not root.is_dir():
        raise PublishError(f"{root}: not a directory (the blog's source tree)")
    folder = options.folder.strip("/")
    tree = Tree(root, Manifest.load(root.joinpath(*folder.split("/"), MANIFEST_NAME)))
    result = PublishResult(root, folder)
    articles, result.without_copy = _select(store, options.everything)
    result.selected = len(articles)
    posts = _Posts(root)
    try:
        for done, (article, page) in enumerate(_pages(store, warc_dir, articles, options, folder, result), 1):
            _write_page(tree, article, page, posts, result)
            if done % SAVE_MANIFEST_EVERY == 0:
                tree.save_manifest()
        _write_index(tree, folder, options.layout, posts, result)
    finally:
        if tree.manifest.files or tree.manifest.path.exists():
            tree.save_manifest()
    return result


@dataclass(slots=True)
class _Page:
    files: dict[str, bytes]  # relative to the root → content; the page itself first
    page: PublishedPage


def _pages(
    store: Any, warc_dir: Path, articles: list[_Article], options: PublishOptions, folder: str, result: PublishResult
) -> Iterator[tuple[_Article, _Page]]:
    for article in articles:
        row = store.captures.get(article.capture_id)
        try:
            if row is None:
                raise CaptureMissingError(f"capture {article.capture_id} is not in the database")
            derived = derive(store, warc_dir, row)
        except (NotReadableError, CaptureMissingError, OSError) as exc:
            result.failed.append((article.canonical, str(exc)))
            continue
        yield article, _render(store, warc_dir, article, derived, options, folder)


def _render(store: Any, warc_dir: Path, article: _Article, derived: Any, options: PublishOptions, folder: str) -> _Page:
    draft, holder = derived.draft, derived.holder
    page = page_path(article.canonical, folder)
    files: dict[str, bytes] = {}
    images: dict[str, bytes] = {}
    sources: dict[str, str | None] = {}
    for url in draft.images:
        found = archived_image(store, warc_dir, url)
        if found is None:
            sources[url] = None
            continue
        name = image_file_name(url, found.content_type)
        if name is None:
            sources[url] = data_uri(found.content_type, found.body)
        else:
            images[str(page.parent / name)] = found.body
            sources[url] = name  # beside the page: the same relative name on disk and on the site
    content = render(
        draft,
        title=derived.title,
        captured_at=holder["warc_date"],
        http_status=holder["http_status"],
        image_src=sources.get,
        where=article.where,
        fragment=bool(options.layout),
    )
    document = page_document(
        content,
        layout=options.layout,
        title=derived.title or article.canonical,
        permalink=page_url(article.canonical, folder),
        original_url=article.canonical,
        captured_at=holder["warc_date"],
    )
    files[str(page)] = document.encode("utf-8")
    files.update(images)
    shown = sum(src is not None for src in sources.values())
    return _Page(
        files,
        PublishedPage(
            article.canonical, str(page), FileState.UNCHANGED, derived.title or "", holder["warc_date"],
            len(draft.images), shown, draft.complete, draft.note,
        ),
    )  # fmt: skip


def _write_page(tree: Tree, article: _Article, page: _Page, posts: _Posts, result: PublishResult) -> None:
    manifest = tree.manifest
    first, *rest = page.files.items()
    state = tree.put(*first)
    page.page.state = state
    result.pages.append(page.page)
    if state is FileState.NOT_OURS:
        # Someone else's file where the page goes: nothing of this article is written or listed.
        result.kept_back.append((first[0], state))
        return
    if state is FileState.EDITED:
        result.kept_back.append((first[0], state))
    for relative, data in rest:
        image_state = tree.put(relative, data)
        if image_state.kept_back:
            result.kept_back.append((relative, image_state))
    previous = manifest.pages.get(article.canonical, {}).get("files", [])
    for relative in previous:
        # Images the new page no longer shows go; not while the owner's edited page may show them.
        if relative not in page.files and state is not FileState.EDITED:
            gone = tree.remove(relative)
            if gone is FileState.REMOVED:
                result.removed.append(relative)
    manifest.pages[article.canonical] = {
        "page": first[0],
        "title": page.page.title,
        "captured_at": page.page.captured_at,
        "state": article.state,
        "cited_in": [list(c) for c in posts.cited_in(article.cited)],
        "files": sorted(set(page.files) | (set(previous) if state is FileState.EDITED else set())),
    }


def _write_index(tree: Tree, folder: str, layout: str, posts: _Posts, result: PublishResult) -> None:
    entries = []
    for url, entry in tree.manifest.pages.items():
        page = PurePosixPath(entry["page"])
        if not (tree.root / page).is_file():
            continue  # removed by the owner: not listed
        entries.append(
            IndexEntry(
                url=url,
                href=f"{page.parent.name}/",
                title=entry.get("title") or url,
                captured_at=entry.get("captured_at", ""),
                state=entry.get("state", ""),
                cited_in=tuple((label, href) for label, href in entry.get("cited_in", [])),
            )
        )
    if not entries:
        return
    relative = f"{folder}/index.html"
    # (A permalink is written without the baseurl: Jekyll puts it in front.)
    document = index_document(entries, layout=layout, permalink=f"/{folder}/")
    result.index = tree.put(relative, document.encode("utf-8"))
    if result.index.kept_back:
        result.kept_back.append((relative, result.index))


__all__ = ["PublishOptions", "PublishResult", "PublishedPage", "publish"]
