"""One function per message or request; ports, rules and `now` come in as parameters."""

from services.incident.handlers.common import Rules, UnknownIncident
from services.incident.handlers.deadlines import fire_due_deadlines
from services.incident.handlers.directory import on_check_in_missed, on_shift_ended, on_shift_started, on_unit_updated
from services.incident.handlers.handover import UnknownHandover, find_handover, sign_handover
from services.incident.handlers.intake import Taken, on_report_incident, on_report_over_http
from services.incident.handlers.notifications import (
    on_attempt_delivered,
    on_attempt_failed,
    on_attempt_sent,
    on_notification_acknowledged,
    on_run_exhausted,
    on_run_stopped,
)
from services.incident.handlers.queries import (
    IncidentRecord,
    accountability,
    filed_report,
    handovers,
    incident_record,
    incident_unit,
    list_incidents,
)
from services.incident.handlers.regroup import on_merge_incidents, on_split_incident
from services.incident.handlers.reports import on_close_incident, on_file_report
from services.incident.handlers.signoff import on_sign_off, send_unsigned, submit_report
from services.incident.handlers.sms import on_text_received

__all__ = [
    "IncidentRecord",
    "Rules",
    "Taken",
    "UnknownHandover",
    "UnknownIncident",
    "accountability",
    "filed_report",
    "find_handover",
    "fire_due_deadlines",
    "handovers",
    "incident_record",
    "incident_unit",
    "list_incidents",
    "on_attempt_delivered",
    "on_attempt_failed",
    "on_attempt_sent",
    "on_check_in_missed",
    "on_close_incident",
    "on_file_report",
    "on_merge_incidents",
    "on_notification_acknowledged",
    "on_report_incident",
    "on_report_over_http",
    "on_run_exhausted",
    "on_run_stopped",
    "on_shift_ended",
    "on_shift_started",
    "on_sign_off",
    "on_split_incident",
    "on_text_received",
    "on_unit_updated",
    "send_unsigned",
    "sign_handover",
    "submit_report",
]
