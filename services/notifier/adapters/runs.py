"""Runs and their tracks in the notifier's database; `RunRepository` is the one door to all the notifier's rows."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, Update, bindparam, func, or_, select, update

from services.notifier.adapters.answered_rows import AnsweredRows
from services.notifier.adapters.attempt_rows import AttemptRows
from services.notifier.adapters.reply_rows import ReplyRows
from services.notifier.adapters.tables import Rows
from services.notifier.domain import Contact
from services.notifier.domain.runs import OPEN, Acknowledgement, NewRun, Run, Track
from services.runtime.store import first_row, insert_into, row_by_key

__all__ = ["RunRepository", "RunRows", "as_run", "as_track"]

# A JSON column's document: SQLAlchemy's JSON type gives whatever the JSON held.
Document = dict[str, Any]


def contacts_to_json(contacts: dict[str, Contact]) -> Document:
    return {role: {"name": c.name, "phone": c.phone, "person_id": c.person_id} for role, c in contacts.items()}


def as_run(row: Any) -> Run:
    """A `runs` row (SQLAlchemy's or the SQLite fast path's, both tuples in column order) as a Run."""
    return Run(*row)


def as_track(row: Any) -> Track:
    """A `tracks` row as a Track, its contacts document read into Contacts."""
    track_id, run_id, unit_id, label, contacts, *rest = row
    return Track(track_id, run_id, unit_id, label, {role: Contact(**value) for role, value in contacts.items()}, *rest)


class RunRows(Rows):
    """Runs and tracks: the timers of escalation (a track's `due_at`)."""

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
        rows = await self.session.execute(_runs_by_id(self.t.runs), {"ids": list(run_ids)})
        return {row.id: as_run(row) for row in rows.all()}

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
        runs = self.t.runs.c
        query = select(self.t.runs).where(or_(runs.subject_id == incident_id, runs.subject_id.like(incident_id + "/%")))
        return [as_run(row) for row in (await self.session.execute(query)).all()]

    async def end_run(self, run_id: str, state: str, now: datetime) -> None:
        await self.session.execute(
            update(self.t.runs).where(self.t.runs.c.id == run_id).values(state=state, ended_at=now)
        )

    async def tracks_of(self, run_id: str) -> list[Track]:
        query = select(self.t.tracks).where(self.t.tracks.c.run_id == run_id).order_by(self.t.tracks.c.id)
        return [as_track(row) for row in (await self.session.execute(query)).all()]

    async def track(self, track_id: int) -> Track:
        """A track something refers to (an attempt, a code): LookupError if it is not there."""
        row = (await self.session.execute(select(self.t.tracks).where(self.t.tracks.c.id == track_id))).one_or_none()
        if row is None:
            raise LookupError(f"no track {track_id}")
        return as_track(row)

    async def claim_due_tracks(self, now: datetime, limit: int) -> list[Track]:
        """Open tracks whose next step is due; another replica skips the rows this transaction holds."""
        return [
            as_track(row) for row in await self.session.fetch(_due_tracks(self.t.tracks), {"now": now, "limit": limit})
        ]

    async def advance_tracks(self, advances: Sequence[tuple[int, int, datetime]]) -> None:
        """(track id, next step, due at) for many tracks in one statement."""
        if not advances:
            return
        rows = [{"track_id": track, "next": step, "due": due} for track, step, due in advances]
        await self.session.execute(_advance_tracks(self.t.tracks), rows)

    async def bring_track_forward(self, track_id: int, step_done: int, now: datetime) -> None:
        """The step's call failed: the next step need not wait out its full time."""
        tracks = self.t.tracks.c
        await self.session.execute(
            update(self.t.tracks)
            .where(tracks.id == track_id, tracks.state == OPEN, tracks.next_step == step_done + 1, tracks.due_at > now)
            .values(due_at=now)
        )

    async def end_track(self, track_id: int, state: str, ack: Acknowledgement | None = None) -> bool:
        """Close an open track; False when it was no longer open (somebody was first)."""
        tracks = self.t.tracks.c
        result = await self.session.execute(
            update(self.t.tracks)
            .where(tracks.id == track_id, tracks.state == OPEN)
            .values(state=state, due_at=None, **(vars(ack) if ack else {}))
        )
        return bool(result.rowcount)

    async def set_contacts(self, track_id: int, contacts: dict[str, Contact]) -> None:
        """Who an open track's next steps reach (a handover moved the incident to other people)."""
        tracks = self.t.tracks.c
        await self.session.execute(
            update(self.t.tracks)
            .where(tracks.id == track_id, tracks.state == OPEN)
            .values(contacts=contacts_to_json(contacts))
        )

    async def open_track_count(self, run_id: str) -> int:
        tracks = self.t.tracks.c
        query = select(func.count()).where(tracks.run_id == run_id, tracks.state == OPEN)
        return int((await self.session.execute(query)).scalar_one())


class RunRepository(RunRows, AttemptRows, ReplyRows, AnsweredRows):
    """Every query the notifier makes about runs, attempts, reply codes, inbound texts and what filed reports
    answered, in one transaction."""


# Statements on the escalation path, built once: building one costs several times running it.
@functools.cache
def _runs_by_id(runs: Table) -> Select[Any]:
    return select(runs).where(runs.c.id.in_(bindparam("ids", expanding=True)))


@functools.cache
def _due_tracks(tracks: Table) -> Select[Any]:
    columns = tracks.c
    return (
        select(tracks)
        .where(columns.state == OPEN, columns.due_at <= bindparam("now"))
        .order_by(columns.due_at)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


@functools.cache
def _advance_tracks(tracks: Table) -> Update:
    return (
        update(tracks)
        .where(tracks.c.id == bindparam("track_id"))
        .values(next_step=bindparam("next"), due_at=bindparam("due"))
    )
