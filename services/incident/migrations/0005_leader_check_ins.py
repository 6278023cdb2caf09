"""leader check-ins

Revision 0005, written 2026-12-06 03:44:59.847823.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Missed check-ins per shift and role (leaders check in too): the key gains `role` (every earlier row is an
    # officer's) and `officer` becomes `person`. Alembic reads a rename as a drop and an add, and never alters a
    # primary key: the table is rebuilt and its rows copied, the same way on SQLite and PostgreSQL.
    _rebuild(
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("person", sa.JSON(), nullable=False),
        key=["shift_id", "role"],
        copied="'officer', officer",
    )


def downgrade() -> None:
    # An officer's row goes back as it was; a leader's has no place in the old table.
    op.execute("DELETE FROM missed_check_ins WHERE role <> 'officer'")
    _rebuild(sa.Column("officer", sa.JSON(), nullable=False), key=["shift_id"], copied="person")


def _rebuild(*columns: sa.Column[object], key: list[str], copied: str) -> None:
    with op.batch_alter_table("missed_check_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_missed_check_ins_unit_id"))
        batch_op.drop_index(batch_op.f("ix_missed_check_ins_due_by"))
    op.rename_table("missed_check_ins", "missed_check_ins_before")
    op.create_table(
        "missed_check_ins",
        sa.Column("shift_id", sa.String(length=200), nullable=False),
        *columns,
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("due_by", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(*key),
    )
    names = ", ".join(column.name for column in columns)
    op.execute(
        f"INSERT INTO missed_check_ins (shift_id, {names}, unit_id, due_by) "
        f"SELECT shift_id, {copied}, unit_id, due_by FROM missed_check_ins_before"
    )
    op.drop_table("missed_check_ins_before")
    with op.batch_alter_table("missed_check_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_missed_check_ins_due_by"), ["due_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_missed_check_ins_unit_id"), ["unit_id"], unique=False)
