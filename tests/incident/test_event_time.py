"""Domain tier: the event time an officer writes in an SMS report, and when the clock starts from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.incident.domain import TimeRefused, parse_sms_report, take_event_time

# 14:20 in Asia/Shanghai.
ARRIVED = datetime(2026, 12, 1, 6, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "happened"),
    [
        ("报 火灾 福利院3号楼 14:05 厨房起火", datetime(2026, 12, 1, 6, 5, tzinfo=UTC)),
        ("报 火灾 福利院3号楼 14：05 厨房起火", datetime(2026, 12, 1, 6, 5, tzinfo=UTC)),
        ("报 火灾 福利院3号楼 14点05分 厨房起火", datetime(2026, 12, 1, 6, 5, tzinfo=UTC)),
        ("报 火灾 福利院3号楼 13点半 厨房起火", datetime(2026, 12, 1, 5, 30, tzinfo=UTC)),
        ("报 走失 福利院3号楼 40分钟前 一名老人走失", ARRIVED - timedelta(minutes=40)),
        ("报 走失 福利院3号楼 1小时前 一名老人走失", ARRIVED - timedelta(hours=1)),
        ("报 走失 福利院3号楼 半小时前 一名老人走失", ARRIVED - timedelta(minutes=30)),
        ("报 火灾 福利院3号楼 14:23 厨房起火", ARRIVED),
    ],
)
def test_the_event_time_written_sets_when_it_happened(text: str, happened: datetime) -> None:
    """A clock time or a lapse is read in Asia/Shanghai; a few minutes ahead of the arrival is the arrival."""
    parsed = parse_sms_report(text)
    assert parsed.event_time is not None
    assert parsed.event_time.resolve(ARRIVED) == happened
    assert parsed.location == "福利院3号楼"


def test_a_late_evening_time_sent_after_midnight_is_last_night() -> None:
    """`23:50` arriving at 00:10 Beijing time is ten minutes before midnight, not tonight."""
    event_time, _ = take_event_time("报 火灾 福利院3号楼 23:50 厨房起火")
    assert event_time is not None
    arrived = datetime(2026, 11, 30, 16, 10, tzinfo=UTC)
    assert event_time.resolve(arrived) == datetime(2026, 11, 30, 15, 50, tzinfo=UTC)


def test_the_time_is_not_part_of_the_place_or_the_summary() -> None:
    """`报 火灾 福利院3号楼 14:05 厨房起火` reads the place and the summary without the time."""
    parsed = parse_sms_report("报 火灾 福利院3号楼 14:05 厨房起火 II级")
    assert (parsed.location, parsed.summary) == ("福利院3号楼", "厨房起火")


def test_a_time_in_the_future_is_refused_with_the_format() -> None:
    """15:30 written at 14:20 is refused, and the answer shows how to write the time."""
    event_time, _ = take_event_time("报 火灾 福利院3号楼 15:30 厨房起火")
    assert event_time is not None
    with pytest.raises(TimeRefused) as refused:
        event_time.resolve(ARRIVED)
    assert "15:30" in refused.value.answer and "40分钟前" in refused.value.answer


def test_without_a_time_the_report_has_none() -> None:
    """No time written: the report carries none (the clock starts at the arrival)."""
    assert parse_sms_report("报 火灾 福利院3号楼 厨房起火").event_time is None
