"""Builds the incident service: database, runtime (consumers, outbox relay, deadline sweep) and HTTP API."""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI

from schemas.duty import CheckInMissed, ShiftEnded, ShiftStarted, UnitUpdated
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
from services.incident.adapters.store import incident_ports
from services.incident.adapters.tables import Tables
from services.incident.domain import IntakeRefused, Source
from services.incident.domain.concealment import origin_on_intake
from services.incident.handlers import Rules
from services.incident.migrations import MIGRATIONS
from services.incident.ports import Ports
from services.incident.settings import Settings
from services.runtime.auth import token_book
from services.runtime.consumer import Route
from services.runtime.errors import PermanentError
from services.runtime.http_guard import service_api
from services.runtime.service import Clock, Sweep, utc_now
from services.runtime.wiring import Plan, ServiceWiring

__all__ = ["IncidentBackend", "create_app"]


class IncidentBackend(ServiceWiring[Tables, Ports]):
    """The composition root: what HTTP routes, consumers and the sweep share."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        super().__init__(settings, MIGRATIONS, incident_ports, clock)
        self.settings = settings
        self.rules: Rules = settings.rules()

    async def fire_due(self, now: datetime) -> int:
        async with self.work() as ports:
            return await handlers.fire_due_deadlines(ports, now, limit=500, rules=self.rules)

    def plan(self) -> Plan:
        sweeps = [
            Sweep("report-deadlines", self.fire_due, self.settings.sweep_every_s),
            self.gauges(refresh_gauges),
        ]
        return Plan(routes=self._routes(), sweeps=sweeps)

    def _routes(self) -> dict[str, Route]:
        """Where each consumed message goes: its handler runs once per event id, in one transaction with what it
        publishes (`UnitOfWork.consume`)."""
        consume = self.work.consume
        return {
            "incident.intake": {ReportIncident: consume(self._intake)},
            "notify.events": {
                NotificationAcknowledged: consume(handlers.on_notification_acknowledged),
                AttemptSent: consume(handlers.on_attempt_sent),
                AttemptDelivered: consume(handlers.on_attempt_delivered),
                AttemptFailed: consume(handlers.on_attempt_failed),
                RunExhausted: consume(handlers.on_run_exhausted),
                RunStopped: consume(handlers.on_run_stopped),
                TextReceived: consume(self._text),
            },
            "duty.units": {UnitUpdated: consume(self._unit)},
            "duty.alerts": {CheckInMissed: consume(handlers.on_check_in_missed)},
            "duty.shifts": {
                ShiftStarted: consume(handlers.on_shift_started),
                ShiftEnded: consume(handlers.on_shift_ended),
            },
        }

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


def create_app(settings: Settings, clock: Clock = utc_now) -> FastAPI:
    backend = IncidentBackend(settings, clock)
    api = service_api(
        settings.max_body_bytes,
        title="dutywatch incident service",
        version="1",
        description="Incident intake, the one-hour first report (首报) clock, reports and an append-only timeline.",
        lifespan=backend.lifespan,
    )
    api.state.backend = backend
    api.state.tokens = token_book(settings.api_tokens, settings.data_dir)
    http.mount(api)
    return api
