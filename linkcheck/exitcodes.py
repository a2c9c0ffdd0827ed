"""Documented process exit codes (README 'Exit codes'), one place for every command."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # healthy: nothing newly confirmed dead
    NEW_DEAD = 1  # this run confirmed links dead that were not confirmed dead before
    CHANGES_PROPOSED = 1  # `fix`: it printed a diff (edits to make)
    USAGE = 2  # bad arguments, missing path, bad config, unusable database
    OFFLINE = 3  # the network itself is down: nothing was marked
    LOCKED = 4  # another run holds the lock
    INTERRUPTED = 130  # Ctrl-C / SIGTERM: finished work is kept, the run is recorded interrupted
