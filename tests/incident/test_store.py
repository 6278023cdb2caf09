"""The store on SQLite and PostgreSQL: the timeline is append-only in the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from tests.incident.builders import report_body
from tests.incident.conftest import T0, Running

pytestmark = pytest.mark.postgres


async def test_changing_or_deleting_a_timeline_row_fails(running: Running) -> None:
    """An UPDATE or DELETE on the timeline is refused by the database, and the row stays as written."""
    created = await running.client.post("/incidents", json=report_body("home", T0), headers=running.as_("home-token"))
    incident_id = created.json()["incident"]["id"]
    timeline = running.backend.database.tables.timeline
    attempts = [
        update(timeline).where(timeline.c.incident_id == incident_id).values(detail="nothing happened"),
        delete(timeline).where(timeline.c.incident_id == incident_id),
    ]
    for statement in attempts:
        with pytest.raises(DBAPIError, match="append-only"):
            async with running.backend.database.store.transaction() as session:
                await session.execute(statement)
    async with running.backend.work() as ports:
        entries = await ports.incidents.timeline(incident_id)
    assert entries[0].detail.startswith("火灾") and len(entries) == 2
