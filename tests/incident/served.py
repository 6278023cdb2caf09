"""The incident app prepared for tests that reach it from another event loop (schemathesis, a uvicorn thread)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from services.incident.app import IncidentBackend, create_app
from services.incident.testing import ManualClock
from tests.incident.conftest import T0, seed, settings_for

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class WithoutBroker:
    """The HTTP API alone: lifespan events are answered without starting consumers, relay or sweeps, and
    the database pool is emptied after each request so no connection outlives the loop that opened it."""

    def __init__(self, backend: IncidentBackend, api: Any) -> None:
        self.backend = backend
        self._api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        try:
            await self._api(scope, receive, send)
        finally:
            await self.backend.database.store.close()


def prepared_app(tmp_path: Path) -> WithoutBroker:
    """The app on a seeded SQLite file, its clock standing at T0."""
    api = create_app(settings_for(f"sqlite:///{tmp_path / 'served.sqlite3'}", tmp_path), clock=ManualClock(T0))
    backend: IncidentBackend = api.state.backend

    async def prepare() -> None:
        await backend.database.store.create_tables()
        await seed(backend)
        await backend.database.store.close()

    asyncio.run(prepare())
    return WithoutBroker(backend, api)
