"""The roster's own tables (the runtime adds outbox and inbox to the same metadata)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

from services.runtime.store import UtcDateTime

__all__ = ["RosterTables"]


class RosterTables:
    """The roster's tables on `metadata` (the runtime adds outbox and inbox to the same metadata)."""

    def __init__(self, metadata: MetaData) -> None:
        self.versions = Table(
            "roster_versions",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("digest", String(64), nullable=False, index=True),
            Column("text", Text, nullable=False),
            Column("source", String(500), nullable=False),
            Column("imported_at", DateTime(timezone=True), nullable=False),
        )
        self.published = Table(
            "published_duties",
            metadata,
            Column("unit_id", String(64), primary_key=True),
            Column("unit_digest", String(64), nullable=True),
            Column("shift", Text, nullable=True),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )
        self.handovers = Table(
            "handovers",
            metadata,
            Column("shift_id", String(120), primary_key=True),
            Column("unit_id", String(64), nullable=False),
            Column("published_at", DateTime(timezone=True), nullable=False),
        )
        self.overrides = Table(
            "roster_overrides",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("unit_id", String(64), nullable=False),
            Column("role", String(16), nullable=False),
            Column("by", String(64), nullable=False),
            Column("replaces", String(64), nullable=True),
            Column("starts_at", DateTime(timezone=True), nullable=False),
            Column("ends_at", DateTime(timezone=True), nullable=False),
            Column("reason", Text, nullable=False),
            Column("entered_by", String(200), nullable=False),
            Column("entered_at", DateTime(timezone=True), nullable=False),
        )
        self.duty_log = Table(
            "duty_log",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("unit_id", String(64), nullable=False),
            Column("kind", String(16), nullable=False),
            Column("text", Text, nullable=False),
            Column("author", String(100), nullable=False),
            # UTC in and out on SQLite too: a day's entries are asked for from Beijing midnight, 16:00 UTC.
            Column("written_at", UtcDateTime(), nullable=False, index=True),
        )
        self.check_ins = Table(
            "check_ins",
            metadata,
            Column("shift_id", String(120), primary_key=True),
            Column("role", String(16), primary_key=True),
            Column("unit_id", String(64), nullable=False),
            Column("person", Text, nullable=False),
            Column("starts_at", DateTime(timezone=True), nullable=False),
            Column("due_by", DateTime(timezone=True), nullable=False, index=True),
            Column("requested_at", DateTime(timezone=True), nullable=False),
            Column("received_at", DateTime(timezone=True), nullable=True),
            Column("missed_at", DateTime(timezone=True), nullable=True),
        )
        self.holiday_reminders = Table(
            "holiday_reminders",
            metadata,
            Column("year_week", String(16), primary_key=True),
            Column("sent_at", DateTime(timezone=True), nullable=False),
        )
