"""The duty log (值班日志): its table's repository and its two HTTP routes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import insert, select

from services.duty_roster.adapters.tables import RosterTables
from services.duty_roster.domain import LOCAL_TZ, RosterIndex, UnknownUnitError
from services.duty_roster.ports import DutyLog, LogEntry
from services.runtime.store import Session

__all__ = ["LogEntryIn", "LogEntryOut", "SqlDutyLog", "duty_log_router"]


class LogKind(StrEnum):
    CALL = "call"
    INSTRUCTION = "instruction"
    OTHER = "other"


class LogEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: LogKind = Field(description="call (来电), instruction (传达指示) or other.")
    text: str = Field(min_length=1, max_length=2000, description="What happened.")
    author: str = Field(min_length=1, max_length=100, description="Who writes it.")


class LogEntryOut(LogEntryIn):
    written_at: datetime


class SqlDutyLog:
    """Implements `ports.DutyLog`."""

    def __init__(self, session: Session, tables: RosterTables) -> None:
        self._session, self._table = session, tables.duty_log

    async def add(self, entry: LogEntry) -> None:
        await self._session.execute(insert(self._table).values(**vars(entry)))

    async def between(self, unit_id: str, start: datetime, end: datetime) -> list[LogEntry]:
        columns = self._table.c
        query = (
            select(columns.unit_id, columns.kind, columns.text, columns.author, columns.written_at)
            .where(columns.unit_id == unit_id, columns.written_at >= start, columns.written_at < end)
            .order_by(columns.written_at, columns.id)
        )
        return [LogEntry(**row._mapping) for row in (await self._session.execute(query)).all()]


def duty_log_router(
    current: Callable[[], RosterIndex],
    clock: Callable[[], datetime],
    open_log: Callable[[], AbstractAsyncContextManager[DutyLog]],
) -> APIRouter:
    router = APIRouter(tags=["duty log"])

    def known(unit_id: str) -> None:
        try:
            current().unit(unit_id)
        except UnknownUnitError as error:
            raise HTTPException(404, str(error)) from error

    @router.post("/units/{unit_id}/duty-log", status_code=201, summary="Write a duty-log entry (值班日志)")
    async def write(unit_id: str, body: LogEntryIn) -> LogEntryOut:
        known(unit_id)
        entry = LogEntry(unit_id, body.kind.value, body.text, body.author, clock())
        async with open_log() as log:
            await log.add(entry)
        return LogEntryOut(kind=body.kind, text=entry.text, author=entry.author, written_at=entry.written_at)

    @router.get("/units/{unit_id}/duty-log", summary="A day's duty-log entries, oldest first")
    async def read(
        unit_id: str, day: Annotated[date | None, Query(description="Beijing date; default today.")] = None
    ) -> list[LogEntryOut]:
        known(unit_id)
        day = day or clock().astimezone(LOCAL_TZ).date()
        start = datetime.combine(day, time(), tzinfo=LOCAL_TZ)
        async with open_log() as log:
            entries = await log.between(unit_id, start, start + timedelta(days=1))
        return [
            LogEntryOut(kind=LogKind(e.kind), text=e.text, author=e.author, written_at=e.written_at) for e in entries
        ]

    return router
