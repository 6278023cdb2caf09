"""Handover records (交接班) in the incident service's own database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from schemas.values import ReportKind
from services.directory.adapters import person_json, person_of
from services.incident.adapters.tables import Tables
from services.incident.domain import Handover, HandoverItem, Signature, SignRole
from services.runtime.store import Session, insert_into

__all__ = ["SqlHandovers"]

HTTP, SMS = "http", "sms"


class SqlHandovers:
    """Implements `ports.Handovers`."""

    def __init__(self, session: Session, tables: Tables) -> None:
        self._session = session
        self._table = tables.handovers

    async def add(self, handover: Handover) -> bool:
        known = select(self._table.c.id).where(self._table.c.shift_id == handover.shift_id)
        if (await self._session.execute(known)).first() is not None:
            return False
        row = {
            "id": handover.id,
            "unit_id": handover.unit_id,
            "shift_id": handover.shift_id,
            "from_officer": person_json(handover.from_officer),
            "to_officer": person_json(handover.to_officer),
            "to_phone": handover.to_officer.phone,
            "at": handover.at,
            "items": [_item_json(item) for item in handover.items],
            "acknowledged_at": None,
        }
        await self._session.insert(insert_into(self._table), row)
        return True

    async def latest_open_to(self, phone: str) -> Handover | None:
        columns = self._table.c
        query = (
            select(self._table)
            .where(columns.to_phone == phone, columns.acknowledged_at.is_(None))
            .order_by(columns.at.desc())
            .limit(1)
        )
        row = (await self._session.execute(query)).first()
        return None if row is None else _handover_of(row)

    async def get(self, handover_id: str) -> Handover | None:
        row = (await self._session.execute(select(self._table).where(self._table.c.id == handover_id))).first()
        return None if row is None else _handover_of(row)

    async def sign(self, handover_id: str, role: SignRole, signature: Signature) -> bool:
        columns = self._table.c
        at, values = _signature_columns(role, signature)
        signed = await self._session.execute(
            update(self._table).where(columns.id == handover_id, columns[at].is_(None)).values(**values)
        )
        return signed.rowcount > 0

    async def listed(self, units: Sequence[str] | None, since: datetime | None, limit: int) -> list[Handover]:
        columns = self._table.c
        query = select(self._table).order_by(columns.at.desc(), columns.id).limit(limit)
        if units is not None:
            query = query.where(columns.unit_id.in_(list(units)))
        if since is not None:
            query = query.where(columns.at >= since)
        return [_handover_of(row) for row in await self._session.execute(query)]


def _signature_columns(role: SignRole, signature: Signature) -> tuple[str, dict[str, Any]]:
    """The column that says whether the role has signed, and the values of its signature."""
    if role is SignRole.OUTGOING:
        return "outgoing_signed_at", {"outgoing_signed_at": signature.at, "outgoing_signed_by": signature.by}
    values = {"acknowledged_at": signature.at, "incoming_signed_by": signature.by, "incoming_signed_via": signature.via}
    return "acknowledged_at", values


def _item_json(item: HandoverItem) -> dict[str, Any]:
    return {
        "incident_id": item.incident_id,
        "summary": item.summary,
        "next_kind": None if item.next_kind is None else item.next_kind.value,
        "next_due_at": None if item.next_due_at is None else item.next_due_at.isoformat(),
    }


def _item_of(document: dict[str, Any]) -> HandoverItem:
    kind, due = document["next_kind"], document["next_due_at"]
    return HandoverItem(
        document["incident_id"],
        document["summary"],
        None if kind is None else ReportKind(kind),
        None if due is None else datetime.fromisoformat(due),
    )


def _handover_of(row: Any) -> Handover:
    to_officer = person_of(row.to_officer)
    assert to_officer is not None
    return Handover(
        row.id,
        row.unit_id,
        row.shift_id,
        person_of(row.from_officer),
        to_officer,
        row.at,
        tuple(_item_of(item) for item in row.items),
        _outgoing_of(row),
        _incoming_of(row, to_officer.name),
    )


def _outgoing_of(row: Any) -> Signature | None:
    return None if row.outgoing_signed_at is None else Signature(row.outgoing_signed_by, row.outgoing_signed_at, HTTP)


def _incoming_of(row: Any, to_officer: str) -> Signature | None:
    """Records acknowledged before signatures were kept name nobody: it was the officer's 接班 by SMS."""
    if row.acknowledged_at is None:
        return None
    return Signature(row.incoming_signed_by or to_officer, row.acknowledged_at, row.incoming_signed_via or SMS)
