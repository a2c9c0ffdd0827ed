"""linkcheck.run.eventloop: uvloop by default, asyncio's own loop on request."""

from __future__ import annotations

import asyncio

import pytest

from linkcheck.run import eventloop


async def _loop_module() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


def test_uvloop_is_the_default(monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("uvloop")  # a dependency wherever uvloop exists (not on Windows)
    monkeypatch.delenv(eventloop.ENV_VAR, raising=False)
    assert eventloop.run(_loop_module()) == "uvloop"


@pytest.mark.parametrize("value", ["asyncio", " ASYNCIO "])
def test_the_environment_can_ask_for_asyncios_loop(monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv(eventloop.ENV_VAR, value)
    assert eventloop.run(_loop_module()) == "asyncio"


def test_run_returns_the_result_and_closes_the_loop(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(eventloop.ENV_VAR, raising=False)
    seen: list[asyncio.AbstractEventLoop] = []

    async def main() -> int:
        seen.append(asyncio.get_running_loop())
        return 42

    assert eventloop.run(main()) == 42
    assert seen[0].is_closed()


def test_exceptions_propagate(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(eventloop.ENV_VAR, raising=False)

    async def main() -> None:
        raise LookupError("from the coroutine")

    with pytest.raises(LookupError, match="from the coroutine"):
        eventloop.run(main())
