"""How the history database writes times: ISO-8601 UTC strings to the second (``2025-01-31T18:02:03Z``).

Every time-taking store method accepts an injected ``now`` (None: the clock), so tests can
simulate days.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_utc(now: datetime | None) -> datetime:
    """``now`` as an aware UTC datetime (naive values are taken to be UTC already)."""
    if now is None:
        return utc_now()
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def iso(moment: datetime | None) -> str:
    """The stored form of a time: ISO-8601 UTC to the second, e.g. ``2025-01-31T18:02:03Z``.

    (``isoformat`` rather than ``strftime``: the same text for every year from 1000 on, at two
    thirds of the cost, and a run formats one per check.)"""
    return to_utc(moment).isoformat(timespec="seconds")[:19] + "Z"


def parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    return to_utc(datetime.fromisoformat(value))


def epoch(value: str) -> int:
    """A stored time as Unix seconds (what the views compute with ``strftime('%s', …)``)."""
    return int(datetime.fromisoformat(value).timestamp())


__all__ = ["epoch", "iso", "parse_time", "to_utc", "utc_now"]
