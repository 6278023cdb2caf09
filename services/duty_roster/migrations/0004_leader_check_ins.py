"""leader check-ins

Revision 0004, written 2026-12-06 03:44:55.857851.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A check-in per shift and role: the key gains `role` (every earlier row is an officer's) and `officer` becomes
    # `person`. Alembic reads a rename as a drop and an add, and never alters a primary key: the table is rebuilt
    # and its rows copied, the same way on SQLite and PostgreSQL.
    _rebuild(
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("person", sa.Text(), nullable=False),
        key=["shift_id", "role"],
        copied="'officer', officer",
    )


def downgrade() -> None:
    # An officer's row goes back as it was; a leader's has no place in the old table.
    op.execute("DELETE FROM check_ins WHERE role <> 'officer'")
    _rebuild(sa.Column("officer", sa.Text(), nullable=False), key=["shift_id"], copied="person")


def _rebuild(*columns: sa.Column[object], key: list[str], copied: str) -> None:
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_ins_due_by"))
    op.rename_table("check_ins", "check_ins_before")
    op.create_table(
        "check_ins",
        sa.Column("shift_id", sa.String(length=120), nullable=False),
        *columns,
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(*key),
    )
    names = ", ".join(column.name for column in columns)
    kept = "unit_id, starts_at, due_by, requested_at, received_at, missed_at"
    op.execute(
        f"INSERT INTO check_ins (shift_id, {names}, {kept}) SELECT shift_id, {copied}, {kept} FROM check_ins_before"
    )
    op.drop_table("check_ins_before")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_ins_due_by"), ["due_by"], unique=False)
