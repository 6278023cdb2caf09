"""Accountability over HTTP: one unit's or one person's figures."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field

from services.incident.domain import UnitAccount

__all__ = ["AccountOut"]


def _seconds(duration: timedelta | None) -> float | None:
    return None if duration is None else duration.total_seconds()


class AccountOut(BaseModel):
    """One unit's figures; durations in seconds."""

    unit_id: str
    incidents: int
    acknowledged: int
    median_to_acknowledge_s: float | None
    worst_to_acknowledge_s: float | None
    median_to_first_report_s: float | None
    late_first_reports: int = Field(description="First reports filed after the deadline (迟报).")
    missing_first_reports: int = Field(description="Deadline passed and still no first report (漏报).")
    on_time_first_reports: int = Field(description="First reports filed by the deadline.")
    from_other_sources: int = Field(description="Incidents another source told us of, not the unit itself.")
    concealment_flags: int = Field(description="Incidents flagged 漏报 or 瞒报 candidate: another source told us.")
    missed_check_ins: int = Field(
        description="Shifts whose officer or leader did not check in in time (a person's: in that role)."
    )
    person_id: str | None = Field(description="The person, in a line by person.")
    name: str | None = Field(description="Their name.")
    role: str = Field(description="unit, or officer or leader in a line by person.")
    score: int = Field(description="100 less the penalties (README, Accountability).")
    rank: int | None = Field(description="The unit's place in the ranking (通报排名), 1 the best; none by person.")

    @classmethod
    def of(cls, line: UnitAccount) -> AccountOut:
        return cls(
            on_time_first_reports=line.on_time_first_reports,
            from_other_sources=line.from_other_sources,
            concealment_flags=line.concealment_flags,
            missed_check_ins=line.missed_check_ins,
            person_id=line.person_id,
            name=line.name,
            role=line.role,
            score=line.score,
            rank=line.rank,
            unit_id=line.unit_id,
            incidents=line.incidents,
            acknowledged=line.acknowledged,
            median_to_acknowledge_s=_seconds(line.median_to_acknowledge),
            worst_to_acknowledge_s=_seconds(line.worst_to_acknowledge),
            median_to_first_report_s=_seconds(line.median_to_first_report),
            late_first_reports=line.late_first_reports,
            missing_first_reports=line.missing_first_reports,
        )
