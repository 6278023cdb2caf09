"""Who is on duty in each unit: the shift now, the check-in of its officer, the shift after it, and gaps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schemas.values import Person
from services.directory.domain import Shift, Unit

__all__ = ["CheckIn", "CheckInState", "DutyLine", "NextDuty", "visible_units"]


class CheckInState(StrEnum):
    """What the board shows for the officer's check-in (签到)."""

    CHECKED_IN = "checked_in"
    WAITING = "waiting"
    MISSED = "missed"
    NOT_ASKED = "not_asked"

    @property
    def label(self) -> str:
        return {"checked_in": "已签到", "waiting": "待签到", "missed": "未签到", "not_asked": "—"}[self.value]


@dataclass(frozen=True)
class CheckIn:
    """The check-in of one shift's officer, as `duty.alerts` and `duty.checkins` told it (in any order)."""

    shift_id: str
    due_by: datetime | None = None
    received_at: datetime | None = None
    missed_at: datetime | None = None

    def state(self, now: datetime) -> CheckInState:
        if self.received_at is not None:
            return CheckInState.CHECKED_IN
        if self.missed_at is not None or (self.due_by is not None and now >= self.due_by):
            return CheckInState.MISSED
        return CheckInState.WAITING if self.due_by is not None else CheckInState.NOT_ASKED


@dataclass(frozen=True)
class NextDuty:
    """The shift after the current one, as the roster plans it; a None person is a planned gap."""

    starts_at: datetime
    officer: Person | None
    leader: Person | None


@dataclass(frozen=True)
class DutyLine:
    """One unit's row on the 值班 page."""

    unit: Unit
    shift: Shift | None
    check_in: CheckInState
    next: NextDuty | None = None

    @property
    def gap(self) -> bool:
        """Nobody on duty now, or the officer did not check in: the row is red."""
        return self.shift is None or self.check_in is CheckInState.MISSED

    @property
    def next_gap(self) -> bool:
        return self.next is not None and (self.next.officer is None or self.next.leader is None)


def visible_units(allowed: frozenset[str] | None, units: Sequence[Unit]) -> list[Unit]:
    """The units a token may see: all of them for the city bureau (None), else only its own; parents first."""
    shown = [unit for unit in units if allowed is None or unit.id in allowed]
    return sorted(shown, key=lambda unit: (unit.parent_id is not None, unit.id))
