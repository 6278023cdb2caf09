"""The rounds service's pure domain: plans and due times, rounds, hazards, people found and on leave, warnings
and spot checks. No I/O; `now` is passed in."""

from services.rounds.domain.cap import CapInvalid, CapSeverity, Warning, covered_units, parse_cap
from services.rounds.domain.hazards import Hazard, HazardPolicy, HazardState, Reading, read_hazard
from services.rounds.domain.oversight import SpotCheck, SpotCheckState, WarningRecord, spot_check_times
from services.rounds.domain.people import Action, Leave, PersonFound, Risk, incident_for
from services.rounds.domain.plans import (
    LOCAL_TZ,
    NOTICE_CHECKLIST,
    Hotspot,
    Household,
    OnHoliday,
    Plan,
    PlanBook,
    RoundKind,
    Schedule,
)
from services.rounds.domain.rounds import Round, RoundState, Step
from services.rounds.domain.schedule import ColdWave, Occurrence, occurrences
from services.rounds.domain.sms import ROUND_USAGE, RoundSms, RoundSmsUnreadable, parse_round_sms

__all__ = [
    "LOCAL_TZ",
    "NOTICE_CHECKLIST",
    "ROUND_USAGE",
    "Action",
    "CapInvalid",
    "CapSeverity",
    "ColdWave",
    "Hazard",
    "HazardPolicy",
    "HazardState",
    "Hotspot",
    "Household",
    "Leave",
    "Occurrence",
    "OnHoliday",
    "PersonFound",
    "Plan",
    "PlanBook",
    "Reading",
    "Risk",
    "Round",
    "RoundKind",
    "RoundSms",
    "RoundSmsUnreadable",
    "RoundState",
    "Schedule",
    "SpotCheck",
    "SpotCheckState",
    "Step",
    "Warning",
    "WarningRecord",
    "covered_units",
    "incident_for",
    "occurrences",
    "parse_cap",
    "parse_round_sms",
    "read_hazard",
    "spot_check_times",
]
