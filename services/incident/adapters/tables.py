"""The incident service's tables. The timeline refuses UPDATE and DELETE in the database itself: the triggers that
guard it are made by the baseline revision (`services/incident/migrations/0001_baseline.py`)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, MetaData, String, Table, Text

from services.directory.tables import DirectoryTables
from services.runtime.store import UtcDateTime

__all__ = ["Tables"]


class Tables:
    """Adds the service's tables to `metadata` (the runtime's outbox and inbox live beside them)."""

    def __init__(self, metadata: MetaData) -> None:
        self.directory = DirectoryTables(metadata)
        self.incidents = _incidents(metadata)
        self.timeline = _timeline(metadata)
        self.deadlines = _deadlines(metadata)
        self.reports = _reports(metadata)
        self.deliveries = _deliveries(metadata)
        self.missed_check_ins = _missed_check_ins(metadata)
        self.handovers = _handovers(metadata)
        self.drafts = _drafts(metadata)


def _incidents(metadata: MetaData) -> Table:
    table = Table(
        "incidents",
        metadata,
        Column("id", String(40), primary_key=True),
        Column("unit_id", String(64), nullable=False),
        Column("type", String(32), nullable=False),
        Column("severity", String(4), nullable=False),
        Column("occurred_at", UtcDateTime, nullable=False, index=True),
        Column("reported_at", UtcDateTime, nullable=False),
        Column("location", String(200), nullable=False),
        Column("summary", Text, nullable=False),
        Column("reporter", String(100), nullable=False),
        Column("source", String(8), nullable=False),
        Column("casualties", Integer, nullable=True),
        Column("external_id", String(100), nullable=True),
        Column("officer", JSON, nullable=True),
        Column("leader", JSON, nullable=True),
        Column("duty_room", JSON, nullable=True),
        Column("first_report_due_at", UtcDateTime, nullable=False),
        Column("late", Boolean, nullable=False),
        Column("escalation_step", Integer, nullable=False),
        Column("acknowledged_at", UtcDateTime, nullable=True),
        Column("first_reported_at", UtcDateTime, nullable=True),
        Column("last_report_kind", String(16), nullable=True),
        Column("closed_at", UtcDateTime, nullable=True),
        Column("status", String(16), nullable=False),
        Column("merged_into", String(40), nullable=True),
        Column("concealment", String(16), nullable=True),
        Column("origin", String(24), nullable=False),
    )
    Index("incidents_open_of", table.c.unit_id, table.c.type, table.c.status)
    return table


def _timeline(metadata: MetaData) -> Table:
    table = Table(
        "timeline",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("incident_id", String(40), nullable=False, index=True),
        Column("at", UtcDateTime, nullable=False),
        Column("kind", String(32), nullable=False),
        Column("detail", Text, nullable=False),
        Column("actor", String(200), nullable=True),
        Column("channel", String(16), nullable=True),
        Column("data", JSON, nullable=False),
    )
    return table


def _deadlines(metadata: MetaData) -> Table:
    return Table(
        "deadlines",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("incident_id", String(40), nullable=False, index=True),
        Column("kind", String(16), nullable=False),
        Column("report_kind", String(16), nullable=False),
        Column("due_at", UtcDateTime, nullable=False, index=True),
        Column("settled_at", UtcDateTime, nullable=True),
        Column("outcome", String(16), nullable=True),
    )


def _reports(metadata: MetaData) -> Table:
    return Table(
        "reports",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("incident_id", String(40), nullable=False, index=True),
        Column("kind", String(16), nullable=False),
        Column("text", Text, nullable=False),
        Column("filed_by", String(100), nullable=False),
        Column("filed_at", UtcDateTime, nullable=False),
        Column("late", Boolean, nullable=False),
        Column("source", String(8), nullable=False),
        Column("form", JSON, nullable=True),
    )


def _deliveries(metadata: MetaData) -> Table:
    return Table(
        "report_deliveries",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("report_id", Integer, nullable=False, index=True),
        Column("incident_id", String(40), nullable=False, index=True),
        Column("kind", String(16), nullable=False),
        Column("role", String(32), nullable=False),
        Column("name", String(64), nullable=False),
        Column("phone", String(32), nullable=False),
        Column("delivered_at", UtcDateTime, nullable=True),
        Column("channel", String(8), nullable=True),
        Column("acknowledged_at", UtcDateTime, nullable=True),
    )


def _missed_check_ins(metadata: MetaData) -> Table:
    return Table(
        "missed_check_ins",
        metadata,
        Column("shift_id", String(200), primary_key=True),
        Column("role", String(16), primary_key=True),
        Column("unit_id", String(64), nullable=False, index=True),
        Column("person", JSON, nullable=False),
        Column("due_by", UtcDateTime, nullable=False, index=True),
    )


def _handovers(metadata: MetaData) -> Table:
    return Table(
        "handovers",
        metadata,
        Column("id", String(40), primary_key=True),
        Column("unit_id", String(64), nullable=False, index=True),
        Column("shift_id", String(200), nullable=False, unique=True),
        Column("from_officer", JSON, nullable=True),
        Column("to_officer", JSON, nullable=False),
        Column("to_phone", String(32), nullable=False, index=True),
        Column("at", UtcDateTime, nullable=False, index=True),
        Column("items", JSON, nullable=False),
        Column("acknowledged_at", UtcDateTime, nullable=True),  # the incoming officer's signature, by SMS or not
        Column("incoming_signed_by", String(100), nullable=True),
        Column("incoming_signed_via", String(8), nullable=True),
        Column("outgoing_signed_by", String(100), nullable=True),
        Column("outgoing_signed_at", UtcDateTime, nullable=True),
    )


def _drafts(metadata: MetaData) -> Table:
    return Table(
        "report_drafts",
        metadata,
        Column("id", String(40), primary_key=True),
        Column("incident_id", String(40), nullable=False, index=True),
        Column("unit_id", String(64), nullable=False),
        Column("code", String(8), nullable=False),
        Column("text", Text, nullable=False),
        Column("form", JSON, nullable=True),
        Column("filed_by", String(100), nullable=False),
        Column("source", String(8), nullable=False),
        Column("drafted_at", UtcDateTime, nullable=False),
        Column("leader", JSON, nullable=True),
        Column("state", String(16), nullable=False),
        Index("report_drafts_by_code", "unit_id", "code", "state"),
    )
