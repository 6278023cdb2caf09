"""The board's pure rules: check-in states, report clocks per recipient, who sees what, the ranking."""

from __future__ import annotations

from datetime import timedelta

from schemas.values import RecipientRole, ReportKind
from services.board.domain import (
    AccountLine,
    BroadcastCard,
    CheckIn,
    CheckInState,
    ClockState,
    Delivery,
    DutyLine,
    IncidentCard,
    Unit,
    answers,
    rank_units,
    recipient_clocks,
    visible_units,
)
from tests.board.builders import NOW, RECIPIENTS


def _card(due_in: timedelta) -> IncidentCard:
    return IncidentCard("inc-1", "maojian", "fire", "III", NOW, NOW, NOW + due_in, "某地", "起火", "张三", None, None)


def test_a_check_in_is_waiting_until_its_grace_ends_then_missed_unless_received() -> None:
    """Asked and not yet due: waiting; past due without a reply: missed; a reply wins over everything."""
    asked = CheckIn("s", due_by=NOW + timedelta(minutes=5))
    assert asked.state(NOW) is CheckInState.WAITING
    assert asked.state(NOW + timedelta(minutes=5)) is CheckInState.MISSED
    assert CheckIn("s", due_by=NOW, received_at=NOW).state(NOW + timedelta(hours=1)) is CheckInState.CHECKED_IN
    assert CheckIn("s").state(NOW) is CheckInState.NOT_ASKED


def test_a_unit_without_a_shift_or_with_a_missed_check_in_is_a_gap() -> None:
    """Both mark the row red."""
    unit = Unit("maojian", "茅箭区民政局", "district_bureau", "city")
    assert DutyLine(unit, None, CheckInState.NOT_ASKED).gap
    assert not DutyLine(unit, None, CheckInState.NOT_ASKED).next_gap


def test_each_recipient_has_its_own_clock_in_the_notices_order() -> None:
    """党委, 政府, 市民政局: delivered or acknowledged where a delivery came, else waiting or late by the deadline."""
    card = _card(timedelta(minutes=10))
    deliveries = [
        Delivery("inc-1", ReportKind.FIRST, RecipientRole.GOVERNMENT, "县政府值班室", NOW, True),
        Delivery("inc-1", ReportKind.FOLLOW_UP, RecipientRole.PARTY_COMMITTEE, "县委值班室", NOW, False),
    ]
    clocks = recipient_clocks(card, list(reversed(RECIPIENTS)), deliveries, NOW)
    assert [clock.role for clock in clocks] == list(RecipientRole)
    assert [clock.state for clock in clocks] == [ClockState.WAITING, ClockState.ACKNOWLEDGED, ClockState.WAITING]
    late = recipient_clocks(card, RECIPIENTS, deliveries, NOW + timedelta(minutes=10))
    assert [clock.state for clock in late] == [ClockState.LATE, ClockState.ACKNOWLEDGED, ClockState.LATE]
    assert [clock.red for clock in late] == [True, False, True]


def test_an_incident_is_late_past_its_deadline_and_stays_late_once_overdue() -> None:
    """迟报 never wears off: a first report filed after the deadline keeps the mark."""
    card = _card(timedelta(minutes=10))
    assert not card.late(NOW)
    assert card.late(NOW + timedelta(minutes=10))
    card.first_reported_at = NOW + timedelta(minutes=11)
    assert card.late(NOW + timedelta(hours=5))
    card.first_reported_at = NOW
    assert not card.late(NOW + timedelta(hours=5))


def test_a_county_token_sees_only_its_own_units_and_the_city_all() -> None:
    """The same unit-scoped tokens as the APIs: None is every unit."""
    units = [Unit(u, u, "district_bureau", "city") for u in ("zhangwan", "maojian")] + [
        Unit("city", "市局", "municipal_bureau", None)
    ]
    assert [unit.id for unit in visible_units(frozenset({"maojian"}), units)] == ["maojian"]
    assert [unit.id for unit in visible_units(None, units)] == ["city", "maojian", "zhangwan"]


def test_a_broadcast_shows_each_reached_unit_the_viewer_sees() -> None:
    """A notice to two units shows a county only its own answer."""
    card = BroadcastCard("b", "city", "寒潮", "降温", "市局", NOW, ("maojian", "zhangwan"))
    assert [a.unit_id for a in answers(card, [("maojian", "茅箭"), ("yunxi", "郧西")])] == ["maojian"]


def test_the_ranking_puts_missing_reports_below_late_ones_and_ties_share_a_place() -> None:
    """漏报 weighs more than 迟报; equal figures share a place."""

    def line(unit_id: str, late: int, missing: int) -> AccountLine:
        return AccountLine(unit_id, 2, 2, 60.0, 600.0, late, missing)

    ranked = rank_units([line("a", 0, 1), line("b", 2, 0), line("c", 0, 0), line("d", 0, 0)])
    assert [(r.place, r.line.unit_id) for r in ranked] == [(1, "c"), (1, "d"), (3, "b"), (4, "a")]
