"""One function per message; the page queries. Ports and `now` come in as parameters."""

from services.board.handlers.broadcasts import on_broadcast_acknowledged, on_broadcast_sent
from services.board.handlers.directory import (
    on_check_in_missed,
    on_check_in_received,
    on_check_in_requested,
    on_shift_ended,
    on_shift_started,
    on_unit_updated,
)
from services.board.handlers.incidents import (
    on_incident_acknowledged,
    on_incident_assigned,
    on_incident_closed,
    on_incident_escalated,
    on_incident_reported,
    on_report_delivered,
    on_report_filed,
    on_report_overdue,
)
from services.board.handlers.queries import (
    BroadcastView,
    IncidentView,
    broadcast_views,
    duty_lines,
    open_incidents,
    units_of,
)

__all__ = [
    "BroadcastView",
    "IncidentView",
    "broadcast_views",
    "duty_lines",
    "on_broadcast_acknowledged",
    "on_broadcast_sent",
    "on_check_in_missed",
    "on_check_in_received",
    "on_check_in_requested",
    "on_incident_acknowledged",
    "on_incident_assigned",
    "on_incident_closed",
    "on_incident_escalated",
    "on_incident_reported",
    "on_report_delivered",
    "on_report_filed",
    "on_report_overdue",
    "on_shift_ended",
    "on_shift_started",
    "on_unit_updated",
    "open_incidents",
    "units_of",
]
