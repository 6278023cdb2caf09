"""The roster's own tables on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from schemas.duty import DutyRole
from schemas.values import Person
from services.duty_roster.adapters.store import SqlCheckIns, SqlHolidayReminders
from services.duty_roster.migrations import MIGRATIONS
from services.duty_roster.ports import CheckIn
from services.runtime.database import Database
from tests.duty_roster.builders import local
from tests.duty_roster.support import settings_for


async def test_an_estimated_year_is_reminded_of_once_a_week(database_url: str, tmp_path: Path) -> None:
    """The first claim of a year in an ISO week wins, the same week again loses, the next week or another year wins."""
    db = Database(settings_for(database_url, "127.0.0.1:1", tmp_path).database, MIGRATIONS)
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


async def test_a_shift_keeps_one_check_in_per_role_each_closed_on_its_own(database_url: str, tmp_path: Path) -> None:
    """The officer's and the leader's check-ins of one shift are two timers: each opens once, the leader's reply
    closes only the leader's, and the due sweep then claims the officer's alone."""
    db = Database(settings_for(database_url, "127.0.0.1:1", tmp_path).database, MIGRATIONS)
    await db.store.create_tables()
    starts = local("2026-12-02 08:30")
    due_by = starts + timedelta(minutes=15)
    officer = Person(id="d", name="王芳", phone="+8613800001111")
    leader = Person(id="w", name="李强", phone="+8613800002222")
    seats = [
        CheckIn("county@1", "county", DutyRole.OFFICER, officer, starts, due_by),
        CheckIn("county@1", "county", DutyRole.LEADER, leader, starts, due_by),
    ]
    try:
        async with db.store.transaction() as session:
            check_ins = SqlCheckIns(session, db.tables)
            opened = [await check_ins.open(seat, starts) for seat in [*seats, *seats]]
            answered = await check_ins.mark_received("county@1", DutyRole.LEADER, due_by - timedelta(minutes=1))
        async with db.store.transaction() as session:
            check_ins = SqlCheckIns(session, db.tables)
            kept = await check_ins.get("county@1", DutyRole.LEADER)
            due = await check_ins.claim_due(due_by, limit=10)
        assert opened == [True, True, False, False] and answered
        assert kept is not None and kept.person == leader and kept.received_at is not None
        assert [(each.role, each.person) for each in due] == [(DutyRole.OFFICER, officer)]
    finally:
        await db.store.close()
