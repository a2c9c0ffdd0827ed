"""Which URLs a nightly run checks, and in what order.

A run cannot (and need not) check all ~25,000 URLs every night: WeChat alone is asked at one
request a second. :func:`plan` orders the URLs that are *due* by urgency; the runner checks from
the head of the list, stops at ``max_urls``, and enforces the time budget (``--budget``) itself by
starting no new check after its deadline — so whatever falls off the end is the least urgent.

Tiers, in order:

1. never checked;
2. suspected dead (a dead check since the last alive, not yet confirmed), last checked at least
   ``recheck_failing_after`` ago, least recently checked first — to confirm or clear them
   quickly (confirmation needs several dead checks days apart);
3. error, then blocked, due like suspected ones — but at most ``unsettled_share`` of the run
   (``max_urls``, or everything due when only the time budget limits it) go before tier 4, the
   rest after it, so a night of anti-bot walls cannot starve the routine rechecks;
4. alive (or skipped, or long-confirmed dead, or unreachable) URLs last checked at least
   ``recheck_alive_after`` ago, least recently checked first;
5. the unsettled URLs that did not fit in tier 3.

Never-checked URLs keep their input order (the order of the posts); the other tiers are least
recently checked first, which is what guarantees every URL a recheck within about
``recheck_alive_after`` + one night as long as the nightly capacity covers
``URLs / recheck_alive_after`` plus the failing ones. A confirmed dead URL is proven: it is only
rechecked on the routine cadence (to notice a revival); so is an unreachable one (errors as long
as a confirmed dead streak: a nightly request would only repeat the error). ``check_all`` ignores due times (every
URL, same order).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from linkcheck.store import UrlState

_NEVER = datetime.min.replace(tzinfo=UTC)


def _by_age(states: Iterable[UrlState]) -> list[UrlState]:
    """Least recently checked first; ties keep their input order (sorted() is stable)."""
    return sorted(states, key=lambda s: s.last_checked_at or _NEVER)


def _suspect_due(state: UrlState, now: datetime, at_least: timedelta, confirm: tuple[int, float] | None) -> bool:
    """Whether a suspected dead URL is due: ``at_least`` since its last check, and with a
    confirmation rule also its share of the span — or the span itself since it began failing."""
    assert state.last_checked_at is not None
    since = now - state.last_checked_at
    if since < at_least:
        return False
    if confirm is None:
        return True
    checks, days = confirm
    if since >= timedelta(days=days / max(1, checks - 1)):
        return True
    return state.failing_since is not None and now - state.failing_since >= timedelta(days=days)


def plan(
    states: Iterable[UrlState],
    *,
    now: datetime,
    max_urls: int | None = None,
    recheck_alive_after: timedelta = timedelta(days=5),
    check_all: bool = False,
    recheck_failing_after: timedelta = timedelta(hours=12),
    unsettled_share: float = 0.25,
    confirm: tuple[int, float] | None = None,
) -> list[str]:
    """Canonical URLs to check this run, most urgent first (at most ``max_urls``).

    ``confirm``: the confirmation rule (dead checks, days they must span). With it a suspected
    dead URL is rechecked only as often as confirming it needs — ``days / (checks - 1)`` apart
    (3.5 days for 3 checks over 7), and again once ``days`` have passed since it began failing —
    instead of every ``recheck_failing_after``: nightly rechecks of a dead WeChat article cost a
    request a night each and confirm it no sooner, and they starved the weekly re-verification
    of the blog (bench/bench_nights.py)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if max_urls is not None and max_urls < 0:
        raise ValueError("max_urls must be >= 0")
    never: list[UrlState] = []
    suspected: list[UrlState] = []
    unsettled: list[UrlState] = []
    routine: list[UrlState] = []
    for state in states:
        last = state.last_checked_at
        if state.verdict is None or last is None:
            never.append(state)
        elif state.dead_checks > 0 and not state.confirmed:
            # Dead at least once since it was last alive (whatever neutral check came since).
            if check_all or _suspect_due(state, now, recheck_failing_after, confirm):
                suspected.append(state)
        elif state.verdict in ("error", "blocked") and not state.confirmed and not state.unreachable:
            if check_all or now - last >= recheck_failing_after:
                unsettled.append(state)
        elif check_all or now - last >= recheck_alive_after:
            # alive, skipped, confirmed dead and unreachable (proven; rechecked only for a revival)
            routine.append(state)
    unsettled.sort(key=lambda s: (s.verdict != "error", s.last_checked_at or _NEVER))
    # Sized on what this run can check: max_urls, or everything due when only a time budget
    # limits the run (the runner stops at its deadline, dropping the tail).
    total = len(never) + len(suspected) + len(unsettled) + len(routine)
    cap = math.ceil(unsettled_share * (total if max_urls is None else min(max_urls, total)))
    ordered = [*never, *_by_age(suspected), *unsettled[:cap], *_by_age(routine), *unsettled[cap:]]
    if max_urls is not None:
        ordered = ordered[:max_urls]
    return [s.canonical for s in ordered]


__all__ = ["plan"]
