"""Shared fixtures. ``simweb``: the simulated web (linkcheck.simweb), running in a background thread.

Tests are plain sync functions; they drive async code with ``asyncio.run(...)`` in any loop, since
the server lives on its own loop. One server serves the whole session; ``simweb`` clears its request
log, attempt counters and latency before each test, and restarts it (same ports) if a test stopped
it. For other options (latency, ``unknown_hosts="alive"``, extra hosts) use
``linkcheck.simweb.serve_in_thread(...)`` or ``async with SimulatedWeb(...)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from linkcheck.simweb import SimulatedWeb, serve_in_thread


@pytest.fixture(scope="session")
def simweb_session() -> Iterator[SimulatedWeb]:
    with serve_in_thread() as web:
        yield web


@pytest.fixture
def simweb(simweb_session: SimulatedWeb) -> SimulatedWeb:
    simweb_session.ensure_running()  # a test may have stopped it to simulate an outage
    simweb_session.latency = 0.0
    simweb_session.reset_state()
    return simweb_session
