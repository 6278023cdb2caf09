"""The tracks of runs: the timers of escalation (an open track's `due_at`)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any  # SQLAlchemy's statements, rows and JSON documents are untyped

from sqlalchemy import Select, Table, Update, bindparam, func, select, update

from services.notifier.adapters.tables import Rows
from services.notifier.domain import Contact
from services.notifier.domain.runs import OPEN, Acknowledgement, Track
from services.runtime.store import first_row, row_by_key

__all__ = ["SqlTracks", "contacts_to_json"]

Document = dict[str, Any]
"""A JSON column's document: SQLAlchemy's JSON type gives whatever the JSON held."""


def contacts_to_json(contacts: dict[str, Contact]) -> Document:
    return {role: {"name": c.name, "phone": c.phone, "person_id": c.person_id} for role, c in contacts.items()}


def as_track(row: Any) -> Track:
    """A `tracks` row (a tuple in column order) as a Track, its contacts document read into Contacts."""
    track_id, run_id, unit_id, label, contacts, *rest = row
    return Track(track_id, run_id, unit_id, label, {role: Contact(**value) for role, value in contacts.items()}, *rest)


class SqlTracks(Rows):
    """Implements `ports.Tracks`."""

    async def tracks_of(self, run_id: str) -> list[Track]:
        rows = await self.session.fetch(_tracks_of_run(self.t.tracks), {"run_id": run_id})
        return [as_track(row) for row in rows]

    async def track(self, track_id: int) -> Track:
        """A track something refers to (an attempt, a code): LookupError if it is not there."""
        row = await first_row(self.session, row_by_key(self.t.tracks, "id"), {"key": track_id})
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
        await self.session.change(_advance_tracks(self.t.tracks), rows)

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


# Statements on the escalation path, built once: building one costs several times running it.
@functools.cache
def _tracks_of_run(tracks: Table) -> Select[Any]:
    return select(tracks).where(tracks.c.run_id == bindparam("run_id")).order_by(tracks.c.id)


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
