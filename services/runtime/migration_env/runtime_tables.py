"""The runtime's own tables (inbox, outbox, the relay's lease, the published positions), as every service's revisions
build them.

Each pair of functions is one released step of those tables, numbered in order. Revisions already run in production
call it for good, so a step never changes: a change to the runtime's tables is a new step (`..._v3`) that a new
revision of every service calls. Like a revision, a step spells out its columns and imports no runtime code.
"""

import sqlalchemy as sa
from alembic import op

__all__ = [
    "create_inbox_and_outbox_v1",
    "create_relay_lease_and_positions_v2",
    "drop_inbox_and_outbox_v1",
    "drop_relay_lease_and_positions_v2",
]


def create_inbox_and_outbox_v1() -> None:
    """The inbox and the outbox as every service's baseline made them."""
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_sent_at"), ["sent_at"], unique=False)


def drop_inbox_and_outbox_v1() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_sent_at"))
    op.drop_table("outbox")
    op.drop_table("inbox")


def create_relay_lease_and_positions_v2() -> None:
    """The relay's lease (which relay publishes, until when) and, per partition, where its last batch landed."""
    op.create_table(
        "outbox_positions",
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("partition", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("batch_offset", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("topic", "partition"),
    )
    op.create_table(
        "outbox_relay",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def drop_relay_lease_and_positions_v2() -> None:
    op.drop_table("outbox_relay")
    op.drop_table("outbox_positions")
