"""Builds the roster service: store, roster in force, handlers wired to the runtime's consumer and sweeps, HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from schemas.duty import CheckInReceived
from services.duty_roster import handlers
from services.duty_roster.adapters.duty_log import duty_log_router
from services.duty_roster.adapters.holidays_file import load_calendar
from services.duty_roster.adapters.http import roster_router
from services.duty_roster.adapters.in_force import RosterInForce
from services.duty_roster.adapters.metrics import HOLIDAYS_ESTIMATED_YEAR
from services.duty_roster.adapters.roster_file import read_roster
from services.duty_roster.adapters.store import roster_ports
from services.duty_roster.adapters.tables import RosterTables
from services.duty_roster.domain import Issue, Override
from services.duty_roster.domain.announce import estimated_years_ahead
from services.duty_roster.migrations import MIGRATIONS
from services.duty_roster.ports import DutyLog, Ports
from services.duty_roster.settings import Settings
from services.runtime.auth import token_book
from services.runtime.http_guard import service_api
from services.runtime.service import Clock, Sweep, utc_now
from services.runtime.unit_of_work import UnitOfWork
from services.runtime.wiring import Plan, ServiceWiring

__all__ = ["RosterInForce", "RosterService", "build", "create_app", "enter_override", "import_roster", "roster_wiring"]

HOLIDAYS_REMINDER_SWEEP_S = 600.0
"""The weekly reminder is claimed per ISO week; looking every ten minutes is plenty."""


class RosterService(ServiceWiring[RosterTables, Ports]):
    """The service's parts: its wiring (database, unit of work, runtime built on first use at start-up, when the
    health routes appear), the roster in force, and its HTTP API."""

    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        super().__init__(settings, MIGRATIONS, roster_ports, clock)
        self.settings = settings
        self.roster = RosterInForce(self.work, load_calendar(settings.holidays_file))
        self.timing = handlers.CheckInTiming(lead=settings.check_in_lead, grace=settings.check_in_grace)
        self.api = service_api(
            settings.max_body_bytes,
            title="dutywatch duty roster",
            version="1",
            description="Who is on-duty officer (值班员) and duty leader (带班领导) of every unit, at every moment.",
            lifespan=self.lifespan,
        )
        self.api.state.tokens = token_book(settings.api_tokens, settings.data_dir)
        self.api.include_router(roster_router(lambda: self.roster.index, clock, self.enter_override))
        self.api.include_router(duty_log_router(lambda: self.roster.index, clock, self._duty_log))

    def plan(self) -> Plan:
        every = self.settings.sweep_seconds
        return Plan(
            routes={"duty.checkins": {CheckInReceived: self.work.consume(handlers.on_check_in_received)}},
            sweeps=[
                Sweep("handovers", self.fire_handovers, every),
                Sweep("check-in-requests", self.fire_check_in_requests, every),
                Sweep("check-ins-missed", self.fire_missed_check_ins, every),
                Sweep("holidays-reminders", self.fire_holidays_reminders, HOLIDAYS_REMINDER_SWEEP_S),
            ],
            on_start=[lambda: self.announce(self.clock())],
        )

    @asynccontextmanager
    async def _duty_log(self) -> AsyncIterator[DutyLog]:
        async with self.work() as ports:
            yield ports.duty_log

    async def announce(self, now: datetime) -> None:
        index = await self.roster.refresh()
        async with self.work() as ports:
            await handlers.on_startup(index, ports, now)

    async def fire_handovers(self, now: datetime) -> int:
        index = await self.roster.refresh()
        async with self.work() as ports:
            return await handlers.on_tick(index, ports, now)

    async def fire_check_in_requests(self, now: datetime) -> int:
        index = await self.roster.refresh()
        async with self.work() as ports:
            return await handlers.on_check_in_window(index, self.timing, ports, now)

    async def fire_missed_check_ins(self, now: datetime) -> int:
        index = await self.roster.refresh()
        async with self.work() as ports:
            return await handlers.on_check_ins_due(index, ports, now)

    async def fire_holidays_reminders(self, now: datetime) -> int:
        index = await self.roster.refresh()
        HOLIDAYS_ESTIMATED_YEAR.set(min(estimated_years_ahead(index, now), default=0))
        async with self.work() as ports:
            return await handlers.on_holidays_reminder_due(index, ports, now)

    async def enter_override(self, override: Override) -> list[Issue]:
        await self.roster.refresh()
        issues = await _record_override(self.work, self.roster, override, self.clock())
        if not issues:
            await self.roster.refresh()
        return issues


def roster_wiring(settings: Settings, clock: Clock) -> ServiceWiring[RosterTables, Ports]:
    """The roster's database and unit of work, for the command line (it builds no runtime)."""
    return ServiceWiring(settings, MIGRATIONS, roster_ports, clock)


def build(settings: Settings, clock: Clock = utc_now) -> RosterService:
    return RosterService(settings, clock)


def create_app(settings: Settings, clock: Clock = utc_now) -> FastAPI:
    return build(settings, clock).api


async def import_roster(
    settings: Settings, text: str, source: str, now: datetime
) -> tuple[list[Issue], handlers.ImportOutcome | None, int]:
    """`dutywatch roster import`: check the file with the overrides entered so far, then store it and what it changes
    for Kafka in one transaction; or, if anything is wrong, nothing at all."""
    calendar = load_calendar(settings.holidays_file)
    wiring = roster_wiring(settings, lambda: now)
    try:
        await wiring.database.store.create_tables()
        async with wiring.work() as ports:
            await ports.versions.lock()
            index, issues = read_roster(text, calendar, await ports.overrides.all())
            if index is None or issues:
                return issues, None, 0
            outcome, published = await handlers.on_roster_file(text, source, index, ports, now)
    finally:
        await wiring.database.store.close()
    return [], outcome, published


async def enter_override(settings: Settings, override: Override, now: datetime) -> list[Issue]:
    """`dutywatch roster override`: the same as POST /units/{id}/overrides, straight into the roster's database."""
    wiring = roster_wiring(settings, lambda: now)
    try:
        await wiring.database.store.create_tables()
        roster = RosterInForce(wiring.work, load_calendar(settings.holidays_file))
        await roster.refresh()
        return await _record_override(wiring.work, roster, override, now)
    finally:
        await wiring.database.store.close()


async def _record_override(
    work: UnitOfWork[Ports], roster: RosterInForce, override: Override, now: datetime
) -> list[Issue]:
    async with work() as ports:
        return await handlers.on_override_entered(override, (roster.version, roster.file_index), ports, now)
