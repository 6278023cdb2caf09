"""Two replicas of the roster on one PostgreSQL database: each check-in timer fires once, and a reply racing the
sweep never closes a check-in already reported missed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.duty import DutyRole
from schemas.values import Person
from services.duty_roster.adapters.store import SqlCheckIns
from services.duty_roster.adapters.tables import RosterTables
from services.duty_roster.migrations import MIGRATIONS
from services.duty_roster.ports import CheckIn
from services.runtime.database import Database
from tests.duty_roster.support import settings_for

pytestmark = pytest.mark.postgres
Replicas = tuple[Database[RosterTables], Database[RosterTables]]

STARTS = datetime(2026, 12, 6, 0, 0, tzinfo=UTC)
DUE = STARTS + timedelta(minutes=15)


@pytest.fixture
async def replicas(postgres_url: str, tmp_path: Path) -> AsyncIterator[Replicas]:
    """Two roster stores on one database, with four open check-ins whose grace period has ended."""
    stores = [Database(settings_for(postgres_url, "127.0.0.1:1", tmp_path).database, MIGRATIONS) for _ in range(2)]
    await stores[0].store.create_tables()
    officer = Person(id="p-wang", name="王芳", phone="+8613800001111")
    async with stores[0].store.transaction() as session:
        for n in range(4):
            check_in = CheckIn(f"unit-{n}@2026-12-06T08", f"unit-{n}", DutyRole.OFFICER, officer, STARTS, DUE)
            assert await SqlCheckIns(session, stores[0].tables).open(check_in, STARTS - timedelta(minutes=30))
    yield stores[0], stores[1]
    for store in stores:
        await store.store.close()


async def test_two_sweeps_at_once_claim_different_check_ins(
    replicas: Replicas,
) -> None:
    """While one replica's sweep holds its claimed check-ins, the other's claims only the rest."""
    first, second = replicas
    now = DUE + timedelta(seconds=1)
    async with first.store.transaction() as session:
        held = {row.shift_id for row in await SqlCheckIns(session, first.tables).claim_due(now, limit=2)}
        async with second.store.transaction() as other:
            rest = {row.shift_id for row in await SqlCheckIns(other, second.tables).claim_due(now, limit=10)}
    assert len(held) == 2 and len(rest) == 2 and not held & rest


async def test_a_reply_racing_the_sweep_leaves_the_check_in_missed(
    replicas: Replicas,
) -> None:
    """A reply handled by one replica while the other's sweep is marking the same check-in missed waits for that
    sweep and then finds it closed: missed, not received."""
    sweeping, replying = replicas
    now = DUE + timedelta(seconds=1)

    async def reply(shift_id: str) -> bool:
        async with replying.store.transaction() as session:
            return await SqlCheckIns(session, replying.tables).mark_received(
                shift_id, DutyRole.OFFICER, DUE - timedelta(seconds=5)
            )

    async with sweeping.store.transaction() as session:
        check_ins = SqlCheckIns(session, sweeping.tables)
        shift_id = (await check_ins.claim_due(now, limit=1))[0].shift_id
        await check_ins.mark_missed(shift_id, DutyRole.OFFICER, now)
        racing = asyncio.create_task(reply(shift_id))
        await asyncio.sleep(0.2)
        assert not racing.done()
    assert await racing is False
    async with replying.store.transaction() as session:
        check_in = await SqlCheckIns(session, replying.tables).get(shift_id, DutyRole.OFFICER)
    assert check_in is not None and check_in.missed_at is not None and check_in.received_at is None
