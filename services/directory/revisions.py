"""What the services' revisions to the shared read model's tables have in common: their old `units` and `shifts`
(each service had its own shape) become the tables `DirectoryTables` defines, keeping every row.

Frozen with the revisions that call it (incident 0007, notifier 0004, rounds 0003, board 0003): a later change of
`DirectoryTables` gets a revision of its own, not an edit here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

__all__ = ["move_to_shared_tables"]


def _units(name: str) -> list[Any]:
    return [
        name,
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("duty_room", sa.JSON(), nullable=True),
        sa.Column("duty_room_phone", sa.String(length=32), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id"),
    ]


def _shifts(name: str) -> list[Any]:
    return [
        name,
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
        sa.PrimaryKeyConstraint("shift_id"),
    ]


INDEXED = {
    "units": ["duty_room_phone"],
    "shifts": ["unit_id", "officer_id", "leader_id", "officer_phone", "leader_phone", "ends_at"],
}


def move_to_shared_tables(prefix: str = "") -> None:
    """Rebuild `{prefix}units` and `{prefix}shifts` in the shared shape and copy their rows. A column the old table
    lacks is filled in: a unit's kind (a guess from its parent, until the roster republishes every unit on its
    next start), its recipients (none), people's ids and phones (from the people's JSON), a shift's end (none)."""
    for noun, shape in (("units", _units), ("shifts", _shifts)):
        table = f"{prefix}{noun}"
        old = _set_aside(table)
        op.create_table(*shape(table))
        for column in INDEXED[noun]:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
        _copy(old, _table(table, shape))
        op.drop_table(old.name)
    _fill_people(f"{prefix}units", f"{prefix}shifts")


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


def _table(name: str, shape: Any) -> sa.Table:
    return sa.Table(*shape(name)[:1], sa.MetaData(), *shape(name)[1:])


def _copy(old: sa.Table, new: sa.Table) -> None:
    """INSERT … SELECT, so values keep the form the database stored them in; what is missing gets a stand-in."""
    fills: dict[str, Any] = {
        "kind": sa.case((old.c.parent_id.is_(None), "municipal_bureau"), else_="other")
        if "parent_id" in old.c
        else "other",
        "recipients": sa.literal_column("'[]'::json" if op.get_bind().dialect.name == "postgresql" else "'[]'"),
        "ended_at": sa.null(),
    }
    names, values = [], []
    for column in new.columns:
        if column.name in old.c:
            value: Any = old.c[column.name]
        elif column.name in fills:
            value = fills[column.name]
        elif column.nullable:
            value = sa.null()
        else:
            value = ""
        names.append(column.name)
        values.append(value if isinstance(value, sa.ColumnElement) else sa.literal(value))
    op.get_bind().execute(sa.insert(new).from_select(names, sa.select(*values).select_from(old)))


def _fill_people(units_name: str, shifts_name: str) -> None:
    """The indexed columns read from the people's JSON (a document without the field leaves what is there)."""
    bind = op.get_bind()
    units, shifts = _table(units_name, _units), _table(shifts_name, _shifts)
    for row in bind.execute(sa.select(units.c.unit_id, units.c.duty_room)).all():
        phone = _field(row.duty_room, "phone")
        if phone:
            bind.execute(sa.update(units).where(units.c.unit_id == row.unit_id).values(duty_room_phone=phone))
    for row in bind.execute(sa.select(shifts)).all():
        people: dict[str, Any] = {}
        for role in ("officer", "leader"):
            for field in ("id", "phone"):
                value = _field(getattr(row, role), field)
                if value:
                    people[f"{role}_{field}"] = value
        if people:
            bind.execute(sa.update(shifts).where(shifts.c.shift_id == row.shift_id).values(**people))


def _field(document: Any, name: str) -> Any:
    return document.get(name) if isinstance(document, dict) else None
