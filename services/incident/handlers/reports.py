"""Filing a report (首报/续报/终报) and closing the incident after its final report."""

from __future__ import annotations

from datetime import datetime

from schemas.incident import IncidentClosed, ReportFiled
from schemas.notify import DeliverReport
from schemas.report_form import ReportForm
from schemas.values import ReportKind
from services.incident.domain import (
    UNSIGNED_MARK,
    Firing,
    Incident,
    Report,
    Source,
    TimelineEntry,
    TimelineKind,
    Unit,
    check_close,
    check_report,
    check_text,
    is_late,
    report_text,
)
from services.incident.domain.report_form import SPEECH_LIMIT, essentials, full_text, speech
from services.incident.handlers.common import Rules, load_for_change, write
from services.incident.ports import Ports

__all__ = ["on_close_incident", "on_file_report"]

DEFAULT_RULES = Rules()


async def on_file_report(
    incident_id: str,
    kind: ReportKind,
    text: str,
    filed_by: str,
    source: Source,
    ports: Ports,
    now: datetime,
    form: ReportForm | None = None,
    rules: Rules = DEFAULT_RULES,
    unsigned: bool = False,
) -> Report:
    """Record the report (free text, or the form whose full text it is), send it to the unit's recipients,
    stop the clocks it answers and, for grades I and II, start the next 续报's. `unsigned`: a 首报 that went
    out without the 签发 its unit requires, marked so."""
    text = (full_text(form) if form is not None else text) + (UNSIGNED_MARK if unsigned else "")
    check_text({"text": text, "filed_by": filed_by})
    incident = await load_for_change(ports, incident_id)
    check_report(incident, kind)
    late = is_late(incident, kind, now)
    unit = await ports.directory.unit(incident.unit_id)
    recipients = unit.report_recipients if unit is not None else ()
    filed = Report(incident.id, kind, text, filed_by, now, late, source, form=form)
    report = await ports.reports.add(filed, recipients)
    _apply(incident, kind, late, now)
    await ports.deadlines.settle_open(incident.id, now, Firing.MET, kind.answers)
    await ports.deadlines.add(rules.report.next_follow_up(incident, kind, now))
    await ports.outgoing.publish(
        ReportFiled(
            unit_id=incident.unit_id,
            incident_id=incident.id,
            kind=kind,
            text=text,
            filed_by=filed_by,
            filed_at=now,
            late=late,
            form=form,
            unsigned=unsigned,
        ),
        incident.id,
    )
    entries = [_filed_entry(report)]
    if unit is not None and unit.recipients:
        await _deliver(ports, incident, unit, report)
    else:
        detail = f"{incident.unit_id} has no report recipients in the unit directory: nobody was sent the report"
        entries.append(TimelineEntry(now, TimelineKind.REPORT_UNDELIVERABLE, detail))
    await write(ports, incident, now, *entries)
    return report


async def _deliver(ports: Ports, incident: Incident, unit: Unit, report: Report) -> None:
    """Ask the notifier to bring the report to each of the unit's recipients (party committee, government, bureau)."""
    form = report.form
    command = DeliverReport(
        unit_id=incident.unit_id,
        incident_id=incident.id,
        kind=report.kind,
        text=report_text(incident, unit.name, report.kind, essentials(form) if form else report.text),
        speech=speech(form) if form else f"{unit.name}{report.kind.label}：{report.text}"[:SPEECH_LIMIT],
        recipients=list(unit.recipients),
    )
    await ports.outgoing.publish(command, incident.id)


def _apply(incident: Incident, kind: ReportKind, late: bool, now: datetime) -> None:
    if kind is ReportKind.FIRST:
        incident.first_reported_at = now
    incident.last_report_kind = kind
    incident.late = incident.late or late


def _filed_entry(report: Report) -> TimelineEntry:
    lateness = "（迟报 late）" if report.late else ""
    return TimelineEntry(
        report.filed_at,
        TimelineKind.REPORT_FILED,
        f"{report.kind.label} {report.kind.value}{lateness}: {report.text}",
        actor=report.filed_by,
        channel=report.source.value,
        data={"report_id": report.id, "kind": report.kind.value, "late": report.late},
    )


async def on_close_incident(incident_id: str, closed_by: str, ports: Ports, now: datetime) -> Incident:
    """Close an incident whose final report is filed."""
    check_text({"closed_by": closed_by})
    incident = await load_for_change(ports, incident_id)
    check_close(incident)
    incident.closed_at = now
    await ports.deadlines.settle_open(incident.id, now, Firing.CLOSED)
    await ports.outgoing.publish(
        IncidentClosed(
            unit_id=incident.unit_id, incident_id=incident.id, closed_at=now, closed_by=closed_by, late=incident.late
        ),
        incident.id,
    )
    await write(ports, incident, now, TimelineEntry(now, TimelineKind.CLOSED, "closed", actor=closed_by))
    return incident
