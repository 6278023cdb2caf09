"""Handler tier: a filed report stops the runs it answers, whatever step they are at."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from schemas.incident import IncidentReported, ReportDueSoon, ReportFiled, ReportOverdue
from schemas.notify import DeliverReport, RunSubject
from schemas.values import Recipient, RecipientRole, ReportKind
from services.notifier.domain.filing import runs_answered_by
from services.notifier.handlers import filings, starts
from tests.notifier.factories import LEADER_PHONE, OFFICER_PHONE, incident_reported, unique_unit
from tests.notifier.harness import Harness, notifier_harness

BUREAU_PHONE = "+867198000000"


@pytest.fixture
async def harness(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    """The notifier without Kafka, on each store backend."""
    async with notifier_harness(tmp_path, database_url) as harness:
        yield harness


def filed(incident: IncidentReported, kind: ReportKind, now: datetime) -> ReportFiled:
    return ReportFiled(
        unit_id=incident.unit_id,
        incident_id=incident.incident_id,
        kind=kind,
        text="火已扑灭，无人员伤亡",
        filed_by="王芳",
        filed_at=now,
        late=False,
    )


def due_soon(incident: IncidentReported, kind: ReportKind = ReportKind.FIRST) -> ReportDueSoon:
    return ReportDueSoon(
        unit_id=incident.unit_id,
        incident_id=incident.incident_id,
        kind=kind,
        due_at=incident.first_report_due_at,
        officer=incident.officer,
        leader=incident.leader,
    )


def overdue(incident: IncidentReported, kind: ReportKind = ReportKind.FIRST) -> ReportOverdue:
    bureau = Recipient(role=RecipientRole.MUNICIPAL_BUREAU, name="市民政局值班室", phone=BUREAU_PHONE)
    return ReportOverdue(
        unit_id=incident.unit_id,
        incident_id=incident.incident_id,
        kind=kind,
        due_at=incident.first_report_due_at,
        officer=incident.officer,
        leader=incident.leader,
        municipal_bureau=bureau,
    )


def test_the_first_report_answers_the_alert_and_its_own_reminders_the_final_also_the_follow_up() -> None:
    """首报 answers the incident alert and the 首报 reminders; 终报 answers the 续报 and 终报 reminders."""
    assert runs_answered_by(ReportKind.FIRST, "inc-1") == [
        (RunSubject.INCIDENT, "inc-1"),
        (RunSubject.REPORT_DUE, "inc-1/first"),
        (RunSubject.REPORT_OVERDUE, "inc-1/first"),
    ]
    assert {subject_id for _, subject_id in runs_answered_by(ReportKind.FINAL, "inc-1")} == {
        "inc-1/follow_up",
        "inc-1/final",
    }


async def test_a_filed_first_report_stops_the_alert_and_the_due_reminder_before_their_next_step(
    harness: Harness,
) -> None:
    """Alert SMS and due-soon SMS sent; the 首报 is filed; an hour later nobody was called and both runs stopped."""
    incident = incident_reported(unique_unit(), harness.clock())
    await harness.deliver(starts.on_incident_reported, incident)
    await harness.deliver(starts.on_report_due_soon, due_soon(incident))
    await harness.sweep()
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 2
    await harness.deliver(filings.on_report_filed, filed(incident, ReportKind.FIRST, harness.clock()))
    await harness.sweep(minutes=60)
    assert harness.phone.calls == []
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 2
    assert len(harness.phone.sms_to(LEADER_PHONE)) == 1
    stopped = await harness.outbox_events("notify.run_stopped")
    assert {event["payload"]["subject"] for event in stopped} == {"incident", "report_due"}
    assert all(event["payload"]["reason"] == "首报 filed by 王芳" for event in stopped)


async def test_a_late_first_report_stops_the_calls_to_the_municipal_bureau(harness: Harness) -> None:
    """The bureau was called once about a missing 首报; once it is filed the repeated calls stop."""
    incident = incident_reported(unique_unit(), harness.clock())
    await harness.deliver(starts.on_report_overdue, overdue(incident))
    await harness.sweep()
    assert [call.to for call in harness.phone.calls] == [BUREAU_PHONE]
    await harness.deliver(filings.on_report_filed, filed(incident, ReportKind.FIRST, harness.clock()))
    await harness.sweep(minutes=45)
    assert [call.to for call in harness.phone.calls] == [BUREAU_PHONE]
    [stopped] = await harness.outbox_events("notify.run_stopped")
    assert stopped["payload"]["subject_id"] == f"{incident.incident_id}/first"
    assert stopped["payload"]["steps_taken"] == 1


async def test_a_follow_up_stops_only_follow_up_reminders_and_the_final_stops_them_too(harness: Harness) -> None:
    """A 续报 reminder stops on the 续报, not on a 首报; a 终报 stops a 续报 reminder still running."""
    incident = incident_reported(unique_unit(), harness.clock())
    await harness.deliver(starts.on_report_due_soon, due_soon(incident, ReportKind.FOLLOW_UP))
    await harness.sweep()
    await harness.deliver(filings.on_report_filed, filed(incident, ReportKind.FIRST, harness.clock()))
    assert await harness.outbox_events("notify.run_stopped") == []
    await harness.deliver(filings.on_report_filed, filed(incident, ReportKind.FINAL, harness.clock()))
    await harness.sweep(minutes=30)
    assert harness.phone.calls == []
    [stopped] = await harness.outbox_events("notify.run_stopped")
    assert stopped["payload"]["subject_id"] == f"{incident.incident_id}/follow_up"


async def test_a_report_filed_twice_stops_nothing_the_second_time(harness: Harness) -> None:
    """The second delivery of the filing finds no open run: nothing more is published."""
    incident = incident_reported(unique_unit(), harness.clock())
    await harness.deliver(starts.on_incident_reported, incident)
    await harness.sweep()
    for _ in range(2):
        await harness.deliver(filings.on_report_filed, filed(incident, ReportKind.FIRST, harness.clock()))
    assert len(await harness.outbox_events("notify.run_stopped")) == 1


async def test_a_landline_recipient_is_called_at_once_and_the_call_reads_the_reports_spoken_text(
    harness: Harness,
) -> None:
    """The bureau's duty room is a landline: the report's first step calls it (no SMS), saying `speech`."""
    bureau = Recipient(role=RecipientRole.MUNICIPAL_BUREAU, name="市民政局值班室", phone=BUREAU_PHONE)
    await harness.deliver(starts.on_deliver_report, report_to([bureau]))
    await harness.sweep()
    assert harness.phone.sms_to(BUREAU_PHONE) == []
    [call] = harness.phone.calls_to(BUREAU_PHONE)
    assert call.script.startswith("十堰市社会福利院首报：福利院3号楼发生火灾，受伤2人。")


async def test_a_recipients_numbers_are_reached_in_order_one_per_step(harness: Harness) -> None:
    """Landline first (a call), then the duty officer's mobile at the next step, then the landline again."""
    mobile = "+8613900139077"
    numbers = [
        Recipient(role=RecipientRole.MUNICIPAL_BUREAU, name="市民政局值班室", phone=BUREAU_PHONE),
        Recipient(role=RecipientRole.MUNICIPAL_BUREAU, name="市民政局值班员", phone=mobile),
    ]
    await harness.deliver(starts.on_deliver_report, report_to(numbers))
    await harness.sweep()
    await harness.sweep(minutes=10)
    await harness.sweep(minutes=10)
    assert [call.to for call in harness.phone.calls] == [BUREAU_PHONE, mobile, BUREAU_PHONE]
    await harness.reply(mobile, "1")
    await harness.sweep(minutes=30)
    assert len(harness.phone.calls) == 3


def report_to(recipients: list[Recipient]) -> DeliverReport:
    return DeliverReport(
        unit_id=unique_unit(),
        incident_id="inc-s",
        kind=ReportKind.FIRST,
        text="【首报】火灾 福利院3号楼",
        speech="十堰市社会福利院首报：福利院3号楼发生火灾，受伤2人。",
        recipients=recipients,
    )


async def test_a_reminder_that_arrives_after_the_first_report_is_filed_starts_no_run(harness: Harness) -> None:
    """The 首报 was filed; a due-soon warning and an overdue notice about it that come later reach nobody."""
    incident = incident_reported(unique_unit(), harness.clock())
    await harness.deliver(filings.on_report_filed, filed(incident, ReportKind.FIRST, harness.clock()))
    await harness.deliver(starts.on_report_due_soon, due_soon(incident))
    await harness.deliver(starts.on_report_overdue, overdue(incident))
    await harness.sweep(minutes=60)
    assert harness.phone.calls == [] and harness.phone.sms_to(OFFICER_PHONE) == []
    assert harness.phone.sms_to(LEADER_PHONE) == []


async def test_a_run_its_filed_report_answered_stops_when_its_step_falls_due_instead_of_firing(
    harness: Harness,
) -> None:
    """The incident's alert started after its 首报 was recorded: at its first step it stops, announced, and
    nobody is texted."""
    incident = incident_reported(unique_unit(), harness.clock())
    await harness.deliver(filings.on_report_filed, filed(incident, ReportKind.FIRST, harness.clock()))
    await harness.deliver(starts.on_incident_reported, incident)
    await harness.sweep(minutes=30)
    assert harness.phone.sms_to(OFFICER_PHONE) == [] and harness.phone.calls == []
    [stopped] = await harness.outbox_events("notify.run_stopped")
    assert (stopped["payload"]["subject"], stopped["payload"]["steps_taken"]) == ("incident", 0)


async def test_follow_up_reminders_after_a_follow_up_still_run_until_the_final_report(harness: Harness) -> None:
    """A 续报 is not the last: the next 续报's warning still reaches the officer; after the 终报 none does."""
    incident = incident_reported(unique_unit(), harness.clock())
    await harness.deliver(filings.on_report_filed, filed(incident, ReportKind.FOLLOW_UP, harness.clock()))
    await harness.deliver(starts.on_report_due_soon, due_soon(incident, ReportKind.FOLLOW_UP))
    await harness.sweep()
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 1
    await harness.deliver(filings.on_report_filed, filed(incident, ReportKind.FINAL, harness.clock()))
    await harness.deliver(starts.on_report_due_soon, due_soon(incident, ReportKind.FOLLOW_UP))
    await harness.sweep(minutes=60)
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 1 and harness.phone.calls == []
