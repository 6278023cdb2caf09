"""The notifier's handlers without Kafka: fake providers, a moved clock and a store on each backend."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from services.notifier.app import Notifier
from services.notifier.domain import UnknownReplyLimit
from services.notifier.handlers.answers import on_inbound_sms
from services.notifier.sending.dispatcher import Dispatcher, DispatchSettings
from services.notifier.settings import Settings
from services.notifier.testing import FakeProvider, ManualClock
from tests.notifier.factories import wrap

BUREAU_TOKEN, DISTRICT_TOKEN = "bureau-token-0123456789abcdef", "district-token-0123456789abcdef"
DISTRICT_UNITS = ["district-a", "district-b"]
API_TOKENS = {BUREAU_TOKEN: ["*"], DISTRICT_TOKEN: DISTRICT_UNITS}


@dataclass
class Harness:
    notifier: Notifier
    clock: ManualClock
    phone: FakeProvider

    async def deliver(self, handler: Any, payload: Any) -> None:
        await self.notifier.consume(handler)(wrap(payload, self.clock()))

    async def sweep(self, **advance: float) -> None:
        if advance:
            self.clock.advance(**advance)
        await self.notifier.settle()
        await self.notifier.settle()

    async def reply(self, phone: str, text: str, limit: UnknownReplyLimit | None = None) -> None:
        async with self.notifier.work() as ports:
            await on_inbound_sms(phone, text, None, limit or UnknownReplyLimit(), ports, self.clock())
        await self.notifier.settle()

    async def outbox_event(self, type_: str) -> dict[str, Any]:
        """The last outbox envelope of this type."""
        return (await self.outbox_events(type_))[-1]

    def api(self, token: str = BUREAU_TOKEN) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.notifier.api())
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(transport=transport, base_url="http://notifier", headers=headers)

    async def outbox_events(self, type_: str) -> list[dict[str, Any]]:
        """Every outbox envelope of this type, oldest first."""
        async with self.notifier.runtime.store.transaction() as session:
            rows = (await session.execute(select(self.notifier.database.outbox.table.c.value))).all()
        return [document for row in rows if (document := json.loads(row.value))["type"] == type_]

    async def outbox_types(self) -> list[str]:
        async with self.notifier.runtime.store.transaction() as session:
            rows = (await session.execute(select(self.notifier.database.outbox.table.c.value))).all()
        return [json.loads(row.value)["type"] for row in rows]


@contextlib.asynccontextmanager
async def notifier_harness(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    """The notifier without Kafka: handlers called directly, on each store backend."""
    clock, phone = ManualClock(), FakeProvider(name="console")
    settings = Settings(data_dir=tmp_path, database_url=database_url, provider_attempts=3, api_tokens=API_TOKENS)
    notifier = Notifier(settings, clock, providers={"console": phone})
    notifier.dispatcher = Dispatcher(
        notifier.work,
        notifier.clock,
        phone,
        phone,
        {"console": phone},
        notifier.webhooks,
        DispatchSettings(first_backoff_s=0),
    )
    await notifier.runtime.store.create_tables()
    yield Harness(notifier, clock, phone)
    await notifier.runtime.store.close()
    await notifier.runtime.publisher.stop()
