"""The read model's two tables, in each service's own database. Phones and person ids are indexed columns beside
the people's JSON, so an inbound text finds its sender with one indexed query."""

from __future__ import annotations

from sqlalchemy import JSON, Column, MetaData, String, Table

from services.runtime.store import UtcDateTime

__all__ = ["DirectoryTables"]


class DirectoryTables:
    """Adds `units` and `shifts` to `metadata`, their names after `prefix` (the board's tables all carry one)."""

    def __init__(self, metadata: MetaData, prefix: str = "") -> None:
        self.units = Table(
            f"{prefix}units",
            metadata,
            Column("unit_id", String(64), primary_key=True),
            Column("name", String(200), nullable=False),
            Column("kind", String(32), nullable=False),
            Column("parent_id", String(64), nullable=True),
            Column("duty_room", JSON, nullable=True),
            Column("duty_room_phone", String(32), nullable=True, index=True),
            Column("recipients", JSON, nullable=False),
        )
        self.shifts = Table(
            f"{prefix}shifts",
            metadata,
            Column("shift_id", String(200), primary_key=True),
            Column("unit_id", String(64), nullable=False, index=True),
            Column("officer", JSON, nullable=False),
            Column("leader", JSON, nullable=False),
            Column("officer_id", String(64), nullable=False, index=True),
            Column("leader_id", String(64), nullable=False, index=True),
            Column("officer_phone", String(32), nullable=False, index=True),
            Column("leader_phone", String(32), nullable=False, index=True),
            Column("starts_at", UtcDateTime, nullable=False),
            Column("ends_at", UtcDateTime, nullable=False, index=True),
            Column("ended_at", UtcDateTime, nullable=True),
        )
