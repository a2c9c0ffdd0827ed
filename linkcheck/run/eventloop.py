"""The event loop every command runs its network work on: uvloop where it is installed.

A full check is thousands of small requests, and at that rate the event loop itself (timers,
callbacks, transports) is a large part of the client's CPU. uvloop (libuv, in C) does that work
for less: a fifth less CPU for a bare aiohttp loop, an eighth less for a whole ``linkcheck check``
of 25,000 URLs (bench/README.md). It is a dependency on the platforms it supports; elsewhere, or with
``LINKCHECK_EVENT_LOOP=asyncio`` (to rule the loop out when hunting a bug), asyncio's own loop runs.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

ENV_VAR = "LINKCHECK_EVENT_LOOP"


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop constructor, or None for asyncio's default loop."""
    if os.environ.get(ENV_VAR, "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the chosen loop (Python 3.11's ``asyncio.run`` takes no factory)."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


__all__ = ["ENV_VAR", "loop_factory", "run"]
