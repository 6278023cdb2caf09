"""The read model's repositories over the board's own tables (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select

from schemas.values import RecipientRole, ReportKind
from services.board.adapters.tables import Tables
from services.board.domain import Acknowledgement, BroadcastCard, CheckIn, Delivery, IncidentCard
from services.directory.adapters import person_json, person_of
from services.runtime.store import Session

__all__ = ["SqlBroadcasts", "SqlCheckIns", "SqlIncidents"]


class SqlCheckIns:
    """Implements `ports.CheckIns`."""

    def __init__(self, session: Session, tables: Tables) -> None:
        self._session = session
        self._tables = tables

    async def note_check_in(self, check_in: CheckIn) -> None:
        table = self._tables.check_ins
        known = (await self.check_ins([check_in.shift_id])).get(check_in.shift_id)
        merged = {
            name: getattr(check_in, name) or (getattr(known, name) if known else None)
            for name in ("due_by", "received_at", "missed_at")
        }
        await self._session.execute(delete(table).where(table.c.shift_id == check_in.shift_id))
        await self._session.execute(insert(table).values(shift_id=check_in.shift_id, **merged))

    async def check_ins(self, shift_ids: Sequence[str]) -> dict[str, CheckIn]:
        if not shift_ids:
            return {}
        table = self._tables.check_ins
        rows = (await self._session.execute(select(table).where(table.c.shift_id.in_(shift_ids)))).all()
        return {row.shift_id: CheckIn(row.shift_id, row.due_by, row.received_at, row.missed_at) for row in rows}


class SqlIncidents:
    """Implements `ports.Incidents`."""

    def __init__(self, session: Session, tables: Tables) -> None:
        self._session = session
        self._tables = tables

    async def save(self, card: IncidentCard) -> None:
        incidents = self._tables.incidents
        row = dict(vars(card), officer=person_json(card.officer), leader=person_json(card.leader))
        row["incident_id"] = row.pop("id")
        await self._session.execute(delete(incidents).where(incidents.c.incident_id == card.id))
        await self._session.execute(insert(incidents).values(**row))

    async def get(self, incident_id: str) -> IncidentCard | None:
        incidents = self._tables.incidents
        row = (await self._session.execute(select(incidents).where(incidents.c.incident_id == incident_id))).first()
        return None if row is None else _card(row)

    async def open_of(self, unit_ids: Sequence[str] | None) -> list[IncidentCard]:
        columns = self._tables.incidents.c
        query = select(self._tables.incidents).where(columns.closed_at.is_(None))
        if unit_ids is not None:
            query = query.where(columns.unit_id.in_(unit_ids))
        rows = (await self._session.execute(query.order_by(columns.first_report_due_at))).all()
        return [_card(row) for row in rows]

    async def add_delivery(self, delivery: Delivery) -> None:
        table = self._tables.deliveries
        columns = table.c
        await self._session.execute(
            delete(table).where(
                columns.incident_id == delivery.incident_id,
                columns.kind == delivery.kind.value,
                columns.role == delivery.role.value,
            )
        )
        await self._session.execute(
            insert(table).values(dict(vars(delivery), kind=delivery.kind.value, role=delivery.role.value))
        )

    async def deliveries(self, incident_ids: Sequence[str]) -> list[Delivery]:
        if not incident_ids:
            return []
        table = self._tables.deliveries
        rows = (await self._session.execute(select(table).where(table.c.incident_id.in_(incident_ids)))).all()
        return [
            Delivery(
                row.incident_id,
                ReportKind(row.kind),
                RecipientRole(row.role),
                row.name,
                row.delivered_at,
                row.acknowledged,
            )
            for row in rows
        ]


def _card(row: Any) -> IncidentCard:
    fields = dict(row._mapping)
    fields["id"] = fields.pop("incident_id")
    return IncidentCard(**dict(fields, officer=person_of(row.officer), leader=person_of(row.leader)))


class SqlBroadcasts:
    """Implements `ports.Broadcasts`."""

    def __init__(self, session: Session, tables: Tables) -> None:
        self._session = session
        self._tables = tables

    async def save(self, card: BroadcastCard) -> None:
        table = self._tables.broadcasts
        await self._session.execute(delete(table).where(table.c.broadcast_id == card.id))
        targets = None if card.target_unit_ids is None else list(card.target_unit_ids)
        await self._session.execute(
            insert(table).values(
                broadcast_id=card.id,
                from_unit_id=card.from_unit_id,
                title=card.title,
                text=card.text,
                sent_by=card.sent_by,
                sent_at=card.sent_at,
                target_unit_ids=targets,
            )
        )

    async def acknowledge(self, broadcast_id: str, acknowledgement: Acknowledgement) -> None:
        table = self._tables.acknowledgements
        columns = table.c
        known = await self._session.scalar(
            select(columns.unit_id).where(
                columns.broadcast_id == broadcast_id, columns.unit_id == acknowledgement.unit_id
            )
        )
        if known is None:
            await self._session.execute(insert(table).values(broadcast_id=broadcast_id, **vars(acknowledgement)))

    async def recent(self, limit: int) -> list[BroadcastCard]:
        table = self._tables.broadcasts
        rows = (await self._session.execute(select(table).order_by(table.c.sent_at.desc()).limit(limit))).all()
        cards = {
            row.broadcast_id: BroadcastCard(
                row.broadcast_id,
                row.from_unit_id,
                row.title,
                row.text,
                row.sent_by,
                row.sent_at,
                None if row.target_unit_ids is None else tuple(row.target_unit_ids),
            )
            for row in rows
        }
        acks = self._tables.acknowledgements
        query = select(acks).where(acks.c.broadcast_id.in_(list(cards)))
        for row in (await self._session.execute(query)).all() if cards else []:
            cards[row.broadcast_id].acknowledgements[row.unit_id] = Acknowledgement(
                row.unit_id, row.by, row.person_name, row.acknowledged_at
            )
        return list(cards.values())
