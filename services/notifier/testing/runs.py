"""In-memory runs, tracks and reply codes, on one `MemoryRows` as the tables share a database."""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from schemas.notify import RunSubject
from services.notifier.domain import Contact
from services.notifier.domain.attempts import Attempt
from services.notifier.domain.codes import ReplyCode
from services.notifier.domain.runs import OPEN, Acknowledgement, NewRun, Run, Track, incident_subject_ids

__all__ = ["MemoryReplyCodes", "MemoryRows", "MemoryRuns", "MemoryTracks"]


@dataclass
class MemoryRows:
    """The rows every fake reads and writes; a record is replaced, never changed in place (they are frozen)."""

    runs: dict[str, Run] = field(default_factory=dict)
    tracks: dict[int, Track] = field(default_factory=dict)
    attempts: dict[str, Attempt] = field(default_factory=dict)
    codes: dict[tuple[str, str], ReplyCode] = field(default_factory=dict)
    track_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


class MemoryRuns:
    def __init__(self, rows: MemoryRows) -> None:
        self.rows = rows

    async def add_run(self, run: NewRun, now: datetime, first_due: datetime | None = None) -> str:
        run_id = str(uuid.uuid4())
        self.rows.runs[run_id] = Run(
            run_id, run.subject, run.subject_id, run.unit_id, run.policy, run.major, run.sms_text, run.voice_script,
            OPEN, now, None,
        )  # fmt: skip
        for track in run.tracks:
            track_id = next(self.rows.track_ids)
            self.rows.tracks[track_id] = Track(
                track_id, run_id, track.unit_id, track.label, dict(track.contacts), OPEN, 0, first_due or now
            )
        return run_id

    async def find_run(self, run_id: str) -> Run | None:
        return self.rows.runs.get(run_id)

    async def run(self, run_id: str) -> Run:
        if run_id not in self.rows.runs:
            raise LookupError(f"no run {run_id}")
        return self.rows.runs[run_id]

    async def runs_by_id(self, run_ids: Collection[str]) -> dict[str, Run]:
        return {run_id: self.rows.runs[run_id] for run_id in run_ids if run_id in self.rows.runs}

    async def open_runs_for(self, subject_ids: Sequence[str], subjects: Sequence[str]) -> list[Run]:
        return [
            run
            for run in self.rows.runs.values()
            if run.subject_id in subject_ids and run.subject in subjects and run.state == OPEN
        ]

    async def runs_for_subject(self, subject: str, subject_id: str) -> list[Run]:
        return [run for run in self.rows.runs.values() if (run.subject, run.subject_id) == (subject, subject_id)]

    async def runs_for_incident(self, incident_id: str) -> list[Run]:
        subject_ids = incident_subject_ids(incident_id)
        return [run for run in self.rows.runs.values() if run.subject_id in subject_ids]

    async def end_run(self, run_id: str, state: str, now: datetime) -> None:
        self.rows.runs[run_id] = dataclasses.replace(self.rows.runs[run_id], state=state, ended_at=now)

    async def count_open_runs(self) -> int:
        return sum(1 for run in self.rows.runs.values() if run.state == OPEN)

    async def answers_to_unit_since(self, unit_id: str, since: datetime) -> int:
        return sum(
            1
            for run in self.rows.runs.values()
            if run.subject == RunSubject.MESSAGE and run.unit_id == unit_id and run.created_at > since
        )


class MemoryTracks:
    def __init__(self, rows: MemoryRows) -> None:
        self.rows = rows

    async def tracks_of(self, run_id: str) -> list[Track]:
        return sorted((track for track in self.rows.tracks.values() if track.run_id == run_id), key=lambda t: t.id)

    async def track(self, track_id: int) -> Track:
        if track_id not in self.rows.tracks:
            raise LookupError(f"no track {track_id}")
        return self.rows.tracks[track_id]

    async def claim_due_tracks(self, now: datetime, limit: int) -> list[Track]:
        due = [t for t in self.rows.tracks.values() if t.state == OPEN and t.due_at is not None and t.due_at <= now]
        return sorted(due, key=lambda track: track.due_at or now)[:limit]

    async def advance_tracks(self, advances: Sequence[tuple[int, int, datetime]]) -> None:
        for track_id, step, due in advances:
            self._change(track_id, next_step=step, due_at=due)

    async def bring_track_forward(self, track_id: int, step_done: int, now: datetime) -> None:
        track = self.rows.tracks[track_id]
        if track.state == OPEN and track.next_step == step_done + 1 and track.due_at and track.due_at > now:
            self._change(track_id, due_at=now)

    async def end_track(self, track_id: int, state: str, ack: Acknowledgement | None = None) -> bool:
        if self.rows.tracks[track_id].state != OPEN:
            return False
        self.rows.tracks[track_id] = dataclasses.replace(
            self.rows.tracks[track_id], state=state, due_at=None, **(vars(ack) if ack else {})
        )
        return True

    async def set_contacts(self, track_id: int, contacts: dict[str, Contact]) -> None:
        if self.rows.tracks[track_id].state == OPEN:
            self._change(track_id, contacts=dict(contacts))

    async def open_track_count(self, run_id: str) -> int:
        return sum(1 for track in self.rows.tracks.values() if track.run_id == run_id and track.state == OPEN)

    def _change(self, track_id: int, **changes: object) -> None:
        self.rows.tracks[track_id] = dataclasses.replace(self.rows.tracks[track_id], **changes)  # type: ignore[arg-type]


class MemoryReplyCodes:
    def __init__(self, rows: MemoryRows) -> None:
        self.rows = rows

    async def codes_for(self, pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        return {(c.phone, c.run_id): c.code for c in self.rows.codes.values() if (c.phone, c.run_id) in pairs}

    async def held_codes(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        return set(self.rows.codes) & set(pairs)

    async def codes_held_by(self, phone: str) -> set[str]:
        return {code for holder, code in self.rows.codes if holder == phone}

    async def add_codes(self, codes: Sequence[ReplyCode]) -> None:
        for code in codes:
            self.rows.codes[code.phone, code.code] = code

    async def code_holder(self, phone: str, code: str) -> ReplyCode | None:
        return self.rows.codes.get((phone, code))

    async def latest_open_alert(self, phone: str) -> ReplyCode | None:
        open_ones = [
            c for c in self.rows.codes.values() if c.phone == phone and self.rows.tracks[c.track_id].state == OPEN
        ]
        return max(open_ones, key=lambda code: code.issued_at, default=None)

    async def free_codes(self, run_ids: Sequence[str]) -> None:
        for key in [key for key, code in self.rows.codes.items() if code.run_id in run_ids]:
            del self.rows.codes[key]
