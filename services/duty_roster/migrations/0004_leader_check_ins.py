"""leader check-ins

Revision 0004, written 2026-12-06 03:44:55.857851.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from services.runtime.migration_env.rebuild import rebuild_table_v1

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A check-in per shift and role: the key gains `role` (every earlier row is an officer's) and `officer` becomes
    # `person`, so the table is rebuilt.
    _rebuild(
        [sa.Column("role", sa.String(length=16), nullable=False), sa.Column("person", sa.Text(), nullable=False)],
        key=["shift_id", "role"],
        filled={"role": "'officer'", "person": "officer"},
    )


def downgrade() -> None:
    # An officer's row goes back as it was; a leader's has no place in the old table.
    op.execute("DELETE FROM check_ins WHERE role <> 'officer'")
    _rebuild([sa.Column("officer", sa.Text(), nullable=False)], key=["shift_id"], filled={"officer": "person"})


def _rebuild(changed: list[sa.Column[Any]], key: list[str], filled: dict[str, str]) -> None:
    kept = ("shift_id", "unit_id", "starts_at", "due_by", "requested_at", "received_at", "missed_at")
    columns: list[sa.Column[Any]] = [
        sa.Column("shift_id", sa.String(length=120), nullable=False),
        *changed,
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missed_at", sa.DateTime(timezone=True), nullable=True),
    ]
    rebuild_table_v1("check_ins", columns, key, {**{name: name for name in kept}, **filled}, indexed=["due_by"])
