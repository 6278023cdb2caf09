"""Schema migrations: every service's revisions build exactly its models, keep rows, and adopt older databases."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, Table, func, insert, select, text

from services.board.migrations import MIGRATIONS as BOARD
from services.duty_roster.migrations import MIGRATIONS as ROSTER
from services.incident.migrations import MIGRATIONS as INCIDENT
from services.notifier.migrations import MIGRATIONS as NOTIFIER
from services.rounds.migrations import MIGRATIONS as ROUNDS
from services.runtime.migrations import Migrations
from services.runtime.store import SchemaUpgrade, Store

REPO = Path(__file__).resolve().parents[2]
DUTYWATCH = [sys.executable, "-m", "services"]
EVERY_SERVICE = pytest.mark.parametrize(
    "migrations", [ROSTER, INCIDENT, NOTIFIER, ROUNDS, BOARD], ids=lambda m: m.service
)
SAMPLES: dict[type, Any] = {
    str: "x",
    int: 1,
    bool: True,
    datetime: datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    bytes: b"x",
    object: {"k": 1},  # JSON
}


async def _upgraded(url: str, metadata: MetaData, upgrade: SchemaUpgrade) -> Store:
    store = Store(url, metadata, upgrade=upgrade)
    await store.create_tables()
    return store


def _drift(migrations: Migrations, connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"version_table": migrations.version_table})
    return list(compare_metadata(context, migrations.models()))


def _to_baseline(migrations: Migrations, connection: Connection) -> None:
    config = migrations.config(connection)
    command.upgrade(config, migrations.baseline(config))


def _at_head(migrations: Migrations, connection: Connection) -> bool:
    head = ScriptDirectory.from_config(migrations.config(connection)).get_current_head()
    context = MigrationContext.configure(connection, opts={"version_table": migrations.version_table})
    return head is not None and context.get_current_revision() == head


def _a_row_in_every_table(connection: Connection) -> list[str]:
    """One row in each table the database has now, whatever revision built it; their names."""
    present = MetaData()
    present.reflect(connection)
    tables = [table for table in present.tables.values() if not table.name.startswith("alembic_version")]
    for table in tables:
        connection.execute(insert(table), {column.name: _sample(column.type) for column in table.columns})
    return [table.name for table in tables]


def _as_before_migrations(migrations: Migrations, connection: Connection) -> None:
    """The baseline's tables with no version table: a database `create_all` made before there were migrations."""
    _to_baseline(migrations, connection)
    connection.execute(text(f"DROP TABLE {migrations.version_table}"))


def _sample(column_type: Any) -> Any:
    return SAMPLES[column_type.python_type]


def _row_counts(migrations: Migrations, connection: Connection) -> dict[str, int]:
    tables: dict[str, Table] = dict(migrations.models().tables)
    return {name: connection.scalar(select(func.count()).select_from(table)) or 0 for name, table in tables.items()}


async def _run(store: Store, work: Callable[[Connection], Any]) -> Any:
    return await store.run_sync(work)


@EVERY_SERVICE
async def test_the_revisions_build_exactly_the_models(database_url: str, migrations: Migrations) -> None:
    """Upgraded from an empty database, a service's schema is its models' schema: compare_metadata finds no drift."""
    store = await _upgraded(database_url, migrations.models(), migrations.upgrade)
    try:
        assert await _run(store, partial(_drift, migrations)) == []
    finally:
        await store.close()


@EVERY_SERVICE
async def test_an_upgrade_from_the_baseline_keeps_every_row(database_url: str, migrations: Migrations) -> None:
    """Rows written at the baseline revision are all still there after the upgrade to the newest one."""
    at_baseline = await _upgraded(database_url, migrations.models(), partial(_to_baseline, migrations))
    written = await _run(at_baseline, _a_row_in_every_table)
    await at_baseline.close()
    store = await _upgraded(database_url, migrations.models(), migrations.upgrade)
    try:
        counts = await _run(store, partial(_row_counts, migrations))
        assert {counts[name] for name in written} == {1}
        assert await _run(store, partial(_drift, migrations)) == []
    finally:
        await store.close()


@EVERY_SERVICE
async def test_a_database_made_before_migrations_is_adopted_not_made_again(
    database_url: str, migrations: Migrations
) -> None:
    """A database create_all made is stamped at the baseline and upgraded with its rows; a second start changes
    nothing."""
    before = await _upgraded(database_url, migrations.models(), partial(_as_before_migrations, migrations))
    written = await _run(before, _a_row_in_every_table)
    await before.close()
    for _start in range(2):
        store = await _upgraded(database_url, migrations.models(), migrations.upgrade)
        try:
            assert await _run(store, partial(_at_head, migrations))
            counts = await _run(store, partial(_row_counts, migrations))
            assert {counts[name] for name in written} == {1}
        finally:
            await store.close()


def test_db_upgrade_brings_the_database_its_settings_name_to_the_newest_revision(tmp_path: Path) -> None:
    """`dutywatch db upgrade incident` creates the incident service's database at the newest revision."""
    environment = {**os.environ, "DUTYWATCH_INCIDENT_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [*DUTYWATCH, "db", "upgrade", "incident"], cwd=REPO, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "incident.sqlite3 is at the newest revision" in result.stdout
    newest = max(path.name.partition("_")[0] for path in INCIDENT.folder.glob("[0-9]*_*.py"))
    with closing(sqlite3.connect(tmp_path / "incident.sqlite3")) as database:
        assert database.execute("SELECT version_num FROM alembic_version_incident").fetchall() == [(newest,)]


def test_db_revision_writes_the_column_a_table_gained(tmp_path: Path) -> None:
    """After a column is added to a roster table, `dutywatch db revision` writes a revision that adds it, and the
    revisions then build the models again."""
    shutil.copytree(REPO / "services", tmp_path / "services", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "schemas", tmp_path / "schemas", ignore=shutil.ignore_patterns("__pycache__"))
    tables = tmp_path / "services" / "duty_roster" / "adapters" / "tables.py"
    source = tables.read_text(encoding="utf-8")
    source_column = '            Column("source", String(500), nullable=False),\n'
    grown = source.replace(source_column, source_column + '            Column("note", Text, nullable=True),\n')
    assert grown != source
    tables.write_text(grown, encoding="utf-8")
    result = subprocess.run(
        [*DUTYWATCH, "db", "revision", "duty_roster", "-m", "roster note"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    folder = tmp_path / "services" / "duty_roster" / "migrations"
    (written,) = folder.glob("*_roster_note.py")
    previous = sorted(path.name for path in folder.glob("0*.py"))[-2].split("_")[0]
    revision = written.read_text()
    assert f'down_revision: str | None = "{previous}"' in revision
    assert 'batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))' in revision
    upgraded = subprocess.run(
        [*DUTYWATCH, "db", "upgrade", "duty_roster"],
        cwd=tmp_path,
        env={**os.environ, "DUTYWATCH_ROSTER_DATA_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
    )
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
