"""Handler tier: what a filing answers, as the incident service records it."""

from __future__ import annotations

from datetime import timedelta

from schemas.incident import IncidentAcknowledged, IncidentReported
from schemas.notify import AttemptDelivered, DeliverReport, RunStopped, RunSubject, SendSms
from schemas.values import Channel, Origin, ReportKind
from services.incident import handlers
from services.incident.domain import Source, TimelineKind
from tests.incident.builders import BUREAU, OFFICER, PARTY, home_updated, report
from tests.incident.test_handlers import RULES, T0, kinds, seeded, sent, text


async def test_an_sms_filing_acknowledges_the_incident_for_the_officer_once() -> None:
    """The officer's `首报 …` acknowledges the incident in their name; their later `续报 …` adds no second one."""
    ports = await seeded()
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, T0)
    filed_at = T0 + timedelta(minutes=10)
    await handlers.on_text_received(text("首报 火已扑灭，无人员伤亡"), ports, RULES, filed_at)
    await handlers.on_text_received(text("续报 善后处置中"), ports, RULES, filed_at + timedelta(minutes=5))
    [acknowledged] = sent(ports).of_type(IncidentAcknowledged)
    assert (acknowledged.by, acknowledged.channel, acknowledged.acknowledged_at) == (OFFICER, Channel.SMS, filed_at)
    incident = await ports.incidents.get(taken.incident.id)
    assert incident is not None and incident.acknowledged_at == filed_at
    assert (await kinds(ports, incident.id)).count(TimelineKind.ACKNOWLEDGED) == 1


async def test_an_http_filing_names_nobody_as_acknowledging() -> None:
    """A filing over HTTP carries no phone: the incident is not marked acknowledged in anyone's name."""
    ports = await seeded()
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, T0)
    await handlers.on_file_report(taken.incident.id, ReportKind.FIRST, "首报", "王芳", Source.HTTP, ports, T0)
    assert sent(ports).of_type(IncidentAcknowledged) == []


async def test_a_stopped_reminder_is_on_the_incidents_timeline() -> None:
    """The notifier's word that a 首报 reminder stopped lands on the incident it is about, with its reason."""
    ports = await seeded()
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, T0)
    stopped = RunStopped(
        unit_id="home",
        run_id="run-1",
        subject=RunSubject.REPORT_DUE,
        subject_id=f"{taken.incident.id}/first",
        steps_taken=1,
        reason="首报 filed by 王芳",
        stopped_at=T0,
    )
    await handlers.on_run_stopped(stopped, ports, T0)
    [entry] = [e for e in await ports.incidents.timeline(taken.incident.id) if e.kind is TimelineKind.RUN_STOPPED]
    assert entry.detail == "report_due run stopped after 1 steps: 首报 filed by 王芳"
    assert entry.data["run_id"] == "run-1"


async def test_an_sms_report_40_minutes_old_is_due_20_minutes_after_it_arrives_and_the_answer_says_so() -> None:
    """`… 40分钟前 …` starts the clock 40 minutes before the SMS: the 首报 is due at 10:20 Beijing, as answered."""
    ports = await seeded()
    taken = await handlers.on_text_received(text("报 走失 福利院3号楼 40分钟前 一名老人走失"), ports, RULES, T0)
    assert taken is not None
    assert taken.incident.occurred_at == T0 - timedelta(minutes=40)
    assert taken.incident.first_report_due_at == T0 + timedelta(minutes=20)
    [answer] = sent(ports).of_type(SendSms)
    assert "首报须于10:20前报送" in answer.text and "事发09:20" in answer.text


async def test_an_sms_report_of_a_future_time_is_refused_by_sms_and_opens_nothing() -> None:
    """An event time after the arrival is answered with why and how to write it; no incident is opened."""
    ports = await seeded()
    assert await handlers.on_text_received(text("报 火灾 福利院3号楼 12:30 厨房起火"), ports, RULES, T0) is None
    [answer] = sent(ports).of_type(SendSms)
    assert "晚于短信收到的时间10:00" in answer.text
    assert sent(ports).of_type(IncidentReported) == []


async def test_a_report_reaching_a_recipients_second_number_is_that_recipients_delivery() -> None:
    """The bureau lists a landline and a mobile: both go to the notifier, one delivery is kept, and reaching
    the mobile records it."""
    ports = await seeded()
    mobile = BUREAU.model_copy(update={"phone": "+8613900007777"})
    await handlers.on_unit_updated(home_updated("home", "district", [PARTY, BUREAU, mobile]), ports)
    taken = await handlers.on_report_incident(report("home", T0), Source.HTTP, Origin.UNIT, ports, RULES, T0)
    await handlers.on_file_report(taken.incident.id, ReportKind.FIRST, "首报", "王芳", Source.HTTP, ports, T0)
    [command] = sent(ports).of_type(DeliverReport)
    assert [each.phone for each in command.recipients] == [PARTY.phone, BUREAU.phone, mobile.phone]
    delivered = AttemptDelivered(
        unit_id="home", run_id="r", attempt_id="a", subject=RunSubject.REPORT,
        subject_id=f"{taken.incident.id}/first", channel=Channel.VOICE, to=mobile.phone, provider="console",
        delivered_at=T0,
    )  # fmt: skip
    await handlers.on_attempt_delivered(delivered, ports, T0)
    [(_, deliveries)] = await ports.reports.of_incident(taken.incident.id)
    assert [(each.recipient.phone, each.delivered_at) for each in deliveries] == [
        (PARTY.phone, None),
        (BUREAU.phone, T0),
    ]
