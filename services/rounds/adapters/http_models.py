"""The HTTP API's bodies: what comes in (validated, 422 naming the field) and what goes out."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from schemas.rounds import HazardClass, ItemResult
from services.rounds.domain import Action, Risk

__all__ = ["CloseIn", "HazardFoundIn", "LeaveIn", "PersonFoundIn", "ReportIn", "ReturnIn", "jsonable"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HazardFoundIn(_In):
    description: str = Field(min_length=1, max_length=500, description="What is wrong and where.")
    hazard_class: HazardClass | None = Field(default=None, description="当即 / 24 h / 7 days; default: by its words.")


class PersonFoundIn(_In):
    description: str = Field(min_length=1, max_length=200, description="Who (sex, age, state).")
    location: str = Field(min_length=1, max_length=200, description="Where they were found.")
    action: Action = Field(description="What was done.")
    risks: list[Risk] = Field(default_factory=list, description="Injured, a minor, very cold, ill: an incident.")


class ReportIn(_In):
    by: str = Field(min_length=1, max_length=100, description="Who did the round.")
    results: list[ItemResult] = Field(default_factory=list, description="Per checkpoint, checklist item, household.")
    note: str = Field(default="", max_length=1000)
    hazards: list[HazardFoundIn] = Field(default_factory=list)
    persons: list[PersonFoundIn] = Field(default_factory=list, description="People found on a street patrol.")


class CloseIn(_In):
    by: str = Field(min_length=1, max_length=100)
    note: str = Field(min_length=1, max_length=1000, description="How it was rectified.")


class LeaveIn(_In):
    unit_id: str = Field(min_length=1, max_length=64)
    leave_id: str = Field(min_length=1, max_length=100, description="The institution's own id of the leave.")
    resident: str = Field(min_length=1, max_length=64)
    left_at: AwareDatetime | None = Field(default=None, description="Default: now.")
    expected_back: AwareDatetime
    reason: str = Field(default="", max_length=200)


class ReturnIn(_In):
    returned_at: AwareDatetime | None = Field(default=None, description="Default: now.")


@functools.cache
def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


def jsonable(record: Any) -> dict[str, Any]:
    """A record (dataclass) as JSON, with its state and timer."""
    document: dict[str, Any] = _adapter(record.__class__).dump_python(record, mode="json")
    next_at: datetime | None = getattr(record, "next_at", None)
    return {**document, "state": str(record.state), "next_at": next_at.isoformat() if next_at else None}
