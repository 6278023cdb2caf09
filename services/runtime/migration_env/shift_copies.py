"""The copy of `duty.shifts` that the incident and rounds services keep alike (each shift, its pair's phones
indexed), as their revisions build it.

Frozen steps, as in `runtime_tables`: a released step never changes; a change to this table in both services is a
new step that a new revision of each calls.
"""

import sqlalchemy as sa
from alembic import op

__all__ = ["create_shifts_v1", "drop_shifts_v1"]


def create_shifts_v1() -> None:
    """The `shifts` table as the incident and rounds baselines made it."""
    op.create_table(
        "shifts",
        sa.Column("shift_id", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("officer", sa.JSON(), nullable=False),
        sa.Column("leader", sa.JSON(), nullable=False),
        sa.Column("officer_phone", sa.String(length=32), nullable=False),
        sa.Column("leader_phone", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("shift_id"),
    )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shifts_leader_phone"), ["leader_phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_shifts_officer_phone"), ["officer_phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_shifts_unit_id"), ["unit_id"], unique=False)


def drop_shifts_v1() -> None:
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shifts_unit_id"))
        batch_op.drop_index(batch_op.f("ix_shifts_officer_phone"))
        batch_op.drop_index(batch_op.f("ix_shifts_leader_phone"))
    op.drop_table("shifts")
