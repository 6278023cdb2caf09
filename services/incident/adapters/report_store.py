"""Report deadlines (timer rows), filed reports and their per-recipient deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from schemas.report_form import ReportForm
from schemas.values import Channel, Recipient, RecipientRole, ReportKind
from services.incident.adapters.tables import Tables
from services.incident.domain import Deadline, DeadlineKind, Delivery, Firing, Report, Source
from services.runtime.store import Session, insert_into

__all__ = ["SqlDeadlines", "SqlReports"]


def _deadline_of(row: Any) -> Deadline:
    return Deadline(row.incident_id, DeadlineKind(row.kind), row.due_at, ReportKind(row.report_kind), row.id)


class SqlDeadlines:
    """Implements `ports.Deadlines`."""

    def __init__(self, session: Session, tables: Tables) -> None:
        self._session = session
        self._table = tables.deadlines

    async def add(self, deadlines: Sequence[Deadline]) -> None:
        rows = [
            {
                "incident_id": deadline.incident_id,
                "kind": deadline.kind.value,
                "report_kind": deadline.report_kind.value,
                "due_at": deadline.due_at,
            }
            for deadline in deadlines
        ]
        await self._session.insert(insert_into(self._table), rows)

    async def claim_due(self, now: datetime, limit: int) -> list[Deadline]:
        columns = self._table.c
        query = (
            select(self._table)
            .where(columns.settled_at.is_(None), columns.due_at <= now)
            .order_by(columns.due_at, columns.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_deadline_of(row) for row in await self._session.execute(query)]

    async def settle(self, deadline_id: int, now: datetime, outcome: Firing) -> None:
        await self._session.execute(
            update(self._table)
            .where(self._table.c.id == deadline_id, self._table.c.settled_at.is_(None))
            .values(settled_at=now, outcome=outcome.value)
        )

    async def settle_open(
        self, incident_id: str, now: datetime, outcome: Firing, kinds: Sequence[ReportKind] | None = None
    ) -> None:
        columns = self._table.c
        query = update(self._table).where(columns.incident_id == incident_id, columns.settled_at.is_(None))
        if kinds is not None:
            query = query.where(columns.report_kind.in_([kind.value for kind in kinds]))
        await self._session.execute(query.values(settled_at=now, outcome=outcome.value))

    async def of_incident(self, incident_id: str) -> list[tuple[Deadline, datetime | None, str | None]]:
        columns = self._table.c
        query = select(self._table).where(columns.incident_id == incident_id).order_by(columns.due_at, columns.id)
        return [(_deadline_of(row), row.settled_at, row.outcome) for row in await self._session.execute(query)]


class SqlReports:
    """Implements `ports.Reports`."""

    def __init__(self, session: Session, tables: Tables) -> None:
        self._session = session
        self._reports = tables.reports
        self._deliveries = tables.deliveries

    async def add(self, report: Report, recipients: Sequence[Recipient]) -> Report:
        result = await self._session.execute(
            insert(self._reports)
            .values(
                incident_id=report.incident_id,
                kind=report.kind.value,
                text=report.text,
                filed_by=report.filed_by,
                filed_at=report.filed_at,
                late=report.late,
                source=report.source.value,
                form=None if report.form is None else report.form.model_dump(mode="json"),
            )
            .returning(self._reports.c.id)
        )
        report_id = result.scalar_one()
        for recipient in recipients:
            await self._session.execute(
                insert(self._deliveries).values(
                    report_id=report_id,
                    incident_id=report.incident_id,
                    kind=report.kind.value,
                    role=recipient.role.value,
                    name=recipient.name,
                    phone=recipient.phone,
                )
            )
        return Report(**{**vars(report), "id": report_id})

    async def of_incident(self, incident_id: str) -> list[tuple[Report, list[Delivery]]]:
        reports = await self._session.execute(
            select(self._reports).where(self._reports.c.incident_id == incident_id).order_by(self._reports.c.id)
        )
        deliveries = await self._session.execute(
            select(self._deliveries)
            .where(self._deliveries.c.incident_id == incident_id)
            .order_by(self._deliveries.c.id)
        )
        by_report: dict[int, list[Delivery]] = {}
        for row in deliveries:
            by_report.setdefault(row.report_id, []).append(_delivery_of(row))
        return [(_report_of(row), by_report.get(row.id, [])) for row in reports]

    async def record_delivery(
        self, incident_id: str, kind: ReportKind, phone: str, at: datetime, channel: Channel
    ) -> Delivery | None:
        row = await self._latest(incident_id, kind, phone, self._deliveries.c.delivered_at)
        if row is None:
            return None
        await self._set(row.id, delivered_at=at, channel=channel.value)
        return Delivery(row.report_id, _recipient_of(row), at, channel, row.acknowledged_at)

    async def record_acknowledgement(
        self, incident_id: str, kind: ReportKind, phone: str, at: datetime, channel: Channel
    ) -> Delivery | None:
        row = await self._latest(incident_id, kind, phone, self._deliveries.c.acknowledged_at)
        if row is None:
            return None
        delivered_at = row.delivered_at or at
        delivered_by = channel if row.channel is None else Channel(row.channel)
        await self._set(row.id, acknowledged_at=at, delivered_at=delivered_at, channel=delivered_by.value)
        return Delivery(row.report_id, _recipient_of(row), delivered_at, delivered_by, at)

    async def _latest(self, incident_id: str, kind: ReportKind, phone: str, unset: Any) -> Any:
        columns = self._deliveries.c
        query = (
            select(self._deliveries)
            .where(columns.incident_id == incident_id, columns.kind == kind.value, columns.phone == phone)
            .where(unset.is_(None))
            .order_by(columns.id.desc())
            .limit(1)
        )
        return (await self._session.execute(query)).first()

    async def _set(self, delivery_id: int, **values: Any) -> None:
        await self._session.execute(
            update(self._deliveries).where(self._deliveries.c.id == delivery_id).values(**values)
        )


def _recipient_of(row: Any) -> Recipient:
    return Recipient(role=RecipientRole(row.role), name=row.name, phone=row.phone)


def _delivery_of(row: Any) -> Delivery:
    channel = None if row.channel is None else Channel(row.channel)
    return Delivery(row.report_id, _recipient_of(row), row.delivered_at, channel, row.acknowledged_at)


def _report_of(row: Any) -> Report:
    return Report(
        row.incident_id,
        ReportKind(row.kind),
        row.text,
        row.filed_by,
        row.filed_at,
        row.late,
        Source(row.source),
        row.id,
        None if row.form is None else ReportForm.model_validate(row.form),
    )
