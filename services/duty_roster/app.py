"""Builds the roster service: store, roster in force, handlers wired to the runtime's consumer and sweeps, HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import FastAPI

from schemas.duty import CheckInReceived
from schemas.envelope import Envelope
from services.duty_roster import handlers
from services.duty_roster.adapters.duty_log import SqlDutyLog, duty_log_router
from services.duty_roster.adapters.holidays_file import load_calendar
from services.duty_roster.adapters.http import roster_router
from services.duty_roster.adapters.in_force import RosterInForce, RosterStore
from services.duty_roster.adapters.metrics import HOLIDAYS_ESTIMATED_YEAR
from services.duty_roster.adapters.roster_file import read_roster
from services.duty_roster.adapters.store import (
    OutboxEvents,
    SqlCheckIns,
    SqlHolidayReminders,
    SqlOverrideLog,
    SqlRosterVersions,
    SqlShiftLedger,
)
from services.duty_roster.domain import Issue, Override, RosterIndex
from services.duty_roster.domain.announce import estimated_years_ahead
from services.duty_roster.settings import Settings
from services.runtime.auth import token_book
from services.runtime.http_guard import guard
from services.runtime.service import Clock, ServiceRuntime, Sweep, utc_now

__all__ = ["RosterInForce", "RosterService", "RosterStore", "build", "create_app", "enter_override", "import_roster"]

HOLIDAYS_REMINDER_SWEEP_S = 600.0
"""The weekly reminder is claimed per ISO week; looking every ten minutes is plenty."""


class RosterService:
    """The service's parts. The runtime holds Kafka clients, which need the running event loop: it is made on first
    use (at start-up), and the health routes appear with it."""

    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self.settings, self.clock = settings, clock
        self.db = RosterStore.open(settings)
        self.roster = RosterInForce(self.db, load_calendar(settings.holidays_file))
        timing = handlers.CheckInTiming(lead=settings.check_in_lead, grace=settings.check_in_grace)
        self._wiring = _Wiring(settings.name, self.db, self.roster, timing, clock)
        self._runtime: ServiceRuntime | None = None
        self.api = FastAPI(
            title="dutywatch duty roster",
            version="1",
            description="Who is on-duty officer (值班员) and duty leader (带班领导) of every unit, at every moment.",
            lifespan=self._lifespan,
            max_body_size=settings.max_body_bytes,
        )
        guard(self.api)
        self.api.state.tokens = token_book(settings.api_tokens, settings.data_dir)
        self.api.include_router(roster_router(lambda: self.roster.index, clock, self._wiring.enter_override))
        self.api.include_router(duty_log_router(lambda: self.roster.index, clock, self._duty_log))

    @property
    def runtime(self) -> ServiceRuntime:
        if self._runtime is None:
            self._runtime = self._build_runtime()
            self._wiring.runtime = self._runtime
        return self._runtime

    def _build_runtime(self) -> ServiceRuntime:
        wiring, every = self._wiring, self.settings.sweep_seconds
        return ServiceRuntime(
            name=self.settings.name,
            store=self.db.store,
            outbox=self.db.outbox,
            inbox=self.db.inbox,
            kafka=self.settings.kafka,
            routes={"duty.checkins": {CheckInReceived: wiring.on_check_in_received}},
            sweeps=[
                Sweep("handovers", wiring.fire_handovers, every),
                Sweep("check-in-requests", wiring.fire_check_in_requests, every),
                Sweep("check-ins-missed", wiring.fire_missed_check_ins, every),
                Sweep("holidays-reminders", wiring.fire_holidays_reminders, HOLIDAYS_REMINDER_SWEEP_S),
            ],
            on_start=[lambda: wiring.announce(self.clock())],
            clock=self.clock,
        )

    @asynccontextmanager
    async def _duty_log(self) -> AsyncIterator[SqlDutyLog]:
        async with self.db.store.transaction() as session:
            yield SqlDutyLog(session, self.db.tables)

    @asynccontextmanager
    async def _lifespan(self, api: FastAPI) -> AsyncIterator[None]:
        self.runtime.mount_health(api)
        async with self.runtime.lifespan()(api):
            yield


def build(settings: Settings, clock: Clock = utc_now) -> RosterService:
    return RosterService(settings, clock)


def create_app(settings: Settings, clock: Clock = utc_now) -> FastAPI:
    return build(settings, clock).api


@dataclass
class _Wiring:
    """Each handler run in its own transaction, with the roster in force and the adapters of that transaction."""

    producer: str
    db: RosterStore
    roster: RosterInForce
    timing: handlers.CheckInTiming
    clock: Clock
    runtime: ServiceRuntime | None = None

    def _events(self, session: Any) -> OutboxEvents:
        return OutboxEvents(session, self.db.outbox, self.producer)

    async def announce(self, now: datetime) -> None:
        index = await self.roster.refresh()
        async with self.db.store.transaction() as session:
            await handlers.on_startup(now, index, SqlShiftLedger(session, self.db.tables), self._events(session))

    async def fire_handovers(self, now: datetime) -> int:
        index = await self.roster.refresh()
        async with self.db.store.transaction() as session:
            return await handlers.on_tick(now, index, SqlShiftLedger(session, self.db.tables), self._events(session))

    async def fire_check_in_requests(self, now: datetime) -> int:
        index = await self.roster.refresh()
        async with self.db.store.transaction() as session:
            check_ins = SqlCheckIns(session, self.db.tables)
            return await handlers.on_check_in_window(now, index, self.timing, check_ins, self._events(session))

    async def fire_missed_check_ins(self, now: datetime) -> int:
        index = await self.roster.refresh()
        async with self.db.store.transaction() as session:
            check_ins = SqlCheckIns(session, self.db.tables)
            return await handlers.on_check_ins_due(now, index, check_ins, self._events(session))

    async def fire_holidays_reminders(self, now: datetime) -> int:
        index = await self.roster.refresh()
        HOLIDAYS_ESTIMATED_YEAR.set(min(estimated_years_ahead(index, now), default=0))
        async with self.db.store.transaction() as session:
            reminders = SqlHolidayReminders(session, self.db.tables)
            return await handlers.on_holidays_reminder_due(now, index, reminders, self._events(session))

    async def enter_override(self, override: Override) -> list[Issue]:
        await self.roster.refresh()
        file_index = (self.roster.version, self.roster.file_index)
        issues = await _record_override(self.db, self.producer, file_index, override, self.clock())
        if not issues:
            await self.roster.refresh()
            if self.runtime is not None:
                self.runtime.relay.wake()
        return issues

    async def on_check_in_received(self, envelope: Envelope[Any]) -> None:
        assert self.runtime is not None
        tables = self.db.tables
        await self.runtime.once(
            envelope, lambda session: handlers.on_check_in_received(envelope.payload, SqlCheckIns(session, tables))
        )


async def import_roster(
    settings: Settings, text: str, source: str, now: datetime
) -> tuple[list[Issue], handlers.ImportOutcome | None, int]:
    """`dutywatch roster import`: check the file with the overrides entered so far, then store it and what it changes
    for Kafka in one transaction; or, if anything is wrong, nothing at all."""
    calendar = load_calendar(settings.holidays_file)
    db = RosterStore.open(settings)
    try:
        await db.store.create_tables()
        async with db.store.transaction() as session:
            versions = SqlRosterVersions(session, db.tables)
            await versions.lock()
            index, issues = read_roster(text, calendar, await SqlOverrideLog(session, db.tables).all())
            if index is None or issues:
                return issues, None, 0
            ledger, events = SqlShiftLedger(session, db.tables), OutboxEvents(session, db.outbox, settings.name)
            outcome, published = await handlers.on_roster_file(text, source, now, index, versions, ledger, events)
    finally:
        await db.store.close()
    return [], outcome, published


async def enter_override(settings: Settings, override: Override, now: datetime) -> list[Issue]:
    """`dutywatch roster override`: the same as POST /units/{id}/overrides, straight into the roster's database."""
    db = RosterStore.open(settings)
    try:
        await db.store.create_tables()
        roster = RosterInForce(db, load_calendar(settings.holidays_file))
        await roster.refresh()
        return await _record_override(db, settings.name, (roster.version, roster.file_index), override, now)
    finally:
        await db.store.close()


async def _record_override(
    db: RosterStore, producer: str, file_index: tuple[int | None, RosterIndex], override: Override, now: datetime
) -> list[Issue]:
    async with db.store.transaction() as session:
        return await handlers.on_override_entered(
            override,
            now,
            file_index,
            SqlRosterVersions(session, db.tables),
            SqlOverrideLog(session, db.tables),
            SqlShiftLedger(session, db.tables),
            OutboxEvents(session, db.outbox, producer),
        )
