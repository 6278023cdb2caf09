"""Each noun of the service (rounds, hazards, leaves, warnings, spot checks) in a table of its own: the columns
queries need (unit, state, time, timer, code) beside the whole record as JSON, written and read through pydantic."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import JSON, Column, MetaData, String, Table, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.rounds.ports import Record
from services.runtime.store import Session, UtcDateTime, first_row, row_by_key

__all__ = ["RecordTable", "SqlRecords"]

T = TypeVar("T", bound=Record)


class RecordTable(Generic[T]):
    """A table of records of type `T`; `at_of` gives the time a listing sorts and filters by."""

    def __init__(self, metadata: MetaData, name: str, cls: type[T], at_of: Callable[[T], datetime]) -> None:
        self.table = Table(
            name,
            metadata,
            Column("id", String(200), primary_key=True),
            Column("unit_id", String(64), nullable=False, index=True),
            Column("state", String(32), nullable=False, index=True),
            Column("at", UtcDateTime, nullable=False, index=True),
            Column("next_at", UtcDateTime, nullable=True, index=True),
            Column("code", String(8), nullable=True, index=True),
            Column("doc", JSON, nullable=False),
        )
        self._adapter = TypeAdapter(cls)
        self._at_of = at_of
        self.insert_new = {
            "postgresql": postgresql_insert(self.table).on_conflict_do_nothing(),
            "sqlite": sqlite_insert(self.table).on_conflict_do_nothing(),
        }

    def row(self, item: T) -> dict[str, Any]:
        return {
            "id": item.id,
            "unit_id": item.unit_id,
            "state": str(item.state),
            "at": self._at_of(item),
            "next_at": item.next_at,
            "code": getattr(item, "code", None),
            "doc": self._adapter.dump_python(item, mode="json"),
        }

    def item(self, row: Any) -> T:
        return self._adapter.validate_python(row.doc)


class SqlRecords(Generic[T]):
    """Implements `ports.Records` on one RecordTable, bound to one transaction."""

    def __init__(self, session: Session, table: RecordTable[T]) -> None:
        self._session = session
        self._records = table
        self._table = table.table

    async def add(self, item: T) -> bool:
        return await self._session.insert_new(self._records.insert_new[self._session.dialect], self._records.row(item))

    async def get(self, record_id: str) -> T | None:
        row = await first_row(self._session, row_by_key(self._table, "id"), {"key": record_id})
        return None if row is None else self._records.item(row)

    async def save(self, item: T) -> None:
        row = self._records.row(item)
        await self._session.execute(update(self._table).where(self._table.c.id == row.pop("id")).values(**row))

    async def claim_due(self, now: datetime, limit: int) -> list[T]:
        columns = self._table.c
        query = (
            select(self._table)
            .where(columns.next_at.is_not(None), columns.next_at <= now)
            .order_by(columns.next_at, columns.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [self._records.item(row) for row in await self._session.execute(query)]

    async def find(
        self,
        *,
        units: Sequence[str] | None = None,
        states: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        code: str | None = None,
        limit: int = 1000,
    ) -> list[T]:
        columns = self._table.c
        query = select(self._table).order_by(columns.at.desc(), columns.id).limit(limit)
        if units is not None:
            query = query.where(columns.unit_id.in_(list(units)))
        if states is not None:
            query = query.where(columns.state.in_([str(state) for state in states]))
        if since is not None:
            query = query.where(columns.at >= since)
        if until is not None:
            query = query.where(columns.at < until)
        if code is not None:
            query = query.where(columns.code == code)
        return [self._records.item(row) for row in await self._session.execute(query)]
