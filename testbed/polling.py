"""Waiting for what another task, thread or process does: poll a condition until it holds, never sleep a fixed
time and hope. Every test, fake and bench waits through these two."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["eventually", "eventually_blocking"]

T = TypeVar("T")
POLL_S = 0.02


async def eventually(
    condition: Callable[[], T | Awaitable[T]], timeout_s: float = 30.0, what: str = "", every_s: float = POLL_S
) -> T:
    """Poll `condition` (plain or async) every `every_s` until it returns something truthy, and return that;
    TimeoutError naming `what` when `timeout_s` passes first."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what or 'the condition'} did not come within {timeout_s} s")
        await asyncio.sleep(every_s)


def eventually_blocking(condition: Callable[[], T], timeout_s: float = 30.0, what: str = "") -> T:
    """`eventually` for a thread that has no event loop (a fake's own thread, a test of subprocesses)."""
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what or 'the condition'} did not come within {timeout_s} s")
        time.sleep(POLL_S)
    return value
