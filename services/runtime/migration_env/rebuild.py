"""A table made again with its rows: how a revision changes a primary key or renames a column, alike on SQLite and
PostgreSQL (Alembic reads a rename as a drop and an add, and never alters a primary key).

A frozen step, as in `runtime_tables`: released revisions call it, so it never changes; a different way to rebuild
is a new step.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

__all__ = ["rebuild_table_v1"]


def rebuild_table_v1(
    name: str,
    columns: Sequence[sa.Column[Any]],
    key: Sequence[str],
    filled: Mapping[str, str],
    indexed: Sequence[str],
) -> None:
    """Make table `name` again with `columns` (in that order) and primary key `key`; `filled` maps each new column to
    the SQL that fills it from the old row; `indexed` are the columns with an index of their own, before and after."""
    with op.batch_alter_table(name, schema=None) as batch_op:
        for column in indexed:
            batch_op.drop_index(batch_op.f(f"ix_{name}_{column}"))
    op.rename_table(name, f"{name}_before")
    op.create_table(name, *columns, sa.PrimaryKeyConstraint(*key))
    op.execute(f"INSERT INTO {name} ({', '.join(filled)}) SELECT {', '.join(filled.values())} FROM {name}_before")
    op.drop_table(f"{name}_before")
    with op.batch_alter_table(name, schema=None) as batch_op:
        for column in indexed:
            batch_op.create_index(batch_op.f(f"ix_{name}_{column}"), [column], unique=False)
