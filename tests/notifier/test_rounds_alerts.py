"""Handler tier: the rounds service's alerts start runs of their policies — officer, then leader, then duty room."""

from __future__ import annotations

from datetime import timedelta

from schemas.rounds import HazardClass, HazardOverdue, RoundMissed, SpotCheckRequested, SpotCheckUnanswered
from services.notifier.handlers import rounds
from tests.notifier.factories import LEADER_PHONE, OFFICER_PHONE, ROOM_PHONE, person, unique_unit
from tests.notifier.test_handlers import Harness, harness

__all__ = ["harness"]

OFFICER = person("wang-fang", "王芳", OFFICER_PHONE)
LEADER = person("li-qiang", "李强", LEADER_PHONE)
ROOM = person("city-room", "市局值班室", ROOM_PHONE)


async def test_a_missed_round_texts_the_officer_then_calls_the_leader_then_the_duty_room(harness: Harness) -> None:
    """round_missed: SMS to the assignee at once, the leader's call 10 min on, the duty room's 10 min after."""
    now = harness.clock()
    missed = RoundMissed(
        unit_id=unique_unit(),
        round_id="night@2026-12-01T15:30:00+00:00",
        title="夜间巡查",
        due_at=now - timedelta(hours=1),
        deadline=now,
        assignee=OFFICER,
        officer=OFFICER,
        leader=LEADER,
        duty_room=ROOM,
    )
    await harness.deliver(rounds.on_round_missed, missed)
    await harness.sweep()
    (sms,) = harness.phone.sms_to(OFFICER_PHONE)
    assert "巡查未报" in sms.text and "夜间巡查" in sms.text
    await harness.sweep(minutes=10)
    assert [call.to for call in harness.phone.calls] == [LEADER_PHONE]
    await harness.sweep(minutes=10)
    assert [call.to for call in harness.phone.calls] == [LEADER_PHONE, ROOM_PHONE]


async def test_an_overdue_hazard_texts_its_owner_and_a_reply_stops_the_run(harness: Harness) -> None:
    """hazard_overdue: the owner's SMS; replying 1 acknowledges, so the leader is never called."""
    overdue = HazardOverdue(
        unit_id=unique_unit(),
        hazard_id="hz-1",
        description="3楼电暖器私拉电线",
        hazard_class=HazardClass.IMMEDIATE,
        deadline=harness.clock(),
        owner=OFFICER,
        leader=LEADER,
        duty_room=ROOM,
    )
    await harness.deliver(rounds.on_hazard_overdue, overdue)
    await harness.sweep()
    assert "隐患逾期未整改" in harness.phone.sms_to(OFFICER_PHONE)[0].text
    await harness.reply(OFFICER_PHONE, "1")
    await harness.sweep(minutes=60)
    assert harness.phone.calls == []


async def test_a_spot_check_calls_the_person_and_an_unanswered_one_texts_the_duty_room(harness: Harness) -> None:
    """spot_check: a call to the person checked; spot_check_unanswered: an SMS to the duty room."""
    unit, now = unique_unit(), harness.clock()
    asked = SpotCheckRequested(unit_id=unit, check_id="sc-1", person=LEADER, answer_by=now + timedelta(minutes=10))
    await harness.deliver(rounds.on_spot_check_requested, asked)
    await harness.sweep()
    assert [call.to for call in harness.phone.calls] == [LEADER_PHONE]
    silent = SpotCheckUnanswered(unit_id=unit, check_id="sc-1", person=LEADER, asked_at=now, duty_room=ROOM)
    await harness.deliver(rounds.on_spot_check_unanswered, silent)
    await harness.sweep()
    assert "查岗未应答" in harness.phone.sms_to(ROOM_PHONE)[0].text
