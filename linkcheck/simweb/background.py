"""Running a simulated service (the web, the forward proxy) on its own event loop in a daemon
thread, so sync tests, the demo and a CLI under test can reach it from any loop or process."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Iterator

START_TIMEOUT_S = 30.0


@contextlib.contextmanager
def running_in_thread(
    start: Callable[[], Awaitable[object]],
    stop: Callable[[], Awaitable[object]],
    *,
    loop: asyncio.AbstractEventLoop,
    name: str,
) -> Iterator[None]:
    """``start()`` on ``loop`` in a daemon thread named ``name``; back once it has started (its
    exception, raised here, if it failed); on exit the loop stops, ``stop()`` runs on it and the
    thread ends. The caller makes ``loop`` (a service may need to know its home loop first)."""
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(stop())
        loop.close()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    if not ready.wait(START_TIMEOUT_S):
        raise RuntimeError(f"{name} did not start within {START_TIMEOUT_S:g} s")
    if failure:
        raise failure[0]
    try:
        yield
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)


__all__ = ["running_in_thread"]
