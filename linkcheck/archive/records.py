"""WARC/1.1 records built with warcio: ``warcinfo``, and from an HTTP exchange its ``response`` (or
``revisit``) and ``request``.

Builders only: nothing here writes a file (:mod:`linkcheck.archive.warcfile` does) or knows the
store. The response block is the exchange as the check received it
(:class:`~linkcheck.net.transport.Exchange`): the status line and headers, then the body as sent on
the wire after de-chunking — still Content-Encoded — so ``Transfer-Encoding`` is dropped and
``Content-Length`` is the bytes stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date

if TYPE_CHECKING:
    from linkcheck.net.transport import Exchange

WARC_VERSION = "1.1"
# Replaced by one Content-Length: aiohttp removed the chunking, the stored body is `length` bytes.
_HOP_HEADERS = ("transfer-encoding", "content-length")
# Holds no state but its WARC version: one builder serves every thread.
_BUILDER = RecordBuilder(warc_version=WARC_VERSION)


def warc_date(moment: datetime) -> str:
    """WARC 1.1 date: UTC with microseconds."""
    return datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True)


def record_id(record: Any) -> str:
    """A record's ``WARC-Record-ID`` (``<urn:uuid:…>``)."""
    return record.rec_headers.get_header("WARC-Record-ID")


def warcinfo_record(filename: str, info: Mapping[str, str]) -> Any:
    """The ``warcinfo`` record that opens a file (fields with an empty value are left out)."""
    return _BUILDER.create_warcinfo_record(filename, dict(info))


def response_http_headers(exchange: Exchange) -> StatusAndHeaders:
    """The status line and headers as received, with one ``Content-Length`` (the bytes stored) in
    place of ``Transfer-Encoding``/``Content-Length``."""
    headers: list[tuple[str, str]] = []
    placed = False
    for key, value in exchange.response_headers:
        if key.lower() in _HOP_HEADERS:
            if not placed:
                headers.append(("Content-Length", str(exchange.length)))
                placed = True
            continue
        headers.append((key, value))
    if not placed:
        headers.append(("Content-Length", str(exchange.length)))
    return StatusAndHeaders(f"{exchange.status} {exchange.reason}".strip(), headers, protocol=exchange.protocol)


def response_record(
    url: str,
    http_headers: StatusAndHeaders,
    payload: BinaryIO,
    length: int,
    *,
    date: str,
    payload_digest: str,
    ip: str | None = None,
    truncated: bool = False,
) -> Any:
    """A ``response`` record: ``http_headers`` then ``length`` bytes of ``payload`` (the caller
    closes the stream after writing). ``truncated``: the body was cut (``WARC-Truncated: length``)."""
    warc_headers = {"WARC-Date": date}
    if ip:
        warc_headers["WARC-IP-Address"] = ip
    if truncated:
        warc_headers["WARC-Truncated"] = "length"
    warc_headers["WARC-Payload-Digest"] = payload_digest
    return _BUILDER.create_warc_record(
        url, "response", payload=payload, length=length, http_headers=http_headers, warc_headers_dict=warc_headers
    )


def revisit_record(
    url: str,
    http_headers: StatusAndHeaders,
    original: Mapping[str, Any],
    *,
    date: str,
    payload_digest: str,
    ip: str | None = None,
) -> Any:
    """A ``revisit`` record (profile identical-payload-digest) of ``original``, the ``captures`` row
    of the response holding the same payload: the block keeps only the new HTTP headers, hence
    ``WARC-Truncated: length`` (WARC 1.1 §6.7.2)."""
    warc_headers = {"WARC-Date": date}
    if ip:
        warc_headers["WARC-IP-Address"] = ip
    warc_headers["WARC-Refers-To"] = original["warc_record_id"]
    warc_headers["WARC-Truncated"] = "length"
    return _BUILDER.create_revisit_record(
        url,
        payload_digest,
        original["url"],
        original["warc_date"],
        http_headers=http_headers,
        warc_headers_dict=warc_headers,
    )


def request_record(
    url: str, request_line: str, request_headers: list[tuple[str, str]], *, date: str, concurrent_to: Any
) -> Any:
    """The ``request`` record of a response (or revisit) record: same ``WARC-Date``,
    ``WARC-Concurrent-To`` it."""
    return _BUILDER.create_warc_record(
        url,
        "request",
        http_headers=StatusAndHeaders(request_line, request_headers, is_http_request=True),
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id(concurrent_to)},
    )


def exchange_records(exchange: Exchange, original: Mapping[str, Any] | None, date: str) -> list[Any]:
    """[response, request] of an exchange — [revisit, request] when ``original`` (a ``captures``
    row) already holds its payload. The response reads the body file: close the records' streams
    (:func:`close_records`) after writing them."""
    http_headers = response_http_headers(exchange)
    if original is not None:
        main = revisit_record(
            exchange.url, http_headers, original, date=date, payload_digest=exchange.payload_digest, ip=exchange.ip
        )
    else:
        main = response_record(
            exchange.url,
            http_headers,
            open(exchange.body_path, "rb"),  # noqa: SIM115 (closed by close_records)
            exchange.length,
            date=date,
            payload_digest=exchange.payload_digest,
            ip=exchange.ip,
            truncated=exchange.truncated,
        )
    request = request_record(
        exchange.url, exchange.request_line, exchange.request_headers, date=date, concurrent_to=main
    )
    return [main, request]


def close_records(records: list[Any]) -> None:
    """Close the payload streams of built records (written or not)."""
    for record in records:
        with suppress(Exception):
            record.raw_stream.close()


__all__ = [
    "WARC_VERSION",
    "close_records",
    "exchange_records",
    "record_id",
    "request_record",
    "response_http_headers",
    "response_record",
    "revisit_record",
    "warc_date",
    "warcinfo_record",
]
