"""HTTP intake speed of the incident service on a SQLite file, in-process (no broker: events wait in the outbox).

Prints one JSON line: intakes per second and latency percentiles in milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from schemas.duty import UnitUpdated
from schemas.values import Person, Recipient, RecipientRole, UnitKind
from services.incident import handlers
from services.incident.app import IncidentBackend, create_app
from services.incident.settings import Settings

INTAKES = 400
UNITS = 20


async def main() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        settings = Settings(data_dir=data_dir, api_tokens={"bench": ["*"]}, dedup_window_minutes=0)
        api = create_app(settings)
        backend: IncidentBackend = api.state.backend
        await backend.database.store.create_tables()
        await _units(backend)
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            latencies = await _post_all(client)
        await backend.database.store.close()
    total = sum(latencies)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "intakes": INTAKES,
        "per_s": round(INTAKES / total, 1),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p99_ms": round(quantiles[98] * 1000, 2),
    }


async def _units(backend: IncidentBackend) -> None:
    bureau = Recipient(role=RecipientRole.MUNICIPAL_BUREAU, name="市民政局值班室", phone="+8613800000013")
    room = Person(id="room", name="值班室", phone="+8613800000009")
    async with backend.work() as ports:
        for index in range(UNITS):
            unit = UnitUpdated(
                unit_id=f"unit-{index}", name=f"单位{index}", kind=UnitKind.WELFARE_HOME,
                parent_id=None, duty_room=room, recipients=[bureau],
            )  # fmt: skip
            await handlers.on_unit_updated(unit, ports)


async def _post_all(client: httpx.AsyncClient) -> list[float]:
    latencies = []
    start = datetime.now(UTC) - timedelta(hours=1)
    for index in range(INTAKES):
        body = {
            "unit_id": f"unit-{index % UNITS}", "type": "fire", "severity": "IV",
            "occurred_at": (start + timedelta(seconds=index)).isoformat(), "location": "3楼", "summary": "冒烟",
            "reporter": "bench",
        }  # fmt: skip
        began = time.perf_counter()
        response = await client.post("/incidents", json=body, headers={"Authorization": "Bearer bench"})
        latencies.append(time.perf_counter() - began)
        response.raise_for_status()
    return latencies


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
