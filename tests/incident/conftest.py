"""Fixtures of the incident tests: the app on a real database (SQLite and PostgreSQL), with a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services.incident import handlers
from services.incident.app import IncidentBackend, create_app
from services.incident.settings import Settings
from services.incident.testing import ManualClock
from tests.incident.builders import district_updated, home_updated, shift_started

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TOKENS = {
    "admin-token": ["*"],
    "home-token": ["home"],
    "district-token": ["district"],
    "bureau-token": ["district", "home", "bare"],
}


@dataclass
class Running:
    api: FastAPI
    backend: IncidentBackend
    clock: ManualClock
    client: httpx.AsyncClient

    def as_(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


def settings_for(database_url: str, data_dir: Path, **changes: object) -> Settings:
    return Settings(database_url=database_url, data_dir=data_dir, api_tokens=TOKENS, **changes)  # type: ignore[arg-type]


async def seed(backend: IncidentBackend, with_shift: bool = True) -> None:
    """The district, its welfare home `home` and (optionally) a shift covering T0."""
    async with backend.work() as ports:
        await handlers.on_unit_updated(district_updated("district"), ports)
        await handlers.on_unit_updated(home_updated("home", "district"), ports)
        await handlers.on_unit_updated(home_updated("bare", "district", recipients=[]), ports)
        if with_shift:
            await handlers.on_shift_started(shift_started("home", T0.replace(hour=0)), ports, T0)


@pytest.fixture
async def running(database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    """The app's HTTP API on a fresh database, tables created, no broker (the outbox just fills)."""
    clock = ManualClock(T0)
    api = create_app(settings_for(database_url, tmp_path), clock=clock)
    backend: IncidentBackend = api.state.backend
    await backend.database.store.create_tables()
    await seed(backend)
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://incident") as client:
        yield Running(api, backend, clock, client)
    await backend.database.store.close()
