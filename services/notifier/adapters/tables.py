"""The notifier's tables: runs, their tracks (timers), attempts, reply codes, inbound texts, what filed reports
answered, read models."""

from __future__ import annotations

from typing import Any  # SQLAlchemy's Column is generic in a type our columns do not pin

from sqlalchemy import JSON, Boolean, Column, Index, Integer, MetaData, String, Table, Text

from services.directory.tables import DirectoryTables
from services.runtime.store import Session, UtcDateTime

__all__ = ["NotifierTables", "Rows"]


def _when(name: str, *, nullable: bool = True, index: bool = False) -> Column[Any]:
    return Column(name, UtcDateTime(), nullable=nullable, index=index)


class NotifierTables:
    """Every table of the notifier on one MetaData (which also carries the outbox and the inbox)."""

    def __init__(self, metadata: MetaData) -> None:
        self.runs = Table(
            "runs",
            metadata,
            Column("id", String(36), primary_key=True),
            Column("subject", String(32), nullable=False),
            Column("subject_id", String(200), nullable=False, index=True),
            Column("unit_id", String(64), nullable=False),
            Column("policy", String(32), nullable=False),
            Column("major", Boolean, nullable=False, default=False),
            Column("sms_text", Text, nullable=False),
            Column("voice_script", Text, nullable=False),
            Column("state", String(16), nullable=False),
            _when("created_at", nullable=False),
            _when("ended_at"),
        )
        self.tracks = Table(
            "tracks",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("run_id", String(36), nullable=False, index=True),
            Column("unit_id", String(64), nullable=False),
            Column("label", String(100), nullable=False),
            Column("contacts", JSON, nullable=False),
            Column("state", String(16), nullable=False),
            Column("next_step", Integer, nullable=False),
            _when("due_at"),
            Column("acked_by", String(20)),
            Column("acked_name", String(64)),
            Column("acked_channel", String(8)),
            _when("acked_at"),
            Index("ix_tracks_due", "state", "due_at"),
        )
        self.attempts = Table(
            "attempts",
            metadata,
            Column("id", String(36), primary_key=True),
            Column("run_id", String(36), nullable=False, index=True),
            Column("track_id", Integer, nullable=False),
            Column("step", Integer, nullable=False),
            Column("role", String(40), nullable=False),
            Column("name", String(64), nullable=False),
            Column("to", String(20), nullable=False, index=True),
            Column("channel", String(8), nullable=False),
            Column("reply_code", String(8)),
            Column("first_of_run", Boolean, nullable=False),
            Column("fallback_of", String(36)),
            Column("provider", String(16)),
            Column("provider_ref", String(64), index=True),
            Column("status", String(16), nullable=False),
            Column("status_rank", Integer, nullable=False, default=-1),
            Column("dispatches", Integer, nullable=False, default=0),
            Column("error_code", String(32)),
            Column("error", Text),
            _when("created_at", nullable=False),
            _when("not_before", nullable=False),
            _when("sent_at"),
            _when("finished_at"),
            Index("ix_attempts_pending", "status", "not_before"),
        )
        self.reply_codes = Table(
            "reply_codes",
            metadata,
            Column("phone", String(20), primary_key=True),
            Column("code", String(8), primary_key=True),
            Column("run_id", String(36), nullable=False, index=True),
            Column("track_id", Integer, nullable=False),
            Column("subject_id", String(200), nullable=False),
            _when("issued_at", nullable=False),
        )
        self.inbound = Table(
            "inbound_texts",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("phone", String(20), nullable=False, index=True),
            Column("text", Text, nullable=False),
            Column("meaning", String(16), nullable=False),
            Column("provider_ref", String(64), unique=True),
            _when("received_at", nullable=False),
        )
        self.directory = DirectoryTables(metadata)
        self.answered = Table(
            "answered",
            metadata,
            Column("subject", String(32), primary_key=True),
            Column("subject_id", String(200), primary_key=True),
            Column("reason", String(200), nullable=False),
            _when("answered_at", nullable=False),
        )
        self.broadcasts = Table(
            "broadcasts",
            metadata,
            Column("id", String(36), primary_key=True),
            Column("unit_id", String(64), nullable=False),
            Column("title", String(40), nullable=False),
            Column("text", Text, nullable=False),
            Column("sent_by", String(100), nullable=False),
            Column("target_unit_ids", JSON),
            _when("sent_at", nullable=False),
        )


class Rows:
    """Base of the repositories: queries in the caller's transaction, on the notifier's tables."""

    def __init__(self, session: Session, tables: NotifierTables) -> None:
        self.session = session
        self.t = tables
