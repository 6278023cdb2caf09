"""SQLite commits made durable off the event loop: the write-ahead log is synced to disk on a worker thread.

With `synchronous=NORMAL` a commit writes its pages to the log and returns; a power cut can take the last
commits with it, though they had answered a request (201) or let a consumed offset be committed. With FULL,
SQLite syncs the log inside every COMMIT, on the loop's thread: here each sync took 0.6 to 1.2 ms (p50) and
up to 10 ms (p99), against 9 µs for the commit itself (2026-12-06, this project's shared machine), and every
request and consumer of the process waited that long, commits being a hundred or more a second.

So the loop's connection commits with NORMAL, and `Store.transaction` returns only once `until_durable` has
synced the log file (fsync of `<database>-wal`): the same guarantee as FULL for every transaction that wrote,
while the loop goes on with other work. Commits that come in while a sync runs share the next one. A commit
the checkpoint thread has already copied into the database file is durable already: a checkpoint syncs the
log before it copies and the database file after.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import threading

__all__ = ["WalSync"]


class WalSync:
    """Counts the commits that wrote, and syncs the log on a thread of its own until a given count is on disk.

    Its own thread rather than `asyncio.to_thread`: handing a sync to the default executor and back cost the
    loop's thread 57–71 µs of CPU, a queue and `call_soon_threadsafe` 14–16 µs (5,000 hand-offs, 2026-12-07),
    and a busy service syncs a hundred or more times a second."""

    def __init__(self, database: str) -> None:
        self._log_file = database + "-wal"
        self._database = database
        self._committed = 0
        self._synced = 0
        self._one_sync = asyncio.Lock()
        self._asked: queue.SimpleQueue[asyncio.Future[None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def wrote(self) -> None:
        """A transaction that changed something has just committed."""
        self._committed += 1

    async def until_durable(self) -> None:
        """Return once every commit made so far is on disk."""
        wanted = self._committed
        if self._synced >= wanted:
            return
        async with self._one_sync:
            if self._synced >= wanted:  # the sync that ran meanwhile covered it
                return
            covered = self._committed
            await self._synced_on_thread()
            self._synced = max(self._synced, covered)

    def stop(self) -> None:
        """End the syncing thread once it has served what was asked before."""
        if self._thread is not None:
            self._asked.put(None)
            self._thread.join()
            self._thread = None

    def _synced_on_thread(self) -> asyncio.Future[None]:
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name=f"wal-sync {self._database}", daemon=True)
            self._thread.start()
        done = asyncio.get_running_loop().create_future()
        self._asked.put(done)
        return done

    def _serve(self) -> None:
        while (done := self._asked.get()) is not None:
            try:
                self._sync()
            except Exception as error:  # the waiter's to raise; the thread goes on serving
                _answer(done, error)
            else:
                _answer(done, None)

    def _sync(self) -> None:
        # The log exists while a connection is open; a checkpointed, deleted one leaves the database file.
        path = self._log_file if os.path.exists(self._log_file) else self._database
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _answer(done: asyncio.Future[None], error: Exception | None) -> None:
    """From the syncing thread: settle `done` on its loop's thread, unless its waiter has gone."""

    def settle() -> None:
        if done.cancelled():
            return
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)

    with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
        done.get_loop().call_soon_threadsafe(settle)
