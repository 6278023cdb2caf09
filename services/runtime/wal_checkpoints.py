"""SQLite's write-ahead log copied back into the database file on a thread of its own.

Left to SQLite, the connection that commits when the log passes 1,000 pages copies them back and syncs the
file to disk. The services commit on the event loop's thread, so each of those checkpoints stalled every
request and consumer of the process for the length of a disk sync: milliseconds on a quiet disk, far more
on a busy one. Here the loop's connection never checkpoints; a thread does, with its own connection, and
Python's driver lets go of the interpreter while SQLite works.
"""

from __future__ import annotations

import sqlite3
import threading

import structlog

__all__ = ["WalCheckpoints"]

log = structlog.get_logger(__name__)

CHECKPOINT_EVERY_S = 1.0


class WalCheckpoints:
    """Every `every_s`, a PASSIVE checkpoint: it copies what no reader still needs and never waits for,
    nor holds up, a writer."""

    def __init__(self, database: str, every_s: float = CHECKPOINT_EVERY_S) -> None:
        self._database = database
        self._every_s = every_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"wal-checkpoints {database}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Checkpoint once more, then end the thread."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        connection = sqlite3.connect(self._database, isolation_level=None)
        try:
            while not self._stopping.wait(self._every_s):
                self._checkpoint(connection)
            self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:
            # Next round tries again; meanwhile the log only grows.
            log.warning("SQLite checkpoint failed", database=self._database, error=str(error))
