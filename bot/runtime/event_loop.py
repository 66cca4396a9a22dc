"""The event loop the bot serves on: uvloop (libuv's, by the authors of asyncpg) where it is installed — a dependency
on Linux and macOS — else asyncio's own. ``EVENT_LOOP=asyncio`` chooses asyncio's anyway (to debug, or to compare:
``benchmarks.throughput`` runs the bot on both)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

T = TypeVar("T")
EventLoop = Literal["uvloop", "asyncio"]
LoopFactory = Callable[[], asyncio.AbstractEventLoop]
log = logging.getLogger(__name__)


def run(main: Coroutine[Any, Any, T], choice: EventLoop = "uvloop") -> T:
    """``main`` run to completion on a new event loop of the ``choice`` (asyncio's when uvloop is not installed)."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        log.info("serving on %s", type(runner.get_loop()).__module__.partition(".")[0])
        return runner.run(main)


def loop_factory(choice: EventLoop) -> LoopFactory | None:
    """What makes the event loop of the ``choice``: uvloop's ``new_event_loop``, or ``None`` for asyncio's."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        log.info("uvloop is not installed (it has no Windows build): serving on asyncio's event loop")
        return None
    return uvloop.new_event_loop
