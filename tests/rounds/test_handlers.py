"""Handler tier: the rounds handlers against the in-memory fakes of testing.py and a fixed clock."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from schemas.broadcast import BroadcastAcknowledged, BroadcastSent
from schemas.incident import ReportIncident
from schemas.notify import NotificationAcknowledged, RunSubject, SendSms, TextReceived
from schemas.rounds import (
    HazardClass,
    HazardOverdue,
    RecordLeave,
    RecordReturn,
    RoundMissed,
    SpotCheckRequested,
    SpotCheckUnanswered,
    WarningUnacknowledged,
)
from schemas.values import Channel, IncidentType
from services.rounds import handlers
from services.rounds.adapters.plans_file import parse_plans
from services.rounds.domain import LOCAL_TZ, Action, PersonFound, Risk, RoundState
from services.rounds.handlers import HazardIn, RoundReport, Rules
from services.rounds.ports import Ports
from services.rounds.testing import MemoryOutgoing, memory_ports
from tests.incident.builders import DISTRICT_ROOM, LEADER, OFFICER, district_updated, home_updated, shift_started
from tests.rounds.builders import PLANS, cap_xml

# 2026-12-01 23:30 in Shanghai: the night round falls due.
NIGHT = datetime(2026, 12, 1, 23, 30, tzinfo=LOCAL_TZ)


def rules(**changes: object) -> Rules:
    book, issues = parse_plans(PLANS)
    assert issues == []
    return Rules(book=book, rng=random.Random(7), **changes)  # type: ignore[arg-type]


async def seeded(now: datetime = NIGHT) -> Ports:
    ports = memory_ports()
    await handlers.on_unit_updated(district_updated("district"), ports)
    await handlers.on_unit_updated(home_updated("home", "district"), ports)
    for unit in ("home", "district"):
        await handlers.on_shift_started(shift_started(unit, now - timedelta(hours=15)), ports, Rules(), now)
    return ports


def sent(ports: Ports) -> MemoryOutgoing:
    assert isinstance(ports.outgoing, MemoryOutgoing)
    return ports.outgoing


def texts_to(ports: Ports, phone: str) -> list[str]:
    return [sms.text for sms in sent(ports).of_type(SendSms) if sms.to == phone]


def sms(text: str, unit: str = "home", phone: str = OFFICER.phone) -> TextReceived:
    return TextReceived(unit_id=unit, from_=phone, person_id=OFFICER.id, text=text, received_at=NIGHT)


async def due_round(ports: Ports, the_rules: Rules, plan_id: str = "night", at: datetime = NIGHT) -> str:
    """Plan and fire up to `at`; the code the officer got for the plan's round."""
    await handlers.plan_rounds(ports, the_rules, at - timedelta(hours=1))
    await handlers.fire_due_rounds(ports, the_rules, at)
    (found,) = [each for each in await ports.rounds.find(states=[RoundState.DUE]) if each.plan_id == plan_id]
    assert found.code is not None
    return found.code


async def test_a_round_falls_due_with_a_code_to_the_officer_and_a_missed_one_alerts_up_the_chain() -> None:
    """At 23:30 the officer gets the code; at 00:30 (past midnight) nothing came: officer, leader, duty room alerted."""
    ports, the_rules = await seeded(), rules()
    code = await due_round(ports, the_rules)
    (text,) = texts_to(ports, OFFICER.phone)
    assert f"巡 {code} 正常" in text and "12-02 00:30" in text and "1号楼" in text
    await handlers.fire_due_rounds(ports, the_rules, NIGHT + timedelta(minutes=59))
    assert sent(ports).of_type(RoundMissed) == []
    await handlers.fire_due_rounds(ports, the_rules, NIGHT + timedelta(minutes=60))
    (missed,) = sent(ports).of_type(RoundMissed)
    assert (missed.assignee, missed.officer, missed.leader, missed.duty_room) == (
        OFFICER,
        OFFICER,
        LEADER,
        DISTRICT_ROOM,
    )
    assert missed.deadline.astimezone(LOCAL_TZ).day == 2


async def test_a_round_reported_by_sms_is_recorded_once_and_confirmed() -> None:
    """`巡 code 正常`: recorded with every checkpoint; the same text again changes nothing and says so."""
    ports, the_rules = await seeded(), rules()
    code = await due_round(ports, the_rules)
    first = await handlers.on_text_received(sms(f"巡 {code} 正常"), ports, the_rules, NIGHT + timedelta(minutes=10))
    again = await handlers.on_text_received(sms(f"巡 {code} 正常"), ports, the_rules, NIGHT + timedelta(minutes=12))
    assert first is not None and first.first and again is not None and not again.first
    (stored,) = await ports.rounds.find(states=[RoundState.REPORTED])
    assert [result["item"] for result in stored.results] == ["1号楼", "厨房"]
    assert stored.reported_at == NIGHT + timedelta(minutes=10)
    answers = texts_to(ports, OFFICER.phone)
    assert "已记录夜间巡查结果：正常" in answers[1] and "无需重复回报" in answers[2]
    await handlers.fire_due_rounds(ports, the_rules, NIGHT + timedelta(hours=2))
    assert sent(ports).of_type(RoundMissed) == []


async def test_an_unknown_code_or_an_unreadable_text_gets_a_helpful_sms_and_other_texts_are_left_alone() -> None:
    """Unknown code: says so and shows the format; no 巡 prefix: the incident service's, nothing sent."""
    ports, the_rules = await seeded(), rules()
    await handlers.on_text_received(sms("巡 9999 正常"), ports, the_rules, NIGHT)
    await handlers.on_text_received(sms("巡 正常"), ports, the_rules, NIGHT)
    await handlers.on_text_received(sms("报 火灾 3楼 冒烟"), ports, the_rules, NIGHT)
    unknown, unreadable = texts_to(ports, OFFICER.phone)
    assert "没有巡查码为9999的巡查" in unknown and "巡 4位巡查码 正常" in unknown
    assert "未识别到4位巡查码" in unreadable


async def test_a_hazard_by_sms_becomes_an_item_due_at_once_escalated_when_overdue_then_closed() -> None:
    """电暖器私拉电线: 当即 (2 h), owner the officer; at the deadline overdue and alerted; closed with a note."""
    ports, the_rules = await seeded(), rules()
    code = await due_round(ports, the_rules)
    found_at = NIGHT + timedelta(minutes=20)
    await handlers.on_text_received(sms(f"巡 {code} 隐患 3楼电暖器私拉电线"), ports, the_rules, found_at)
    (hazard,) = await ports.hazards.find()
    assert (hazard.hazard_class, hazard.owner, hazard.deadline) == (
        HazardClass.IMMEDIATE,
        OFFICER,
        found_at + timedelta(hours=2),
    )
    assert "当即整改" in texts_to(ports, OFFICER.phone)[-1]
    assert sent(ports).of_type(ReportIncident) == []
    assert await handlers.fire_overdue_hazards(ports, found_at + timedelta(hours=1)) == 0
    assert await handlers.fire_overdue_hazards(ports, found_at + timedelta(hours=2)) == 1
    (overdue,) = sent(ports).of_type(HazardOverdue)
    assert (overdue.owner, overdue.leader, overdue.duty_room) == (OFFICER, LEADER, DISTRICT_ROOM)
    assert await handlers.fire_overdue_hazards(ports, found_at + timedelta(hours=3)) == 0
    closed = await handlers.on_close_hazard(hazard.id, "王芳", "已拆除私拉电线", ports, found_at + timedelta(hours=3))
    assert (closed.state, closed.note) == ("closed", "已拆除私拉电线")


async def test_a_life_endangering_hazard_opens_an_incident_at_once() -> None:
    """冒烟起火 on a round: a fire incident on incident.intake, occurred now, tied to the hazard."""
    ports, the_rules = await seeded(), rules()
    code = await due_round(ports, the_rules)
    await handlers.on_text_received(sms(f"巡 {code} 隐患 2楼储藏室冒烟起火"), ports, the_rules, NIGHT)
    (incident,) = sent(ports).of_type(ReportIncident)
    (hazard,) = await ports.hazards.find()
    assert (incident.type, incident.occurred_at, incident.external_id) == (IncidentType.FIRE, NIGHT, hazard.id)
    assert "1小时内首报" in texts_to(ports, OFFICER.phone)[-1]


async def test_a_street_patrol_records_each_person_and_a_person_at_risk_opens_an_incident() -> None:
    """Two people found: one given food (recorded), one very cold (recorded, and a cold-exposure incident)."""
    ports, the_rules = await seeded(), rules()
    evening = datetime(2026, 12, 1, 20, 0, tzinfo=LOCAL_TZ)
    code = await due_round(ports, the_rules, "patrol", evening)
    persons = [
        PersonFound("男，约40岁", "候车室", Action.CLOTHES_OR_FOOD),
        PersonFound("男，约70岁，衣着单薄", "桥洞", Action.TAKEN_TO_STATION, frozenset({Risk.VERY_COLD})),
    ]
    round_ = await handlers.round_by_code(ports, code, "home")
    report = RoundReport(by="王芳", persons=persons, hazards=[HazardIn("桥洞积雪结冰", HazardClass.WEEK)])
    reported = await handlers.on_round_report(round_, report, ports, the_rules, evening + timedelta(minutes=30))
    assert reported.incidents == 1
    (incident,) = sent(ports).of_type(ReportIncident)
    assert (incident.type, incident.location) == (IncidentType.COLD_EXPOSURE, "桥洞")
    stored = await ports.rounds.get(round_.id)
    assert stored is not None and [person["action"] for person in stored.persons] == [
        "clothes_or_food",
        "taken_to_station",
    ]
    assert reported.hazards[0].deadline == evening + timedelta(minutes=30, days=7)


async def test_a_resident_not_back_after_the_grace_period_becomes_a_missing_person_incident() -> None:
    """Expected back 18:00, grace 30 min: at 18:30 a missing-person incident occurred then; one back in time: none."""
    ports, the_rules = await seeded(), rules()
    left = datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ)
    back = datetime(2026, 12, 1, 18, 0, tzinfo=LOCAL_TZ)
    for leave_id, resident in (("L1", "张大爷"), ("L2", "李奶奶")):
        command = RecordLeave(
            unit_id="home", leave_id=leave_id, resident=resident, left_at=left, expected_back=back, reason="探亲"
        )
        await handlers.on_record_leave(command, ports, the_rules)
    await handlers.on_record_return(RecordReturn(unit_id="home", leave_id="L2", returned_at=back), ports)
    assert await handlers.fire_missing_residents(ports, back + timedelta(minutes=29)) == 0
    assert await handlers.fire_missing_residents(ports, back + timedelta(minutes=31)) == 1
    (incident,) = sent(ports).of_type(ReportIncident)
    assert (incident.type, incident.occurred_at) == (IncidentType.MISSING_PERSON, back + timedelta(minutes=30))
    assert "张大爷" in incident.summary and incident.external_id == "leave/L1"
    assert await handlers.fire_missing_residents(ports, back + timedelta(hours=3)) == 0


async def test_a_cap_warning_is_broadcast_acknowledgements_counted_and_silent_units_escalated() -> None:
    """A severe cold wave over 420300: both units' officers by broadcast, leaders by SMS; one acknowledges; the
    other's leader is called at the ack deadline; extra night patrols are planned."""
    ports, the_rules = await seeded(), rules()
    taken = await handlers.on_receive_warning(cap_xml(), "district", ports, the_rules, NIGHT)
    assert taken.record is not None and taken.record.units == ["district", "home"]
    (broadcast,) = sent(ports).of_type(BroadcastSent)
    assert broadcast.target_unit_ids == ["district", "home"] and broadcast.broadcast_id == taken.record.id
    assert len(texts_to(ports, LEADER.phone)) == 2
    ack = BroadcastAcknowledged(
        unit_id="home", broadcast_id=taken.record.id, by=OFFICER.phone, acknowledged_at=NIGHT + timedelta(minutes=3)
    )
    await handlers.on_broadcast_acknowledged(ack, ports)
    await handlers.fire_unacknowledged_warnings(ports, NIGHT + timedelta(minutes=30))
    (escalated,) = sent(ports).of_type(WarningUnacknowledged)
    assert (escalated.unit_id, escalated.leader) == ("district", LEADER)
    stored = await ports.warnings.get(taken.record.id)
    assert stored is not None and list(stored.acknowledged) == ["home"]
    patrols = [each.due_at.astimezone(LOCAL_TZ).hour for each in await ports.rounds.find() if each.plan_id == "patrol"]
    assert 23 in patrols
    again = await handlers.on_receive_warning(cap_xml(), "district", ports, the_rules, NIGHT)
    assert again.duplicate and len(sent(ports).of_type(BroadcastSent)) == 1


async def test_a_warning_below_the_level_or_elsewhere_is_not_broadcast() -> None:
    """Minor, or an area none of our units is in: nothing is sent, and the reason is given."""
    ports, the_rules = await seeded(), rules()
    minor = await handlers.on_receive_warning(cap_xml(severity="Minor"), "district", ports, the_rules, NIGHT)
    away = await handlers.on_receive_warning(
        cap_xml(geocode="110000", area="北京市"), "district", ports, the_rules, NIGHT
    )
    assert minor.ignored is not None and "below" in minor.ignored
    assert away.ignored is not None and "covers none" in away.ignored
    assert sent(ports).sent == []


async def test_spot_checks_are_drawn_for_a_shift_asked_and_recorded_answered_or_unanswered() -> None:
    """Rate 2: two checks in the shift; one answered with key 1 in time, the other unanswered and the duty room told."""
    the_rules = rules(spot_checks_per_shift={"home": 2.0})
    ports = await seeded()
    start = NIGHT - timedelta(hours=1)
    await handlers.on_shift_started(shift_started("home", start), ports, the_rules, start)
    checks = await ports.spot_checks.find(units=["home"])
    assert len(checks) == 2
    await handlers.on_shift_started(shift_started("home", start), ports, the_rules, start)
    assert len(await ports.spot_checks.find(units=["home"])) == 2
    first, second = sorted(checks, key=lambda check: check.at)
    await handlers.fire_spot_checks(ports, first.at)
    (asked,) = sent(ports).of_type(SpotCheckRequested)
    ack = NotificationAcknowledged(
        unit_id="home",
        run_id="r1",
        subject=RunSubject.SPOT_CHECK,
        subject_id=first.id,
        by=asked.person.phone,
        channel=Channel.VOICE,
        acknowledged_at=first.at + timedelta(minutes=2),
        run_stopped=True,
    )
    await handlers.on_spot_check_answered(ack, ports)
    await handlers.fire_spot_checks(ports, second.at)
    await handlers.fire_spot_checks(ports, second.answer_by)
    (unanswered,) = sent(ports).of_type(SpotCheckUnanswered)
    assert (unanswered.check_id, unanswered.duty_room) == (second.id, DISTRICT_ROOM)
    states = {check.id: check.state for check in await ports.spot_checks.find(units=["home"])}
    assert states == {first.id: "answered", second.id: "unanswered"}


async def test_coverage_lists_households_not_visited_in_the_period() -> None:
    """A visit reported with one household only: the other is listed as not visited (不漏一户)."""
    monday = datetime(2026, 11, 30, 10, 0, tzinfo=LOCAL_TZ)
    ports, the_rules = await seeded(monday), rules()
    code = await due_round(ports, the_rules, "visits", monday)
    round_ = await handlers.round_by_code(ports, code, "district")
    report = RoundReport(by="王芳", results=[{"item": "h1", "ok": True, "note": "已送棉被"}])
    await handlers.on_round_report(round_, report, ports, the_rules, monday + timedelta(hours=2))
    (plan,) = await handlers.coverage(
        ports, the_rules, ["district"], monday - timedelta(days=1), monday + timedelta(days=1)
    )
    assert (plan.plan_id, plan.rounds_reported, plan.not_covered) == ("visits", 1, ("h2",))


async def test_a_round_of_a_unit_not_yet_in_the_directory_waits_for_it_until_its_deadline() -> None:
    """On a first start the roster's units arrive after the first sweep: the round falls due once they do."""
    ports, the_rules = memory_ports(), rules()
    await handlers.plan_rounds(ports, the_rules, NIGHT - timedelta(hours=1))
    await handlers.fire_due_rounds(ports, the_rules, NIGHT)
    assert sent(ports).sent == []
    await handlers.on_unit_updated(district_updated("district"), ports)
    await handlers.on_unit_updated(home_updated("home", "district"), ports)
    await handlers.on_shift_started(shift_started("home", NIGHT - timedelta(hours=15)), ports, the_rules, NIGHT)
    await handlers.fire_due_rounds(ports, the_rules, NIGHT + timedelta(minutes=1))
    assert len(texts_to(ports, OFFICER.phone)) == 1
