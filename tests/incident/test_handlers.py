"""Handler tier: the handlers against the in-memory fakes of testing.py and a manual clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from schemas.incident import (
    IncidentAcknowledged,
    IncidentAssigned,
    IncidentEscalated,
    IncidentReported,
    ReportDelivered,
    ReportDueSoon,
    ReportFiled,
    ReportOverdue,
)
from schemas.notify import (
    AttemptDelivered,
    AttemptSent,
    DeliverReport,
    NotificationAcknowledged,
    RunSubject,
    SendSms,
    TextReceived,
)
from schemas.values import Channel, IncidentType, Origin, ReportKind, Severity
from services.incident import handlers
from services.incident.domain import IncidentStatus, IntakeRefused, ReportPolicy, ReportRefused, Source, TimelineKind
from services.incident.handlers import Rules
from services.incident.ports import Ports
from services.incident.testing import (
    ManualClock,
    MemoryDeadlines,
    MemoryIncidents,
    MemoryOutgoing,
    MemoryReports,
    memory_ports,
)
from tests.incident.builders import (
    BUREAU,
    DISTRICT_ROOM,
    GOVERNMENT,
    LEADER,
    OFFICER,
    PARTY,
    district_updated,
    home_updated,
    report,
    shift_started,
)

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
RULES = Rules()


async def seeded(with_shift: bool = True) -> Ports:
    ports = memory_ports()
    await handlers.on_unit_updated(district_updated("district"), ports)
    await handlers.on_unit_updated(home_updated("home", "district"), ports)
    if with_shift:
        await handlers.on_shift_started(shift_started("home", T0 - timedelta(hours=2)), ports, T0)
    return ports


def sent(ports: Ports) -> MemoryOutgoing:
    return cast(MemoryOutgoing, ports.outgoing)


async def kinds(ports: Ports, incident_id: str) -> list[TimelineKind]:
    return [entry.kind for entry in await ports.incidents.timeline(incident_id)]


async def test_intake_assigns_the_shift_and_publishes_reported_with_the_deadline() -> None:
    """A new incident goes to the shift's officer and leader, with its 首报 due an hour after the event."""
    ports = await seeded()
    taken = await handlers.on_report_incident(
        report("home", T0 - timedelta(minutes=5)), Source.HTTP, Origin.UNIT, ports, RULES, T0
    )
    assert not taken.joined
    [reported] = sent(ports).of_type(IncidentReported)
    assert (reported.officer, reported.leader, reported.duty_room) == (OFFICER, LEADER, None)
    assert reported.first_report_due_at == T0 + timedelta(minutes=55)
    assert sent(ports).of_type(IncidentAssigned) == []  # the assignment travels in IncidentReported
    assert await kinds(ports, taken.incident.id) == [TimelineKind.REPORTED, TimelineKind.ASSIGNED]


async def test_intake_in_a_gap_assigns_the_parent_duty_room_and_records_the_gap() -> None:
    """With no shift for the unit, the parent unit's duty room is assigned and the gap is on the timeline."""
    ports = await seeded(with_shift=False)
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, T0)
    [reported] = sent(ports).of_type(IncidentReported)
    assert (reported.officer, reported.leader, reported.duty_room) == (None, None, DISTRICT_ROOM)
    assert sent(ports).of_type(IncidentAssigned) == []
    timeline = await ports.incidents.timeline(taken.incident.id)
    assert timeline[1].kind is TimelineKind.GAP and "区民政局值班室" in timeline[1].detail


async def test_a_shift_starting_after_a_gap_takes_over_the_open_incident() -> None:
    """When a shift starts, an open incident that fell into a gap is reassigned to its officer and leader."""
    ports = await seeded(with_shift=False)
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, T0)
    await handlers.on_shift_started(shift_started("home", T0 + timedelta(minutes=1)), ports, T0 + timedelta(minutes=2))
    incident = await ports.incidents.get(taken.incident.id)
    assert incident is not None and incident.officer == OFFICER
    assert sent(ports).of_type(IncidentAssigned)[-1].reason.startswith("reassignment")


async def test_unknown_unit_is_refused() -> None:
    """A unit never seen on duty.units is refused, naming unit_id."""
    ports = await seeded()
    with pytest.raises(IntakeRefused) as refused:
        await handlers.on_report_incident(
            report("nowhere", T0), Source.KAFKA, Origin.EMERGENCY_MANAGEMENT, ports, RULES, T0
        )
    assert refused.value.field == "unit_id" and "unknown unit" in refused.value.message
    assert sent(ports).sent == []


async def test_repeat_with_the_same_external_id_joins_without_a_second_escalation() -> None:
    """The same unit, type and external id joins the open incident: one IncidentReported, a JOINED entry."""
    ports = await seeded()
    first = await handlers.on_report_incident(
        report("home", T0 - timedelta(hours=3), external_id="119-42"),
        Source.KAFKA,
        Origin.EMERGENCY_MANAGEMENT,
        ports,
        RULES,
        T0,
    )
    again = await handlers.on_report_incident(
        report("home", T0, external_id="119-42", reporter="消防"),
        Source.KAFKA,
        Origin.EMERGENCY_MANAGEMENT,
        ports,
        RULES,
        T0,
    )
    assert again.joined and again.incident.id == first.incident.id
    assert len(sent(ports).of_type(IncidentReported)) == 1
    assert (await kinds(ports, first.incident.id))[-1] is TimelineKind.JOINED


async def test_repeat_within_the_window_joins_and_outside_it_opens_a_new_incident() -> None:
    """Same unit and type within the dedup window joins; another type or a later time is a new incident."""
    ports = await seeded()
    first = await handlers.on_report_incident(
        report("home", T0 - timedelta(minutes=30)), Source.HTTP, Origin.UNIT, ports, RULES, T0
    )
    near = await handlers.on_report_incident(report("home", T0), Source.SMS, Origin.UNIT, ports, RULES, T0)
    other_type = await handlers.on_report_incident(
        report("home", T0, type=IncidentType.FOOD_POISONING), Source.HTTP, Origin.UNIT, ports, RULES, T0
    )
    later = T0 + timedelta(hours=2)
    far = await handlers.on_report_incident(report("home", later), Source.HTTP, Origin.UNIT, ports, RULES, later)
    assert near.joined and near.incident.id == first.incident.id
    assert not other_type.joined and not far.joined
    assert len(sent(ports).of_type(IncidentReported)) == 3


async def test_the_clock_warns_at_45_minutes_and_marks_overdue_at_60() -> None:
    """Nothing before 45 min; ReportDueSoon at 45; ReportOverdue with the municipal bureau at 60; late stays."""
    ports, clock = await seeded(), ManualClock(T0)
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, clock())
    assert await handlers.fire_due_deadlines(ports, clock.advance(minutes=44, seconds=59)) == 0
    assert await handlers.fire_due_deadlines(ports, clock.advance(seconds=1)) == 1
    [warning] = sent(ports).of_type(ReportDueSoon)
    assert (warning.officer, warning.leader, warning.due_at) == (OFFICER, LEADER, T0 + timedelta(hours=1))
    assert await handlers.fire_due_deadlines(ports, clock.advance(minutes=14, seconds=59)) == 0
    assert await handlers.fire_due_deadlines(ports, clock.advance(seconds=1)) == 1
    [overdue] = sent(ports).of_type(ReportOverdue)
    assert overdue.municipal_bureau == BUREAU
    assert await handlers.fire_due_deadlines(ports, clock.advance(hours=1)) == 0
    await handlers.on_file_report(taken.incident.id, ReportKind.FIRST, "已扑灭", "王芳", Source.HTTP, ports, clock())
    incident = await ports.incidents.get(taken.incident.id)
    assert incident is not None and incident.status is IncidentStatus.FIRST_REPORTED and incident.late
    assert sent(ports).of_type(ReportFiled)[0].late


async def test_the_clock_leaves_an_incident_another_transaction_holds_due_for_the_next_sweep() -> None:
    """A sweep skips the deadline of an incident another transaction has locked, rather than wait for it; the
    deadline stays due and fires on the first sweep after the lock is gone."""
    ports, clock = await seeded(), ManualClock(T0)
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, clock())
    held = cast(MemoryIncidents, ports.incidents).held
    held.add(taken.incident.id)
    assert await handlers.fire_due_deadlines(ports, clock.advance(minutes=45)) == 0
    assert sent(ports).of_type(ReportDueSoon) == []
    held.clear()
    assert await handlers.fire_due_deadlines(ports, clock.advance(seconds=30)) == 1
    assert len(sent(ports).of_type(ReportDueSoon)) == 1


async def test_severity_one_under_a_30_minute_policy_warns_at_15_and_is_overdue_at_30() -> None:
    """A policy of 30 min for grade I moves both timers: warning at 15 min, overdue at 30."""
    rules = Rules(report=ReportPolicy(limits={**ReportPolicy().limits, Severity.I: timedelta(minutes=30)}))
    ports, clock = await seeded(), ManualClock(T0)
    await handlers.on_report_incident(
        report("home", T0, severity=Severity.I), Source.HTTP, Origin.UNIT, ports, rules, clock()
    )
    assert await handlers.fire_due_deadlines(ports, clock.advance(minutes=14)) == 0
    assert await handlers.fire_due_deadlines(ports, clock.advance(minutes=1)) == 1
    assert await handlers.fire_due_deadlines(ports, clock.advance(minutes=15)) == 1
    assert sent(ports).of_type(ReportOverdue)[0].due_at == T0 + timedelta(minutes=30)


async def test_a_first_report_in_time_stops_the_clock() -> None:
    """Filed before the warning, the 首报 settles both timers: nothing fires later."""
    ports, clock = await seeded(), ManualClock(T0)
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, clock())
    await handlers.on_file_report(taken.incident.id, ReportKind.FIRST, "情况", "王芳", Source.HTTP, ports, clock())
    assert await handlers.fire_due_deadlines(ports, clock.advance(hours=2)) == 0
    assert [row.outcome for row in cast(MemoryDeadlines, ports.deadlines).rows] == ["met", "met"]


def _outcome_fields(incident_id: str, to: str) -> dict[str, object]:
    return {
        "unit_id": "home",
        "run_id": "run-1",
        "attempt_id": f"att-{to}",
        "subject": RunSubject.REPORT,
        "subject_id": f"{incident_id}/first",
        "channel": Channel.SMS,
        "to": to,
        "provider": "console",
    }


async def test_first_report_goes_to_each_recipient_and_delivery_and_ack_are_recorded_per_recipient() -> None:
    """DeliverReport names the three recipients; a delivery and an ack are recorded for the right recipient only."""
    ports, clock = await seeded(), ManualClock(T0)
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, clock())
    incident_id = taken.incident.id
    await handlers.on_file_report(incident_id, ReportKind.FIRST, "火已扑灭", "王芳", Source.HTTP, ports, clock())
    [request] = sent(ports).of_type(DeliverReport)
    assert request.recipients == [PARTY, GOVERNMENT, BUREAU] and "【首报】" in request.text
    delivered_at = clock.advance(minutes=1)
    delivered = AttemptDelivered(**_outcome_fields(incident_id, PARTY.phone), delivered_at=delivered_at)  # type: ignore[arg-type]
    await handlers.on_attempt_delivered(delivered, ports, clock())
    ack = NotificationAcknowledged(
        unit_id="home",
        run_id="run-1",
        subject=RunSubject.REPORT,
        subject_id=f"{incident_id}/first",
        by=GOVERNMENT.phone,
        channel=Channel.VOICE,
        acknowledged_at=clock.advance(minutes=1),
        run_stopped=False,
    )
    await handlers.on_notification_acknowledged(ack, ports, clock())
    deliveries = {each.recipient.role: each for each in cast(MemoryReports, ports.reports).deliveries}
    assert deliveries[PARTY.role].delivered_at == delivered_at and deliveries[PARTY.role].acknowledged_at is None
    assert deliveries[GOVERNMENT.role].acknowledged_at == clock()
    assert deliveries[BUREAU.role].delivered_at is None
    announced = sent(ports).of_type(ReportDelivered)
    assert [(each.recipient, each.acknowledged) for each in announced] == [(PARTY, False), (GOVERNMENT, True)]
    assert TimelineKind.REPORT_ACKNOWLEDGED in await kinds(ports, incident_id)


async def test_acknowledgement_acknowledges_the_incident_once() -> None:
    """The first ack of the incident's run publishes IncidentAcknowledged; a second only adds a timeline line."""
    ports, clock = await seeded(), ManualClock(T0)
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, clock())
    for minute in (3, 4):
        ack = NotificationAcknowledged(
            unit_id="home",
            run_id="run-9",
            subject=RunSubject.INCIDENT,
            subject_id=taken.incident.id,
            by=OFFICER.phone,
            channel=Channel.SMS,
            acknowledged_at=T0 + timedelta(minutes=minute),
            run_stopped=True,
        )
        await handlers.on_notification_acknowledged(ack, ports, clock())
    [acknowledged] = sent(ports).of_type(IncidentAcknowledged)
    assert acknowledged.by == OFFICER and acknowledged.acknowledged_at == T0 + timedelta(minutes=3)
    incident = await ports.incidents.get(taken.incident.id)
    assert incident is not None and incident.status is IncidentStatus.ACKNOWLEDGED


async def test_a_later_escalation_step_marks_the_incident_escalated() -> None:
    """An attempt of step 1 of the incident's run publishes IncidentEscalated and sets the status."""
    ports, clock = await seeded(), ManualClock(T0)
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, clock())
    fields = {
        **_outcome_fields(taken.incident.id, LEADER.phone),
        "subject": RunSubject.INCIDENT,
        "subject_id": taken.incident.id,
        "channel": Channel.VOICE,
    }
    attempt = AttemptSent(**fields, step=1, provider_ref="CA1", sent_at=T0)  # type: ignore[arg-type]
    await handlers.on_attempt_sent(attempt, ports, clock())
    assert sent(ports).of_type(IncidentEscalated)[0].targets == [LEADER.phone]
    incident = await ports.incidents.get(taken.incident.id)
    assert incident is not None and incident.status is IncidentStatus.ESCALATED


def text(body: str, unit_id: str = "home") -> TextReceived:
    return TextReceived(unit_id=unit_id, **{"from": OFFICER.phone}, text=body, received_at=T0)


async def test_sms_report_opens_the_senders_unit_incident_and_confirms() -> None:
    """`报 火灾 福利院3楼 …` from the officer opens a fire incident for their unit and texts back its number."""
    ports = await seeded()
    taken = await handlers.on_text_received(text("报 火灾 福利院3楼 有人被困 II级"), ports, RULES, T0)
    assert taken is not None
    incident = taken.incident
    assert (incident.type, incident.severity, incident.source, incident.reporter) == (
        IncidentType.FIRE,
        Severity.II,
        Source.SMS,
        OFFICER.name,
    )
    [answer] = sent(ports).of_type(SendSms)
    assert answer.to == OFFICER.phone and incident.id in answer.text and "已受理" in answer.text


async def test_unreadable_sms_gets_the_format_by_sms_and_opens_nothing() -> None:
    """Text that is no report is answered with the format and an example; no incident is opened."""
    ports = await seeded()
    assert await handlers.on_text_received(text("明天几点交班？"), ports, RULES, T0) is None
    [answer] = sent(ports).of_type(SendSms)
    assert "报 火灾 福利院3楼" in answer.text and answer.to == OFFICER.phone
    assert sent(ports).of_type(IncidentReported) == []


async def test_sms_from_an_unknown_unit_is_answered_with_the_refusal() -> None:
    """A readable report for a unit not in the directory is refused by SMS, not dropped."""
    ports = await seeded()
    assert await handlers.on_text_received(text("报 火灾 食堂", unit_id="ghost"), ports, RULES, T0) is None
    [answer] = sent(ports).of_type(SendSms)
    assert "未能受理" in answer.text and "unknown unit" in answer.text


async def test_close_only_after_the_final_report() -> None:
    """Closing is refused before the 终报 and works after it."""
    ports = await seeded()
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, T0)
    incident_id = taken.incident.id
    with pytest.raises(ReportRefused, match="final report"):
        await handlers.on_close_incident(incident_id, "李强", ports, T0)
    for kind in (ReportKind.FIRST, ReportKind.FOLLOW_UP, ReportKind.FINAL):
        await handlers.on_file_report(incident_id, kind, kind.label, "王芳", Source.HTTP, ports, T0)
    closed = await handlers.on_close_incident(incident_id, "李强", ports, T0)
    assert closed.status is IncidentStatus.CLOSED


async def test_sms_first_report_is_filed_on_the_units_open_incident_and_sent_to_the_recipients() -> None:
    """`首报 …` without an id files the 首报 on the unit's open incident, sends it on and confirms by SMS."""
    ports = await seeded()
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, T0)
    await handlers.on_text_received(text("首报 火已扑灭，无人员伤亡"), ports, RULES, T0 + timedelta(minutes=20))
    incident = await ports.incidents.get(taken.incident.id)
    assert incident is not None and incident.status is IncidentStatus.FIRST_REPORTED
    [filed] = sent(ports).of_type(ReportFiled)
    assert (filed.kind, filed.filed_by, filed.late) == (ReportKind.FIRST, "王芳", False)
    assert filed.form is not None and filed.form.situation == "火已扑灭，无人员伤亡"
    assert "基本情况：火已扑灭，无人员伤亡" in filed.text
    assert len(sent(ports).of_type(DeliverReport)) == 1
    assert "已报送首报" in sent(ports).of_type(SendSms)[-1].text


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ("续报 inc-none 仍在搜寻", "本单位没有事件inc-none"),
        ("首报", "首报缺少内容"),
        ("续报 还在处置", "本单位没有未结束的事件"),
    ],
)
async def test_sms_filing_that_cannot_be_filed_is_answered(body: str, answer: str) -> None:
    """An unknown incident, an empty filing or no open incident is answered by SMS, and nothing is filed."""
    ports = await seeded()
    await handlers.on_text_received(text(body), ports, RULES, T0)
    [reply] = sent(ports).of_type(SendSms)
    assert answer in reply.text
    assert sent(ports).of_type(ReportFiled) == []
