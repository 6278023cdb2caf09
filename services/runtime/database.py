"""A service's own database: its tables, the runtime's outbox and inbox beside them, and the store they live in."""

from __future__ import annotations

from typing import Generic, TypeVar

from sqlalchemy import MetaData

from services.runtime.inbox import Inbox
from services.runtime.migrations import Migrations
from services.runtime.outbox import Outbox
from services.runtime.store import Store

__all__ = ["Database"]

T = TypeVar("T")


class Database(Generic[T]):
    """Every service's database is made the same way: its `tables` (what its migrations build), the outbox, the
    inbox, one metadata, and a store that brings the file or server to the newest revision at start."""

    def __init__(self, url: str, migrations: Migrations[T]) -> None:
        self.metadata = MetaData()
        self.tables: T = migrations.tables(self.metadata)
        self.outbox = Outbox(self.metadata)
        self.inbox = Inbox(self.metadata)
        self.store = Store(url, self.metadata, upgrade=migrations.upgrade)
