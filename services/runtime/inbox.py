"""The inbox: a consumed `event_id` has its effect once, however often Kafka delivers it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, MetaData, String, Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.runtime.store import Session, UtcDateTime

__all__ = ["Inbox"]


class Inbox:
    """The `inbox` table: (consumer, event_id) pairs already processed."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            "inbox",
            metadata,
            Column("consumer", String(100), primary_key=True),
            Column("event_id", String(36), primary_key=True),
            Column("processed_at", UtcDateTime(), nullable=False),
        )
        # Built once per dialect: building a statement costs several times running it.
        self._record = {
            "postgresql": postgresql_insert(self.table).on_conflict_do_nothing(),
            "sqlite": sqlite_insert(self.table).on_conflict_do_nothing(),
        }

    async def first_time(self, session: Session, consumer: str, event_id: UUID, now: datetime) -> bool:
        """Record the event as processed in this transaction; False when it already was."""
        row = {"consumer": consumer, "event_id": str(event_id), "processed_at": now}
        return await session.insert_new(self._record[session.dialect], row)
