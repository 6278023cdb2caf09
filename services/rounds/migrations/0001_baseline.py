"""baseline

Revision 0001, written 2026-12-06 03:24:08.255208.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.runtime.migration_env.runtime_tables import create_inbox_and_outbox_v1, drop_inbox_and_outbox_v1
from services.runtime.migration_env.shift_copies import create_shifts_v1, drop_shifts_v1

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each noun in a table of its own, the same columns in each (`adapters/records.py`).
RECORD_TABLES = ("hazards", "leaves", "rounds", "spot_checks", "warnings")
RECORD_INDEXED = ("at", "code", "next_at", "state", "unit_id")


def upgrade() -> None:
    create_inbox_and_outbox_v1()
    create_shifts_v1()
    for name in RECORD_TABLES:
        _create_record_table(name)
    op.create_table(
        "units",
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("duty_room", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("unit_id"),
    )


def downgrade() -> None:
    op.drop_table("units")
    for name in reversed(RECORD_TABLES):
        _drop_record_table(name)
    drop_shifts_v1()
    drop_inbox_and_outbox_v1()


def _create_record_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code", sa.String(length=8), nullable=True),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        for column in RECORD_INDEXED:
            batch_op.create_index(batch_op.f(f"ix_{name}_{column}"), [column], unique=False)


def _drop_record_table(name: str) -> None:
    with op.batch_alter_table(name, schema=None) as batch_op:
        for column in reversed(RECORD_INDEXED):
            batch_op.drop_index(batch_op.f(f"ix_{name}_{column}"))
    op.drop_table(name)
