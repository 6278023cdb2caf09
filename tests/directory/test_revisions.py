"""The revisions that move each service's units and shifts into the shared read model keep what the rows said:
people found by phone and id, a notifier unit's kind guessed until the roster republishes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import NoReturn

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, Table, insert

from schemas.values import Person, UnitKind
from services.board.migrations import MIGRATIONS as BOARD
from services.directory.adapters import SqlDirectory
from services.directory.domain import Shift, Unit
from services.directory.tables import DirectoryTables
from services.incident.migrations import MIGRATIONS as INCIDENT
from services.notifier.migrations import MIGRATIONS as NOTIFIER
from services.rounds.migrations import MIGRATIONS as ROUNDS
from services.runtime.migrations import Migrations
from services.runtime.store import Store
from testbed.databases import POSTGRES, fresh_postgres_database

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
WANG = {"id": "wang", "name": "王芳", "phone": "+8613800000001"}
LI = {"id": "li", "name": "李强", "phone": "+8613800000002"}
ROOM = {"id": "room", "name": "值班室", "phone": "+8613800000009"}


@pytest.fixture(params=["sqlite", "postgresql"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.sqlite3'}"
        return
    if not POSTGRES:
        pytest.skip("PostgreSQL is not there")
    async with fresh_postgres_database() as fresh:
        yield fresh


Rows = dict[str, list[dict[str, object]]]


def _at(migrations: Migrations, revision: str, rows: Rows, connection: Connection) -> None:
    """The database at `revision`, with `rows` in its tables as they were then."""
    command.upgrade(migrations.config(connection), revision)
    present = MetaData()
    present.reflect(connection)
    for name, values in rows.items():
        table: Table = present.tables[name]
        connection.execute(insert(table), values)


async def _upgraded(migrations: Migrations, url: str, revision: str, rows: Rows) -> Store:
    before = Store(url, MetaData(), upgrade=partial(_at, migrations, revision, rows))
    await before.create_tables()
    await before.close()
    store = Store(url, migrations.models(), upgrade=migrations.upgrade)
    await store.create_tables()
    return store


async def test_the_notifiers_one_shift_per_unit_becomes_history_with_its_phones_indexed(url: str) -> None:
    """At notifier revision 0003 a unit had one shift row and no kind; after the upgrade the shift is on duty, found
    by its people's phones and ids, and the units read back (the top one a municipal bureau)."""
    rows: Rows = {
        "units": [
            {"unit_id": "city", "name": "市局", "parent_id": None, "duty_room": ROOM, "recipients": []},
            {"unit_id": "home", "name": "福利院", "parent_id": "city", "duty_room": None, "recipients": []},
        ],
        "shifts": [
            {
                "unit_id": "home",
                "shift_id": "home@0",
                "officer": WANG,
                "leader": LI,
                "starts_at": T0,
                "ends_at": T0 + timedelta(hours=8),
            }
        ],
    }
    store = await _upgraded(NOTIFIER, url, "0003", rows)
    try:
        async with store.transaction() as session:
            model = SqlDirectory(session, DirectoryTables(MetaData()))
            assert (await model.on_duty_with_phone(LI["phone"]) or _nothing()).id == "home@0"
            assert (await model.on_duty_with_person("wang") or _nothing()).starts_at == T0
            assert list(await model.on_duty(None)) == ["home"]
            assert (await model.duty_room_with_phone(ROOM["phone"]) or _nothing()).id == "city"
            assert [(unit.id, unit.kind) for unit in sorted(await model.units(), key=lambda unit: unit.id)] == [
                ("city", UnitKind.MUNICIPAL_BUREAU),
                ("home", UnitKind.OTHER),
            ]
    finally:
        await store.close()


async def test_the_incidents_shift_history_keeps_its_ends_and_gains_person_ids(url: str) -> None:
    """At incident revision 0006 shifts had phones but no person ids; after the upgrade an ended shift is still
    ended and its people are found by id."""
    unit = {"unit_id": "home", "name": "福利院", "kind": "welfare_home", "parent_id": None, "recipients": []}
    shift = {
        "shift_id": "home@0",
        "unit_id": "home",
        "officer": WANG,
        "leader": LI,
        "officer_phone": WANG["phone"],
        "leader_phone": LI["phone"],
        "starts_at": T0,
        "ends_at": T0 + timedelta(hours=8),
    }
    ended = dict(shift, shift_id="home@8", starts_at=T0 + timedelta(hours=8), ended_at=T0 + timedelta(hours=9))
    store = await _upgraded(INCIDENT, url, "0006", {"units": [unit], "shifts": [dict(shift, ended_at=None), ended]})
    try:
        async with store.transaction() as session:
            model = SqlDirectory(session, DirectoryTables(MetaData()))
            assert await model.on_duty(None) == {}
            assert await model.current_shift("home", T0 + timedelta(hours=1)) is not None
            assert (await model.latest_shift_naming(WANG["phone"]) or _nothing()).ended_at == ended["ended_at"]
            assert (await model.unit("home") or _nothing()).kind is UnitKind.WELFARE_HOME
    finally:
        await store.close()


def _nothing() -> NoReturn:
    raise AssertionError("nothing found")


def _down_and_up_again(migrations: Migrations, before: str, connection: Connection) -> list[object]:
    """Downgrade to `before`, upgrade to the newest revision again: the drift from the models left."""
    config = migrations.config(connection)
    command.downgrade(config, before)
    command.upgrade(config, "head")
    context = MigrationContext.configure(connection, opts={"version_table": migrations.version_table})
    return list(compare_metadata(context, migrations.models()))


@pytest.mark.parametrize(
    ("migrations", "before", "prefix"),
    [(INCIDENT, "0006", ""), (NOTIFIER, "0003", ""), (ROUNDS, "0002", ""), (BOARD, "0002", "board_")],
    ids=lambda value: getattr(value, "service", value),
)
async def test_a_downgrade_keeps_the_unit_and_the_shift_on_duty(
    url: str, migrations: Migrations, before: str, prefix: str
) -> None:
    """Down to the service's older tables and up again: no drift, and the unit and its shift on duty are still
    there (the notifier's older table keeps only the shift on duty)."""
    store = Store(url, migrations.models(), upgrade=migrations.upgrade)
    await store.create_tables()
    tables = DirectoryTables(MetaData(), prefix)
    officer, leader = Person(**WANG), Person(**LI)
    try:
        async with store.transaction() as session:
            model = SqlDirectory(session, tables)
            await model.save_unit(Unit("home", "福利院", UnitKind.WELFARE_HOME, None, Person(**ROOM)))
            await model.save_shift(Shift("home@0", "home", officer, leader, T0, T0 + timedelta(hours=8)))
            await model.save_shift(
                Shift("home@8", "home", leader, officer, T0 + timedelta(hours=8), T0 + timedelta(hours=16))
            )
        assert await store.run_sync(partial(_down_and_up_again, migrations, before)) == []
        async with store.transaction() as session:
            model = SqlDirectory(session, tables)
            assert (await model.unit("home") or _nothing()).name == "福利院"
            assert (await model.on_duty_with_phone(LI["phone"]) or _nothing()).id == "home@8"
            assert (await model.on_duty_with_person("wang") or _nothing()).id == "home@8"
    finally:
        await store.close()
