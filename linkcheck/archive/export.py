"""Export: every closed WARC file, its CDXJ index and the captured pages in one WACZ (for
ReplayWeb.page), made by the ``wacz`` package."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from linkcheck.archive.warcfile import closed_warc_files, open_warc_files

if TYPE_CHECKING:
    from linkcheck.store import Store


class ExportError(Exception):
    pass


def _page_list(store: Store, names: set[str]) -> list[dict]:
    """``pages.jsonl`` entries: one per page capture in the exported files (url and WARC-Date)."""
    pages = []
    seen = set()
    for row in store.captures.pages():
        if row["warc_file"] not in names:
            continue
        key = (row["url"], row["warc_date"])
        if key in seen:
            continue
        seen.add(key)
        pages.append({"url": row["url"], "ts": row["warc_date"], "title": row["title"] or row["canonical"]})
    return pages


def _readable_list(store: Store, names: set[str]) -> list[dict]:
    """``pages.jsonl`` entries for the readable copies (``urn:readable:…``) in the exported files:
    the article as a person reads it, titled "… (readable copy)"."""
    return [
        {"url": copy["url"], "ts": copy["warc_date"], "title": f"{copy['title'] or copy['page_url']} (readable copy)"}
        for copy in store.readable.all()
        if copy["warc_file"] in names
    ]


def export_wacz(store: Store, warc_dir: Path, output: Path, *, title: str = "linkcheck captures") -> dict:
    """Package every closed WARC file and a page list into one WACZ (py ``wacz`` package).

    The page list holds every captured page and every readable copy. Returns what went in:
    ``files``, ``pages``, ``readable`` (copies), ``skipped_open`` (files still being written).
    """
    warc_dir = Path(warc_dir)
    files = closed_warc_files(warc_dir)
    open_files = open_warc_files(warc_dir)
    if not files:
        raise ExportError(f"no closed WARC files in {warc_dir} (run `linkcheck archive` first)")
    captured = _page_list(store, {p.name for p in files})
    pages = captured + _readable_list(store, {p.name for p in files})
    with tempfile.TemporaryDirectory(prefix="linkcheck-wacz-") as tmp:
        pages_path = Path(tmp) / "pages.jsonl"
        with open(pages_path, "w", encoding="utf-8") as out:
            out.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title}) + "\n")
            for number, page in enumerate(pages, 1):
                out.write(json.dumps({"id": f"page-{number}", **page}, ensure_ascii=False) + "\n")
        target = Path(tmp) / "out.wacz"
        args = [sys.executable, "-m", "wacz", "create", "-o", str(target), "--title", title]
        if pages:
            # Copied as written: `wacz create -p` keeps only pages at http(s) URLs, which would drop
            # the readable copies (urn:readable:…).
            args += ["-p", str(pages_path), "--copy-pages"]
        else:
            args += ["--detect-pages"]
        done = subprocess.run([*args, *map(str, files)], capture_output=True, text=True)
        if done.returncode != 0 or not target.exists():
            if "No module named wacz" in done.stderr:
                # A dependency of linkcheck: only a damaged or partial install lacks it.
                raise ExportError("the `wacz` package is missing (it installs with linkcheck; pip install wacz)")
            raise ExportError(f"wacz create failed: {(done.stderr or done.stdout).strip()[-500:]}")
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(target), output)
    return {
        "files": [p.name for p in files],
        "pages": len(captured),
        "readable": len(pages) - len(captured),
        "skipped_open": [p.name for p in open_files],
    }


__all__ = ["ExportError", "export_wacz"]
