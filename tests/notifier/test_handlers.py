"""Handler tier: the notifier's handlers and sweep with fake providers, a moved clock and a SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import insert, select

from schemas.broadcast import BroadcastSent
from schemas.duty import CheckInMissed, CheckInRequested, DutyRole, ShiftStarted, UnitUpdated
from schemas.incident import IncidentClosed
from schemas.notify import DeliverReportV1, RunSubject
from schemas.values import Person, Recipient, RecipientRole, ReportKind, Severity, UnitKind
from services.notifier.app import Notifier
from services.notifier.domain import Contact, UnknownReplyLimit, load_policy_book
from services.notifier.domain.runs import NewRun, NewTrack
from services.notifier.domain.texts import HELP_TEXT
from services.notifier.handlers import starts
from services.notifier.handlers.answers import on_key_press
from services.notifier.handlers.outcomes import on_status
from services.notifier.ports import PermanentDeliveryError, RetryableDeliveryError
from services.notifier.sending.dispatcher import Dispatcher, DispatchSettings
from tests.notifier.factories import LEADER_PHONE, OFFICER_PHONE, ROOM_PHONE, incident_reported, unique_unit
from tests.notifier.harness import DISTRICT_TOKEN, DISTRICT_UNITS, Harness, notifier_harness
from tests.notifier.serving import random_mobile


@pytest.fixture
async def harness(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    """The notifier without Kafka: handlers called directly, on each store backend."""
    async with notifier_harness(tmp_path, database_url) as harness:
        yield harness


async def test_incident_sms_then_call_after_five_minutes(harness: Harness) -> None:
    """The officer gets an SMS at once and, with no acknowledgement, a call 5 minutes later."""
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await harness.sweep()
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 1
    assert "回复1或" in harness.phone.sms_to(OFFICER_PHONE)[0].text
    assert harness.phone.calls == []
    await harness.sweep(minutes=4, seconds=59)
    assert harness.phone.calls == []
    await harness.sweep(seconds=1)
    assert [call.to for call in harness.phone.calls] == [OFFICER_PHONE]


async def test_an_incident_in_a_gap_alerts_the_assigned_duty_room_at_once(harness: Harness) -> None:
    """With no officer and no leader on shift, the parent's duty room gets the step-0 SMS and the calls after."""
    event = incident_reported(unique_unit(), harness.clock()).model_copy(update={"officer": None, "leader": None})
    await harness.deliver(starts.on_incident_reported, event)
    await harness.sweep()
    assert [sms.to for sms in harness.phone.sms] == [ROOM_PHONE]
    await harness.sweep(minutes=5)
    assert [call.to for call in harness.phone.calls] == [ROOM_PHONE]


async def test_major_incident_notifies_leader_at_step_zero(harness: Harness) -> None:
    """Severity II sends the leader an SMS at step 0 as well."""
    event = incident_reported(unique_unit(), harness.clock(), severity=Severity.II)
    await harness.deliver(starts.on_incident_reported, event)
    await harness.sweep()
    assert {sms.to for sms in harness.phone.sms} == {OFFICER_PHONE, LEADER_PHONE}


async def test_reply_one_stops_the_run(harness: Harness) -> None:
    """Reply `1` acknowledges the latest alert; no further steps are sent."""
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await harness.sweep()
    await harness.reply(OFFICER_PHONE, "1")
    await harness.sweep(minutes=30)
    assert harness.phone.calls == []
    assert "notify.acknowledged" in await harness.outbox_types()


async def test_unknown_reply_gets_help_until_five_in_ten_minutes(harness: Harness) -> None:
    """An unknown reply gets a help SMS; after five in ten minutes, no more answers."""
    for _ in range(7):
        await harness.reply("+8613900139000", "9999")
        harness.clock.advance(seconds=30)
    assert len(harness.phone.sms_to("+8613900139000")) == 5


async def test_help_sms_to_unknown_numbers_stop_at_the_accounts_daily_cap(harness: Harness) -> None:
    """Unknown numbers, each writing once, get help answers until the account's daily cap, and again a day later."""
    limit = UnknownReplyLimit(strangers_per_day=3)
    strangers = [random_mobile() for _ in range(5)]
    for number in strangers:
        await harness.reply(number, "9999", limit)
    assert [len(harness.phone.sms_to(number)) for number in strangers] == [1, 1, 1, 0, 0]
    harness.clock.advance(days=1, seconds=1)
    await harness.reply(strangers[-1], "9999", limit)
    assert len(harness.phone.sms_to(strangers[-1])) == 1


async def test_a_run_whose_step_fails_is_set_aside_and_the_runs_due_with_it_fire(harness: Harness) -> None:
    """A due run whose step raises (its policy is gone from the file) is counted and set aside for a while; the
    incident run due in the same sweep still alerts its officer, now and at its next step."""
    labels = {"policy": "retired_kind"}
    errors_before = REGISTRY.get_sample_value("dutywatch_escalation_step_errors_total", labels) or 0.0
    stranger = random_mobile()
    async with harness.notifier.work() as ports:
        track = NewTrack("old-unit", "officer", {"officer": Contact("王芳", stranger)})
        await ports.runs.add_run(
            NewRun("message", "old/1", "old-unit", "retired_kind", "旧", "旧", [track]), harness.clock()
        )
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await harness.sweep()
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 1 and harness.phone.sms_to(stranger) == []
    assert REGISTRY.get_sample_value("dutywatch_escalation_step_errors_total", labels) == errors_before + 1
    await harness.sweep(minutes=5, seconds=1)
    assert [call.to for call in harness.phone.calls] == [OFFICER_PHONE]
    assert REGISTRY.get_sample_value("dutywatch_escalation_step_errors_total", labels) == errors_before + 2


async def test_an_incidents_runs_are_its_own_and_its_reports_and_no_other_incidents(harness: Harness) -> None:
    """The runs of `inc-1`: its alert and those about its reports; not those of `inc-10`, whose id it begins."""
    track = NewTrack("unit", "officer", {"officer": Contact("王芳", random_mobile())})
    subject_ids = ["inc-1", "inc-1/first", "inc-1/final", "inc-10", "inc-10/first"]
    async with harness.notifier.work() as ports:
        for subject_id in subject_ids:
            await ports.runs.add_run(
                NewRun("incident", subject_id, "unit", "incident", "报", "报", [track]), harness.clock()
            )
        found = await ports.runs.runs_for_incident("inc-1")
    assert sorted(run.subject_id for run in found) == ["inc-1", "inc-1/final", "inc-1/first"]


async def test_permanent_sms_failure_falls_back_to_a_call(harness: Harness) -> None:
    """An invalid-number SMS error is reported and the same person is called instead."""
    harness.phone.fail_with.append(PermanentDeliveryError("21211", "invalid number"))
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await harness.sweep()
    assert [call.to for call in harness.phone.calls] == [OFFICER_PHONE]
    assert "notify.attempt_failed" in await harness.outbox_types()


def committing_slowly(open_work: Any) -> Any:
    """`open_work` whose commits take 20 ms, as on a loaded database server: other tasks run meanwhile."""

    @contextlib.asynccontextmanager
    async def slow_work() -> AsyncIterator[Any]:
        async with open_work() as ports:
            yield ports
            await asyncio.sleep(0.02)

    return slow_work


async def test_settle_waits_for_the_fallback_a_recording_under_way_writes(harness: Harness) -> None:
    """The SMS fails while the attempts are being fired; its failure is recorded while settle runs; the call
    still goes out before settle returns."""
    notifier = harness.notifier
    notifier.dispatcher = Dispatcher(
        committing_slowly(notifier.work), notifier.clock, harness.phone, harness.phone, {"console": harness.phone},
        notifier.webhooks, DispatchSettings(first_backoff_s=0),
    )  # fmt: skip
    harness.phone.fail_with.append(PermanentDeliveryError("21211", "invalid number"))
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await notifier.settle()
    assert [call.to for call in harness.phone.calls] == [OFFICER_PHONE]


async def test_a_stop_waits_for_the_sms_being_sent_and_records_it(harness: Harness) -> None:
    """Stopping while the provider is still answering: the stop waits, the SMS is recorded as sent, and the
    next start neither holds it under its lease nor sends it again."""
    harness.phone.answer_when = asyncio.Event()
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await harness.notifier.fire_soon()
    stopping = asyncio.create_task(harness.notifier.runtime.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()
    harness.phone.answer_when.set()
    await stopping

    restarted = Notifier(harness.notifier.settings, harness.clock, providers={"console": harness.phone})
    await restarted.settle()
    [sms] = harness.phone.sms
    async with restarted.work() as ports:
        assert await ports.attempts.statuses_of([sms.attempt_id]) == {sms.attempt_id: "sent"}
    await restarted.runtime.store.close()


async def test_a_send_slower_than_its_lease_is_not_taken_over_while_its_dispatcher_lives(harness: Harness) -> None:
    """The provider takes longer than a lease to answer: the dispatcher renews the lease meanwhile, so a second
    dispatcher on the same database finds nothing to claim; once the first one has stopped renewing, the second
    takes the attempt over."""
    harness.phone.answer_when = asyncio.Event()
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await harness.notifier.fire_soon()
    lease = harness.notifier.settings.dispatch_lease_s
    other = Notifier(harness.notifier.settings, harness.clock, providers={"console": harness.phone})
    for _ in range(4):
        harness.clock.advance(seconds=lease / 3)
        assert await harness.notifier.dispatcher.leases.renew(harness.clock()) == 1
        async with other.work() as ports:
            assert await other.dispatcher.claim(ports, harness.clock()) == []

    harness.clock.advance(seconds=lease + 1)
    async with other.work() as ports:
        [taken_over] = await other.dispatcher.claim(ports, harness.clock())
    assert taken_over.attempt.status == "dispatching"
    harness.phone.answer_when.set()
    await harness.notifier.dispatcher.settle()
    await other.runtime.store.close()


async def test_retryable_errors_are_retried_once_delivered(harness: Harness) -> None:
    """Two retryable errors, then success: exactly one SMS goes out."""
    harness.phone.fail_with.extend([RetryableDeliveryError("20500", "boom")] * 2)
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await harness.sweep()
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 1


async def test_key_press_acknowledges(harness: Harness) -> None:
    """Pressing 1 in the call stops the run; nothing more during the next two steps' time."""
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await harness.sweep()
    await harness.sweep(minutes=5)
    call = harness.phone.calls[0]
    async with harness.notifier.work() as ports:
        assert await on_key_press(call.attempt_id, "1", ports, harness.clock())
    await harness.sweep(minutes=20)
    assert len(harness.phone.calls) == 1
    assert ROOM_PHONE not in {c.to for c in harness.phone.calls}


async def test_report_each_recipient_until_it_acknowledges(harness: Harness) -> None:
    """A first report (a version-1 command, still handled) reaches all three recipients; one acknowledging does
    not stop the others."""
    phones = {"party_committee": "+8613800138011", "government": "+8613800138012", "municipal_bureau": "+8613800138013"}
    recipients = [Recipient(role=RecipientRole(role), name=role, phone=phone) for role, phone in phones.items()]
    command = DeliverReportV1(
        unit_id=unique_unit(), incident_id="inc-r", kind=ReportKind.FIRST, text="首报内容", recipients=recipients
    )
    await harness.deliver(starts.on_deliver_report, command)
    await harness.sweep()
    assert {sms.to for sms in harness.phone.sms} == set(phones.values())
    await harness.reply(phones["government"], "1")
    await harness.sweep(minutes=10)
    assert {call.to for call in harness.phone.calls} == {phones["party_committee"], phones["municipal_bureau"]}


def shift(unit_id: str, officer_phone: str, now: datetime) -> ShiftStarted:
    return ShiftStarted(
        unit_id=unit_id,
        shift_id=f"{unit_id}@{now.isoformat()}",
        officer=Person(id=f"officer-{unit_id}", name="值班员", phone=officer_phone),
        leader=Person(id=f"leader-{unit_id}", name="带班领导", phone=random_mobile()),
        starts_at=now,
        ends_at=now + timedelta(hours=24),
    )


async def test_check_in_reply_produces_check_in_received(harness: Harness) -> None:
    """The officer's `1` to a check-in request becomes CheckInReceived on duty.checkins, for the officer's role."""
    officer = Person(id="wang-fang", name="王芳", phone=OFFICER_PHONE)
    await harness.deliver(starts.on_check_in_requested, check_in_requested("s-1", DutyRole.OFFICER, officer, harness))
    await harness.sweep()
    assert "回复1或" in harness.phone.sms_to(OFFICER_PHONE)[0].text
    await harness.reply(OFFICER_PHONE, "收到")
    received = (await harness.outbox_event("duty.check_in_received"))["payload"]
    assert (received["shift_id"], received["role"], received["phone"]) == ("s-1", "officer", OFFICER_PHONE)


async def test_a_leaders_check_in_reply_names_the_shift_and_the_leaders_role(harness: Harness) -> None:
    """Officer and leader of one shift are each asked; the leader's reply becomes CheckInReceived for the same shift
    in the leader's role, and the officer's request stays open."""
    unit_id, shift_id = unique_unit(), "s-2@2026-12-02T00:30:00+00:00"
    officer = Person(id="wang-fang", name="王芳", phone=OFFICER_PHONE)
    leader = Person(id="li-qiang", name="李强", phone=LEADER_PHONE)
    for role, person in ((DutyRole.OFFICER, officer), (DutyRole.LEADER, leader)):
        request = check_in_requested(shift_id, role, person, harness).model_copy(update={"unit_id": unit_id})
        await harness.deliver(starts.on_check_in_requested, request)
    await harness.sweep()
    assert "带班签到" in harness.phone.sms_to(LEADER_PHONE)[0].text
    assert "值班签到" in harness.phone.sms_to(OFFICER_PHONE)[0].text
    await harness.reply(LEADER_PHONE, "1")
    (received,) = [each["payload"] for each in await harness.outbox_events("duty.check_in_received")]
    assert (received["shift_id"], received["role"], received["phone"]) == (shift_id, "leader", LEADER_PHONE)
    await harness.reply(OFFICER_PHONE, "1")
    replies = [each["payload"] for each in await harness.outbox_events("duty.check_in_received")]
    assert [(each["shift_id"], each["role"]) for each in replies] == [(shift_id, "leader"), (shift_id, "officer")]


async def test_a_leaders_missed_check_in_alerts_the_duty_room_and_not_the_leader(harness: Harness) -> None:
    """A CheckInMissed of the leader's role texts the city's duty room; the leader who missed gets nothing."""
    leader = Person(id="li-qiang", name="李强", phone=LEADER_PHONE)
    room = Person(id="room", name="市民政局值班室", phone=ROOM_PHONE)
    missed = CheckInMissed(
        unit_id=unique_unit(),
        shift_id="s-3",
        role=DutyRole.LEADER,
        person=leader,
        leader=None,
        due_by=harness.clock(),
        municipal_duty_room=room,
    )
    await harness.deliver(starts.on_check_in_missed, missed)
    await harness.sweep()
    assert [sms.to for sms in harness.phone.sms] == [ROOM_PHONE]
    assert "带班领导李强未按时签到" in harness.phone.sms[0].text


def check_in_requested(shift_id: str, role: DutyRole, person: Person, harness: Harness) -> CheckInRequested:
    now = harness.clock()
    return CheckInRequested(
        unit_id=unique_unit(),
        shift_id=shift_id,
        role=role,
        person=person,
        starts_at=now,
        due_by=now + timedelta(minutes=30),
    )


async def test_broadcast_is_acknowledged_per_unit(harness: Harness) -> None:
    """A broadcast reaches each unit's officer; one unit acknowledging leaves the other waiting."""
    units = [unique_unit(), unique_unit()]
    phones = [random_mobile(), random_mobile()]
    for unit, phone in zip(units, phones, strict=True):
        await harness.deliver(starts.on_shift_started, shift(unit, phone, harness.clock()))
    async with harness.api() as api:
        posted = await api.post(
            "/broadcasts",
            json={
                "title": "寒潮预警",
                "text": "今夜降温",
                "sent_by": "市局",
                "target_unit_ids": units,
                "unit_id": "bureau",
            },
        )
        broadcast_id = posted.json()["broadcast_id"]
        sent = await harness.outbox_event("broadcast.sent")
        await harness.deliver(starts.on_broadcast_sent, BroadcastSent.model_validate(sent["payload"]))
        await harness.sweep()
        await harness.reply(phones[0], "1")
        state = (await api.get(f"/broadcasts/{broadcast_id}")).json()
        bad = await api.post("/broadcasts", json={"title": "", "text": "x", "sent_by": "市局"})
    assert posted.status_code == 202
    assert state["counts"] == {"units": 2, "acknowledged": 1, "waiting": 1}
    assert "broadcast.acknowledged" in await harness.outbox_types()
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "title"]


def unit_updated(unit_id: str, parent_id: str | None) -> UnitUpdated:
    kind = UnitKind.MUNICIPAL_BUREAU if parent_id is None else UnitKind.DISTRICT_BUREAU
    return UnitUpdated(unit_id=unit_id, name=unit_id, kind=kind, parent_id=parent_id, duty_room=None, recipients=[])


async def test_a_broadcast_without_a_sender_goes_out_from_the_directory_top_unit(harness: Harness) -> None:
    """No unit_id and no setting: the bureau is the directory's one top unit; with none known, a 409 says why."""
    notice = {"title": "寒潮预警", "text": "今夜降温", "sent_by": "市局"}
    async with harness.api() as api:
        before_directory = await api.post("/broadcasts", json=notice)
        bureau, district = unique_unit(), unique_unit()
        await harness.deliver(starts.on_unit_updated, unit_updated(bureau, None))
        await harness.deliver(starts.on_unit_updated, unit_updated(district, bureau))
        posted = await api.post("/broadcasts", json=notice)
    assert before_directory.status_code == 409
    assert "DUTYWATCH_NOTIFIER_BROADCAST_UNIT_ID" in before_directory.json()["detail"]
    assert posted.status_code == 202
    assert (await harness.outbox_event("broadcast.sent"))["payload"]["unit_id"] == bureau


async def test_known_senders_other_text_is_a_text_received(harness: Harness) -> None:
    """A non-reply SMS from an officer on duty is published as TextReceived with person and unit."""
    unit, phone = unique_unit(), random_mobile()
    await harness.deliver(starts.on_shift_started, shift(unit, phone, harness.clock()))
    await harness.reply(phone, "城南福利院二号楼起火，已疏散")
    received = await harness.outbox_event("notify.text_received")
    assert (received["payload"]["unit_id"], received["payload"]["person_id"]) == (unit, f"officer-{unit}")
    assert harness.phone.sms_to(phone) == []


async def test_unacknowledged_run_is_exhausted_after_its_last_step(harness: Harness) -> None:
    """Nobody answering: after the duty room's call and its wait, RunExhausted names who never answered."""
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    for minutes in (0, 5, 5, 10, 10):
        await harness.sweep(minutes=minutes)
    exhausted = await harness.outbox_event("notify.run_exhausted")
    assert set(exhausted["payload"]["unacknowledged"]) == {OFFICER_PHONE, LEADER_PHONE, ROOM_PHONE}


async def test_closed_incident_frees_its_codes(harness: Harness) -> None:
    """After IncidentClosed a `1` matches nothing and gets the help answer."""
    event = incident_reported(unique_unit(), harness.clock())
    await harness.deliver(starts.on_incident_reported, event)
    await harness.sweep()
    closed = IncidentClosed(
        unit_id=event.unit_id, incident_id=event.incident_id, closed_at=harness.clock(), closed_by="x", late=False
    )
    await harness.deliver(starts.on_incident_closed, closed)
    await harness.reply(OFFICER_PHONE, "1")
    assert harness.phone.sms_to(OFFICER_PHONE)[-1].text == HELP_TEXT


async def test_a_number_holding_nearly_every_code_still_gets_a_free_one(harness: Harness) -> None:
    """Codes are unique per number: with all but five of the 9,000 held, the new run's code is one of the five."""
    tables = harness.notifier.database.tables
    held = [
        {"phone": OFFICER_PHONE, "code": str(code), "run_id": f"old-{code}", "track_id": 0, "subject_id": "old",
         "issued_at": harness.clock()}
        for code in range(1000, 9995)
    ]  # fmt: skip
    async with harness.notifier.runtime.store.transaction() as session:
        await session.execute(insert(tables.reply_codes), held)
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await harness.sweep()
    async with harness.notifier.runtime.store.transaction() as session:
        codes = tables.reply_codes.c
        query = select(codes.code).where(codes.phone == OFFICER_PHONE, codes.subject_id != "old")
        issued = (await session.execute(query)).scalars().all()
    assert len(issued) == 1 and issued[0] in {"9995", "9996", "9997", "9998", "9999"}
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 1


async def sms_every_fifteen_seconds_sent_once(tmp_path: Path, harness: Harness) -> None:
    """An incident whose policy texts the officer every 15 seconds, its first SMS sent."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "default:\n  incident:\n    steps: [{targets: [officer], channel: sms, wait_min: 0.25}]\n    repeat: 1\n"
    )
    harness.notifier.policies = load_policy_book(policy.read_text())
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await harness.sweep()


async def test_rate_limit_holds_later_sms_but_not_the_first(tmp_path: Path, harness: Harness) -> None:
    """A run's second SMS to a person within a minute waits for the limit; the first went at once."""
    await sms_every_fifteen_seconds_sent_once(tmp_path, harness)
    await harness.sweep(seconds=15)
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 1
    await harness.sweep(seconds=44)
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 1
    await harness.sweep(seconds=1)
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 2


async def test_an_sms_held_back_by_the_rate_limit_gives_its_claim_back(tmp_path: Path, harness: Harness) -> None:
    """Claimed and held back, an SMS was not dispatched: the claim does not count toward the crashes it may
    survive, and it goes out with one dispatch on record."""
    await sms_every_fifteen_seconds_sent_once(tmp_path, harness)
    await harness.sweep(seconds=15)
    await harness.sweep(seconds=45)
    second = harness.phone.sms_to(OFFICER_PHONE)[1]
    async with harness.notifier.work() as ports:
        attempt = await ports.attempts.attempt(second.attempt_id)
    assert attempt is not None and attempt.dispatches == 1


async def test_stuck_sms_is_polled_and_late_callbacks_ignored(harness: Harness) -> None:
    """An SMS still `sent` after two minutes is polled to delivered; a later `sent` callback changes nothing."""
    await harness.deliver(starts.on_incident_reported, incident_reported(unique_unit(), harness.clock()))
    await harness.sweep()
    attempt_id = harness.phone.sms_to(OFFICER_PHONE)[0].attempt_id
    assert await harness.notifier.poll_stuck(harness.clock()) == 0
    harness.clock.advance(minutes=3)
    assert await harness.notifier.poll_stuck(harness.clock()) == 1
    async with harness.notifier.work() as ports:
        await on_status(attempt_id, "sent", None, None, ports, harness.clock())
        attempt = await ports.attempts.attempt(attempt_id)
    assert attempt.status == "delivered"
    assert "notify.attempt_delivered" in await harness.outbox_types()


async def test_the_api_wants_a_token_and_keeps_a_unit_token_to_its_units(harness: Harness) -> None:
    """No token or an unknown one: 401. A district's token broadcasts to its units and reads their runs, and
    is refused (403) a broadcast to every unit, to a unit not its own or sent in another unit's name; another
    unit's run or broadcast answers 404, as one that does not exist."""
    notice = {"title": "寒潮预警", "text": "今夜降温", "sent_by": "区局", "unit_id": DISTRICT_UNITS[0]}
    run_id = await start_run_of(harness, DISTRICT_UNITS[1])
    other_run_id = await start_run_of(harness, unique_unit())
    async with harness.api(token="") as anonymous, harness.api(token="forged") as forged:
        assert (await anonymous.post("/broadcasts", json=notice)).status_code == 401
        assert (await forged.get(f"/runs/{run_id}")).status_code == 401
    async with harness.api(token=DISTRICT_TOKEN) as district:
        to_all = await district.post("/broadcasts", json=notice)
        to_other = await district.post("/broadcasts", json=notice | {"target_unit_ids": [unique_unit()]})
        to_own = await district.post("/broadcasts", json=notice | {"target_unit_ids": DISTRICT_UNITS})
        own_run, other_run = await district.get(f"/runs/{run_id}"), await district.get(f"/runs/{other_run_id}")
        as_other = await district.post(
            "/broadcasts", json=notice | {"target_unit_ids": DISTRICT_UNITS, "unit_id": unique_unit()}
        )
        own_broadcast = await district.get(f"/broadcasts/{to_own.json()['broadcast_id']}")
    assert (to_all.status_code, to_other.status_code, to_own.status_code, as_other.status_code) == (403, 403, 202, 403)
    assert "every unit" in to_all.json()["detail"]
    assert (own_run.status_code, other_run.status_code, own_broadcast.status_code) == (200, 404, 200)
    async with harness.api() as bureau:
        to_every_unit = await bureau.post("/broadcasts", json=notice)
        assert to_every_unit.status_code == 202
    async with harness.api(token=DISTRICT_TOKEN) as district:
        hidden = await district.get(f"/broadcasts/{to_every_unit.json()['broadcast_id']}")
        missing = await district.get("/broadcasts/no-such-broadcast")
    assert hidden.status_code == missing.status_code == 404


async def start_run_of(harness: Harness, unit: str) -> str:
    event = incident_reported(unit, harness.clock())
    await harness.deliver(starts.on_incident_reported, event)
    async with harness.notifier.work() as ports:
        runs = await ports.runs.runs_for_subject(RunSubject.INCIDENT, event.incident_id)
    return str(runs[0].id)
