"""Runs in the notifier's database, each stored with its tracks."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any  # SQLAlchemy's statements are Select[Any], its rows untyped tuples of the columns

from sqlalchemy import Select, Table, bindparam, func, select, update

from schemas.notify import RunSubject
from services.notifier.adapters.tables import Rows
from services.notifier.adapters.tracks import contacts_to_json
from services.notifier.domain.runs import OPEN, NewRun, Run, incident_subject_ids
from services.runtime.store import first_row, insert_into, row_by_key

__all__ = ["SqlRuns"]


def as_run(row: Any) -> Run:
    """A `runs` row (SQLAlchemy's or the SQLite fast path's, both tuples in column order) as a Run."""
    return Run(*row)


class SqlRuns(Rows):
    """Implements `ports.Runs`."""

    async def add_run(self, run: NewRun, now: datetime, first_due: datetime | None = None) -> str:
        """Record a run and its tracks; the first step falls due at `first_due` (default: now)."""
        run_id = str(uuid.uuid4())
        row = {
            "id": run_id,
            "subject": run.subject,
            "subject_id": run.subject_id,
            "unit_id": run.unit_id,
            "policy": run.policy,
            "major": run.major,
            "sms_text": run.sms_text,
            "voice_script": run.voice_script,
            "state": OPEN,
            "created_at": now,
        }
        await self.session.insert(insert_into(self.t.runs), row)
        tracks = [
            {
                "run_id": run_id,
                "unit_id": track.unit_id,
                "label": track.label,
                "contacts": contacts_to_json(track.contacts),
                "state": OPEN,
                "next_step": 0,
                "due_at": first_due or now,
            }
            for track in run.tracks
        ]
        await self.session.insert(insert_into(self.t.tracks), tracks)
        return run_id

    async def find_run(self, run_id: str) -> Run | None:
        row = await first_row(self.session, row_by_key(self.t.runs, "id"), {"key": run_id})
        return None if row is None else as_run(row)

    async def run(self, run_id: str) -> Run:
        """A run something refers to (an attempt, a track, a code): LookupError if it is not there."""
        run = await self.find_run(run_id)
        if run is None:
            raise LookupError(f"no run {run_id}")
        return run

    async def count_open_runs(self) -> int:
        query = select(func.count()).select_from(self.t.runs).where(self.t.runs.c.state == OPEN)
        return int(await self.session.scalar(query) or 0)

    async def runs_by_id(self, run_ids: Collection[str]) -> dict[str, Run]:
        rows = await self.session.fetch(_runs_by_id(self.t.runs), {"ids": list(run_ids)})
        return {row.id: as_run(row) for row in rows}

    async def open_runs_for(self, subject_ids: Sequence[str], subjects: Sequence[str]) -> list[Run]:
        query = select(self.t.runs).where(
            self.t.runs.c.subject_id.in_(subject_ids), self.t.runs.c.subject.in_(subjects), self.t.runs.c.state == OPEN
        )
        return [as_run(row) for row in (await self.session.execute(query)).all()]

    async def runs_for_subject(self, subject: str, subject_id: str) -> list[Run]:
        runs = self.t.runs.c
        query = select(self.t.runs).where(runs.subject == subject, runs.subject_id == subject_id)
        return [as_run(row) for row in (await self.session.execute(query)).all()]

    async def runs_for_incident(self, incident_id: str) -> list[Run]:
        rows = await self.session.fetch(_runs_by_subject_id(self.t.runs), {"ids": incident_subject_ids(incident_id)})
        return [as_run(row) for row in rows]

    async def end_run(self, run_id: str, state: str, now: datetime) -> None:
        await self.session.execute(
            update(self.t.runs).where(self.t.runs.c.id == run_id).values(state=state, ended_at=now)
        )

    async def answers_to_unit_since(self, unit_id: str, since: datetime) -> int:
        runs = self.t.runs.c
        query = (
            select(func.count())
            .select_from(self.t.runs)
            .where(runs.subject == RunSubject.MESSAGE.value, runs.unit_id == unit_id, runs.created_at > since)
        )
        return int(await self.session.scalar(query) or 0)


# Statements on the escalation path, built once: building one costs several times running it.
@functools.cache
def _runs_by_subject_id(runs: Table) -> Select[Any]:
    return select(runs).where(runs.c.subject_id.in_(bindparam("ids", expanding=True)))


@functools.cache
def _runs_by_id(runs: Table) -> Select[Any]:
    return select(runs).where(runs.c.id.in_(bindparam("ids", expanding=True)))
