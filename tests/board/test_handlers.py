"""The read model as the topics build it, through the in-memory ports."""

from __future__ import annotations

from datetime import timedelta

from schemas.duty import DutyRole
from schemas.values import RecipientRole
from services.board import handlers
from services.board.domain import CheckInState, ClockState
from services.board.testing import memory_ports
from tests.board import builders as b


async def test_units_shifts_and_check_ins_make_the_duty_lines() -> None:
    """Each unit with its officer and leader; a unit with no shift is a gap; a missed check-in too."""
    ports = memory_ports()
    for unit_id, name in (("maojian", "茅箭区民政局"), ("zhangwan", "张湾区民政局"), ("yunxi", "郧西县民政局")):
        await handlers.on_unit_updated(b.unit(unit_id, name), ports, b.NOW)
    maojian, zhangwan = b.shift("maojian"), b.shift("zhangwan", officer="赵敏")
    for started in (maojian, zhangwan):
        await handlers.on_shift_started(started, ports, b.NOW)
        await handlers.on_check_in_requested(b.check_in_requested(started), ports, b.NOW)
    await handlers.on_check_in_received(b.check_in_received(maojian, b.SHIFT_START), ports, b.NOW)
    await handlers.on_check_in_missed(b.check_in_missed(zhangwan), ports, b.NOW)
    lines = {line.unit.id: line for line in await handlers.duty_lines(ports, None, b.NOW)}
    assert lines["maojian"].check_in is CheckInState.CHECKED_IN and not lines["maojian"].gap
    assert lines["zhangwan"].check_in is CheckInState.MISSED and lines["zhangwan"].gap
    assert lines["yunxi"].shift is None and lines["yunxi"].gap


async def test_a_check_in_received_before_it_was_asked_for_still_counts() -> None:
    """The topics are not ordered across each other: what is known of a check-in merges."""
    ports = memory_ports()
    await handlers.on_unit_updated(b.unit("maojian", "茅箭区民政局"), ports, b.NOW)
    started = b.shift("maojian")
    await handlers.on_check_in_received(b.check_in_received(started, b.SHIFT_START), ports, b.NOW)
    await handlers.on_shift_started(started, ports, b.NOW)
    await handlers.on_check_in_requested(b.check_in_requested(started), ports, b.NOW)
    (line,) = await handlers.duty_lines(ports, None, b.NOW + timedelta(hours=2))
    assert line.check_in is CheckInState.CHECKED_IN


async def test_a_leaders_check_in_does_not_change_the_officers_on_the_duty_page() -> None:
    """The duty line shows the officer's check-in: the leader's missed check-in of the same shift leaves a checked-in
    officer checked in, and the leader's reply does not check in a waiting officer."""
    ports = memory_ports()
    for unit_id, name in (("maojian", "茅箭区民政局"), ("zhangwan", "张湾区民政局")):
        await handlers.on_unit_updated(b.unit(unit_id, name), ports, b.NOW)
    maojian, zhangwan = b.shift("maojian"), b.shift("zhangwan")
    for started in (maojian, zhangwan):
        await handlers.on_shift_started(started, ports, b.NOW)
        for role in DutyRole:
            await handlers.on_check_in_requested(b.check_in_requested(started, role=role), ports, b.NOW)
    await handlers.on_check_in_received(b.check_in_received(maojian, b.SHIFT_START), ports, b.NOW)
    await handlers.on_check_in_missed(b.check_in_missed(maojian, DutyRole.LEADER), ports, b.NOW)
    await handlers.on_check_in_received(b.check_in_received(zhangwan, b.SHIFT_START, DutyRole.LEADER), ports, b.NOW)
    within_grace = b.SHIFT_START + timedelta(minutes=10)
    lines = {line.unit.id: line for line in await handlers.duty_lines(ports, None, within_grace)}
    assert lines["maojian"].check_in is CheckInState.CHECKED_IN
    assert lines["zhangwan"].check_in is CheckInState.WAITING


async def test_an_incident_card_follows_its_events_until_it_closes() -> None:
    """Acknowledgement, escalation step and deliveries per recipient show on the open incident."""
    ports = memory_ports()
    await handlers.on_unit_updated(b.unit("maojian", "茅箭区民政局"), ports, b.NOW)
    await handlers.on_incident_reported(b.incident("inc-1", "maojian"), ports, b.NOW)
    await handlers.on_incident_escalated(b.escalated("inc-1", "maojian", 2), ports, b.NOW)
    await handlers.on_incident_acknowledged(b.acknowledged("inc-1", "maojian"), ports, b.NOW)
    await handlers.on_report_filed(b.first_report("inc-1", "maojian", b.NOW), ports, b.NOW)
    await handlers.on_report_delivered(b.delivered("inc-1", "maojian", RecipientRole.GOVERNMENT), ports, b.NOW)
    (view,) = await handlers.open_incidents(ports, None, b.NOW)
    assert (view.card.acknowledged_by, view.card.escalation_step, view.late) == ("王芳", 2, False)
    assert [clock.state for clock in view.clocks] == [ClockState.WAITING, ClockState.DELIVERED, ClockState.WAITING]
    assert view.unit_name == "茅箭区民政局"


async def test_an_event_for_an_unknown_incident_is_dropped() -> None:
    """The board may start after an incident was reported elsewhere: nothing breaks, nothing appears."""
    ports = memory_ports()
    await handlers.on_incident_escalated(b.escalated("ghost", "maojian", 1), ports, b.NOW)
    assert await handlers.open_incidents(ports, None, b.NOW) == []


async def test_a_county_sees_only_its_own_incidents_and_broadcast_answers() -> None:
    """The scope of a token narrows incidents and notices alike."""
    ports = memory_ports()
    for unit_id in ("maojian", "zhangwan"):
        await handlers.on_unit_updated(b.unit(unit_id, unit_id), ports, b.NOW)
        await handlers.on_incident_reported(b.incident(f"inc-{unit_id}", unit_id), ports, b.NOW)
    await handlers.on_broadcast_sent(b.broadcast("b1", None), ports, b.NOW)
    await handlers.on_broadcast_sent(b.broadcast("b2", ["zhangwan"]), ports, b.NOW)
    await handlers.on_broadcast_acknowledged(b.broadcast_acknowledged("b1", "maojian"), ports, b.NOW)
    mine = frozenset({"maojian"})
    assert [view.card.id for view in await handlers.open_incidents(ports, mine, b.NOW)] == ["inc-maojian"]
    (notice,) = await handlers.broadcast_views(ports, mine)
    assert notice.card.id == "b1" and notice.acknowledged == 1
    everything = await handlers.broadcast_views(ports, None)
    assert {view.card.id: view.acknowledged for view in everything} == {"b1": 1, "b2": 0}
