"""Writing into the blog's own source tree: only what linkcheck wrote, as it wrote it.

The tree belongs to the blog's owner. ``publish`` keeps a manifest, ``<folder>/.linkcheck-publish.json``
(a dot file: Jekyll does not publish it), of every file it wrote and the SHA-256 of what it wrote.
For each file it would write, :meth:`Tree.put` decides:

* not there: written (``created``);
* there, with the very bytes it would write: left as it is (``unchanged`` — a re-run touches
  nothing, and a file written by a run killed before it saved the manifest is taken back);
* there, written by linkcheck and untouched since (its hash is the manifest's): replaced
  (``updated``);
* there, changed since linkcheck wrote it (``edited``), or never written by linkcheck (``not-ours``):
  left alone, and said so.

:meth:`Tree.remove` deletes only a file of the manifest that is still exactly what linkcheck wrote;
nothing else is ever deleted. Every write goes to a temporary file beside the target, then
``os.replace``: a reader (or ``jekyll serve``) never sees half a page.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST_NAME = ".linkcheck-publish.json"
MANIFEST_VERSION = 1


class PublishError(Exception):
    """The tree cannot be written as asked (the message names the path)."""


class FileState(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    EDITED = "edited"  # changed by someone since linkcheck wrote it: left alone
    NOT_OURS = "not-ours"  # never written by linkcheck: left alone
    REMOVED = "removed"

    @property
    def kept_back(self) -> bool:
        """Whether what linkcheck meant to write is not there because the file is someone else's."""
        return self in (FileState.EDITED, FileState.NOT_OURS)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class Manifest:
    """What ``publish`` wrote: file (relative to the root, '/'-separated) → SHA-256, and one entry
    per published article (canonical URL → what the index lists)."""

    path: Path
    files: dict[str, str] = field(default_factory=dict)
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """The manifest at ``path`` (empty when there is none). One that cannot be read is an error,
        never overwritten: without it linkcheck cannot tell its files from the owner's."""
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise PublishError(f"{path}: unreadable publish manifest ({exc}); move it away to start anew") from None
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            raise PublishError(f"{path}: not a linkcheck publish manifest of version {MANIFEST_VERSION}")
        files, pages = data.get("files"), data.get("pages")
        if not isinstance(files, dict) or not isinstance(pages, dict):
            raise PublishError(f"{path}: the publish manifest has no files/pages tables")
        return cls(path, {str(k): str(v) for k, v in files.items()}, {str(k): dict(v) for k, v in pages.items()})

    def dumps(self) -> bytes:
        data = {
            "version": MANIFEST_VERSION,
            "about": "Files written by `linkcheck publish` and the SHA-256 of what it wrote; it rewrites or "
            "removes only those, and only while they are unchanged.",
            "files": dict(sorted(self.files.items())),
            "pages": dict(sorted(self.pages.items())),
        }
        return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


class Tree:
    """The blog's source tree at ``root``, written through the manifest's rules."""

    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.root = root
        self._real_root = root.resolve()
        self.manifest = manifest

    def _target(self, relative: str) -> Path:
        """The path of ``relative`` under the root, refused when a symbolic link on the way would
        take the write outside the tree."""
        path = PurePosixPath(relative)
        if path.is_absolute() or ".." in path.parts:
            raise PublishError(f"{relative}: not a path inside the blog's tree")
        target = self.root.joinpath(*path.parts)
        folder = target.parent
        while not folder.exists():
            folder = folder.parent
        real = folder.resolve()
        if real != self._real_root and self._real_root not in real.parents:
            raise PublishError(f"{folder}: leads outside the blog's tree ({real}); publish writes only inside it")
        return target

    def put(self, relative: str, data: bytes) -> FileState:
        target = self._target(relative)
        wanted = sha256(data)
        if target.is_symlink() or (target.exists() and not target.is_file()):
            return FileState.NOT_OURS
        if target.exists():
            current = sha256(target.read_bytes())
            if current == wanted:
                self.manifest.files[relative] = wanted
                return FileState.UNCHANGED
            recorded = self.manifest.files.get(relative)
            if recorded is None:
                return FileState.NOT_OURS
            if current != recorded:
                return FileState.EDITED
            self._write(target, data)
            self.manifest.files[relative] = wanted
            return FileState.UPDATED
        self._write(target, data)
        self.manifest.files[relative] = wanted
        return FileState.CREATED

    def remove(self, relative: str) -> FileState | None:
        """Delete a file linkcheck wrote and nobody changed since; an edited one is left, and is
        the owner's from now on (dropped from the manifest). None: not linkcheck's file."""
        recorded = self.manifest.files.get(relative)
        if recorded is None:
            return None
        target = self._target(relative)
        del self.manifest.files[relative]
        if not target.is_file() or target.is_symlink():
            return FileState.REMOVED if not target.exists() else FileState.EDITED
        if sha256(target.read_bytes()) != recorded:
            return FileState.EDITED
        target.unlink()
        return FileState.REMOVED

    def save_manifest(self) -> None:
        data = self.manifest.dumps()
        path = self.manifest.path
        if path.is_file() and path.read_bytes() == data:
            return  # a run that changed nothing leaves every file as it was
        self._write(path, data)

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(name, 0o644)  # (mkstemp makes it 0600: the site's web server must read it)
            os.replace(name, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise


__all__ = ["MANIFEST_NAME", "FileState", "Manifest", "PublishError", "Tree", "sha256"]
