"""Broadcasts on record, for following who acknowledged them."""

from __future__ import annotations

import dataclasses
from typing import Any  # SQLAlchemy's statements are Select[Any], its rows untyped tuples of the columns

from sqlalchemy import insert, select

from services.notifier.adapters.tables import Rows
from services.notifier.domain.broadcasts import Broadcast

__all__ = ["SqlBroadcasts"]


def as_broadcast(row: Any) -> Broadcast:
    """A `broadcasts` row, a tuple in column order, as a Broadcast."""
    return Broadcast(*row)


class SqlBroadcasts(Rows):
    """Implements `ports.Broadcasts`."""

    async def add_broadcast(self, broadcast: Broadcast) -> bool:
        table = self.t.broadcasts
        if (await self.session.execute(select(table.c.id).where(table.c.id == broadcast.id))).first():
            return False
        await self.session.execute(insert(table).values(**dataclasses.asdict(broadcast)))
        return True

    async def broadcast(self, broadcast_id: str) -> Broadcast | None:
        table = self.t.broadcasts
        row = (await self.session.execute(select(table).where(table.c.id == broadcast_id))).first()
        return None if row is None else as_broadcast(row)
