"""Builds the board: its read model's database, the runtime (consumers only) and the web pages."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from itsdangerous import URLSafeSerializer

from schemas.broadcast import BroadcastAcknowledged, BroadcastSent
from schemas.duty import CheckInMissed, CheckInReceived, CheckInRequested, ShiftEnded, ShiftStarted, UnitUpdated
from schemas.incident import (
    IncidentAcknowledged,
    IncidentAssigned,
    IncidentClosed,
    IncidentEscalated,
    IncidentReported,
    ReportDelivered,
    ReportFiled,
    ReportOverdue,
)
from services.board import handlers
from services.board.adapters.owners import TIMEOUT_S, http_owners
from services.board.adapters.store import board_ports
from services.board.adapters.tables import Tables
from services.board.adapters.web.mount import mount
from services.board.migrations import MIGRATIONS
from services.board.ports import Owners, Ports
from services.board.settings import Settings
from services.runtime.auth import ADMIN_TOKEN_FILE, admin_token_file, token_book
from services.runtime.consumer import Route
from services.runtime.http_guard import service_api
from services.runtime.service import Clock, utc_now
from services.runtime.wiring import Plan, ServiceWiring

__all__ = ["BoardBackend", "create_app"]

SECRET_FILE = "board-secret.txt"


class BoardBackend(ServiceWiring[Tables, Ports]):
    """The composition root: what the pages and the consumers share."""

    def __init__(self, settings: Settings, clock: Clock, owners: Owners | None = None) -> None:
        super().__init__(settings, MIGRATIONS, board_ports, clock)
        self.settings = settings
        self._client: httpx.AsyncClient | None = None
        self._owners = owners
        self.links = URLSafeSerializer(session_secret(settings), salt="calendar-feed")

    @property
    def owners(self) -> Owners:
        # Built on first use inside the serving loop, like the runtime: httpx binds its pool to that loop.
        if self._owners is None:
            self._client = httpx.AsyncClient(timeout=TIMEOUT_S)
            settings = self.settings
            self._owners = http_owners(self._client, settings.incident_url, settings.notifier_url, settings.roster_url)
        return self._owners

    @asynccontextmanager
    async def lifespan(self, api: FastAPI) -> AsyncIterator[None]:
        async with super().lifespan(api):
            yield
        if self._client is not None:
            await self._client.aclose()

    def feed_token(self) -> str:
        return self.settings.feed_token.get_secret_value() or admin_token_file(
            self.settings.data_dir / ADMIN_TOKEN_FILE
        )

    def plan(self) -> Plan:
        return Plan(routes=self._routes())

    def _routes(self) -> dict[str, Route]:
        """Where each consumed event goes: its handler runs once per event id, in one transaction
        (`UnitOfWork.consume`)."""
        consume = self.work.consume
        return {
            "duty.units": {UnitUpdated: consume(handlers.on_unit_updated)},
            "duty.shifts": {
                ShiftStarted: consume(handlers.on_shift_started),
                ShiftEnded: consume(handlers.on_shift_ended),
            },
            "duty.alerts": {
                CheckInRequested: consume(handlers.on_check_in_requested),
                CheckInMissed: consume(handlers.on_check_in_missed),
            },
            "duty.checkins": {CheckInReceived: consume(handlers.on_check_in_received)},
            "incident.events": {
                IncidentReported: consume(handlers.on_incident_reported),
                IncidentAssigned: consume(handlers.on_incident_assigned),
                IncidentAcknowledged: consume(handlers.on_incident_acknowledged),
                ReportFiled: consume(handlers.on_report_filed),
                ReportDelivered: consume(handlers.on_report_delivered),
                ReportOverdue: consume(handlers.on_report_overdue),
                IncidentEscalated: consume(handlers.on_incident_escalated),
                IncidentClosed: consume(handlers.on_incident_closed),
            },
            "notify.requests": {BroadcastSent: consume(handlers.on_broadcast_sent)},
            "notify.events": {BroadcastAcknowledged: consume(handlers.on_broadcast_acknowledged)},
        }


def session_secret(settings: Settings) -> str:
    """The configured secret, or one kept in the data folder (made on first start) so sessions survive restarts."""
    if settings.session_secret.get_secret_value():
        return settings.session_secret.get_secret_value()
    path: Path = settings.data_dir / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(settings: Settings, clock: Clock = utc_now, owners: Owners | None = None) -> FastAPI:
    backend = BoardBackend(settings, clock, owners)
    # Not bearer-first: the pages are a browser's, logged in with a session cookie.
    api = service_api(
        settings.max_body_bytes,
        bearer_first=False,
        title="dutywatch duty-room board",
        version="1",
        description="值班室大屏与工作台: who is on duty, open incidents and their clocks, notices, the duty table.",
        lifespan=backend.lifespan,
        docs_url=None,
        redoc_url=None,
    )
    api.state.backend = backend
    api.state.tokens = token_book(settings.api_tokens, settings.data_dir)
    api.state.refresh_s = settings.refresh_s
    mount(api, session_secret(settings), settings.secure_cookies)
    return api
