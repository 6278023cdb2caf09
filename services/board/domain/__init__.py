"""The board's pure domain: what each page shows, computed from the read model and `now`."""

from services.board.domain.broadcasts import Acknowledgement, BroadcastCard, UnitAnswer, answers
from services.board.domain.duty import CheckIn, CheckInState, DutyLine, NextDuty, visible_units
from services.board.domain.incidents import ClockState, Delivery, IncidentCard, RecipientClock, recipient_clocks
from services.board.domain.ranking import AccountLine, Ranked, rank_units
from services.directory.domain import Shift, Unit

__all__ = [
    "AccountLine",
    "Acknowledgement",
    "BroadcastCard",
    "CheckIn",
    "CheckInState",
    "ClockState",
    "Delivery",
    "DutyLine",
    "IncidentCard",
    "NextDuty",
    "Ranked",
    "RecipientClock",
    "Shift",
    "Unit",
    "UnitAnswer",
    "answers",
    "rank_units",
    "recipient_clocks",
    "visible_units",
]
