"""leader check-ins

Revision 0005, written 2026-12-06 03:44:59.847823.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from services.runtime.migration_env.rebuild import rebuild_table_v1

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Missed check-ins per shift and role (leaders check in too): the key gains `role` (every earlier row is an
    # officer's) and `officer` becomes `person`, so the table is rebuilt.
    _rebuild(
        [sa.Column("role", sa.String(length=16), nullable=False), sa.Column("person", sa.JSON(), nullable=False)],
        key=["shift_id", "role"],
        filled={"role": "'officer'", "person": "officer"},
    )


def downgrade() -> None:
    # An officer's row goes back as it was; a leader's has no place in the old table.
    op.execute("DELETE FROM missed_check_ins WHERE role <> 'officer'")
    _rebuild([sa.Column("officer", sa.JSON(), nullable=False)], key=["shift_id"], filled={"officer": "person"})


def _rebuild(changed: list[sa.Column[Any]], key: list[str], filled: dict[str, str]) -> None:
    columns: list[sa.Column[Any]] = [
        sa.Column("shift_id", sa.String(length=200), nullable=False),
        *changed,
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("due_by", sa.DateTime(timezone=True), nullable=False),
    ]
    kept = {name: name for name in ("shift_id", "unit_id", "due_by")}
    rebuild_table_v1("missed_check_ins", columns, key, {**kept, **filled}, indexed=["due_by", "unit_id"])
