"""JSON output of the CLI: a list with one object per line, encoded by orjson."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from itertools import islice

import orjson

# Objects encoded per orjson call. The whole list at once held every item's dict (when the items
# are made on the way, as ``check``'s are), the encoded report and its line-broken copy together:
# for 25,000 checked URLs that was 45 MB on top of the run, the peak of the whole process
# (bench/bench_check.py). A batch keeps that to a few hundred kilobytes; per call, orjson's own
# cost is the same (25 calls instead of one for 25,000 objects).
BATCH = 1000


def json_list_chunks(items: Iterable[object], batch: int = BATCH) -> Iterator[bytes | memoryview]:
    """A JSON array (UTF-8) with one object per line, as chunks to write in order: greppable, and
    encoded ``batch`` objects per call. Items are dicts or dataclasses (which orjson encodes field
    by field, in order, with no Python code per object); ``items`` is consumed lazily, so a
    generator of dicts is held one batch at a time.

    Objects are put on lines of their own by their first key: a JSON string cannot contain an
    unescaped quote, so ``},{"url":`` only occurs between objects."""
    iterator = iter(items)
    group = list(islice(iterator, batch))
    if not group:
        yield b"[]\n"
        return
    first = group[0]
    fields = getattr(first, "__dataclass_fields__", None)
    key = orjson.dumps(next(iter(first if fields is None else fields)))
    between = b"},{" + key + b":"
    yield b"[\n"
    while group:
        text = orjson.dumps(group).replace(between, b"},\n{" + key + b":")
        yield memoryview(text)[1:-1]  # without the batch's own brackets
        group = list(islice(iterator, batch))
        if group:
            yield b",\n"
    yield b"\n]\n"


def json_list_bytes(items: Iterable[object]) -> bytes:
    """:func:`json_list_chunks` joined."""
    return b"".join(json_list_chunks(items))


def write_json_list(items: Iterable[object]) -> None:
    """:func:`json_list_chunks` to standard output, each batch written as it is encoded."""
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


__all__ = ["BATCH", "json_list_bytes", "json_list_chunks", "write_json_list"]
