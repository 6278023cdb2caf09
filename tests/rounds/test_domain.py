"""Domain tier: due times (across midnight, holidays, cold waves), round SMS, hazard classes, CAP, spot checks."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from schemas.rounds import HazardClass
from schemas.values import IncidentType, Severity
from services.duty_roster.domain.calendar import HolidayCalendar
from services.rounds.domain import (
    LOCAL_TZ,
    Action,
    CapInvalid,
    CapSeverity,
    OnHoliday,
    PersonFound,
    Plan,
    Risk,
    RoundKind,
    RoundSmsUnreadable,
    Schedule,
    covered_units,
    incident_for,
    occurrences,
    parse_cap,
    parse_round_sms,
    read_hazard,
    spot_check_times,
)
from tests.rounds.builders import cap_xml

CALENDAR = HolidayCalendar()


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def plan(**schedule: object) -> Plan:
    window = schedule.pop("window", timedelta(hours=1))
    return Plan("p", "home", RoundKind.DAILY_ROUND, "巡查", Schedule(window=window, **schedule))  # type: ignore[arg-type]


def test_a_round_late_in_the_evening_has_its_deadline_after_midnight() -> None:
    """23:30 with a 90-minute window: deadline 01:00 the next day, still open at 00:30."""
    night = plan(times=(time(23, 30),), window=timedelta(minutes=90))
    found = occurrences(night, local(date(2026, 12, 2), 0, 30), local(date(2026, 12, 2), 6), CALENDAR)
    assert [(each.due_at, each.deadline) for each in found] == [
        (local(date(2026, 12, 1), 23, 30), local(date(2026, 12, 2), 1, 0))
    ]


def test_every_minutes_counts_from_local_midnight_and_only_open_rounds_are_listed() -> None:
    """Every 120 minutes: 02:00 is still open at 03:10 (window 2 h), 04:00 and 06:00 follow."""
    two_hourly = plan(every_minutes=120, window=timedelta(hours=2))
    found = occurrences(two_hourly, local(date(2026, 12, 1), 3, 10), local(date(2026, 12, 1), 6, 30), CALENDAR)
    assert [each.due_at for each in found] == [local(date(2026, 12, 1), hour) for hour in (2, 4, 6)]


def test_a_weekly_inspection_on_a_holiday_moves_to_the_next_working_day() -> None:
    """Monday 2026-10-05 is National Day: the inspection falls due on Thursday 10-08, the first working day."""
    weekly = plan(weekday=1, at=time(9), on_holiday=OnHoliday.NEXT_WORKDAY)
    found = occurrences(weekly, local(date(2026, 10, 1), 0), local(date(2026, 10, 13), 0), CALENDAR)
    assert [each.due_at.date() for each in found] == [date(2026, 10, 8), date(2026, 10, 12)]


def test_a_holiday_can_skip_or_keep_the_round() -> None:
    """`skip` drops the holiday's round; `keep` holds it on the holiday itself."""
    start, end = local(date(2026, 10, 4), 0), local(date(2026, 10, 7), 0)
    skipped = occurrences(plan(weekday=1, on_holiday=OnHoliday.SKIP), start, end, CALENDAR)
    kept = occurrences(plan(weekday=1, on_holiday=OnHoliday.KEEP), start, end, CALENDAR)
    assert skipped == []
    assert [each.due_at.date() for each in kept] == [date(2026, 10, 5)]


def test_a_cold_wave_adds_night_patrols_and_tightens_home_visits() -> None:
    """While the warning lasts: the extra patrol times, and visits every 2 days instead of 7."""
    start, end = local(date(2026, 12, 1), 0), local(date(2026, 12, 8), 0)
    warned = (local(date(2026, 12, 3), 0), local(date(2026, 12, 5), 0))

    def cold(at: datetime) -> bool:
        return warned[0] <= at < warned[1]

    patrol = plan(times=(time(20),), cold_wave_times=(time(23),))
    nights = [each.due_at for each in occurrences(patrol, start, end, CALENDAR, cold) if each.due_at.hour == 23]
    assert nights == [local(date(2026, 12, 3), 23), local(date(2026, 12, 4), 23)]
    visits = plan(every_days=7, cold_wave_every_days=2, anchor=date(2026, 11, 30), at=time(10))
    days = [each.due_at.date() for each in occurrences(visits, start, end, CALENDAR, cold)]
    assert days == [date(2026, 12, 4), date(2026, 12, 7)]


@pytest.mark.parametrize(
    ("text", "code", "hazards", "note"),
    [
        ("巡 1234 正常", "1234", (), ""),
        ("巡1234正常", "1234", (), ""),
        ("巡 1234 正常 夜班交接已登记", "1234", (), "夜班交接已登记"),
        ("巡 1234 隐患 3楼电暖器私拉电线", "1234", ("3楼电暖器私拉电线",), ""),
        ("巡 ４３２１ 隐患 厨房灭火器过期；2楼消防通道堆物", "4321", ("厨房灭火器过期", "2楼消防通道堆物"), ""),
    ],
)
def test_round_sms_are_read(text: str, code: str, hazards: tuple[str, ...], note: str) -> None:
    """The code, and either 正常 with a remark or each hazard separated by ；."""
    parsed = parse_round_sms(text)
    assert (parsed.code, parsed.hazards, parsed.note) == (code, hazards, note)


@pytest.mark.parametrize(
    ("text", "problem"), [("巡 正常", "4位巡查码"), ("巡 1234 好的", "正常"), ("巡 1234 隐患", "情况")]
)
def test_an_unreadable_round_sms_gets_an_answer_that_shows_the_format(text: str, problem: str) -> None:
    """The answer names the problem and shows how to write the report."""
    with pytest.raises(RoundSmsUnreadable) as raised:
        parse_round_sms(text)
    assert problem in raised.value.answer and "巡 4位巡查码 正常" in raised.value.answer


def test_hazards_are_classed_by_their_words() -> None:
    """Electricity and fire: at once; a life-endangering one names its incident type; the rest 24 h or as written."""
    assert read_hazard("3楼电暖器私拉电线").hazard_class is HazardClass.IMMEDIATE
    assert read_hazard("2楼宿舍冒烟起火").endangers is IncidentType.FIRE
    assert read_hazard("围墙破损").hazard_class is HazardClass.DAY
    assert read_hazard("围墙破损 7天内修复").hazard_class is HazardClass.WEEK


def test_a_person_at_risk_opens_the_incident_that_fits() -> None:
    """Injured → accidental injury; very cold → cold exposure; someone who only refused help → no incident."""
    injured = PersonFound("男，约50岁", "人民桥涵洞", Action.TO_HOSPITAL, frozenset({Risk.INJURED}))
    cold = PersonFound("男，约70岁", "候车室", Action.CLOTHES_OR_FOOD, frozenset({Risk.VERY_COLD}))
    refused = PersonFound("女，约60岁", "候车室", Action.REFUSED_HELP)
    assert incident_for(injured) == (IncidentType.ACCIDENTAL_INJURY, Severity.IV)
    assert incident_for(cold) == (IncidentType.COLD_EXPOSURE, Severity.IV)
    assert incident_for(refused) is None


def test_a_cap_warning_is_read_and_matched_to_units_by_area_code_and_name() -> None:
    """The city's code covers its districts' units; a name in areaDesc covers that unit."""
    warning = parse_cap(cap_xml(geocode="420300", severity="Severe"))
    assert warning.severity is CapSeverity.SEVERE
    assert warning.actionable
    areas = {"home": ("420303",), "elsewhere": ("420500",), "named": ("郧西县",)}
    assert covered_units(warning, areas) == ["home"]
    by_name = parse_cap(cap_xml(geocode="", area="郧西县"))
    assert covered_units(by_name, areas) == ["named"]


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ("<alert>", "not well-formed XML"),
        ("<alert xmlns='urn:other'/>", "expected <alert>"),
        (cap_xml(drop="identifier"), "alert/identifier: missing"),
        (cap_xml(drop="severity"), "info/severity: missing"),
        (cap_xml(severity="Huge"), "info/severity: 'Huge'"),
        (cap_xml(sent="yesterday"), "alert/sent: 'yesterday'"),
        (cap_xml(drop="area"), "info/area: missing"),
        (
            '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]>'
            '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&e;</alert>',
            "refused",
        ),
    ],
)
def test_a_malformed_cap_document_is_refused_naming_what_is_wrong(document: str, named: str) -> None:
    """Each problem is named: XML, namespace, a missing element, a bad value, entities."""
    with pytest.raises(CapInvalid, match=named.replace("(", r"\(").replace("[", r"\[")):
        parse_cap(document)


def test_spot_checks_fall_inside_the_shift_leaving_time_to_answer() -> None:
    """Rate 2.5: two or three checks, each early enough to be answered before the shift ends."""
    start = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    end = start + timedelta(hours=24)
    for seed in range(20):
        times = spot_check_times(start, end, 2.5, timedelta(minutes=10), random.Random(seed))
        assert len(times) in (2, 3)
        assert all(start <= moment <= end - timedelta(minutes=10) for moment in times)
