"""Fixtures of the rounds tests: the app on a real database (SQLite and PostgreSQL), with a manual clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.rounds import handlers
from services.rounds.app import RoundsBackend, create_app
from services.rounds.domain import LOCAL_TZ
from services.rounds.settings import Settings
from services.rounds.testing import ManualClock
from tests.incident.builders import district_updated, home_updated, shift_started
from tests.rounds.builders import PLANS

NIGHT = datetime(2026, 12, 1, 23, 30, tzinfo=LOCAL_TZ)
TOKENS = {"admin-token": ["*"], "home-token": ["home"]}


@dataclass
class Running:
    api: FastAPI
    backend: RoundsBackend
    clock: ManualClock
    client: httpx.AsyncClient

    def as_(self, token: str = "admin-token") -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    async def outbox(self) -> list[dict[str, Any]]:
        """Every envelope the service has put in its outbox, oldest first."""
        table = self.backend.database.outbox.table
        async with self.backend.database.store.transaction() as session:
            rows = (await session.execute(select(table.c.value).order_by(table.c.id))).all()
        return [json.loads(row.value) for row in rows]

    async def sent_of(self, message_type: str) -> list[dict[str, Any]]:
        return [each["payload"] for each in await self.outbox() if each["type"] == message_type]


def settings_for(database_url: str, data_dir: Path, **changes: Any) -> Settings:
    plans = data_dir / "rounds.yaml"
    plans.write_text(PLANS, encoding="utf-8")
    return Settings(database_url=database_url, data_dir=data_dir, api_tokens=TOKENS, plans_file=plans, **changes)


@pytest.fixture
async def running(database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    """The app's HTTP API on a fresh database with the test plans, units and shifts; no broker (the outbox fills)."""
    clock = ManualClock(NIGHT - timedelta(hours=1))
    api = create_app(settings_for(database_url, tmp_path), clock=clock)
    backend: RoundsBackend = api.state.backend
    await backend.database.store.create_tables()
    async with backend.work() as ports:
        await handlers.on_unit_updated(district_updated("district"), ports)
        await handlers.on_unit_updated(home_updated("home", "district"), ports)
        for unit in ("home", "district"):
            await handlers.on_shift_started(
                shift_started(unit, NIGHT - timedelta(hours=15)), ports, backend.rules, clock()
            )
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://rounds") as client:
        yield Running(api, backend, clock, client)
    await backend.database.store.close()
