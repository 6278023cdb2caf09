"""One function per message or request; ports, rules and `now` come in as parameters."""

from services.rounds.handlers.common import Rules, UnknownRecord
from services.rounds.handlers.directory import on_shift_ended, on_shift_started, on_unit_updated
from services.rounds.handlers.due import fire_due_rounds, plan_rounds
from services.rounds.handlers.hazards import HazardClosed, fire_overdue_hazards, on_close_hazard
from services.rounds.handlers.leave import fire_missing_residents, on_record_leave, on_record_return
from services.rounds.handlers.queries import PlanCoverage, coverage
from services.rounds.handlers.reports import (
    HazardIn,
    Reported,
    RoundRefused,
    RoundReport,
    on_round_report,
    round_by_code,
)
from services.rounds.handlers.sms import on_text_received
from services.rounds.handlers.spot_checks import fire_spot_checks, on_spot_check_answered, plan_spot_checks
from services.rounds.handlers.warnings import (
    WarningTaken,
    fire_unacknowledged_warnings,
    on_broadcast_acknowledged,
    on_receive_warning,
)

__all__ = [
    "HazardClosed",
    "HazardIn",
    "PlanCoverage",
    "Reported",
    "RoundRefused",
    "RoundReport",
    "Rules",
    "UnknownRecord",
    "WarningTaken",
    "coverage",
    "fire_due_rounds",
    "fire_missing_residents",
    "fire_overdue_hazards",
    "fire_spot_checks",
    "fire_unacknowledged_warnings",
    "on_broadcast_acknowledged",
    "on_close_hazard",
    "on_receive_warning",
    "on_record_leave",
    "on_record_return",
    "on_round_report",
    "on_shift_ended",
    "on_shift_started",
    "on_spot_check_answered",
    "on_text_received",
    "on_unit_updated",
    "plan_rounds",
    "plan_spot_checks",
    "round_by_code",
]
