"""One run of a job for many requests: a sweep asked for by every webhook and message runs once per burst."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

__all__ = ["Coalesced"]

log = structlog.get_logger(__name__)


class Coalesced:
    """Runs `job` on request, never twice at once; requests that arrive while it runs share the next run.

    `await coalesced()` returns once a run that started after the request has finished, so the caller sees
    its own effect handled. `kick()` asks for a run without waiting for it.
    """

    def __init__(self, job: Callable[[], Awaitable[object]]) -> None:
        self._job = job
        self._lock = asyncio.Lock()
        self._requested = 0
        self._satisfied = 0
        self._kicked: set[asyncio.Task[None]] = set()

    async def __call__(self) -> None:
        self._requested += 1
        wanted = self._requested
        async with self._lock:
            if self._satisfied >= wanted:
                return
            covers = self._requested
            await self._job()
            self._satisfied = covers

    def kick(self) -> None:
        task = asyncio.get_running_loop().create_task(self())
        self._kicked.add(task)
        task.add_done_callback(self._after_kick)

    def _after_kick(self, task: asyncio.Task[None]) -> None:
        self._kicked.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("a requested run failed; the next request runs it again", job=repr(self._job), error=repr(error))
