"""Which report may be filed when: 首报 once, then 续报, then 终报; closing only after 终报."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.report_form import ReportForm
from schemas.values import Channel, Recipient, ReportKind
from services.incident.domain.model import Incident, Source
from services.local_time import LOCAL_TZ

__all__ = ["Delivery", "Report", "ReportRefused", "check_close", "check_report", "is_late", "report_text"]


@dataclass(frozen=True)
class Report:
    incident_id: str
    kind: ReportKind
    text: str
    filed_by: str
    filed_at: datetime
    late: bool
    source: Source
    id: int | None = None
    form: ReportForm | None = None


@dataclass(frozen=True)
class Delivery:
    """One recipient of one report: when it was delivered and acknowledged, if it was."""

    report_id: int
    recipient: Recipient
    delivered_at: datetime | None = None
    channel: Channel | None = None
    acknowledged_at: datetime | None = None


class ReportRefused(ValueError):
    """The report or closing does not fit the incident's state; the message says what to do instead."""


def check_report(incident: Incident, kind: ReportKind) -> None:
    if not incident.is_open:
        raise ReportRefused(f"incident {incident.id} is closed")
    if incident.last_report_kind is ReportKind.FINAL:
        raise ReportRefused("the final report (终报) was filed already; close the incident")
    if kind is ReportKind.FIRST and incident.first_reported_at is not None:
        raise ReportRefused("the first report (首报) was filed already; file a follow_up (续报)")
    if kind is not ReportKind.FIRST and incident.first_reported_at is None:
        raise ReportRefused(f"file the first report (首报) before a {kind.value} ({kind.label})")


def is_late(incident: Incident, kind: ReportKind, filed_at: datetime) -> bool:
    """Only the first report has a deadline; being overdue once makes it late for ever."""
    return kind is ReportKind.FIRST and (incident.late or filed_at > incident.first_report_due_at)


def check_close(incident: Incident) -> None:
    if not incident.is_open:
        raise ReportRefused(f"incident {incident.id} is closed already")
    if incident.last_report_kind is not ReportKind.FINAL:
        raise ReportRefused("file the final report (终报) before closing the incident")


def report_text(incident: Incident, unit_name: str, kind: ReportKind, text: str) -> str:
    """What a recipient reads: which unit, what, where and when, then the report itself."""
    occurred = incident.occurred_at.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")
    return (
        f"【{kind.label}】{unit_name} {incident.type.label}（{incident.severity.label}）"
        f"{occurred} {incident.location}：{text}（事件编号{incident.id}）"
    )
