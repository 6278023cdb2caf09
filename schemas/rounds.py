"""Winter duties: rounds, hazards, leave and weather warnings. `rounds.intake` carries commands from other systems;
the alerts the rounds service raises travel on `duty.alerts`."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.envelope import Message
from schemas.values import Person

__all__ = [
    "ROUND_SMS_PREFIX",
    "HazardClass",
    "HazardOverdue",
    "ItemResult",
    "ReceiveWarning",
    "RecordLeave",
    "RecordReturn",
    "ReportRound",
    "RoundMissed",
    "SpotCheckRequested",
    "SpotCheckUnanswered",
    "WarningUnacknowledged",
    "addressed_to_rounds",
]

ROUND_SMS_PREFIX = "巡"
"""An inbound SMS starting with this word reports a round (`巡 1234 正常`); the rounds service reads it."""


def addressed_to_rounds(text: str) -> bool:
    """True when an inbound text is a round report, for the rounds service and not an incident report."""
    return text.strip().startswith(ROUND_SMS_PREFIX)


class HazardClass(StrEnum):
    """How soon a hazard (隐患) must be rectified: 当即 (at once), within 24 hours, within 7 days."""

    IMMEDIATE = "immediate"
    DAY = "day"
    WEEK = "week"

    @property
    def label(self) -> str:
        return {"immediate": "当即整改", "day": "24小时内整改", "week": "7天内整改"}[self.value]


class ItemResult(BaseModel):
    """One checkpoint, checklist item or household of a round, and how it was found."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item: str = Field(min_length=1, max_length=100, description="The checkpoint, checklist item or household id.")
    ok: bool = Field(default=True, description="False: something is wrong there (see note).")
    note: str = Field(default="", max_length=500, description="What was found.")


class ReportRound(Message):
    """Command on `rounds.intake`: the result of a round, from another system (a patrol app)."""

    TYPE = "rounds.report"

    code: str = Field(pattern=r"^\d{4}$", description="The round's short code from its SMS.")
    by: str = Field(min_length=1, max_length=100, description="Who did the round.")
    results: list[ItemResult] = Field(default_factory=list, description="Per checkpoint or checklist item.")
    note: str = Field(default="", max_length=1000, description="Anything else.")


class RecordLeave(Message):
    """Command on `rounds.intake`: a resident of an institution left on leave (请假) and is expected back."""

    TYPE = "rounds.record_leave"

    leave_id: str = Field(min_length=1, max_length=100, description="The institution's own id of the leave.")
    resident: str = Field(min_length=1, max_length=64, description="The resident's name.")
    left_at: AwareDatetime
    expected_back: AwareDatetime
    reason: str = Field(default="", max_length=200)


class RecordReturn(Message):
    """Command on `rounds.intake`: a resident came back (销假)."""

    TYPE = "rounds.record_return"

    leave_id: str = Field(min_length=1, max_length=100)
    returned_at: AwareDatetime


class ReceiveWarning(Message):
    """Command on `rounds.intake`: a CAP 1.2 warning (the meteorological service's XML) to act on; `unit_id` is
    the unit that forwards it."""

    TYPE = "rounds.receive_warning"

    cap_xml: str = Field(min_length=1, max_length=200_000, description="The CAP 1.2 <alert> document.")


class RoundMissed(Message):
    """A planned round was not reported by its deadline: officer, then leader, then the duty room are alerted."""

    TYPE = "duty.round_missed"

    round_id: str
    title: str = Field(description="What the round was, e.g. 夜间巡查 or 街面巡查.")
    due_at: AwareDatetime
    deadline: AwareDatetime
    assignee: Person | None = Field(description="Who was to do it; None when nobody was on duty.")
    officer: Person | None
    leader: Person | None
    duty_room: Person | None = Field(description="The parent unit's duty room.")


class HazardOverdue(Message):
    """A hazard's rectification deadline passed with the item still open."""

    TYPE = "duty.hazard_overdue"

    hazard_id: str
    description: str
    hazard_class: HazardClass
    deadline: AwareDatetime
    owner: Person | None = Field(description="Who must rectify it.")
    leader: Person | None
    duty_room: Person | None


class SpotCheckRequested(Message):
    """A spot check (查岗): the person on duty must press 1 or reply before `answer_by`."""

    TYPE = "duty.spot_check_requested"

    check_id: str
    person: Person
    answer_by: AwareDatetime


class SpotCheckUnanswered(Message):
    """A spot check went unanswered: recorded for accountability, and the duty room is told."""

    TYPE = "duty.spot_check_unanswered"

    check_id: str
    person: Person
    asked_at: AwareDatetime
    duty_room: Person | None


class WarningUnacknowledged(Message):
    """A unit's on-duty officer did not acknowledge a weather warning in time: its leader is called."""

    TYPE = "duty.warning_unacknowledged"

    warning_id: str
    headline: str
    leader: Person | None
    officer: Person | None
