"""The outbox: events are written in the same transaction as the state they describe, then relayed to Kafka.

A broker outage delays events and loses none: a row stays pending until the broker took it. A crash
between publishing and marking a row sent publishes it again; consumers drop the repeat by `event_id`.
A sent row is kept for a retention window: a broker that lost its log (`services/runtime/log_watch.py`)
gets every retained row again, in order, and consumers drop what they had already seen.

This module is the table and what is published; `outbox_relay.py` is what moves the rows to Kafka.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    delete,
    or_,
    select,
    update,
)

from schemas.envelope import Envelope
from schemas.topics import topic_for
from services.runtime.log_watch import Published, PublishedPositions
from services.runtime.relay_lease import RelayLease
from services.runtime.store import Session, UtcDateTime, insert_into

__all__ = ["Outbox", "OutgoingRecord", "PublishRecords"]


@dataclass(frozen=True)
class OutgoingRecord:
    topic: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


PublishRecords = Callable[[Sequence[OutgoingRecord]], Awaitable[Sequence[Published]]]
"""Publish every record, in order, and return where the broker put each once it acknowledged them all;
raise otherwise."""


class Outbox:
    """The `outbox` table in a service's own database, and where its published rows went (`positions`)."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            "outbox",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False, unique=True),
            Column("topic", String(100), nullable=False),
            Column("key", String(100), nullable=False),
            Column("value", LargeBinary, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("claimed_until", UtcDateTime(), nullable=True),
            Column("sent_at", UtcDateTime(), nullable=True, index=True),
        )
        self.relay_lease = RelayLease(metadata)
        # The relay's statements, built once: building one costs several times running it.
        columns = self.table.c
        free = or_(columns.claimed_until.is_(None), columns.claimed_until < bindparam("now"))
        self._pending = (
            select(columns.id, columns.topic, columns.key, columns.value)
            .where(and_(columns.sent_at.is_(None), free))
            .order_by(columns.id)
            .limit(bindparam("limit"))
            .with_for_update(skip_locked=True)
        )
        self._leased = (
            update(self.table)
            .where(columns.id.in_(bindparam("ids", expanding=True)))
            .values(claimed_until=bindparam("until"))
        )
        self._claimed = (
            update(self.table)
            .where(columns.id.in_(self._pending.with_only_columns(columns.id).scalar_subquery()))
            .values(claimed_until=bindparam("until"))
            .returning(columns.id, columns.topic, columns.key, columns.value)
        )
        self._free_all = (
            update(self.table)
            .where(and_(columns.sent_at.is_(None), columns.claimed_until.is_not(None)))
            .values(claimed_until=None)
        )
        self._sent = (
            update(self.table).where(columns.id.in_(bindparam("ids", expanding=True))).values(sent_at=bindparam("at"))
        )
        self.positions = PublishedPositions(metadata)

    async def put(self, session: Session, *envelopes: Envelope[Any]) -> None:
        """Add envelopes to the transaction of `session`; they leave only if it commits."""
        rows = [
            {
                "event_id": str(envelope.event_id),
                "topic": topic_for(envelope.payload).name,
                "key": envelope.key,
                "value": envelope.to_bytes(),
                "created_at": envelope.occurred_at,
            }
            for envelope in envelopes
        ]
        await session.insert(insert_into(self.table), rows)

    async def claim(self, session: Session, now: datetime, limit: int, lease: timedelta) -> list[Any]:
        """The oldest pending rows, leased so that another replica skips them meanwhile."""
        if session.dialect == "postgresql":
            # One round trip instead of two. Not on SQLite: RETURNING needs 3.35, newer than some systems'.
            claimed = await session.fetch(self._claimed, {"now": now, "limit": limit, "until": now + lease})
            return sorted(claimed, key=lambda row: row.id)
        rows = list(await session.fetch(self._pending, {"now": now, "limit": limit}))
        if rows:
            await session.change(self._leased, {"ids": [row.id for row in rows], "until": now + lease})
        return rows

    async def mark_sent(self, session: Session, ids: Sequence[int], now: datetime) -> None:
        await session.change(self._sent, {"ids": list(ids), "at": now})

    async def release(self, session: Session, ids: Sequence[int]) -> None:
        await session.execute(update(self.table).where(self.table.c.id.in_(ids)).values(claimed_until=None))

    async def free_leases(self, session: Session) -> int:
        """Free every pending row's lease; how many were leased."""
        return (await session.execute(self._free_all)).rowcount

    async def publish_again(self, session: Session, sent_since: datetime) -> int:
        """Make every row sent since `sent_since` pending again (a broker lost it); how many."""
        again = update(self.table).where(self.table.c.sent_at >= sent_since).values(sent_at=None, claimed_until=None)
        return (await session.execute(again)).rowcount

    async def prune(self, session: Session, sent_before: datetime) -> int:
        """Delete the rows sent before `sent_before`; how many."""
        return (await session.execute(delete(self.table).where(self.table.c.sent_at < sent_before))).rowcount

    async def pending_count(self, session: Session) -> int:
        rows = await session.execute(select(self.table.c.id).where(self.table.c.sent_at.is_(None)))
        return len(rows.all())
