"""Builds the rounds service: database, runtime (consumers, outbox relay, timer sweeps) and HTTP API."""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI

from schemas.broadcast import BroadcastAcknowledged
from schemas.duty import ShiftEnded, ShiftStarted, UnitUpdated
from schemas.notify import NotificationAcknowledged, TextReceived
from schemas.rounds import ReceiveWarning, RecordLeave, RecordReturn, ReportRound
from services.rounds import handlers
from services.rounds.adapters import http
from services.rounds.adapters.metrics import refresh_gauges
from services.rounds.adapters.store import rounds_ports
from services.rounds.adapters.tables import RoundsTables
from services.rounds.domain import CapInvalid
from services.rounds.handlers import RoundRefused, RoundReport, Rules, UnknownRecord
from services.rounds.migrations import MIGRATIONS
from services.rounds.ports import Ports
from services.rounds.settings import Settings
from services.runtime.auth import token_book
from services.runtime.consumer import Route
from services.runtime.errors import PermanentError
from services.runtime.http_guard import service_api
from services.runtime.service import Clock, Sweep, utc_now
from services.runtime.wiring import Plan, ServiceWiring

__all__ = ["RoundsBackend", "create_app"]

TIMERS = (
    handlers.fire_overdue_hazards,
    handlers.fire_missing_residents,
    handlers.fire_unacknowledged_warnings,
    handlers.fire_spot_checks,
)


class RoundsBackend(ServiceWiring[RoundsTables, Ports]):
    """The composition root: what HTTP routes, consumers and the sweeps share."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        super().__init__(settings, MIGRATIONS, rounds_ports, clock)
        self.settings = settings
        self.rules: Rules = settings.rules()

    async def plan_ahead(self, now: datetime) -> int:
        async with self.work() as ports:
            return await handlers.plan_rounds(ports, self.rules, now)

    async def fire_due(self, now: datetime) -> int:
        """Every kind of timer, each in its own transaction so one failing does not hold back the others."""
        async with self.work() as ports:
            fired = await handlers.fire_due_rounds(ports, self.rules, now)
        for fire in TIMERS:
            async with self.work() as ports:
                fired += await fire(ports, now)
        return fired

    def plan(self) -> Plan:
        sweeps = [
            Sweep("rounds-plan", self.plan_ahead, self.settings.plan_every_s),
            Sweep("rounds-timers", self.fire_due, self.settings.sweep_every_s),
            self.gauges(refresh_gauges),
        ]
        return Plan(routes=self._routes(), sweeps=sweeps)

    def _routes(self) -> dict[str, Route]:
        """Where each consumed message goes: its handler runs once per event id, in one transaction with what it
        publishes (`UnitOfWork.consume`)."""
        consume = self.work.consume
        return {
            "rounds.intake": {
                ReportRound: consume(self._report),
                RecordLeave: consume(self._leave),
                RecordReturn: consume(self._return),
                ReceiveWarning: consume(self._warning),
            },
            "notify.events": {
                TextReceived: consume(self._text),
                NotificationAcknowledged: consume(self._acknowledged),
                BroadcastAcknowledged: consume(self._broadcast_acknowledged),
            },
            "duty.units": {UnitUpdated: consume(self._unit)},
            "duty.shifts": {
                ShiftStarted: consume(self._shift_started),
                ShiftEnded: consume(handlers.on_shift_ended),
            },
        }

    async def _report(self, command: ReportRound, ports: Ports, now: datetime) -> None:
        try:
            round_ = await handlers.round_by_code(ports, command.code, command.unit_id)
            report = RoundReport(command.by, [each.model_dump() for each in command.results], command.note)
            await handlers.on_round_report(round_, report, ports, self.rules, now)
        except (UnknownRecord, RoundRefused) as refused:
            raise PermanentError(f"refused: {refused}") from None

    async def _leave(self, command: RecordLeave, ports: Ports, _now: datetime) -> None:
        await handlers.on_record_leave(command, ports, self.rules)

    async def _return(self, command: RecordReturn, ports: Ports, _now: datetime) -> None:
        try:
            await handlers.on_record_return(command, ports)
        except UnknownRecord as unknown:
            raise PermanentError(f"refused: {unknown}") from None

    async def _warning(self, command: ReceiveWarning, ports: Ports, now: datetime) -> None:
        try:
            await handlers.on_receive_warning(command.cap_xml, command.unit_id, ports, self.rules, now)
        except CapInvalid as invalid:
            raise PermanentError(f"malformed CAP: {invalid}") from None

    async def _text(self, text: TextReceived, ports: Ports, now: datetime) -> None:
        await handlers.on_text_received(text, ports, self.rules, now)

    async def _acknowledged(self, ack: NotificationAcknowledged, ports: Ports, _now: datetime) -> None:
        await handlers.on_spot_check_answered(ack, ports)

    async def _broadcast_acknowledged(self, ack: BroadcastAcknowledged, ports: Ports, _now: datetime) -> None:
        await handlers.on_broadcast_acknowledged(ack, ports)

    async def _unit(self, updated: UnitUpdated, ports: Ports, _now: datetime) -> None:
        await handlers.on_unit_updated(updated, ports)

    async def _shift_started(self, started: ShiftStarted, ports: Ports, now: datetime) -> None:
        await handlers.on_shift_started(started, ports, self.rules, now)


def create_app(settings: Settings, clock: Clock = utc_now) -> FastAPI:
    backend = RoundsBackend(settings, clock)
    api = service_api(
        settings.max_body_bytes,
        title="dutywatch rounds service",
        version="1",
        description="Inspections, daily rounds, street patrols and home visits; hazards, leave, weather warnings "
        "and spot checks.",
        lifespan=backend.lifespan,
    )
    api.state.backend = backend
    api.state.tokens = token_book(settings.api_tokens, settings.data_dir)
    http.mount(api)
    return api
