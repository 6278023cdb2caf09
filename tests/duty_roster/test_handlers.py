"""Handlers with in-memory ports: what is published at start-up, at handovers, on imports and for check-ins."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from schemas.duty import (
    CheckInMissed,
    CheckInReceived,
    CheckInRequested,
    DutyRole,
    ShiftEnded,
    ShiftStarted,
    UnitUpdated,
)
from schemas.notify import SendSms
from schemas.values import HolidaySource, UnitKind
from services.duty_roster import handlers
from services.duty_roster.domain import HolidayCalendar, LocalYear, RosterIndex
from services.duty_roster.handlers import CheckInOutcome, CheckInTiming, ImportOutcome
from services.duty_roster.ports import CheckIn
from services.duty_roster.testing import (
    MemoryCheckIns,
    MemoryHolidayReminders,
    MemoryLedger,
    MemoryOutgoing,
    MemoryOverrideLog,
    MemoryVersions,
    memory_ports,
)
from tests.duty_roster.builders import CITY_ROOM, index, local, override, unit_roster

TIMING = CheckInTiming(lead=timedelta(minutes=30), grace=timedelta(minutes=15))


async def answered(event: CheckInReceived, check_ins: MemoryCheckIns) -> CheckInOutcome:
    """The check-in reply handler over `check_ins`."""
    return await handlers.on_check_in_received(event, memory_ports(check_ins=check_ins), event.received_at)


def two_units() -> RosterIndex:
    return index(
        unit_roster("city", ["a", "b"], ["x", "y"], start=date(2026, 12, 1), kind=UnitKind.MUNICIPAL_BUREAU),
        unit_roster("county", ["c", "d"], ["z", "w"], start=date(2026, 12, 1)),
        planned=(date(2026, 12, 1), date(2026, 12, 31)),
    )


async def test_startup_announces_every_unit_and_restates_every_current_shift() -> None:
    """On start the others hear the whole directory and, per unit, the current shift marked restated."""
    events, ledger = MemoryOutgoing(), MemoryLedger()
    await handlers.on_startup(two_units(), memory_ports(ledger=ledger, events=events), local("2026-12-02 10:00"))
    assert {each.unit_id for each in events.of_type(UnitUpdated)} == {"city", "county"}
    started = events.of_type(ShiftStarted)
    assert {each.unit_id for each in started} == {"city", "county"}
    assert all(each.restated and each.starts_at == local("2026-12-02 08:30") for each in started)


async def test_a_handover_is_published_once_with_the_shift_that_ended() -> None:
    """At 08:30 the tick publishes ShiftEnded(old) and ShiftStarted(new); the next tick publishes nothing."""
    roster, events, ledger = two_units(), MemoryOutgoing(), MemoryLedger()
    await handlers.on_startup(roster, memory_ports(ledger=ledger, events=events), local("2026-12-02 08:00"))
    events.sent.clear()
    assert await handlers.on_tick(roster, memory_ports(ledger=ledger, events=events), local("2026-12-02 08:29")) == 0
    await handlers.on_tick(roster, memory_ports(ledger=ledger, events=events), local("2026-12-02 08:30"))
    await handlers.on_tick(roster, memory_ports(ledger=ledger, events=events), local("2026-12-02 08:31"))
    ended, started = events.of_type(ShiftEnded), events.of_type(ShiftStarted)
    assert len(started) == 2 and not any(each.restated for each in started)
    assert {each.shift_id for each in ended} == {"city@2026-12-01T00:30:00+00:00", "county@2026-12-01T00:30:00+00:00"}
    assert {each.shift_id for each in started} == {"city@2026-12-02T00:30:00+00:00", "county@2026-12-02T00:30:00+00:00"}


async def test_a_handover_missed_while_down_is_published_once_on_start() -> None:
    """Down across 08:30: the next start publishes that handover (not restated), and a second start does not again."""
    roster, events, ledger = two_units(), MemoryOutgoing(), MemoryLedger()
    await handlers.on_startup(roster, memory_ports(ledger=ledger, events=events), local("2026-12-02 08:00"))
    events.sent.clear()
    await handlers.on_startup(roster, memory_ports(ledger=ledger, events=events), local("2026-12-02 09:00"))
    await handlers.on_startup(roster, memory_ports(ledger=ledger, events=events), local("2026-12-02 09:05"))
    handed_over = [each for each in events.of_type(ShiftStarted) if not each.restated]
    assert len(handed_over) == 2 and len(events.of_type(ShiftEnded)) == 2
    assert len([each for each in events.of_type(ShiftStarted) if each.restated]) == 2  # the second start restates


async def test_an_override_beginning_mid_shift_restates_the_shift() -> None:
    """When a substitute takes over at 20:00 the tick restates the same shift with the new officer."""
    roster = index(
        unit_roster("u", ["a", "b"], ["x", "y"], start=date(2026, 12, 1)),
        overrides=(override("u", "officer", "s", "2026-12-01 20:00", "2026-12-02 08:30"),),
    )
    events, ledger = MemoryOutgoing(), MemoryLedger()
    await handlers.on_startup(roster, memory_ports(ledger=ledger, events=events), local("2026-12-01 19:00"))
    events.sent.clear()
    await handlers.on_tick(roster, memory_ports(ledger=ledger, events=events), local("2026-12-01 20:00"))
    (restated,) = events.of_type(ShiftStarted)
    assert restated.restated and restated.officer.id == "s" and restated.shift_id == "u@2026-12-01T00:30:00+00:00"
    assert not events.of_type(ShiftEnded)


async def test_importing_the_same_file_twice_changes_nothing() -> None:
    """The second import of identical text stores no version and publishes nothing."""
    roster, events, ledger, versions = two_units(), MemoryOutgoing(), MemoryLedger(), MemoryVersions()
    now = local("2026-12-02 10:00")
    first = await handlers.on_roster_file(
        "text", "roster.yaml", roster, memory_ports(versions=versions, ledger=ledger, events=events), now
    )
    count = len(events.sent)
    second = await handlers.on_roster_file(
        "text", "roster.yaml", roster, memory_ports(versions=versions, ledger=ledger, events=events), now
    )
    assert first[0] is ImportOutcome.IMPORTED and first[1] == count == 4
    assert second == (ImportOutcome.UNCHANGED, 0) and len(events.sent) == count and len(versions.versions) == 1


async def test_an_import_restates_only_what_it_changed() -> None:
    """Re-importing with one unit's officers changed restates that unit alone, and repeats no directory entry."""
    events, ledger, versions = MemoryOutgoing(), MemoryLedger(), MemoryVersions()
    now = local("2026-12-02 10:00")
    await handlers.on_roster_file(
        "v1", "r.yaml", two_units(), memory_ports(versions=versions, ledger=ledger, events=events), now
    )
    events.sent.clear()
    changed = index(
        unit_roster("city", ["a", "b"], ["x", "y"], start=date(2026, 12, 1), kind=UnitKind.MUNICIPAL_BUREAU),
        unit_roster("county", ["e", "d"], ["z", "w"], start=date(2026, 12, 1)),
    )
    await handlers.on_roster_file(
        "v2", "r.yaml", changed, memory_ports(versions=versions, ledger=ledger, events=events), now
    )
    assert [(type(payload).__name__, payload.unit_id) for payload, _ in events.sent] == [("ShiftStarted", "county")]


async def check_in_setup() -> tuple[RosterIndex, MemoryCheckIns, MemoryOutgoing]:
    roster, check_ins, events = two_units(), MemoryCheckIns(), MemoryOutgoing()
    await handlers.on_check_in_window(
        roster, TIMING, memory_ports(check_ins=check_ins, events=events), local("2026-12-02 07:59")
    )
    assert not events.sent
    await handlers.on_check_in_window(
        roster, TIMING, memory_ports(check_ins=check_ins, events=events), local("2026-12-02 08:00")
    )
    await handlers.on_check_in_window(
        roster, TIMING, memory_ports(check_ins=check_ins, events=events), local("2026-12-02 08:10")
    )
    return roster, check_ins, events


async def test_check_in_is_requested_30_minutes_before_the_shift_once() -> None:
    """At 08:00 each incoming officer and each incoming leader is asked to check in by 08:45; later sweeps do not
    ask again."""
    _, _, events = await check_in_setup()
    requests = events.of_type(CheckInRequested)
    assert sorted((each.unit_id, each.role, each.person.id) for each in requests) == [
        ("city", DutyRole.LEADER, "y"),
        ("city", DutyRole.OFFICER, "b"),
        ("county", DutyRole.LEADER, "w"),
        ("county", DutyRole.OFFICER, "d"),
    ]
    assert all(each.due_by == local("2026-12-02 08:45") for each in requests)


async def test_no_check_in_by_the_end_of_the_grace_period_alerts_the_leader_and_city_duty_room() -> None:
    """At 08:45 without a reply, CheckInMissed names officer, leader and the city's duty room, once."""
    roster, check_ins, events = await check_in_setup()
    await handlers.on_check_ins_due(roster, memory_ports(check_ins=check_ins, events=events), local("2026-12-02 08:44"))
    assert not events.of_type(CheckInMissed)
    await handlers.on_check_ins_due(roster, memory_ports(check_ins=check_ins, events=events), local("2026-12-02 08:45"))
    await handlers.on_check_ins_due(roster, memory_ports(check_ins=check_ins, events=events), local("2026-12-02 08:50"))
    missed = {(each.unit_id, each.role): each for each in events.of_type(CheckInMissed)}
    assert len(events.of_type(CheckInMissed)) == 4
    officers = missed["county", DutyRole.OFFICER]
    assert officers.person.id == "d" and officers.leader is not None and officers.leader.id == "w"
    assert officers.municipal_duty_room is not None
    assert officers.municipal_duty_room.name == "市民政局值班室"


async def test_a_leader_who_does_not_check_in_is_reported_to_the_city_duty_room_not_to_themselves() -> None:
    """At 08:45 the county leader's missed check-in names the leader as the one who missed, alerts no leader, and
    carries the city's duty room."""
    roster, check_ins, events = await check_in_setup()
    await handlers.on_check_ins_due(roster, memory_ports(check_ins=check_ins, events=events), local("2026-12-02 08:45"))
    (leaders,) = [each for each in events.of_type(CheckInMissed) if (each.unit_id, each.role) == ("county", "leader")]
    assert leaders.person.id == "w" and leaders.leader is None
    assert leaders.municipal_duty_room is not None and leaders.municipal_duty_room.name == "市民政局值班室"


async def test_a_check_in_in_time_closes_it_and_nothing_is_missed() -> None:
    """A reply from the officer's number before 08:45 closes the check-in; the due sweep then fires nothing."""
    roster, check_ins, events = await check_in_setup()
    shift_id = "county@2026-12-02T00:30:00+00:00"
    officer = roster.person("d")
    reply = CheckInReceived(
        unit_id="county",
        shift_id=shift_id,
        role=DutyRole.OFFICER,
        phone=officer.phone,
        received_at=local("2026-12-02 08:40"),
    )
    assert await answered(reply, check_ins) is CheckInOutcome.CLOSED
    await handlers.on_check_ins_due(roster, memory_ports(check_ins=check_ins, events=events), local("2026-12-02 09:00"))
    missed = sorted((each.unit_id, each.role) for each in events.of_type(CheckInMissed))
    assert missed == [("city", "leader"), ("city", "officer"), ("county", "leader")]


async def test_a_leaders_check_in_in_time_closes_only_the_leaders() -> None:
    """The leader's reply from the leader's number closes the leader's check-in; the officer's stays open and is
    missed; the same number answering for the officer's role counts as another number."""
    roster, check_ins, events = await check_in_setup()
    shift_id = "county@2026-12-02T00:30:00+00:00"
    leader = roster.person("w")
    at = local("2026-12-02 08:40")
    as_leader = CheckInReceived(
        unit_id="county", shift_id=shift_id, role=DutyRole.LEADER, phone=leader.phone, received_at=at
    )
    as_officer = as_leader.model_copy(update={"role": DutyRole.OFFICER})
    assert await answered(as_officer, check_ins) is CheckInOutcome.OTHER_NUMBER
    assert await answered(as_leader, check_ins) is CheckInOutcome.CLOSED
    assert await answered(as_leader, check_ins) is CheckInOutcome.ALREADY_CLOSED
    await handlers.on_check_ins_due(roster, memory_ports(check_ins=check_ins, events=events), local("2026-12-02 09:00"))
    county = [each.role for each in events.of_type(CheckInMissed) if each.unit_id == "county"]
    assert county == [DutyRole.OFFICER]


async def test_a_reply_from_another_number_or_too_late_leaves_the_check_in_open() -> None:
    """Only the officer's own number within the grace period counts; an unknown shift is reported as such."""
    roster, check_ins, _ = await check_in_setup()
    shift_id = "county@2026-12-02T00:30:00+00:00"
    other = CheckInReceived(
        unit_id="county",
        shift_id=shift_id,
        role=DutyRole.OFFICER,
        phone="+8613900009999",
        received_at=local("2026-12-02 08:40"),
    )
    late = other.model_copy(update={"phone": roster.person("d").phone, "received_at": local("2026-12-02 08:46")})
    unknown = other.model_copy(update={"shift_id": "county@x", "received_at": datetime.now(UTC)})
    assert await answered(other, check_ins) is CheckInOutcome.OTHER_NUMBER
    assert await answered(late, check_ins) is CheckInOutcome.TOO_LATE
    assert await answered(unknown, check_ins) is CheckInOutcome.UNKNOWN_SHIFT
    assert (await check_ins.get(shift_id, DutyRole.OFFICER)).received_at is None  # type: ignore[union-attr]


async def test_an_override_that_keeps_the_roster_clean_is_recorded_and_restates_the_current_shift() -> None:
    """A substitute entered now for the current officer is stored and the shift is restated with them."""
    roster, events, ledger, versions = two_units(), MemoryOutgoing(), MemoryLedger(), MemoryVersions()
    overrides = MemoryOverrideLog()
    now = local("2026-12-02 10:00")
    await handlers.on_roster_file(
        "v1", "r.yaml", roster, memory_ports(versions=versions, ledger=ledger, events=events), now
    )
    events.sent.clear()
    sick = override("county", "officer", "c", "2026-12-02 09:00", "2026-12-03 08:30", replaces="d")
    issues = await handlers.on_override_entered(
        sick, (1, roster), memory_ports(versions=versions, overrides=overrides, ledger=ledger, events=events), now
    )
    assert issues == [] and overrides.overrides == [sick]
    (restated,) = events.of_type(ShiftStarted)
    assert restated.unit_id == "county" and restated.officer.id == "c" and restated.restated


async def test_an_override_that_would_double_book_is_refused_and_changes_nothing() -> None:
    """Putting the city's officer on duty in the county at the same time is refused with the reason; nothing stored."""
    roster, events, ledger, versions = two_units(), MemoryOutgoing(), MemoryLedger(), MemoryVersions()
    overrides = MemoryOverrideLog()
    now = local("2026-12-02 10:00")
    await handlers.on_roster_file(
        "v1", "r.yaml", roster, memory_ports(versions=versions, ledger=ledger, events=events), now
    )
    events.sent.clear()
    clash = override("county", "officer", "b", "2026-12-02 09:00", "2026-12-03 08:30")
    issues = await handlers.on_override_entered(
        clash, (1, roster), memory_ports(versions=versions, overrides=overrides, ledger=ledger, events=events), now
    )
    assert any("double booking" in issue.message and "'b'" in issue.message for issue in issues)
    assert overrides.overrides == [] and events.sent == []
    stale = await handlers.on_override_entered(
        clash, (0, roster), memory_ports(versions=versions, overrides=overrides, ledger=ledger, events=events), now
    )
    assert "imported again" in stale[0].message
    nothing = await handlers.on_override_entered(
        clash,
        (None, roster),
        memory_ports(versions=MemoryVersions(), overrides=overrides, ledger=ledger, events=events),
        now,
    )
    assert "no roster imported" in nothing[0].message


async def test_in_a_year_nobody_entered_every_unit_still_has_its_officer_and_leader_marked_estimated() -> None:
    """2027 is in neither chinese-calendar nor the holiday file: its statutory holidays are estimated, so the unit
    with a holiday rotation gets its holiday leader on New Year's Day, every shift says `estimated`, and a missed
    check-in alerts that leader."""
    roster = index(
        unit_roster("city", ["a", "b"], ["x", "y"], start=date(2026, 12, 1), kind=UnitKind.MUNICIPAL_BUREAU),
        unit_roster("heads", ["c", "d"], ["z", "w"], start=date(2026, 12, 1), holiday_leaders=["h"]),
    )
    events, ledger, check_ins = MemoryOutgoing(), MemoryLedger(), MemoryCheckIns()
    await handlers.on_startup(roster, memory_ports(ledger=ledger, events=events), local("2027-01-01 10:00"))
    shifts = {each.unit_id: each for each in events.of_type(ShiftStarted)}
    assert set(shifts) == {"city", "heads"}
    assert {each.holidays for each in shifts.values()} == {HolidaySource.ESTIMATED}
    assert shifts["heads"].leader.id == "h"
    officer = roster.person("c")
    due = CheckIn("heads@x", "heads", DutyRole.OFFICER, officer, local("2027-01-01 08:30"), local("2027-01-01 08:45"))
    await check_ins.open(due, local("2027-01-01 08:00"))
    await handlers.on_check_ins_due(roster, memory_ports(check_ins=check_ins, events=events), local("2027-01-01 10:00"))
    (missed,) = events.of_type(CheckInMissed)
    assert missed.leader is not None and missed.leader.id == "h" and missed.municipal_duty_room is not None


async def test_shifts_of_an_official_year_say_official() -> None:
    """In 2026 (chinese-calendar) the shifts are published with `holidays: official`."""
    events = MemoryOutgoing()
    await handlers.on_startup(
        two_units(), memory_ports(ledger=MemoryLedger(), events=events), local("2026-12-06 10:00")
    )
    assert {each.holidays for each in events.of_type(ShiftStarted)} == {HolidaySource.OFFICIAL}


def _with_keeper() -> RosterIndex:
    units = two_units()
    return RosterIndex(replace(units.roster, administrators=("b",)), units.calendar)


async def test_from_november_an_estimated_next_year_is_asked_for_weekly_by_sms() -> None:
    """From 1 November 2026, 2027 being estimated, the city's duty room and the administrators get one SMS a week."""
    roster, reminders, events = _with_keeper(), MemoryHolidayReminders(), MemoryOutgoing()
    assert (
        await handlers.on_holidays_reminder_due(
            roster, memory_ports(reminders=reminders, events=events), local("2026-10-31 12:00")
        )
        == 0
    )
    assert (
        await handlers.on_holidays_reminder_due(
            roster, memory_ports(reminders=reminders, events=events), local("2026-11-02 09:00")
        )
        == 2
    )
    assert (
        await handlers.on_holidays_reminder_due(
            roster, memory_ports(reminders=reminders, events=events), local("2026-11-04 09:00")
        )
        == 0
    )
    assert (
        await handlers.on_holidays_reminder_due(
            roster, memory_ports(reminders=reminders, events=events), local("2026-11-09 09:00")
        )
        == 2
    )
    sent = events.of_type(SendSms)
    assert {each.to for each in sent} == {CITY_ROOM.phone, roster.person("b").phone}
    assert all("2027年节假日安排尚未录入" in each.text and each.unit_id == "city" for each in sent)


async def test_an_official_year_is_never_asked_for() -> None:
    """With 2027 in the holiday file, November brings no reminder."""
    keeper = _with_keeper()
    entered = RosterIndex(keeper.roster, HolidayCalendar({2027: LocalYear({date(2027, 1, 1): "元旦"})}))
    events = MemoryOutgoing()
    assert (
        await handlers.on_holidays_reminder_due(
            entered, memory_ports(reminders=MemoryHolidayReminders(), events=events), local("2026-11-02 09:00")
        )
        == 0
    )
    assert events.sent == []


async def test_a_year_still_estimated_once_it_has_begun_is_asked_for() -> None:
    """In January 2027, 2027 still estimated: the reminder goes on."""
    events = MemoryOutgoing()
    await handlers.on_holidays_reminder_due(
        _with_keeper(), memory_ports(reminders=MemoryHolidayReminders(), events=events), local("2027-01-05 09:00")
    )
    assert {each.reason for each in events.of_type(SendSms)} == {"holidays-estimated:2027"}
