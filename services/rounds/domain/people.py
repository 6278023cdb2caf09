"""Street patrols find people: what was done for each, and which of them are at risk (an incident at once);
residents on leave (请销假): not back by the expected time plus a grace period means missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from schemas.values import IncidentType, Severity

__all__ = ["Action", "Leave", "PersonFound", "Risk", "incident_for"]


class Action(StrEnum):
    TAKEN_TO_STATION = "taken_to_station"
    CLOTHES_OR_FOOD = "clothes_or_food"
    SENT_HOME = "sent_home"
    TO_HOSPITAL = "to_hospital"
    REFUSED_HELP = "refused_help"

    @property
    def label(self) -> str:
        return {
            "taken_to_station": "护送至救助站",
            "clothes_or_food": "发放衣物食品",
            "sent_home": "护送返乡/回家",
            "to_hospital": "送医",
            "refused_help": "拒绝救助",
        }[self.value]


class Risk(StrEnum):
    INJURED = "injured"
    MINOR = "minor"
    VERY_COLD = "very_cold"
    ILL = "ill"


# A person at risk opens an incident of the type that fits; the first matching risk names it.
RISK_INCIDENTS: tuple[tuple[Risk, IncidentType, Severity], ...] = (
    (Risk.INJURED, IncidentType.ACCIDENTAL_INJURY, Severity.IV),
    (Risk.VERY_COLD, IncidentType.COLD_EXPOSURE, Severity.IV),
    (Risk.MINOR, IncidentType.ROUGH_SLEEPER, Severity.IV),
    (Risk.ILL, IncidentType.ROUGH_SLEEPER, Severity.IV),
)


@dataclass(frozen=True)
class PersonFound:
    description: str
    location: str
    action: Action
    risks: frozenset[Risk] = frozenset()


def incident_for(person: PersonFound) -> tuple[IncidentType, Severity] | None:
    """The incident a person found at risk opens, or None when they are not at risk."""
    return next(((kind, grade) for risk, kind, grade in RISK_INCIDENTS if risk in person.risks), None)


@dataclass
class Leave:
    id: str
    unit_id: str
    resident: str
    reason: str
    left_at: datetime
    expected_back: datetime
    missing_at: datetime
    returned_at: datetime | None = None
    reported_missing_at: datetime | None = None

    @classmethod
    def taken(
        cls,
        id: str,
        unit_id: str,
        resident: str,
        reason: str,
        left_at: datetime,
        expected_back: datetime,
        grace: timedelta,
    ) -> Leave:
        """A new leave: missing once `grace` has passed after the expected return."""
        return cls(id, unit_id, resident, reason, left_at, expected_back, expected_back + grace)

    @property
    def state(self) -> str:
        if self.returned_at is not None:
            return "returned"
        return "missing" if self.reported_missing_at is not None else "out"

    @property
    def next_at(self) -> datetime | None:
        """Its timer: when the resident counts as missing, while out and not yet reported."""
        return self.missing_at if self.state == "out" else None
