"""The board's app over its real read model (SQLite or PostgreSQL) with fake owning services, and a client
that logs in the way a browser does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from schemas.envelope import Message
from services.board import handlers
from services.board.app import BoardBackend, create_app
from services.board.ports import Owners
from services.board.settings import Settings
from services.board.testing import fake_owners
from tests.board.builders import NOW

CITY_TOKEN = "city-token"
COUNTY_TOKEN = "maojian-token"
TOKENS = {CITY_TOKEN: ["*"], COUNTY_TOKEN: ["maojian"]}
HANDLERS = {
    "UnitUpdated": handlers.on_unit_updated,
    "ShiftStarted": handlers.on_shift_started,
    "CheckInRequested": handlers.on_check_in_requested,
    "CheckInReceived": handlers.on_check_in_received,
    "CheckInMissed": handlers.on_check_in_missed,
    "IncidentReported": handlers.on_incident_reported,
    "IncidentAcknowledged": handlers.on_incident_acknowledged,
    "IncidentEscalated": handlers.on_incident_escalated,
    "ReportFiled": handlers.on_report_filed,
    "ReportDelivered": handlers.on_report_delivered,
    "BroadcastSent": handlers.on_broadcast_sent,
    "BroadcastAcknowledged": handlers.on_broadcast_acknowledged,
}


@dataclass
class Served:
    api: FastAPI
    owners: Owners

    @property
    def backend(self) -> BoardBackend:
        backend: BoardBackend = self.api.state.backend
        return backend

    async def feed(self, *messages: Message) -> None:
        """What the consumers would do with these messages."""
        for message in messages:
            async with self.backend.work() as ports:
                await HANDLERS[type(message).__name__](message, ports, NOW)  # type: ignore[operator]

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.api)
        return httpx.AsyncClient(transport=transport, base_url="http://board.test", follow_redirects=False)


async def serve(database_url: str, data_dir: Path) -> AsyncIterator[Served]:
    settings = Settings(
        data_dir=data_dir, database_url=database_url, api_tokens=TOKENS, session_secret="test-secret-" + "x" * 20
    )
    owners = fake_owners()
    api = create_app(settings, clock=lambda: NOW, owners=owners)
    backend: BoardBackend = api.state.backend
    await backend.database.store.create_tables()
    try:
        yield Served(api, owners)
    finally:
        await backend.database.store.close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def log_in(client: httpx.AsyncClient, token: str) -> str:
    """Log in through the form; the CSRF token of the session."""
    form = await client.get("/login")
    answer = await client.post("/login", data={"token": token, "next": "/duty", "csrf_token": csrf_of(form.text)})
    assert answer.status_code == 303, answer.text
    page = await client.get("/duty")
    return csrf_of(page.text)
