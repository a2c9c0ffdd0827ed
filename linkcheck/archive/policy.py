"""The capture policy: which pages are captured, and in what order.

A page needs a capture when it has none, or when its newest is older than ``max_age``. The
archive's order: never captured first, then decay risk (the site's ``archive_priority``: WeChat 0,
Zhihu 1, CSDN 2 …), then the oldest capture; among equals, the pages a check run checks anyway
come first, because their capture costs no request of its own.

Pure: the archiver brings the facts (the store's captures, the run's links) and acts on the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from linkcheck.sites import GENERIC, profile_by_name, profile_for

DEFAULT_MAX_AGE = timedelta(days=90)

# (captured before, decay risk, newest capture, not checked by the run, tie-break): sorts in the
# archive's order.
RankKey = tuple[bool, int, str, int, int]


def archive_order(last_captured_at: str | None, priority: int, *, checked: bool, tiebreak: int) -> RankKey:
    """A page's rank in the archive's order; ``checked``: the run's checks fetch it anyway."""
    return (last_captured_at is not None, priority, last_captured_at or "", 0 if checked else 1, tiebreak)


def stage_key(row: Mapping[str, Any]) -> RankKey:
    """The rank of a ``pending_in_order`` row: an alive page the archive stage would fetch."""
    return archive_order(row["last_captured_at"], row["priority"], checked=False, tiebreak=row["url_id"])


def site_priority(site: str) -> int:
    """A site's decay risk by profile name (a name no profile has: the generic one's)."""
    try:
        return profile_by_name(site).archive_priority
    except KeyError:
        return GENERIC.archive_priority


def pending_in_order(due: Iterable[Mapping[str, Any]], limit: int | None = None) -> list[dict]:
    """The store's pages due for capture (``store.captures.due()`` rows) in the archive's order,
    each with its ``priority``; at most ``limit``."""
    ranked = [{**row, "priority": site_priority(row["site"])} for row in due]
    ranked.sort(key=stage_key)
    return ranked[:limit] if limit is not None else ranked


@dataclass(frozen=True, slots=True)
class CapturePlan:
    planned: frozenset[str] = frozenset()  # captured from their check, as soon as it finds them alive
    reserve: dict[str, RankKey] = field(default_factory=dict)  # next in line (canonical → rank)


def plan_captures(
    links: Sequence[tuple[str, str]],
    last_captured: Mapping[str, str],
    *,
    cutoff: str | None,
    limit: int | None,
    pending: Iterable[Mapping[str, Any]] = (),
) -> CapturePlan:
    """The pages a check run captures from its own checks.

    ``links``: the run's (canonical, host) in check order. ``last_captured``: canonical → its
    newest page capture (ISO time). ``cutoff``: a capture at or before this is too old (None: a
    captured page is never captured again). ``pending``: the store's alive pages that need a
    capture (``pending_in_order`` rows); those the run does not check compete for the same
    ``limit`` places, which the archive stage fills by fetching them.

    The first ``limit`` places in the archive's order are *planned*. A place whose page turns out
    dead or walled goes to the next in order, so the next ``limit`` pages the run checks are a
    *reserve*. Without a limit every page that needs a capture is planned.
    """
    checked = {canonical for canonical, _host in links}
    ranked: list[tuple[RankKey, str | None]] = []
    for index, (canonical, host) in enumerate(links):
        captured_at = last_captured.get(canonical)
        if captured_at is None or (cutoff is not None and captured_at <= cutoff):
            key = archive_order(captured_at, profile_for(host).archive_priority, checked=True, tiebreak=index)
            ranked.append((key, canonical))
    if limit is None:
        return CapturePlan(frozenset(canonical for _key, canonical in ranked))
    # A place the archive stage may fill: it holds a rank, not a page of this plan.
    ranked += [(stage_key(row), None) for row in pending if row["canonical"] not in checked]
    ranked.sort(key=lambda item: item[0])
    planned = frozenset(canonical for _key, canonical in ranked[:limit] if canonical is not None)
    reserve = [(key, canonical) for key, canonical in ranked[limit:] if canonical is not None][:limit]
    return CapturePlan(planned, {canonical: key for key, canonical in reserve})


__all__ = [
    "DEFAULT_MAX_AGE",
    "CapturePlan",
    "RankKey",
    "archive_order",
    "pending_in_order",
    "plan_captures",
    "site_priority",
    "stage_key",
]
