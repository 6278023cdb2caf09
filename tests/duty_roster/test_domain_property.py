"""Property: a roster that checks clean has, at every planned instant, one officer and one leader per unit, distinct."""

from __future__ import annotations

from datetime import date, time, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from services.duty_roster.domain import HolidayCalendar, Override, Role, RosterIndex, Swap, UnitRoster, check_roster
from tests.duty_roster.builders import local, roster, unit_roster

PLANNED_FROM = date(2026, 2, 10)


@st.composite
def pool(draw: st.DrawFn, unit: int, role: str) -> list[str | None]:
    """Mostly the unit's own people; now and then a person shared with other units, or a vacant slot."""
    people: list[str | None] = list(
        draw(
            st.lists(
                st.sampled_from([f"u{unit}-{role}{slot}" for slot in range(4)]), min_size=1, max_size=4, unique=True
            )
        )
    )
    if draw(st.integers(0, 15)) == 0:
        people.append(draw(st.sampled_from(["shared-1", "shared-2", None])))
    return people


@st.composite
def units(draw: st.DrawFn, number: int) -> UnitRoster:
    return unit_roster(
        f"u{number}",
        draw(pool(number, "o")),
        draw(pool(number, "l")),
        start=PLANNED_FROM - timedelta(days=draw(st.integers(0, 40))),
        hours=draw(st.sampled_from([12, 24])),
        handover=time(draw(st.integers(0, 11)), draw(st.sampled_from([0, 30]))),
        holiday_leaders=draw(st.one_of(st.none(), pool(number, "h"))),
    )


@st.composite
def overrides(draw: st.DrawFn, unit_count: int, days: int) -> tuple[Override, ...]:
    found = []
    for _ in range(draw(st.integers(0, 2))):
        unit = draw(st.integers(0, unit_count - 1))
        start = local(f"{PLANNED_FROM} 00:00") + timedelta(minutes=30 * draw(st.integers(0, days * 48)))
        found.append(
            Override(
                unit_id=f"u{unit}",
                role=draw(st.sampled_from(list(Role))),
                by=draw(st.sampled_from([f"u{unit}-spare", "shared-1", f"u{unit}-o0"])),
                starts_at=start,
                ends_at=start + timedelta(hours=draw(st.integers(1, 72))),
                reason="病假",
                entered_by="办公室",
                entered_at=start,
            )
        )
    return tuple(found)


@st.composite
def valid_rosters(draw: st.DrawFn) -> RosterIndex:
    count, days = draw(st.integers(1, 3)), draw(st.integers(1, 20))
    drawn = tuple(draw(units(number)) for number in range(count))
    first = drawn[0].pattern
    swaps: tuple[Swap, ...] = ()
    if draw(st.booleans()):
        one = first.starts_at(first.index_at(local(f"{PLANNED_FROM} 12:00")) + draw(st.integers(0, 10)))
        other = one + draw(st.integers(1, 10)) * first.length
        role = draw(st.sampled_from(list(Role)))
        swaps = (Swap("u0", role, one, other, "会议", "办公室", one),)
    built = roster(
        *drawn,
        overrides=draw(overrides(count, days)),
        swaps=swaps,
        planned=(PLANNED_FROM, PLANNED_FROM + timedelta(days=days)),
    )
    index = RosterIndex(built, HolidayCalendar())
    assume(not check_roster(index))
    return index


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(index=valid_rosters(), fraction=st.floats(0, 1, exclude_max=True))
def test_every_planned_instant_has_one_officer_and_one_distinct_leader_per_unit(
    index: RosterIndex, fraction: float
) -> None:
    """For any roster that checks clean and any instant of its planned range, each unit has an officer and a leader,
    two different people, and nobody is on duty in two units at once."""
    start, end = index.roster.planned_range
    at = start + (end - start) * fraction
    on_duty_now: list[str] = []
    for unit_id in index.units:
        planned = list(index.planned_shifts(unit_id))
        if not planned[0].starts_at <= at < planned[-1].ends_at:
            continue
        duty = index.on_duty(unit_id, at)
        officer, leader = duty.officer.person_id, duty.leader.person_id
        assert officer is not None and leader is not None
        assert officer != leader
        on_duty_now += [officer, leader]
    assert len(on_duty_now) == len(set(on_duty_now))
