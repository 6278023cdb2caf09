"""Domain: shift arithmetic with plain values and explicit instants (no clock, no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.duty_roster.domain import Role, month_plan
from tests.duty_roster.builders import index, local, override, swap, unit_roster


def who(roster_index, unit_id: str, at: str) -> tuple[str | None, str | None]:
    duty = roster_index.on_duty(unit_id, local(at))
    return duty.officer.person_id, duty.leader.person_id


def test_handover_at_0830_across_a_month_end() -> None:
    """The shift of 30 November runs to 1 December 08:30, and the next officer takes over at that minute."""
    roster = index(unit_roster("u", ["a", "b", "c"], ["x", "y"], start=date(2026, 11, 1)))
    before = roster.on_duty("u", local("2026-12-01 08:29"))
    after = roster.on_duty("u", local("2026-12-01 08:30"))
    assert before.shift.starts_at == local("2026-11-30 08:30")
    assert before.shift.ends_at == after.shift.starts_at == local("2026-12-01 08:30")
    assert (before.officer.person_id, after.officer.person_id) == ("c", "a")  # 29 shifts after 1 Nov: 29 % 3 = 2
    assert (before.leader.person_id, after.leader.person_id) == ("y", "x")


def test_handover_at_0830_across_a_year_end() -> None:
    """New Year's Eve's shift ends at 08:30 on 1 January (00:30 UTC), and the shift id names its UTC start."""
    roster = index(unit_roster("u", ["a", "b"], ["x", "y", "z"], start=date(2026, 12, 30)))
    duty = roster.on_duty("u", local("2027-01-01 03:00"))
    assert duty.shift.starts_at == local("2026-12-31 08:30")
    assert duty.shift.ends_at == datetime(2027, 1, 1, 0, 30, tzinfo=UTC)
    assert duty.shift.shift_id == "u@2026-12-31T00:30:00+00:00"
    assert who(roster, "u", "2027-01-01 08:30") == ("a", "z")


def test_spring_festival_2026_uses_the_holiday_rotation() -> None:
    """15–23 Feb 2026 are off and led by the bureau heads in turn; make-up days 14 and 28 Feb keep the usual leaders."""
    roster = index(unit_roster("u", ["a", "b", "c"], ["x", "y"], start=date(2026, 1, 1), holiday_leaders=["h1", "h2"]))
    festival_leaders = {who(roster, "u", f"2026-02-{day} 12:00")[1] for day in range(15, 24)}
    assert festival_leaders == {"h1", "h2"}
    assert who(roster, "u", "2026-02-15 12:00")[1] != who(roster, "u", "2026-02-16 12:00")[1]
    assert who(roster, "u", "2026-02-14 12:00")[1] in {"x", "y"}
    assert who(roster, "u", "2026-02-28 12:00")[1] in {"x", "y"}
    assert who(roster, "u", "2026-02-24 12:00")[1] in {"x", "y"}
    rows = {row.shift.local_day: row for row in month_plan(roster, "u", 2026, 2)}
    assert rows[date(2026, 2, 15)].day_kind.mark == "休" and rows[date(2026, 2, 15)].festival == "Spring Festival"
    assert rows[date(2026, 2, 14)].day_kind.mark == "班" and rows[date(2026, 2, 28)].day_kind.mark == "班"
    assert rows[date(2026, 2, 24)].day_kind.mark == ""


def test_the_shift_before_the_festival_keeps_its_leader_through_the_night() -> None:
    """A shift belongs to the day it starts: 14 Feb's shift (a make-up working day) runs into 15 Feb with its leader."""
    roster = index(unit_roster("u", ["a"], ["x"], start=date(2026, 1, 1), holiday_leaders=["h1"]))
    assert who(roster, "u", "2026-02-15 08:00")[1] == "x"
    assert who(roster, "u", "2026-02-15 08:30")[1] == "h1"


def test_an_override_starting_in_the_middle_of_a_shift() -> None:
    """From 20:00 the substitute is the officer; the shift (id, start, end) and the leader stay the same."""
    roster = index(
        unit_roster("u", ["a", "b"], ["x", "y"], start=date(2026, 12, 1)),
        overrides=(override("u", "officer", "s", "2026-12-01 20:00", "2026-12-03 08:30", replaces="a"),),
    )
    morning, evening = roster.on_duty("u", local("2026-12-01 19:59")), roster.on_duty("u", local("2026-12-01 20:00"))
    assert morning.officer.person_id == "a" and evening.officer.person_id == "s"
    assert morning.shift == evening.shift and morning.leader == evening.leader
    assert evening.officer.override is not None
    assert who(roster, "u", "2026-12-02 12:00")[0] == "b"  # b was planned, not a: the leave does not touch b
    assert who(roster, "u", "2026-12-03 12:00")[0] == "a"  # over
    assert roster.override_edges(morning.shift) == [local("2026-12-01 20:00")]


def test_a_swap_exchanges_two_shifts_of_one_role() -> None:
    """Leaders of 5 and 6 December trade places; officers and other days are untouched."""
    plain = index(unit_roster("u", ["a", "b", "c"], ["x", "y"], start=date(2026, 12, 1)))
    swapped = index(
        unit_roster("u", ["a", "b", "c"], ["x", "y"], start=date(2026, 12, 1)),
        swaps=(swap("u", "leader", "2026-12-05 08:30", "2026-12-06 08:30"),),
    )
    assert who(swapped, "u", "2026-12-05 12:00")[1] == who(plain, "u", "2026-12-06 12:00")[1]
    assert who(swapped, "u", "2026-12-06 12:00")[1] == who(plain, "u", "2026-12-05 12:00")[1]
    assert who(swapped, "u", "2026-12-05 12:00")[0] == who(plain, "u", "2026-12-05 12:00")[0]
    assert who(swapped, "u", "2026-12-07 12:00") == who(plain, "u", "2026-12-07 12:00")


def test_a_12_hour_pattern_has_day_and_night_shifts() -> None:
    """12-hour shifts are handed over at 08:30 and 20:30, each with its officer: the rotation steps twice a day."""
    roster = index(unit_roster("u", ["a", "b", "c"], ["x", "y", "z"], start=date(2026, 12, 1), hours=12))
    day, night = roster.on_duty("u", local("2026-12-01 12:00")), roster.on_duty("u", local("2026-12-01 23:00"))
    assert day.shift.starts_at == local("2026-12-01 08:30") and day.shift.ends_at == local("2026-12-01 20:30")
    assert night.shift.starts_at == local("2026-12-01 20:30") and night.shift.ends_at == local("2026-12-02 08:30")
    assert (day.officer.person_id, night.officer.person_id) == ("a", "b")
    assert who(roster, "u", "2026-12-02 09:00")[0] == "c"
    assert len(month_plan(roster, "u", 2026, 12)) == 62


def test_before_the_pattern_starts_nobody_is_on_duty() -> None:
    """Instants before a unit's first handover are a gap (the check reports it), not a guess."""
    roster = index(unit_roster("u", ["a"], ["x"], start=date(2026, 12, 1)))
    duty = roster.on_duty("u", local("2026-12-01 08:00"))
    assert duty.officer.person_id is None and duty.leader.person_id is None
    assert duty.shift.index == -1 and duty.shift.ends_at - duty.shift.starts_at == timedelta(hours=24)


def test_role_labels_are_the_chinese_titles() -> None:
    """The wall plan and CLI call the roles by their titles."""
    assert (Role.OFFICER.label, Role.LEADER.label) == ("值班员", "带班领导")
