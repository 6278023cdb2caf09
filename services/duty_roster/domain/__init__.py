"""The roster's pure core: shift arithmetic, the holiday calendar, plans, checks and what gets announced."""

from services.duty_roster.domain.calendar import DayKind, HolidayCalendar, HolidaySource, LocalYear
from services.duty_roster.domain.checks import Issue, check_override, check_roster, estimated_years
from services.duty_roster.domain.lookup import Assignment, OnDuty, RosterIndex, Shift, UnknownUnitError
from services.duty_roster.domain.model import (
    LOCAL_TZ,
    Override,
    Role,
    Roster,
    Rotation,
    ShiftPattern,
    Swap,
    Unit,
    UnitRoster,
    local_instant,
)
from services.duty_roster.domain.plan import PlanRow, month_plan, parse_month

__all__ = [
    "LOCAL_TZ",
    "Assignment",
    "DayKind",
    "HolidayCalendar",
    "HolidaySource",
    "Issue",
    "LocalYear",
    "OnDuty",
    "Override",
    "PlanRow",
    "Role",
    "Roster",
    "RosterIndex",
    "Rotation",
    "Shift",
    "ShiftPattern",
    "Swap",
    "Unit",
    "UnitRoster",
    "UnknownUnitError",
    "check_override",
    "check_roster",
    "estimated_years",
    "local_instant",
    "month_plan",
    "parse_month",
]
