"""The incident service's pure rules: no I/O, `now` is always a parameter."""

from services.directory.domain import Shift, Unit
from services.incident.domain.accountability import AccountBy, MissedCheckIn, UnitAccount, account
from services.incident.domain.deadlines import Deadline, DeadlineKind, Firing, ReportPolicy, what_fires
from services.incident.domain.directory import Assignment, assign
from services.incident.domain.event_time import EventTime, TimeRefused, take_event_time
from services.incident.domain.handover import (
    Handover,
    HandoverItem,
    Signature,
    SignatureRefused,
    SignRole,
    handover_sms,
    is_handover_reply,
)
from services.incident.domain.intake import DedupPolicy, IntakeRefused, check_occurred_at, check_text
from services.incident.domain.model import (
    Concealment,
    Incident,
    IncidentStatus,
    Source,
    TimelineEntry,
    TimelineKind,
    status_of,
)
from services.incident.domain.reports import (
    Delivery,
    Report,
    ReportRefused,
    check_close,
    check_report,
    is_late,
    report_text,
)
from services.incident.domain.signoff import UNSIGNED_MARK, Draft, SignOffPolicy, parse_sign_off
from services.incident.domain.sms import (
    HELP_EXAMPLE,
    SmsFiling,
    SmsReport,
    SmsUnreadable,
    parse_sms_filing,
    parse_sms_report,
)

__all__ = [
    "HELP_EXAMPLE",
    "UNSIGNED_MARK",
    "AccountBy",
    "Assignment",
    "Concealment",
    "Deadline",
    "DeadlineKind",
    "DedupPolicy",
    "Delivery",
    "Draft",
    "EventTime",
    "Firing",
    "Handover",
    "HandoverItem",
    "Incident",
    "IncidentStatus",
    "IntakeRefused",
    "MissedCheckIn",
    "Report",
    "ReportPolicy",
    "ReportRefused",
    "Shift",
    "SignOffPolicy",
    "SignRole",
    "Signature",
    "SignatureRefused",
    "SmsFiling",
    "SmsReport",
    "SmsUnreadable",
    "Source",
    "TimeRefused",
    "TimelineEntry",
    "TimelineKind",
    "Unit",
    "UnitAccount",
    "account",
    "assign",
    "check_close",
    "check_occurred_at",
    "check_report",
    "check_text",
    "handover_sms",
    "is_handover_reply",
    "is_late",
    "parse_sign_off",
    "parse_sms_filing",
    "parse_sms_report",
    "report_text",
    "status_of",
    "take_event_time",
    "what_fires",
]
