"""When a plan's rounds fall due: wall-clock times in Asia/Shanghai, across midnight, with public holidays from
the roster's calendar, and more often while a cold-wave warning lasts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.duty_roster.domain.calendar import DayKind, HolidayCalendar
from services.rounds.domain.plans import LOCAL_TZ, OnHoliday, Plan, Schedule

__all__ = ["ColdWave", "Occurrence", "occurrences"]

ColdWave = Callable[[datetime], bool]
"""True when a cold-wave warning is in force at that instant."""

LOOK_BACK_DAYS = 15  # a holiday moves a round to the next working day; no Chinese holiday is longer than this
WORKING = (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)


@dataclass(frozen=True, order=True)
class Occurrence:
    due_at: datetime
    deadline: datetime
    plan_id: str


def occurrences(
    plan: Plan, start: datetime, end: datetime, calendar: HolidayCalendar, cold: ColdWave = lambda _at: False
) -> list[Occurrence]:
    """The plan's rounds still open at `start` (deadline after it) that fall due before `end`, in order."""
    schedule = plan.schedule
    first = (start - schedule.window).astimezone(LOCAL_TZ).date() - timedelta(days=1)
    last = end.astimezone(LOCAL_TZ).date()
    dues = _by_day(schedule, first, last, calendar, cold) if schedule.by_day else _each_day(schedule, first, last, cold)
    found = {Occurrence(due, due + schedule.window, plan.id) for due in dues}
    return sorted(each for each in found if each.deadline > start and each.due_at < end)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=LOCAL_TZ)


def _each_day(schedule: Schedule, first: date, last: date, cold: ColdWave) -> Iterator[datetime]:
    for day in _days(first, last):
        yield from (_at(day, clock) for clock in _clock_times(schedule))
        yield from (due for due in (_at(day, clock) for clock in schedule.cold_wave_times) if cold(due))


def _clock_times(schedule: Schedule) -> tuple[time, ...]:
    if schedule.every_minutes is None:
        return schedule.times
    minutes = range(0, 24 * 60, schedule.every_minutes)
    return tuple(time(minute // 60, minute % 60) for minute in minutes)


def _by_day(
    schedule: Schedule, first: date, last: date, calendar: HolidayCalendar, cold: ColdWave
) -> Iterator[datetime]:
    for day in _days(first - timedelta(days=LOOK_BACK_DAYS), last):
        if not _planned_on(schedule, day, cold):
            continue
        moved = _moved(schedule.on_holiday, day, calendar)
        if moved is not None and first <= moved <= last:
            yield _at(moved, schedule.at)


def _planned_on(schedule: Schedule, day: date, cold: ColdWave) -> bool:
    if schedule.weekday is not None:
        return day.isoweekday() == schedule.weekday
    every = schedule.every_days or 1
    if schedule.cold_wave_every_days is not None and cold(_at(day, schedule.at)):
        every = schedule.cold_wave_every_days
    return (day - schedule.anchor).days % every == 0


def _moved(rule: OnHoliday, day: date, calendar: HolidayCalendar) -> date | None:
    """The day a round planned for `day` happens on: the same, none (skipped), or the next working day."""
    if rule is OnHoliday.KEEP or calendar.day(day)[0] is not DayKind.HOLIDAY:
        return day
    if rule is OnHoliday.SKIP:
        return None
    while calendar.day(day)[0] not in WORKING:
        day += timedelta(days=1)
    return day
