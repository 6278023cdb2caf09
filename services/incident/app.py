"""Builds the incident service: database, runtime (consumers, outbox relay, deadline sweep) and HTTP API."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import FastAPI

from schemas.duty import CheckInMissed, ShiftEnded, ShiftStarted, UnitUpdated
from schemas.envelope import Envelope
from schemas.incident import ReportIncident
from schemas.notify import (
    AttemptDelivered,
    AttemptFailed,
    AttemptSent,
    NotificationAcknowledged,
    RunExhausted,
    RunStopped,
    TextReceived,
)
from services.incident import handlers
from services.incident.adapters import http
from services.incident.adapters.metrics import refresh_gauges
from services.incident.adapters.store import IncidentDatabase
from services.incident.domain import IntakeRefused, Source
from services.incident.domain.concealment import origin_on_intake
from services.incident.handlers import Rules
from services.incident.ports import Ports
from services.incident.settings import Settings
from services.runtime.auth import token_book
from services.runtime.consumer import Route
from services.runtime.errors import PermanentError
from services.runtime.group_commit import GroupCommit
from services.runtime.http_guard import guard
from services.runtime.service import ServiceRuntime, Sweep
from services.runtime.store import Session

__all__ = ["IncidentBackend", "create_app"]

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]
METRICS_EVERY_S = 15.0
Effect = Callable[[Any, Ports, datetime], Awaitable[Any]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class IncidentBackend:
    """The composition root: what HTTP routes, consumers and the sweep share."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.rules: Rules = settings.rules()
        self.clock = clock
        self.settings = settings
        self.database = IncidentDatabase(settings.store_url("incident"), settings.service_name, clock)
        self._runtime: ServiceRuntime | None = None

    @property
    def runtime(self) -> ServiceRuntime:
        # Built on first use, inside the event loop that serves: aiokafka binds its producer to the loop it
        # was created in, and `dutywatch service` calls create_app before uvicorn starts its loop.
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
                Sweep("report-deadlines", self.fire_due, self.settings.sweep_every_s),
                Sweep("metrics", self.refresh_metrics, METRICS_EVERY_S),
            ],
            clock=self.clock,
        )

    @asynccontextmanager
    async def lifespan(self, api: FastAPI) -> AsyncIterator[None]:
        """Start the runtime with the HTTP server (health routes appear with it) and stop it after."""
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

    @functools.cached_property
    def in_work(self) -> GroupCommit[Ports]:
        """Reports' effects: those that arrive together share one transaction."""
        return GroupCommit(self.work)

    async def fire_due(self, now: datetime) -> int:
        async with self.work() as ports:
            return await handlers.fire_due_deadlines(ports, now, limit=500, rules=self.rules)

    async def refresh_metrics(self, now: datetime) -> int:
        async with self.database.store.transaction() as session:
            await refresh_gauges(session, self.database.tables)
        return 0

    def _routes(self) -> dict[str, Route]:
        return {
            "incident.intake": {ReportIncident: self._consume(self._intake)},
            "notify.events": {
                NotificationAcknowledged: self._consume(handlers.on_notification_acknowledged),
                AttemptSent: self._consume(handlers.on_attempt_sent),
                AttemptDelivered: self._consume(handlers.on_attempt_delivered),
                AttemptFailed: self._consume(handlers.on_attempt_failed),
                RunExhausted: self._consume(handlers.on_run_exhausted),
                RunStopped: self._consume(handlers.on_run_stopped),
                TextReceived: self._consume(self._text),
            },
            "duty.units": {UnitUpdated: self._consume(self._unit)},
            "duty.alerts": {CheckInMissed: self._consume(handlers.on_check_in_missed)},
            "duty.shifts": {
                ShiftStarted: self._consume(handlers.on_shift_started),
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

    async def _intake(self, command: ReportIncident, ports: Ports, now: datetime) -> None:
        try:
            origin = origin_on_intake(command.origin)
            await handlers.on_report_incident(command, Source.KAFKA, origin, ports, self.rules, now)
        except IntakeRefused as refused:
            raise PermanentError(f"refused: {refused}") from None

    async def _text(self, text: TextReceived, ports: Ports, now: datetime) -> None:
        await handlers.on_text_received(text, ports, self.rules, now)

    async def _unit(self, updated: UnitUpdated, ports: Ports, _now: datetime) -> None:
        await handlers.on_unit_updated(updated, ports)


def create_app(settings: Settings, clock: Clock = _utc_now) -> FastAPI:
    backend = IncidentBackend(settings, clock)
    api = FastAPI(
        title="dutywatch incident service",
        version="1",
        description="Incident intake, the one-hour first report (首报) clock, reports and an append-only timeline.",
        lifespan=backend.lifespan,
        max_body_size=settings.max_body_bytes,
    )
    guard(api)
    api.state.backend = backend
    api.state.tokens = token_book(settings.api_tokens, settings.data_dir)
    http.mount(api)
    return api
