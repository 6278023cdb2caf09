"""The roster's own tables and the repositories over them (one transaction's session each)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from schemas.duty import DutyRole, ShiftStarted
from schemas.envelope import Envelope, Message
from schemas.values import Person
from services.duty_roster.domain import Override, Role
from services.duty_roster.ports import CheckIn, PublishedDuty, RosterVersion
from services.runtime.outbox import Outbox
from services.runtime.store import Session

__all__ = [
    "OutboxEvents",
    "RosterTables",
    "SqlCheckIns",
    "SqlHolidayReminders",
    "SqlOverrideLog",
    "SqlRosterVersions",
    "SqlShiftLedger",
]


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
            Column("written_at", DateTime(timezone=True), nullable=False, index=True),
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


def _insert_if_new(session: Session, table: Table, values: dict[str, Any]) -> Any:
    dialect_insert = postgresql_insert if session.dialect == "postgresql" else sqlite_insert
    return session.execute(dialect_insert(table).values(**values).on_conflict_do_nothing())


class SqlRosterVersions:
    def __init__(self, session: Session, tables: RosterTables) -> None:
        self._session, self._table = session, tables.versions

    async def latest(self) -> RosterVersion | None:
        row = (await self._session.execute(select(self._table).order_by(self._table.c.id.desc()).limit(1))).first()
        if row is None:
            return None
        return RosterVersion(row.id, row.digest, row.text, row.source, row.imported_at)

    async def latest_id(self) -> int | None:
        query = select(self._table.c.id).order_by(self._table.c.id.desc()).limit(1)
        return (await self._session.execute(query)).scalar()

    async def add(self, text: str, digest: str, source: str, now: datetime) -> int:
        values = {"text": text, "digest": digest, "source": source, "imported_at": now}
        result = await self._session.execute(insert(self._table).values(**values).returning(self._table.c.id))
        return int(result.scalar_one())

    async def lock(self) -> None:
        # PostgreSQL: the newest version's row lock serialises changes. SQLite: BEGIN IMMEDIATE already did.
        query = select(self._table.c.id).order_by(self._table.c.id.desc()).limit(1).with_for_update()
        await self._session.execute(query)


class SqlOverrideLog:
    def __init__(self, session: Session, tables: RosterTables) -> None:
        self._session, self._table = session, tables.overrides

    async def add(self, override: Override) -> int:
        values = {
            "unit_id": override.unit_id,
            "role": override.role.value,
            "by": override.by,
            "replaces": override.replaces,
            "starts_at": override.starts_at.astimezone(UTC),
            "ends_at": override.ends_at.astimezone(UTC),
            "reason": override.reason,
            "entered_by": override.entered_by,
            "entered_at": override.entered_at.astimezone(UTC),
        }
        result = await self._session.execute(insert(self._table).values(**values).returning(self._table.c.id))
        return int(result.scalar_one())

    async def all(self) -> list[Override]:
        rows = (await self._session.execute(select(self._table).order_by(self._table.c.id))).all()
        return [_override(row) for row in rows]

    async def latest_id(self) -> int | None:
        query = select(self._table.c.id).order_by(self._table.c.id.desc()).limit(1)
        return (await self._session.execute(query)).scalar()


def _override(row: Any) -> Override:
    return Override(
        unit_id=row.unit_id,
        role=Role(row.role),
        by=row.by,
        replaces=row.replaces,
        starts_at=_aware(row.starts_at),
        ends_at=_aware(row.ends_at),
        reason=row.reason,
        entered_by=row.entered_by,
        entered_at=_aware(row.entered_at),
    )


class SqlShiftLedger:
    def __init__(self, session: Session, tables: RosterTables) -> None:
        self._session, self._tables = session, tables

    async def published(self) -> dict[str, PublishedDuty]:
        rows = (await self._session.execute(select(self._tables.published))).all()
        return {
            row.unit_id: PublishedDuty(
                row.unit_id, row.unit_digest, ShiftStarted.model_validate_json(row.shift) if row.shift else None
            )
            for row in rows
        }

    async def save(self, duty: PublishedDuty, now: datetime) -> None:
        table = self._tables.published
        values = {
            "unit_digest": duty.unit_digest,
            "shift": duty.shift.model_dump_json() if duty.shift else None,
            "updated_at": now,
        }
        # One statement: two replicas that both find a unit new would otherwise both insert, and one would fail.
        dialect_insert = postgresql_insert if self._session.dialect == "postgresql" else sqlite_insert
        upsert = dialect_insert(table).values(unit_id=duty.unit_id, **values)
        await self._session.execute(upsert.on_conflict_do_update(index_elements=[table.c.unit_id], set_=values))

    async def first_handover(self, shift_id: str, unit_id: str, now: datetime) -> bool:
        values = {"shift_id": shift_id, "unit_id": unit_id, "published_at": now}
        result = await _insert_if_new(self._session, self._tables.handovers, values)
        return bool(result.rowcount)


class SqlHolidayReminders:
    def __init__(self, session: Session, tables: RosterTables) -> None:
        self._session, self._table = session, tables.holiday_reminders

    async def first_this_week(self, year: int, now: datetime) -> bool:
        iso = now.isocalendar()
        values = {"year_week": f"{year}@{iso.year}-W{iso.week:02d}", "sent_at": now}
        return bool((await _insert_if_new(self._session, self._table, values)).rowcount)


class SqlCheckIns:
    def __init__(self, session: Session, tables: RosterTables) -> None:
        self._session, self._table = session, tables.check_ins

    async def open(self, check_in: CheckIn, now: datetime) -> bool:
        values = {
            "shift_id": check_in.shift_id,
            "role": check_in.role.value,
            "unit_id": check_in.unit_id,
            "person": check_in.person.model_dump_json(),
            "starts_at": check_in.starts_at,
            "due_by": check_in.due_by,
            "requested_at": now,
        }
        return bool((await _insert_if_new(self._session, self._table, values)).rowcount)

    async def get(self, shift_id: str, role: DutyRole) -> CheckIn | None:
        row = (await self._session.execute(select(self._table).where(*self._key(shift_id, role)))).first()
        return None if row is None else _check_in(row)

    async def claim_due(self, now: datetime, limit: int) -> Sequence[CheckIn]:
        table = self._table
        query = (
            select(table)
            .where(table.c.due_by <= now, table.c.received_at.is_(None), table.c.missed_at.is_(None))
            .order_by(table.c.due_by)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_check_in(row) for row in (await self._session.execute(query)).all()]

    async def mark_missed(self, shift_id: str, role: DutyRole, now: datetime) -> None:
        await self._session.execute(update(self._table).where(*self._key(shift_id, role)).values(missed_at=now))

    async def mark_received(self, shift_id: str, role: DutyRole, at: datetime) -> bool:
        # Only an open row: on PostgreSQL this waits for a sweep that holds the row and then finds it missed.
        columns = self._table.c
        statement = (
            update(self._table)
            .where(*self._key(shift_id, role), columns.received_at.is_(None), columns.missed_at.is_(None))
            .values(received_at=at)
        )
        return bool((await self._session.execute(statement)).rowcount)

    def _key(self, shift_id: str, role: DutyRole) -> tuple[Any, Any]:
        return self._table.c.shift_id == shift_id, self._table.c.role == role.value


def _check_in(row: Any) -> CheckIn:
    return CheckIn(
        shift_id=row.shift_id,
        unit_id=row.unit_id,
        role=DutyRole(row.role),
        person=Person.model_validate_json(row.person),
        starts_at=_aware(row.starts_at),
        due_by=_aware(row.due_by),
        received_at=_aware(row.received_at) if row.received_at else None,
        missed_at=_aware(row.missed_at) if row.missed_at else None,
    )


def _aware(value: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class OutboxEvents:
    """EventSink over the runtime's outbox, in the session's transaction."""

    def __init__(self, session: Session, outbox: Outbox, producer: str) -> None:
        self._session, self._outbox, self._producer = session, outbox, producer

    async def publish(self, payload: Message, *, now: datetime, correlation_id: str | None = None) -> None:
        envelope = Envelope.wrap(payload, producer=self._producer, occurred_at=now, correlation_id=correlation_id)
        await self._outbox.put(self._session, envelope)
