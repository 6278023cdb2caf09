"""The relay lease: of the replicas of a service sharing one database, one relay publishes the outbox at a time.

Two relays publishing batches at once would each keep their own batch in order, but a unit's later event in one
batch could reach the broker before its earlier event in the other. One holder publishes in id order, so each
unit's events reach its partition in the order they were committed. The holder renews the lease on each pass;
when it dies, another replica takes the lease once it has run out and frees the rows the dead one had claimed.
A stopping relay hands the lease back, so that another takes over at once.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, MetaData, Select, String, Table, Update, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.runtime.store import Session, UtcDateTime

__all__ = ["Holding", "RelayLease"]

LEASE_NAME = "outbox"


class Holding(StrEnum):
    """What a relay found when it asked for the lease."""

    KEPT = "kept"  # it held the lease already and renewed it
    TAKEN = "taken"  # nobody held it, or the holder's lease had run out: what that holder claimed is free now
    ELSEWHERE = "elsewhere"  # another live replica holds it: publish nothing this pass


class RelayLease:
    """The `outbox_relay` row: which relay publishes, until when."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            "outbox_relay",
            metadata,
            Column("name", String(40), primary_key=True),
            Column("holder", String(80), nullable=False),
            Column("until", UtcDateTime(), nullable=False),
        )

    async def hold(self, session: Session, holder: str, now: datetime, lease: timedelta) -> Holding:
        """Renew or take the lease for `holder` in this transaction, unless another holder's lease still runs.

        The row stays locked until the transaction ends; a replica that finds it locked does not wait for it.
        """
        row = next(iter(await session.fetch(_lease_row(self.table), {"lease": LEASE_NAME})), None)
        values = {"name": LEASE_NAME, "holder": holder, "until": now + lease}
        if row is None:
            return Holding.TAKEN if await session.insert_new(self._insert(session), values) else Holding.ELSEWHERE
        if row.holder != holder and row.until > now:
            return Holding.ELSEWHERE
        if row.holder == holder and row.until - now > lease / 2:
            return Holding.KEPT  # renewed once half of it has passed: one statement fewer on most passes
        await session.change(_renew(self.table), {"lease": LEASE_NAME, "to": holder, "to_until": now + lease})
        return Holding.KEPT if row.holder == holder else Holding.TAKEN

    async def hand_back(self, session: Session, holder: str, now: datetime) -> None:
        """Let the lease run out now if `holder` has it (a stopping relay): another replica takes over at once."""
        await session.execute(_hand_back(self.table), {"lease": LEASE_NAME, "by": holder, "now": now})

    def _insert(self, session: Session) -> Any:
        return _insert_if_new(self.table, session.dialect)


# Built once: building a statement costs several times running it.
@functools.cache
def _lease_row(table: Table) -> Select[Any]:
    # SKIP LOCKED: a replica that finds the holder's pass under way takes no turn rather than queue behind it.
    return select(table).where(table.c.name == bindparam("lease")).with_for_update(skip_locked=True)


@functools.cache
def _renew(table: Table) -> Update:
    return (
        update(table)
        .where(table.c.name == bindparam("lease"))
        .values(holder=bindparam("to"), until=bindparam("to_until"))
    )


@functools.cache
def _hand_back(table: Table) -> Update:
    columns = table.c
    return (
        update(table)
        .where(columns.name == bindparam("lease"), columns.holder == bindparam("by"))
        .values(until=bindparam("now"))
    )


@functools.cache
def _insert_if_new(table: Table, dialect: str) -> Any:
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table).on_conflict_do_nothing()
