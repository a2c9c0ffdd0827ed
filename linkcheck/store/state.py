"""The per-URL state machine: what one more check does to a URL's summary (``url_state``).

Pure: no SQL. :class:`linkcheck.store.checks.Checks` applies it to each recorded check, and to
every past check when it rebuilds ``url_state``; the same rules decide ``confirmed`` for the
commands (the views compute it in SQL from the ``settings`` table).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, fields

from linkcheck.reasons import REACHABILITY_NEUTRAL
from linkcheck.store.times import epoch

# One letter per verdict in url_state.recent (oldest first).
LETTER = {"alive": "A", "dead": "D", "blocked": "B", "error": "E", "skipped": "S"}


@dataclass(frozen=True, slots=True)
class Rules:
    """The thresholds in force (the ``settings`` table)."""

    confirm_checks: int = 3
    confirm_days: float = 7
    flaky_window: int = 10
    flaky_transitions: int = 2

    def confirmed(self, dead_checks: int, first_dead_at: str | None, last_dead_at: str | None) -> bool:
        if dead_checks < self.confirm_checks or first_dead_at is None or last_dead_at is None:
            return False
        return epoch(last_dead_at) - epoch(first_dead_at) >= 86400 * self.confirm_days

    def unreachable(self, error_checks: int, first_error_at: str | None, last_error_at: str | None) -> bool:
        """An error streak as long as a confirmed dead one: the link never comes back. The same
        thresholds, so "unreachable" is as sure as "dead"."""
        return self.confirmed(error_checks, first_error_at, last_error_at)


@dataclass(slots=True)
class State:
    """One ``url_state`` row (its columns, in order, but the url_id)."""

    last_check_id: int
    last_checked_at: str
    verdict: str
    reason: str
    http_status: int | None
    streak: int
    streak_since: str
    failing_since: str | None
    last_alive_at: str | None
    dead_checks: int
    first_dead_at: str | None
    last_dead_at: str | None
    dead_reason: str | None
    checks: int
    recent: str
    transitions: int
    # The error streak (migration 7): error checks since the last alive or dead one, the first and
    # last of them, the last one's reason. Unreachable when it is as long as a confirmed dead one.
    error_checks: int = 0
    first_error_at: str | None = None
    last_error_at: str | None = None
    error_reason: str | None = None


STATE_COLUMNS = tuple(f.name for f in fields(State))

# The state's values in ``STATE_COLUMNS`` order, as a tuple (one C call; a state is read and
# written for every check).
astuple_state: Callable[[State], tuple] = operator.attrgetter(*STATE_COLUMNS)


def transitions(recent: str) -> int:
    """Flips between alive and dead; blocked, error and skipped are neutral here too.

    An isolated timeout would otherwise make a healthy link 'flaky'; what the owner needs to know
    is a page whose *content* comes and goes (a tombstone one night, the article the next).
    """
    flips, previous = 0, None
    for letter in recent:
        if letter not in "AD":
            continue
        if previous is not None and letter != previous:
            flips += 1
        previous = letter
    return flips


def advance(
    old: State | None,
    check_id: int,
    at: str,
    verdict: str,
    reason: str,
    http_status: int | None,
    rules: Rules,
) -> tuple[State, str | None]:
    """The URL's state after one more check, and what that check changed (``CHANGES``)."""
    if old is None:
        new = State(check_id, at, verdict, reason, http_status, 0, at, None, None, 0, None, None, None, 0, "", 0)
    else:
        new = State(*astuple_state(old))
    new.last_check_id, new.last_checked_at = check_id, at
    new.reason, new.http_status = reason, http_status
    if old is not None and old.verdict == verdict:
        new.streak += 1
    else:
        new.streak, new.streak_since = 1, at
    new.verdict = verdict
    new.checks += 1
    new.recent = (new.recent + LETTER[verdict])[-rules.flaky_window :] if rules.flaky_window > 0 else ""
    new.transitions = transitions(new.recent)

    # The error streak: an error extends it; an answer (alive, dead) ends it; a wall (blocked), a
    # skip, or an error that is the checker's rather than the link's (REACHABILITY_NEUTRAL: a page
    # that answered unrecognised) says nothing about whether the link answers, and leaves it.
    if verdict == "error" and reason not in REACHABILITY_NEUTRAL:
        if new.error_checks == 0:
            new.first_error_at = at
        new.error_checks += 1
        new.last_error_at, new.error_reason = at, reason
    elif verdict in ("alive", "dead"):
        new.error_checks, new.first_error_at, new.last_error_at, new.error_reason = 0, None, None, None

    change: str | None = None
    if verdict == "alive":
        if new.dead_checks > 0:
            change = "recovered"
        new.last_alive_at = at
        new.failing_since = None
        new.dead_checks, new.first_dead_at, new.last_dead_at, new.dead_reason = 0, None, None, None
    elif verdict in ("dead", "blocked", "error"):
        if new.failing_since is None:
            new.failing_since = at
        if verdict == "dead":
            was_confirmed = rules.confirmed(new.dead_checks, new.first_dead_at, new.last_dead_at)
            if new.dead_checks == 0:
                change = "newly-dead"
                new.first_dead_at = at
            new.dead_checks += 1
            new.last_dead_at = at
            new.dead_reason = reason
            if not was_confirmed and rules.confirmed(new.dead_checks, new.first_dead_at, at):
                change = "confirmed-dead"
        elif verdict == "blocked" and (old is None or old.verdict != "blocked"):
            change = "newly-blocked"
    return new, change


__all__ = ["LETTER", "STATE_COLUMNS", "Rules", "State", "advance", "astuple_state", "transitions"]
