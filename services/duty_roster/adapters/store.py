"""The repositories over the roster's tables (one transaction's session each), and the ports bundle of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from schemas.duty import DutyRole, ShiftStarted
from schemas.values import Person
from services.duty_roster.adapters.duty_log import SqlDutyLog
from services.duty_roster.adapters.tables import RosterTables
from services.duty_roster.domain import Override, Role
from services.duty_roster.ports import CheckIn, Ports, PublishedDuty, RosterVersion
from services.runtime.outgoing import Outgoing
from services.runtime.session import Session

__all__ = [
    "SqlCheckIns",
    "SqlHolidayReminders",
    "SqlOverrideLog",
    "SqlRosterVersions",
    "SqlShiftLedger",
    "roster_ports",
]


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


def roster_ports(tables: RosterTables, session: Session, outgoing: Outgoing) -> Ports:
    return Ports(
        versions=SqlRosterVersions(session, tables),
        overrides=SqlOverrideLog(session, tables),
        ledger=SqlShiftLedger(session, tables),
        check_ins=SqlCheckIns(session, tables),
        reminders=SqlHolidayReminders(session, tables),
        duty_log=SqlDutyLog(session, tables),
        events=outgoing,
    )
