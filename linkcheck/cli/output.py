"""JSON output of the CLI: a list with one object per line, encoded by orjson."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import orjson


def json_list_chunks(items: Iterable[object]) -> list[bytes | memoryview]:
    """A JSON array (UTF-8) with one object per line, as chunks to write in order: greppable, and
    encoded in one call. Items are dicts or dataclasses (which orjson encodes field by field, in
    order, with no Python code per object). (Chunks, not one bytes object: the report of the
    whole blog is megabytes, and every copy of it costs as much as a tenth of the encoding.)

    Objects are put on lines of their own by their first key: a JSON string cannot contain an
    unescaped quote, so ``},{"url":`` only occurs between objects."""
    items = list(items)
    if not items:
        return [b"[]\n"]
    first = items[0]
    fields = getattr(first, "__dataclass_fields__", None)
    key = orjson.dumps(next(iter(first if fields is None else fields)))
    text = orjson.dumps(items).replace(b"},{" + key + b":", b"},\n{" + key + b":")
    return [b"[\n", memoryview(text)[1:-1], b"\n]\n"]


def json_list_bytes(items: Iterable[object]) -> bytes:
    """:func:`json_list_chunks` joined."""
    return b"".join(json_list_chunks(items))


def write_json_list(items: Iterable[object]) -> None:
    """:func:`json_list_chunks` to standard output."""
    chunks = json_list_chunks(items)
    stdout = sys.stdout
    buffer = getattr(stdout, "buffer", None)
    if buffer is None:  # a text-only replacement (some test harnesses)
        stdout.write(b"".join(chunks).decode("utf-8"))
        return
    stdout.flush()  # whatever was written as text goes first
    for chunk in chunks:
        buffer.write(chunk)
    buffer.flush()


__all__ = ["json_list_bytes", "json_list_chunks", "write_json_list"]
