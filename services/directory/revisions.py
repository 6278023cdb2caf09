"""What the services' revisions to the shared read model's tables have in common: their old `units` and `shifts`
(each service had its own shape) become the tables `DirectoryTables` defines, keeping every row, and back.

Frozen with the revisions that call it (incident 0007, notifier 0004, rounds 0003, board 0003): a later change of
`DirectoryTables` gets a revision of its own, not an edit here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic import op

__all__ = ["PHONED_SHIFTS", "Shape", "move_back", "move_to_shared_tables"]


def _unit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("duty_room", sa.JSON(), nullable=True),
        sa.Column("duty_room_phone", sa.String(length=32), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
    ]


def _shift_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("shift_id", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("officer", sa.JSON(), nullable=False),
        sa.Column("leader", sa.JSON(), nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.Column("leader_id", sa.String(length=64), nullable=False),
        sa.Column("officer_phone", sa.String(length=32), nullable=False),
        sa.Column("leader_phone", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    ]


# The shifts of the incident and rounds services before: phones, no person ids.
PHONED_SHIFTS = (
    "shift_id",
    "unit_id",
    "officer",
    "leader",
    "officer_phone",
    "leader_phone",
    "starts_at",
    "ends_at",
    "ended_at",
)

COLUMNS: dict[str, Callable[[], list[sa.Column[Any]]]] = {"units": _unit_columns, "shifts": _shift_columns}


@dataclass(frozen=True)
class Shape:
    """A service's units and shifts tables: their columns (None: all the shared ones), keys and indexed columns. A
    shift keyed by its unit is one row per unit: the one on duty."""

    units: tuple[str, ...] | None = None
    shifts: tuple[str, ...] | None = None
    keys: dict[str, str] = field(default_factory=lambda: {"units": "unit_id", "shifts": "shift_id"})
    indexed: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "units": ("duty_room_phone",),
            "shifts": ("unit_id", "officer_id", "leader_id", "officer_phone", "leader_phone", "ends_at"),
        }
    )

    def table(self, name: str, noun: str) -> sa.Table:
        wanted = getattr(self, noun)
        columns = [column for column in COLUMNS[noun]() if wanted is None or column.name in wanted]
        return sa.Table(name, sa.MetaData(), *columns, sa.PrimaryKeyConstraint(self.keys[noun]))


SHARED = Shape()


def move_to_shared_tables(prefix: str = "") -> None:
    """Rebuild `{prefix}units` and `{prefix}shifts` in the shared shape and copy their rows. A column the old table
    lacks is filled in: a unit's kind (a guess from its parent, until the roster republishes every unit on its
    next start), its recipients (none), people's ids and phones (from the people's JSON), a shift's end (none)."""
    for noun in ("units", "shifts"):
        _rebuild(f"{prefix}{noun}", noun, SHARED)
    _fill_people(SHARED.table(f"{prefix}units", "units"), SHARED.table(f"{prefix}shifts", "shifts"))


def move_back(shape: Shape, prefix: str = "") -> None:
    """Rebuild the tables in a service's older `shape`: columns it lacks are dropped, and where it kept one shift
    per unit, only the shifts on duty stay."""
    for noun in ("units", "shifts"):
        _rebuild(f"{prefix}{noun}", noun, shape)


def _rebuild(name: str, noun: str, shape: Shape) -> None:
    old = _set_aside(name)
    new = shape.table(name, noun)
    new.create(op.get_bind())
    for column in shape.indexed[noun]:
        op.create_index(op.f(f"ix_{name}_{column}"), name, [column], unique=False)
    _copy(old, new, only_on_duty=noun == "shifts" and shape.keys[noun] == "unit_id")
    op.drop_table(old.name)


def _set_aside(table: str) -> sa.Table:
    """The old table renamed out of the way, its indexes dropped (PostgreSQL keeps index names on a rename)."""
    inspector = sa.inspect(op.get_bind())
    for index in inspector.get_indexes(table):
        if index["name"] is not None:
            op.drop_index(index["name"], table_name=table)
    primary_key = inspector.get_pk_constraint(table).get("name")
    if op.get_bind().dialect.name == "postgresql" and primary_key:
        op.execute(f'ALTER INDEX "{primary_key}" RENAME TO "{table}_before_pkey"')
    op.rename_table(table, f"{table}_before")
    return sa.Table(f"{table}_before", sa.MetaData(), autoload_with=op.get_bind())


def _copy(old: sa.Table, new: sa.Table, *, only_on_duty: bool) -> None:
    """INSERT … SELECT, so values keep the form the database stored them in; what is missing gets a stand-in."""
    json_list = "'[]'::json" if op.get_bind().dialect.name == "postgresql" else "'[]'"
    fills: dict[str, Any] = {
        "kind": sa.case((old.c.parent_id.is_(None), "municipal_bureau"), else_="other")
        if "parent_id" in old.c
        else "other",
        "recipients": sa.literal_column(json_list),
    }
    values = [_value(column, old, fills) for column in new.columns]
    query = sa.select(*values).select_from(old)
    if only_on_duty and "ended_at" in old.c:
        later = old.alias("later")
        superseded = sa.exists().where(later.c.unit_id == old.c.unit_id, later.c.starts_at > old.c.starts_at)
        query = query.where(old.c.ended_at.is_(None), ~superseded)
    op.get_bind().execute(sa.insert(new).from_select([column.name for column in new.columns], query))


def _value(column: sa.Column[Any], old: sa.Table, fills: dict[str, Any]) -> Any:
    if column.name in old.c:
        return old.c[column.name]
    if column.name in fills:
        fill = fills[column.name]
        return fill if isinstance(fill, sa.ColumnElement) else sa.literal(fill)
    return sa.null() if column.nullable else sa.literal("")


def _fill_people(units: sa.Table, shifts: sa.Table) -> None:
    """The indexed columns read from the people's JSON (a document without the field leaves what is there)."""
    bind = op.get_bind()
    for row in bind.execute(sa.select(units.c.unit_id, units.c.duty_room)).all():
        phone = _field(row.duty_room, "phone")
        if phone:
            bind.execute(sa.update(units).where(units.c.unit_id == row.unit_id).values(duty_room_phone=phone))
    for row in bind.execute(sa.select(shifts)).all():
        people: dict[str, Any] = {}
        for role in ("officer", "leader"):
            for name in ("id", "phone"):
                value = _field(getattr(row, role), name)
                if value:
                    people[f"{role}_{name}"] = value
        if people:
            bind.execute(sa.update(shifts).where(shifts.c.shift_id == row.shift_id).values(**people))


def _field(document: Any, name: str) -> Any:
    return document.get(name) if isinstance(document, dict) else None
