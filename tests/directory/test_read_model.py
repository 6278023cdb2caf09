"""The shared read model of units and shifts: `SqlDirectory` (SQLite, PostgreSQL) and the services' in-memory fake
give the same answers."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import MetaData

from schemas.values import Person, UnitKind
from services.directory.adapters import SqlDirectory
from services.directory.domain import Shift, Unit
from services.directory.ports import Directory
from services.directory.tables import DirectoryTables
from services.directory.testing import MemoryDirectory
from services.runtime.store import Store
from testbed.databases import POSTGRES, fresh_postgres_database

Open = Callable[[], AbstractAsyncContextManager[Directory]]
T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
WANG = Person(id="wang", name="王芳", phone="+8613800000001")
LI = Person(id="li", name="李强", phone="+8613800000002")
ZHAO = Person(id="zhao", name="赵敏", phone="+8613800000003")
ROOM = Person(id="room", name="值班室", phone="+867198888001")


def _shift(shift_id: str, unit_id: str, officer: Person, starts_at: datetime, hours: int = 8) -> Shift:
    return Shift(shift_id, unit_id, officer, LI, starts_at, starts_at + timedelta(hours=hours))


@asynccontextmanager
async def _sql(url: str) -> AsyncIterator[Open]:
    metadata = MetaData()
    tables = DirectoryTables(metadata)
    store = Store(url, metadata)
    await store.create_tables()

    @asynccontextmanager
    async def one_transaction() -> AsyncIterator[Directory]:
        async with store.transaction() as session:
            yield SqlDirectory(session, tables)

    try:
        yield one_transaction
    finally:
        await store.close()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def directory(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Open]:
    """Opens the read model in a transaction of its own (the fake: the same one each time)."""
    if request.param == "memory":
        memory = MemoryDirectory()

        @asynccontextmanager
        async def the_fake() -> AsyncIterator[Directory]:
            yield memory

        yield the_fake
    elif request.param == "sqlite":
        async with _sql(f"sqlite:///{tmp_path / 'directory.sqlite3'}") as opened:
            yield opened
    else:
        if not POSTGRES:
            pytest.skip("PostgreSQL is not there")
        async with fresh_postgres_database() as url, _sql(url) as opened:
            yield opened


async def test_a_unit_comes_back_as_saved_and_a_top_unit_has_no_parent(directory: Open) -> None:
    """Units round-trip with their duty room; the top units are those without a parent; a duty room's phone finds
    its unit."""
    city = Unit("city", "市局", UnitKind.MUNICIPAL_BUREAU, None, ROOM)
    home = Unit("home", "福利院", UnitKind.WELFARE_HOME, "city")
    async with directory() as model:
        await model.save_unit(city)
        await model.save_unit(home)
    async with directory() as model:
        assert await model.unit("home") == home
        assert await model.lock_unit("city") == city
        assert await model.unit("nowhere") is None
        assert sorted(unit.id for unit in await model.units()) == ["city", "home"]
        assert await model.top_unit_ids() == ["city"]
        assert await model.duty_room_with_phone(ROOM.phone) == city
        assert await model.duty_room_with_phone(WANG.phone) is None


async def test_the_current_shift_covers_now_and_has_not_ended(directory: Open) -> None:
    """Of the unit's shifts, the latest-started one covering `now`; none once the roster ended it, again when it is
    restated."""
    day = _shift("home@0", "home", WANG, T0, hours=24)
    night = _shift("home@8", "home", ZHAO, T0 + timedelta(hours=8))
    async with directory() as model:
        await model.save_shift(day)
        await model.save_shift(night)
    async with directory() as model:
        assert await model.current_shift("home", T0 + timedelta(hours=1)) == day
        assert await model.current_shift("home", T0 + timedelta(hours=9)) == night
        assert await model.current_shifts(T0 + timedelta(hours=9)) == {"home": night}
        assert await model.current_shift("home", T0 + timedelta(hours=30)) is None
        await model.end_shift("home@8", T0 + timedelta(hours=10))
    async with directory() as model:
        assert await model.current_shift("home", T0 + timedelta(hours=11)) == day
        await model.save_shift(night)
    async with directory() as model:
        assert await model.current_shift("home", T0 + timedelta(hours=11)) == night


async def test_on_duty_is_the_units_latest_shift_until_the_roster_ends_it(directory: Open) -> None:
    """Whatever the clock: the latest-started shift of each unit, not ended; an older shift the roster never ended
    does not come back when the newer one ends."""
    async with directory() as model:
        await model.save_shift(_shift("home@0", "home", WANG, T0))
        await model.save_shift(_shift("home@8", "home", ZHAO, T0 + timedelta(hours=8)))
        await model.save_shift(_shift("farm@0", "farm", WANG, T0))
    async with directory() as model:
        on_duty = await model.on_duty(None)
        assert {unit: shift.id for unit, shift in on_duty.items()} == {"home": "home@8", "farm": "farm@0"}
        assert list(await model.on_duty(["farm"])) == ["farm"]
        await model.end_shift("home@8", T0 + timedelta(hours=16))
    async with directory() as model:
        assert list(await model.on_duty(None)) == ["farm"]


async def test_a_phone_or_a_person_id_finds_the_shift_on_duty_naming_it(directory: Open) -> None:
    """Officer or leader, by number or by id, among the shifts on duty; `latest_shift_naming` also finds ended
    ones."""
    async with directory() as model:
        await model.save_shift(_shift("home@0", "home", WANG, T0))
        await model.save_shift(_shift("home@8", "home", ZHAO, T0 + timedelta(hours=8)))
    async with directory() as model:
        assert (await model.on_duty_with_phone(ZHAO.phone) or _nothing()).id == "home@8"
        assert (await model.on_duty_with_phone(LI.phone) or _nothing()).id == "home@8"
        assert await model.on_duty_with_phone(WANG.phone) is None
        assert (await model.on_duty_with_person("zhao") or _nothing()).id == "home@8"
        assert await model.on_duty_with_person("wang") is None
        assert (await model.latest_shift_naming(WANG.phone) or _nothing()).id == "home@0"
        await model.end_shift("home@8", T0 + timedelta(hours=16))
    async with directory() as model:
        assert await model.on_duty_with_phone(ZHAO.phone) is None
        assert (await model.latest_shift_naming(ZHAO.phone) or _nothing()).id == "home@8"


async def test_a_unit_or_shift_saved_again_is_found_by_its_new_phones_only(directory: Open) -> None:
    """Saving a unit or a shift again replaces it, the indexed phone and id columns with it."""
    home = Unit("home", "福利院", UnitKind.WELFARE_HOME, None, ROOM)
    day = _shift("home@0", "home", WANG, T0)
    async with directory() as model:
        await model.save_unit(home)
        await model.save_shift(day)
    async with directory() as model:
        await model.save_unit(dataclasses.replace(home, duty_room=ZHAO))
        await model.save_shift(dataclasses.replace(day, officer=ZHAO))
    async with directory() as model:
        assert await model.duty_room_with_phone(ROOM.phone) is None
        assert await model.duty_room_with_phone(ZHAO.phone) == dataclasses.replace(home, duty_room=ZHAO)
        assert await model.on_duty_with_phone(WANG.phone) is None
        assert await model.on_duty_with_person("wang") is None
        assert (await model.on_duty_with_person("zhao") or _nothing()).officer == ZHAO


async def test_a_unit_saved_again_while_another_transaction_waits_to_lock_it_is_still_found() -> None:
    """The roster restates every unit each time it starts: an intake waiting in `lock_unit` on a unit being saved
    again gets the saved unit once the save commits, never no unit (a report refused from an unknown unit)."""
    if not POSTGRES:
        pytest.skip("PostgreSQL is not there: SQLite has one writer at a time")
    home = Unit("home", "福利院", UnitKind.WELFARE_HOME, None, ROOM)
    restated = dataclasses.replace(home, name="市福利院")
    async with fresh_postgres_database() as url, _sql(url) as directory:
        async with directory() as model:
            await model.save_unit(home)

        async def lock_home() -> Unit | None:
            async with directory() as model:
                return await model.lock_unit("home")

        async with directory() as model:
            await model.save_unit(restated)
            waiting = asyncio.create_task(lock_home())
            await asyncio.sleep(0.3)
            assert not waiting.done()
        assert await asyncio.wait_for(waiting, timeout=10) == restated


def _nothing() -> NoReturn:
    raise AssertionError("no shift found")
