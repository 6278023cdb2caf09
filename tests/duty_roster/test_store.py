"""The roster's own tables on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from services.duty_roster.adapters.in_force import RosterStore
from services.duty_roster.adapters.store import SqlHolidayReminders
from tests.duty_roster.builders import local
from tests.duty_roster.support import settings_for


async def test_an_estimated_year_is_reminded_of_once_a_week(database_url: str, tmp_path: Path) -> None:
    """The first claim of a year in an ISO week wins, the same week again loses, the next week or another year wins."""
    db = RosterStore.open(settings_for(database_url, "127.0.0.1:1", tmp_path))
    await db.store.create_tables()
    try:
        claims = []
        for year, at in [(2027, "2026-11-02 09:00"), (2027, "2026-11-08 22:00"), (2028, "2026-11-08 22:00")]:
            async with db.store.transaction() as session:
                claims.append(await SqlHolidayReminders(session, db.tables).first_this_week(year, local(at)))
        async with db.store.transaction() as session:
            claims.append(
                await SqlHolidayReminders(session, db.tables).first_this_week(2027, local("2026-11-09 09:00"))
            )
        assert claims == [True, False, True, True]
    finally:
        await db.store.close()
