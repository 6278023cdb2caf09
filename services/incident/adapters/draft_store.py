"""首报 drafts waiting for the leader's 签发, in the incident service's own database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from schemas.report_form import ReportForm
from services.directory.adapters import person_json, person_of
from services.incident.adapters.tables import Tables
from services.incident.domain import Draft, Source
from services.runtime.store import Session, insert_into

__all__ = ["SqlDrafts"]

PENDING = "pending"


class SqlDrafts:
    """Implements `ports.Drafts`."""

    def __init__(self, session: Session, tables: Tables) -> None:
        self._session = session
        self._table = tables.drafts

    async def add(self, draft: Draft) -> None:
        row = {
            "id": draft.id,
            "incident_id": draft.incident_id,
            "unit_id": draft.unit_id,
            "code": draft.code,
            "text": draft.text,
            "form": None if draft.form is None else draft.form.model_dump(mode="json"),
            "filed_by": draft.filed_by,
            "source": draft.source.value,
            "drafted_at": draft.drafted_at,
            "leader": person_json(draft.leader),
            "state": draft.state,
        }
        await self._session.insert(insert_into(self._table), row)

    async def pending_of(self, incident_id: str) -> Draft | None:
        columns = self._table.c
        return await self._first(columns.incident_id == incident_id, columns.state == PENDING)

    async def pending_by_code(self, unit_id: str, code: str) -> Draft | None:
        columns = self._table.c
        return await self._first(columns.unit_id == unit_id, columns.code == code, columns.state == PENDING)

    async def settle(self, draft_id: str, state: str) -> None:
        columns = self._table.c
        await self._session.execute(
            update(self._table).where(columns.id == draft_id, columns.state == PENDING).values(state=state)
        )

    async def _first(self, *conditions: Any) -> Draft | None:
        query = select(self._table).where(*conditions).order_by(self._table.c.drafted_at.desc()).limit(1)
        row = (await self._session.execute(query)).first()
        return None if row is None else _draft_of(row)


def _draft_of(row: Any) -> Draft:
    return Draft(
        row.id,
        row.incident_id,
        row.unit_id,
        row.code,
        row.text,
        None if row.form is None else ReportForm.model_validate(row.form),
        row.filed_by,
        Source(row.source),
        row.drafted_at,
        person_of(row.leader),
        row.state,
    )
