"""The HTTP API's request and response bodies. Responses are read from the repositories' values by attribute
(`from_attributes`): a field the values stop carrying fails the response instead of vanishing from it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from schemas.values import UnitId

__all__ = [
    "AttemptOut",
    "BroadcastAccepted",
    "BroadcastCounts",
    "BroadcastNotice",
    "BroadcastOut",
    "BroadcastRequest",
    "BroadcastUnitOut",
    "ContactOut",
    "RunHead",
    "RunOut",
    "TrackOut",
]


class BroadcastRequest(BaseModel):
    """A notice from the municipal bureau to the on-duty officers."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=40, description="Short title, e.g. 寒潮预警.")
    text: str = Field(min_length=1, max_length=500, description="The notice.")
    sent_by: str = Field(min_length=1, max_length=100, description="Who sends it.")
    target_unit_ids: list[UnitId] | None = Field(default=None, description="Units to reach; none: every unit.")
    unit_id: UnitId | None = Field(
        default=None, description="The sending bureau; default: the setting, else the directory's top unit."
    )


class BroadcastAccepted(BaseModel):
    broadcast_id: str = Field(description="The broadcast, to follow at /broadcasts/{broadcast_id}.")
    event_id: UUID = Field(description="The `broadcast.sent` event recorded for it.")


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ContactOut(_Read):
    name: str
    phone: str
    person_id: str | None


class TrackOut(_Read):
    """One recipient's escalation within a run: its contacts, next step and acknowledgement."""

    id: int
    run_id: str
    unit_id: str
    label: str
    contacts: dict[str, ContactOut] = Field(description="Who each target role resolved to.")
    state: str
    next_step: int
    due_at: datetime | None = Field(description="When the next step falls due; none once the track is over.")
    acked_by: str | None
    acked_name: str | None
    acked_channel: str | None
    acked_at: datetime | None


class AttemptOut(_Read):
    """One SMS or call and its outcome."""

    id: str
    run_id: str
    track_id: int
    step: int
    role: str
    name: str
    to: str
    channel: str
    reply_code: str | None
    first_of_run: bool
    fallback_of: str | None = Field(description="The attempt on the other channel this one replaces.")
    provider: str | None
    provider_ref: str | None
    status: str
    status_rank: int
    dispatches: int = Field(description="How many times it was handed to a provider.")
    error_code: str | None
    error: str | None
    created_at: datetime
    not_before: datetime
    sent_at: datetime | None
    finished_at: datetime | None


class RunHead(_Read):
    id: str
    subject: str
    subject_id: str
    unit_id: str
    policy: str
    major: bool
    sms_text: str
    voice_script: str
    state: str
    created_at: datetime
    ended_at: datetime | None


class RunOut(RunHead):
    """A run with its tracks (per recipient), attempts and their outcomes."""

    tracks: list[TrackOut]
    attempts: list[AttemptOut]

    @classmethod
    def of(cls, run: object, tracks: Iterable[object], attempts: Iterable[object]) -> RunOut:
        return cls(
            **dict(RunHead.model_validate(run)),
            tracks=[TrackOut.model_validate(track) for track in tracks],
            attempts=[AttemptOut.model_validate(attempt) for attempt in attempts],
        )


class BroadcastUnitOut(_Read):
    """A unit a broadcast went to: its track's state and who acknowledged, when."""

    unit_id: str
    state: str
    acknowledged_by: str | None = Field(validation_alias="acked_by")
    acknowledged_at: datetime | None = Field(validation_alias="acked_at")


class BroadcastCounts(BaseModel):
    units: int
    acknowledged: int
    waiting: int


class BroadcastNotice(_Read):
    id: str
    unit_id: str
    title: str
    text: str
    sent_by: str
    target_unit_ids: list[str] | None
    sent_at: datetime


class BroadcastOut(BroadcastNotice):
    """The notice and, per unit, whether its on-duty officer acknowledged."""

    run_ids: list[str]
    units: list[BroadcastUnitOut] = Field(description="Each unit it went to, from its run's track.")
    counts: BroadcastCounts

    @classmethod
    def of(cls, broadcast: object, run_ids: list[str], tracks: Iterable[object]) -> BroadcastOut:
        units = [BroadcastUnitOut.model_validate(track) for track in tracks]
        acknowledged = sum(1 for unit in units if unit.state == "acknowledged")
        counts = BroadcastCounts(units=len(units), acknowledged=acknowledged, waiting=len(units) - acknowledged)
        return cls(**dict(BroadcastNotice.model_validate(broadcast)), run_ids=run_ids, units=units, counts=counts)
