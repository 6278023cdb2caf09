"""Group commit: effects asked for by concurrent requests run in one transaction; each caller waits for it.

A burst of webhooks (a provider's status callbacks, say) or of reports costs one transaction instead of one
each. A caller returns only after the transaction that holds its effect has committed, so what it answers
(204 to a provider, which otherwise sends again) is true. If the shared transaction fails, each effect runs
again in a transaction of its own, so one bad request spoils no other and gets its own error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from services.runtime.coalesce import Coalesced

__all__ = ["GroupCommit"]

W = TypeVar("W")
T = TypeVar("T")


@dataclass
class _Asked(Generic[W]):
    effect: Callable[[W], Awaitable[Any]]
    answer: asyncio.Future[Any]


class GroupCommit(Generic[W]):
    """`gather_s`: how long a transaction waits for more effects to join it once the first has asked. Zero
    still lets every request already received join; more trades each caller's wait for fewer transactions."""

    def __init__(self, open_work: Callable[[], AbstractAsyncContextManager[W]], gather_s: float = 0.0) -> None:
        self._open_work = open_work
        self._gather_s = gather_s
        self._waiting: list[_Asked[W]] = []
        self._commit = Coalesced(self._run_waiting)

    async def __call__(self, effect: Callable[[W], Awaitable[T]]) -> T:
        """Run `effect` in a transaction shared with whoever else asked meanwhile; its result once committed."""
        asked = _Asked(effect, asyncio.get_running_loop().create_future())
        self._waiting.append(asked)
        while not asked.answer.done():
            await self._commit()
        result: T = asked.answer.result()
        return result

    async def _run_waiting(self) -> None:
        # Statements on a local file do not yield to the loop, so nobody could join a transaction under way:
        # a turn of the loop (or gather_s) first lets requests already received reach the queue.
        await asyncio.sleep(self._gather_s)
        batch, self._waiting = self._waiting, []
        if not batch:  # a run before this one took them
            return
        try:
            if len(batch) == 1 or not await self._together(batch):
                await self._each_alone(batch)
        except BaseException:
            self._waiting[:0] = [asked for asked in batch if not asked.answer.done()]
            raise

    async def _together(self, batch: list[_Asked[W]]) -> bool:
        try:
            async with self._open_work() as work:
                results = [await asked.effect(work) for asked in batch]
        except Exception:
            return False
        for asked, result in zip(batch, results, strict=True):
            asked.answer.set_result(result)
        return True

    async def _each_alone(self, batch: list[_Asked[W]]) -> None:
        for asked in batch:
            try:
                async with self._open_work() as work:
                    result = await asked.effect(work)
            except Exception as error:
                asked.answer.set_exception(error)
            else:
                asked.answer.set_result(result)
