"""Domain tier: plain values and an injected `now`; no fixtures, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schemas.values import IncidentType, ReportKind, Severity, UnitKind
from services.directory.domain import duty_room_above
from services.incident.domain import (
    Deadline,
    DeadlineKind,
    DedupPolicy,
    Firing,
    Incident,
    IncidentStatus,
    IntakeRefused,
    ReportPolicy,
    ReportRefused,
    Shift,
    SmsFiling,
    SmsUnreadable,
    Source,
    Unit,
    account,
    assign,
    check_occurred_at,
    check_report,
    parse_sms_filing,
    parse_sms_report,
    what_fires,
)
from tests.incident.builders import BUREAU, DISTRICT_ROOM, LEADER, OFFICER

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def incident(**changes: object) -> Incident:
    fields: dict[str, object] = {
        "id": "inc-1",
        "unit_id": "home",
        "type": IncidentType.FIRE,
        "severity": Severity.III,
        "occurred_at": NOW - timedelta(minutes=10),
        "reported_at": NOW,
        "location": "3楼",
        "summary": "冒烟",
        "reporter": "王芳",
        "source": Source.HTTP,
        "first_report_due_at": NOW + timedelta(minutes=50),
    }
    return Incident(**{**fields, **changes})  # type: ignore[arg-type]


def test_occurred_at_in_the_future_is_refused_naming_the_field() -> None:
    """A time more than a minute ahead of now is refused on `occurred_at`."""
    with pytest.raises(IntakeRefused) as refused:
        check_occurred_at(NOW + timedelta(minutes=5), NOW)
    assert refused.value.field == "occurred_at"
    assert "future" in refused.value.message


def test_occurred_at_older_than_seven_days_is_refused() -> None:
    """A time more than 7 days ago is refused; exactly 7 days is still taken."""
    with pytest.raises(IntakeRefused, match="more than 7 days"):
        check_occurred_at(NOW - timedelta(days=7, seconds=1), NOW)
    check_occurred_at(NOW - timedelta(days=7), NOW)


def test_first_report_due_one_hour_after_the_event_with_warning_fifteen_minutes_before() -> None:
    """By default the 首报 is due at occurred_at + 1 h and the warning fires 15 min earlier."""
    policy = ReportPolicy()
    due = policy.first_report_due(Severity.IV, NOW)
    assert due == NOW + timedelta(hours=1)
    assert [(each.kind, each.due_at) for each in policy.deadlines("inc-1", due)] == [
        (DeadlineKind.DUE_SOON, NOW + timedelta(minutes=45)),
        (DeadlineKind.OVERDUE, NOW + timedelta(minutes=60)),
    ]


def test_policy_may_shorten_the_deadline_for_major_incidents() -> None:
    """A policy of 30 min for grade I makes the 首报 due half an hour after the event."""
    policy = ReportPolicy(limits={**ReportPolicy().limits, Severity.I: timedelta(minutes=30)})
    assert policy.first_report_due(Severity.I, NOW) == NOW + timedelta(minutes=30)
    assert policy.first_report_due(Severity.III, NOW) == NOW + timedelta(hours=1)


def test_a_warning_after_its_deadline_passed_is_superseded() -> None:
    """After downtime, a warning whose deadline also passed settles quietly; the overdue notice fires."""
    late = incident(first_report_due_at=NOW - timedelta(minutes=1))
    warning = Deadline("inc-1", DeadlineKind.DUE_SOON, NOW - timedelta(minutes=16))
    overdue = Deadline("inc-1", DeadlineKind.OVERDUE, NOW - timedelta(minutes=1))
    due = late.first_report_due_at
    assert what_fires(warning, late, NOW, due) is Firing.SUPERSEDED
    assert what_fires(overdue, late, NOW, due) is Firing.FIRE
    assert what_fires(overdue, incident(first_reported_at=NOW), NOW, due) is Firing.MET


def test_dedup_joins_same_external_id_or_within_the_window() -> None:
    """Same external id joins whatever the time; without ids, only within the window; different ids never."""
    policy = DedupPolicy(window=timedelta(minutes=30))
    with_id = incident(id="a", external_id="119-1", occurred_at=NOW - timedelta(hours=5))
    without_id = incident(id="b", occurred_at=NOW - timedelta(minutes=20))
    assert policy.match([with_id, without_id], NOW, "3楼", "119-1") is with_id
    assert policy.match([with_id, without_id], NOW, "3楼", None) is without_id
    assert policy.match([with_id], NOW - timedelta(hours=5), "3楼", "119-2") is None
    assert policy.match([without_id], NOW + timedelta(minutes=20), "3楼", None) is None


def test_assignment_is_the_shift_pair_or_the_parent_duty_room_in_a_gap() -> None:
    """With a shift the officer and leader answer; without one the parent unit's duty room does."""
    home = Unit("home", "福利院", UnitKind.WELFARE_HOME, "district", None, (BUREAU,))
    district = Unit("district", "区民政局", UnitKind.DISTRICT_BUREAU, None, DISTRICT_ROOM, ())
    shift = Shift("s1", "home", OFFICER, LEADER, NOW - timedelta(hours=1), NOW + timedelta(hours=23))
    covered = assign(shift, duty_room_above(home, district))
    assert (covered.officer, covered.leader, covered.gap) == (OFFICER, LEADER, False)
    gap = assign(None, duty_room_above(home, district))
    assert (gap.officer, gap.duty_room, gap.gap) == (None, DISTRICT_ROOM, True)
    assert home.municipal_bureau == BUREAU


def test_status_follows_the_facts_and_late_stays() -> None:
    """Overdue, then first-reported: the status moves on but `late` stays true."""
    case = incident()
    case.late = True
    assert case.refresh(NOW) is not None and case.status is IncidentStatus.OVERDUE
    case.first_reported_at = NOW
    case.refresh(NOW)
    assert case.status is IncidentStatus.FIRST_REPORTED and case.late


def test_reports_come_in_order() -> None:
    """No follow-up before the first report, no second first report, nothing after the final one."""
    with pytest.raises(ReportRefused, match="first report"):
        check_report(incident(), ReportKind.FOLLOW_UP)
    with pytest.raises(ReportRefused, match="already"):
        check_report(incident(first_reported_at=NOW), ReportKind.FIRST)
    with pytest.raises(ReportRefused, match="final"):
        check_report(incident(first_reported_at=NOW, last_report_kind=ReportKind.FINAL), ReportKind.FOLLOW_UP)


@pytest.mark.parametrize(
    ("text", "expected_type", "expected_severity", "location", "summary"),
    [
        ("报 火灾 福利院3楼 有人被困", IncidentType.FIRE, Severity.IV, "福利院3楼", "有人被困"),
        (
            "报，一氧化碳中毒，敬老院二号楼，2人送医，II级",
            IncidentType.CO_POISONING,
            Severity.II,
            "敬老院二号楼",
            "2人送医",
        ),
        (
            "上报 走失 救助站门口 一名老人走失 重大",
            IncidentType.MISSING_PERSON,
            Severity.II,
            "救助站门口",
            "一名老人走失",
        ),
        ("报火灾 食堂", IncidentType.FIRE, Severity.IV, "食堂", "火灾"),
        ("报 流浪人员 人民桥下 1人冻僵 Ⅰ级", IncidentType.ROUGH_SLEEPER, Severity.I, "人民桥下", "1人冻僵"),
    ],
)
def test_sms_reports_in_chinese_are_read(
    text: str, expected_type: IncidentType, expected_severity: Severity, location: str, summary: str
) -> None:
    """The type word, place, situation and an optional grade (II级, 重大, Ⅰ级) are read; the grade defaults to IV."""
    parsed = parse_sms_report(text)
    assert (parsed.type, parsed.severity, parsed.location, parsed.summary) == (
        expected_type,
        expected_severity,
        location,
        summary,
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("你好", "以“报”开头"),
        ("报 地震 市区", "未识别的事件类型“地震”"),
        ("报 火灾", "缺少事件地点"),
        ("报", "未识别到事件类型"),
    ],
)
def test_unreadable_sms_gets_an_answer_with_the_format(text: str, problem: str) -> None:
    """Each unreadable text gets an answer that names the problem and shows an example report."""
    with pytest.raises(SmsUnreadable) as unreadable:
        parse_sms_report(text)
    assert problem in unreadable.value.answer
    assert "例如：报 火灾 福利院3楼" in unreadable.value.answer


def test_accountability_figures_on_a_fixed_data_set() -> None:
    """Per unit: count, median and worst time to acknowledge, median to first report, late and missing first reports."""
    minutes = timedelta(minutes=1)
    cases = [
        incident(id="1", acknowledged_at=NOW + 2 * minutes, first_reported_at=NOW + 30 * minutes),
        incident(id="2", acknowledged_at=NOW + 4 * minutes, first_reported_at=NOW + 70 * minutes, late=True),
        incident(id="3", acknowledged_at=NOW + 12 * minutes, first_report_due_at=NOW - minutes, late=True),
        incident(id="4", unit_id="other"),
    ]
    lines = account(cases, now=NOW)
    assert [line.unit_id for line in lines] == ["home", "other"]
    home, other = lines
    assert (home.incidents, home.acknowledged) == (3, 3)
    assert home.median_to_acknowledge == 4 * minutes
    assert home.worst_to_acknowledge == 12 * minutes
    assert home.median_to_first_report == 60 * minutes  # (40 + 80) / 2: counted from the event, 10 min before
    assert (home.late_first_reports, home.missing_first_reports) == (1, 1)
    assert (other.incidents, other.median_to_acknowledge, other.missing_first_reports) == (1, None, 0)


def test_sms_filings_name_the_kind_and_optionally_the_incident() -> None:
    """`首报 inc-… 情况` names its incident; `续报 情况` leaves it to the sender's unit; `报 …` is no filing."""
    named = parse_sms_filing("首报 inc-20261201-ab12cd34，火已扑灭，无人员伤亡")
    assert named == SmsFiling(ReportKind.FIRST, "inc-20261201-ab12cd34", "火已扑灭，无人员伤亡")
    assert parse_sms_filing("续报：已送医") == SmsFiling(ReportKind.FOLLOW_UP, None, "已送医")
    assert parse_sms_filing("报 火灾 食堂") is None
