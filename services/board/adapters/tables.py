"""The board's read-model tables: nothing here is the record, every row can be rebuilt from the topics."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table, Text, UniqueConstraint

from services.directory.tables import DirectoryTables
from services.runtime.store import UtcDateTime

__all__ = ["Tables"]


class Tables:
    """Adds the board's tables to `metadata` (the runtime's outbox and inbox live beside them)."""

    def __init__(self, metadata: MetaData) -> None:
        self.directory = DirectoryTables(metadata, prefix="board_")
        self.check_ins = Table(
            "board_check_ins",
            metadata,
            Column("shift_id", String(200), primary_key=True),
            Column("due_by", UtcDateTime, nullable=True),
            Column("received_at", UtcDateTime, nullable=True),
            Column("missed_at", UtcDateTime, nullable=True),
        )
        self.incidents = _incidents(metadata)
        self.deliveries = Table(
            "board_deliveries",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("incident_id", String(64), nullable=False, index=True),
            Column("kind", String(16), nullable=False),
            Column("role", String(32), nullable=False),
            Column("name", String(64), nullable=False),
            Column("delivered_at", UtcDateTime, nullable=False),
            Column("acknowledged", Boolean, nullable=False),
            UniqueConstraint("incident_id", "kind", "role"),
        )
        self.broadcasts = Table(
            "board_broadcasts",
            metadata,
            Column("broadcast_id", String(64), primary_key=True),
            Column("from_unit_id", String(64), nullable=False),
            Column("title", String(40), nullable=False),
            Column("text", Text, nullable=False),
            Column("sent_by", String(100), nullable=False),
            Column("sent_at", UtcDateTime, nullable=False, index=True),
            Column("target_unit_ids", JSON, nullable=True),
        )
        self.acknowledgements = Table(
            "board_broadcast_acks",
            metadata,
            Column("broadcast_id", String(64), primary_key=True),
            Column("unit_id", String(64), primary_key=True),
            Column("by", String(32), nullable=False),
            Column("person_name", String(64), nullable=True),
            Column("acknowledged_at", UtcDateTime, nullable=False),
        )


def _incidents(metadata: MetaData) -> Table:
    return Table(
        "board_incidents",
        metadata,
        Column("incident_id", String(64), primary_key=True),
        Column("unit_id", String(64), nullable=False, index=True),
        Column("type", String(32), nullable=False),
        Column("severity", String(4), nullable=False),
        Column("status", String(16), nullable=False),
        Column("occurred_at", UtcDateTime, nullable=False),
        Column("reported_at", UtcDateTime, nullable=False),
        Column("first_report_due_at", UtcDateTime, nullable=False),
        Column("location", String(200), nullable=False),
        Column("summary", Text, nullable=False),
        Column("reporter", String(100), nullable=False),
        Column("officer", JSON, nullable=True),
        Column("leader", JSON, nullable=True),
        Column("acknowledged_by", String(100), nullable=True),
        Column("acknowledged_at", UtcDateTime, nullable=True),
        Column("escalation_step", Integer, nullable=False),
        Column("first_reported_at", UtcDateTime, nullable=True),
        Column("overdue", Boolean, nullable=False),
        Column("closed_at", UtcDateTime, nullable=True, index=True),
    )
