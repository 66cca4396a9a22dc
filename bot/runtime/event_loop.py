"""The event loop the bot serves on: uvloop (libuv's, by the authors of asyncpg) where it is installed — a dependency
on Linux and macOS — else asyncio's own. ``EVENT_LOOP=asyncio`` chooses asyncio's anyway (to debug, or to compare:
``benchmarks.throughput --loops`` runs the bot on both). READY's log line names the loop serving."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from bot.config import EventLoop

T = TypeVar("T")
LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def run(main: Coroutine[Any, Any, T], choice: EventLoop = "uvloop") -> T:
    """``main`` run to completion on a new event loop of the ``choice`` (asyncio's when uvloop is not installed)."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main)


def loop_factory(choice: EventLoop) -> LoopFactory | None:
    """What makes the event loop of the ``choice``: uvloop's ``new_event_loop``, or ``None`` for asyncio's."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def running() -> str:
    """The event loop running now, by its package: ``"uvloop"`` or ``"asyncio"``."""
    return type(asyncio.get_running_loop()).__module__.partition(".")[0]
