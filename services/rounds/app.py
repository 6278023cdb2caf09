"""Builds the rounds service: database, runtime (consumers, outbox relay, timer sweeps) and HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from schemas.broadcast import BroadcastAcknowledged
from schemas.duty import ShiftEnded, ShiftStarted, UnitUpdated
from schemas.envelope import Envelope
from schemas.notify import NotificationAcknowledged, TextReceived
from schemas.rounds import ReceiveWarning, RecordLeave, RecordReturn, ReportRound
from services.rounds import handlers
from services.rounds.adapters import http
from services.rounds.adapters.metrics import refresh_gauges
from services.rounds.adapters.store import RoundsDatabase
from services.rounds.domain import CapInvalid
from services.rounds.handlers import RoundRefused, RoundReport, Rules, UnknownRecord
from services.rounds.ports import Ports
from services.rounds.settings import Settings
from services.runtime.auth import token_book
from services.runtime.consumer import Route
from services.runtime.errors import PermanentError
from services.runtime.service import ServiceRuntime, Sweep
from services.runtime.store import Session

__all__ = ["RoundsBackend", "create_app"]

Clock = Callable[[], datetime]
METRICS_EVERY_S = 15.0
Effect = Callable[[Any, Ports, datetime], Awaitable[Any]]
TIMERS = (
    handlers.fire_overdue_hazards,
    handlers.fire_missing_residents,
    handlers.fire_unacknowledged_warnings,
    handlers.fire_spot_checks,
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RoundsBackend:
    """The composition root: what HTTP routes, consumers and the sweeps share."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.rules: Rules = settings.rules()
        self.clock = clock
        self.settings = settings
        self.database = RoundsDatabase(settings.store_url("rounds"), settings.service_name, clock)
        self._runtime: ServiceRuntime | None = None

    @property
    def runtime(self) -> ServiceRuntime:
        # Built on first use, inside the event loop that serves: aiokafka binds its producer to that loop.
        if self._runtime is None:
            self._runtime = self._build_runtime()
        return self._runtime

    def _build_runtime(self) -> ServiceRuntime:
        return ServiceRuntime(
            name=self.settings.service_name,
            store=self.database.store,
            outbox=self.database.outbox,
            inbox=self.database.inbox,
            kafka=self.settings.kafka,
            routes=self._routes(),
            sweeps=[
                Sweep("rounds-plan", self.plan_ahead, self.settings.plan_every_s),
                Sweep("rounds-timers", self.fire_due, self.settings.sweep_every_s),
                Sweep("metrics", self.refresh_metrics, METRICS_EVERY_S),
            ],
            clock=self.clock,
        )

    @asynccontextmanager
    async def lifespan(self, api: FastAPI) -> AsyncIterator[None]:
        self.runtime.mount_health(api)
        async with self.runtime.lifespan()(api):
            yield

    def now(self) -> datetime:
        return self.clock()

    @asynccontextmanager
    async def work(self) -> AsyncIterator[Ports]:
        """One transaction's ports; its outbox rows are relayed as soon as it commits."""
        async with self.database.store.transaction() as session:
            yield self.database.ports(session)
        if self._runtime is not None:
            self._runtime.relay.wake()

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

    async def refresh_metrics(self, now: datetime) -> int:
        async with self.database.store.transaction() as session:
            await refresh_gauges(session, self.database.rounds.table, self.database.hazards.table)
        return 0

    def _routes(self) -> dict[str, Route]:
        return {
            "rounds.intake": {
                ReportRound: self._consume(self._report),
                RecordLeave: self._consume(self._leave),
                RecordReturn: self._consume(self._return),
                ReceiveWarning: self._consume(self._warning),
            },
            "notify.events": {
                TextReceived: self._consume(self._text),
                NotificationAcknowledged: self._consume(self._acknowledged),
                BroadcastAcknowledged: self._consume(self._broadcast_acknowledged),
            },
            "duty.units": {UnitUpdated: self._consume(self._unit)},
            "duty.shifts": {
                ShiftStarted: self._consume(self._shift_started),
                ShiftEnded: self._consume(handlers.on_shift_ended),
            },
        }

    def _consume(self, effect: Effect) -> Callable[[Envelope[Any]], Awaitable[None]]:
        """Each consumed event has its effect once (inbox), in one transaction with the events it causes."""

        async def handle(envelope: Envelope[Any]) -> None:
            async def in_transaction(session: Session) -> None:
                await effect(envelope.payload, self.database.ports(session), self.clock())

            await self.runtime.once(envelope, in_transaction)

        return handle

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


def create_app(settings: Settings, clock: Clock = _utc_now) -> FastAPI:
    backend = RoundsBackend(settings, clock)
    api = FastAPI(
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
