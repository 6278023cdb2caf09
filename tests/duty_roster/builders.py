"""Small rosters as plain values, for domain and handler tests."""

from __future__ import annotations

from datetime import date, datetime, time

from schemas.values import Person, Recipient, RecipientRole, UnitKind
from services.duty_roster.domain import (
    LOCAL_TZ,
    HolidayCalendar,
    Override,
    Roster,
    RosterIndex,
    Rotation,
    ShiftPattern,
    Swap,
    Unit,
    UnitRoster,
)

CITY_ROOM = Person(id="city.duty-room", name="市民政局值班室", phone="+867198000000")


def person(person_id: str, number: int) -> Person:
    return Person(id=person_id, name=f"name {person_id}", phone=f"+86138000{number:05d}")


def local(text: str) -> datetime:
    """`2026-12-31 08:30` in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def unit_roster(
    unit_id: str,
    officers: list[str | None],
    leaders: list[str | None],
    *,
    start: date = date(2026, 1, 1),
    hours: int = 24,
    handover: time = time(8, 30),
    holiday_leaders: list[str | None] | None = None,
    kind: UnitKind = UnitKind.DISTRICT_BUREAU,
) -> UnitRoster:
    recipients = (Recipient(role=RecipientRole.MUNICIPAL_BUREAU, name="市民政局值班室", phone=CITY_ROOM.phone),)
    return UnitRoster(
        unit=Unit(
            unit_id, f"unit {unit_id}", kind, None, CITY_ROOM if kind is UnitKind.MUNICIPAL_BUREAU else None, recipients
        ),
        pattern=ShiftPattern(start, handover, hours),
        officers=Rotation(tuple(officers)),
        leaders=Rotation(tuple(leaders)),
        holiday_leaders=None if holiday_leaders is None else Rotation(tuple(holiday_leaders)),
    )


def roster(
    *units: UnitRoster,
    overrides: tuple[Override, ...] = (),
    swaps: tuple[Swap, ...] = (),
    planned: tuple[date, date] = (date(2026, 1, 1), date(2026, 12, 31)),
) -> Roster:
    ids = sorted(
        {
            each
            for unit in units
            for rotation in (unit.officers, unit.leaders, unit.holiday_leaders)
            if rotation is not None
            for each in rotation.people
            if each is not None
        }
        | {override.by for override in overrides}
    )
    people = {each: person(each, number) for number, each in enumerate(ids)}
    return Roster(people, units, planned[0], planned[1], overrides, swaps)


def index(*units: UnitRoster, calendar: HolidayCalendar | None = None, **options: object) -> RosterIndex:
    return RosterIndex(roster(*units, **options), calendar or HolidayCalendar())  # type: ignore[arg-type]


def override(unit_id: str, role: str, by: str, starts: str, ends: str, replaces: str | None = None) -> Override:
    from services.duty_roster.domain import Role

    return Override(
        unit_id=unit_id,
        role=Role(role),
        by=by,
        starts_at=local(starts),
        ends_at=local(ends),
        reason="病假",
        entered_by="办公室",
        entered_at=local("2026-01-01 09:00"),
        replaces=replaces,
    )


def swap(unit_id: str, role: str, first: str, second: str) -> Swap:
    from services.duty_roster.domain import Role

    return Swap(unit_id, Role(role), local(first), local(second), "会议", "办公室", local("2026-01-01 09:00"))
