"""The unit directory, shifts and check-ins: `duty.units`, `duty.shifts`, `duty.alerts`, `duty.checkins`."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field

from schemas.envelope import Message
from schemas.values import HolidaySource, Person, PhoneNumber, Recipient, UnitKind

__all__ = [
    "CheckInMissed",
    "CheckInMissedV1",
    "CheckInReceived",
    "CheckInReceivedV1",
    "CheckInRequested",
    "CheckInRequestedV1",
    "DutyRole",
    "ShiftEnded",
    "ShiftEndedV1",
    "ShiftStarted",
    "ShiftStartedV1",
    "UnitUpdated",
]


class UnitUpdated(Message):
    """A unit's directory entry: the roster republishes it on start and on every change."""

    TYPE = "duty.unit_updated"

    name: str = Field(description="The unit's name.")
    kind: UnitKind
    parent_id: str | None = Field(description="The parent unit; None for the municipal bureau.")
    duty_room: Person | None = Field(description="The unit's duty room line.")
    recipients: list[Recipient] = Field(description="Who receives its reports.")


class _ShiftV1(Message):
    shift_id: str = Field(description="unit id and start instant, stable across restarts.")
    officer: Person = Field(description="The on-duty officer (值班员).")
    leader: Person = Field(description="The duty leader (带班领导).")
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class _Shift(_ShiftV1):
    holidays: HolidaySource = Field(
        default=HolidaySource.OFFICIAL,
        description="official: the shift was worked out from the published holiday schedule; estimated: from "
        "computed statutory holidays, the year's schedule not yet entered.",
    )


class ShiftStarted(_Shift):
    """A shift began (or is restated on start-up or after a change, `restated` true)."""

    TYPE = "duty.shift_started"
    VERSION = 2

    restated: bool = Field(default=False, description="Not a handover: the current shift told again.")


class ShiftEnded(_Shift):
    """A shift ended at handover."""

    TYPE = "duty.shift_ended"
    VERSION = 2


class ShiftStartedV1(_ShiftV1):
    """A shift began (version 1, before shifts said where their holidays came from): read as version 2, official."""

    TYPE = "duty.shift_started"

    restated: bool = Field(default=False, description="Not a handover: the current shift told again.")

    def upgraded(self) -> ShiftStarted:
        return ShiftStarted(**dict(self))


class ShiftEndedV1(_ShiftV1):
    """A shift ended at handover (version 1): read as version 2, official."""

    TYPE = "duty.shift_ended"

    def upgraded(self) -> ShiftEnded:
        return ShiftEnded(**dict(self))


class DutyRole(StrEnum):
    """Who checks in at shift start: the on-duty officer (值班员) or the duty leader (带班领导)."""

    OFFICER = "officer"
    LEADER = "leader"


class CheckInRequested(Message):
    """The incoming officer or leader must check in by SMS reply before the grace period ends."""

    TYPE = "duty.check_in_requested"
    VERSION = 2

    shift_id: str
    role: DutyRole = Field(description="Whose check-in: the shift's officer or its leader; one of each per shift.")
    person: Person = Field(description="Who must check in.")
    starts_at: AwareDatetime = Field(description="When the shift starts.")
    due_by: AwareDatetime = Field(description="The end of the grace period.")


class CheckInReceived(Message):
    """The officer or the leader checked in (an SMS reply to the check-in request)."""

    TYPE = "duty.check_in_received"
    VERSION = 2

    shift_id: str
    role: DutyRole = Field(description="Whose check-in the reply answers.")
    phone: PhoneNumber = Field(description="The number the reply came from.")
    received_at: AwareDatetime


class CheckInMissed(Message):
    """The grace period ended with no check-in: the leader (unless the leader is the one who missed) and the
    municipal duty room are alerted."""

    TYPE = "duty.check_in_missed"
    VERSION = 2

    shift_id: str
    role: DutyRole = Field(description="Whose check-in was missed.")
    person: Person = Field(description="Who did not check in.")
    leader: Person | None = Field(description="The duty leader, alerted; None when the leader is the one who missed.")
    due_by: AwareDatetime
    municipal_duty_room: Person | None = Field(description="The city's duty room, alerted too.")


class CheckInRequestedV1(Message):
    """The incoming officer must check in (version 1, officers only): read as version 2, role officer."""

    TYPE = "duty.check_in_requested"

    shift_id: str
    officer: Person
    starts_at: AwareDatetime = Field(description="When the shift starts.")
    due_by: AwareDatetime = Field(description="The end of the grace period.")

    def upgraded(self) -> CheckInRequested:
        fields = self.model_dump(exclude={"officer"})
        return CheckInRequested(**fields, role=DutyRole.OFFICER, person=self.officer)


class CheckInReceivedV1(Message):
    """The officer checked in (version 1, officers only): read as version 2, role officer."""

    TYPE = "duty.check_in_received"

    shift_id: str
    phone: PhoneNumber = Field(description="The number the reply came from.")
    received_at: AwareDatetime

    def upgraded(self) -> CheckInReceived:
        return CheckInReceived(**dict(self), role=DutyRole.OFFICER)


class CheckInMissedV1(Message):
    """The officer did not check in (version 1, officers only): read as version 2, role officer."""

    TYPE = "duty.check_in_missed"

    shift_id: str
    officer: Person
    leader: Person
    due_by: AwareDatetime
    municipal_duty_room: Person | None = Field(description="The city's duty room, alerted too.")

    def upgraded(self) -> CheckInMissed:
        fields = self.model_dump(exclude={"officer"})
        return CheckInMissed(**fields, role=DutyRole.OFFICER, person=self.officer)
