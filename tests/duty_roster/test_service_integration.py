"""Integration: the roster service against the real broker and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from schemas.duty import (
    CheckInMissed,
    CheckInReceived,
    CheckInRequested,
    DutyRole,
    ShiftEnded,
    ShiftStarted,
    UnitUpdated,
)
from schemas.envelope import Envelope
from services.duty_roster.adapters.store import SqlCheckIns
from services.duty_roster.app import RosterService, build, import_roster
from services.runtime.embedded_broker import EmbeddedBroker
from testbed.polling import eventually
from tests.duty_roster.builders import local
from tests.duty_roster.support import Clock, publish, read_topic, roster_text, settings_for, unique_prefix

pytestmark = pytest.mark.broker


async def started(database_url: str, broker: EmbeddedBroker, tmp_path: Path, clock: Clock, name: str) -> RosterService:
    settings = settings_for(database_url, broker.bootstrap, tmp_path).model_copy(update={"service_name": name})
    service = build(settings, clock)
    await service.runtime.start()
    await service.runtime.until_publishing()
    return service


def of(kind: type, unit_ids: set[str]) -> Callable[[Envelope[Any]], bool]:
    """Keep messages of one type about the test's own units (the topics are shared by the whole session)."""
    return lambda envelope: isinstance(envelope.payload, kind) and envelope.key in unit_ids


async def test_handovers_are_published_once_even_across_a_restart(
    database_url: str, broker: EmbeddedBroker, tmp_path: Path
) -> None:
    """A handover while running publishes ShiftStarted once; a handover passed while down is published once on start."""
    prefix = unique_prefix()
    units = {f"{prefix}-city", f"{prefix}-county"}
    clock = Clock(local("2026-12-02 08:00"))
    settings = settings_for(database_url, broker.bootstrap, tmp_path)
    issues, _, queued = await import_roster(settings, roster_text(prefix), "roster.yaml", clock())
    assert not issues and queued == 4

    service = await started(database_url, broker, tmp_path, clock, settings.service_name)
    clock.now = local("2026-12-02 08:30:05")
    await service.runtime.sweep_all()
    await service.runtime.sweep_all()
    await service.runtime.stop()

    clock.now = local("2026-12-03 09:00")  # down across the 3 December handover
    # A fresh consumer group name: rejoining the old one right away waits out the broker's rebalance.
    service = await started(database_url, broker, tmp_path, clock, settings.service_name + "-restarted")
    await service.runtime.sweep_all()
    await service.runtime.stop()

    def handovers(found: list[Any]) -> list[Any]:
        return [each.payload for each in found if not each.payload.restated]

    shifts = await read_topic(
        broker.bootstrap, "duty.shifts", of(ShiftStarted, units), lambda found: len(handovers(found)) >= 4
    )
    started_ids = sorted(payload.shift_id for payload in handovers(shifts))
    assert started_ids == sorted(f"{unit}@2026-12-0{day}T00:30:00+00:00" for unit in units for day in (2, 3)), (
        "each handover exactly once"
    )
    ended = await read_topic(broker.bootstrap, "duty.shifts", of(ShiftEnded, units), lambda found: len(found) >= 4)
    assert len(ended) == 4
    directory = await read_topic(broker.bootstrap, "duty.units", of(UnitUpdated, units), lambda found: len(found) >= 6)
    assert len(directory) == 6  # the import, then each of the two starts


async def test_check_ins_missed_and_received_over_the_broker(
    database_url: str, broker: EmbeddedBroker, tmp_path: Path
) -> None:
    """Both officers and both leaders are asked to check in; the county officer and the city leader reply in time and
    cause no alert, the city officer's and the county leader's silence each a CheckInMissed."""
    prefix = unique_prefix()
    city, county = f"{prefix}-city", f"{prefix}-county"
    clock = Clock(local("2026-12-02 08:05"))
    settings = settings_for(database_url, broker.bootstrap, tmp_path)
    await import_roster(settings, roster_text(prefix), "roster.yaml", clock())
    service = await started(database_url, broker, tmp_path, clock, settings.service_name)
    try:
        requests = await read_topic(
            broker.bootstrap, "duty.alerts", of(CheckInRequested, {city, county}), lambda found: len(found) >= 4
        )
        by_seat = {(each.payload.unit_id, each.payload.role): each.payload for each in requests}
        assert len(by_seat) == 4 and len(requests) == 4
        for request in (by_seat[county, DutyRole.OFFICER], by_seat[city, DutyRole.LEADER]):
            reply = CheckInReceived(
                unit_id=request.unit_id,
                shift_id=request.shift_id,
                role=request.role,
                phone=request.person.phone,
                received_at=local("2026-12-02 08:20"),
            )
            await publish(broker.bootstrap, reply, clock())
            await until_checked_in(service, request.shift_id, request.role)
        clock.now = local("2026-12-02 08:46")
        await service.runtime.sweep_all()
        await service.runtime.sweep_all()
    finally:
        await service.runtime.stop()
    missed = await read_topic(
        broker.bootstrap, "duty.alerts", of(CheckInMissed, {city, county}), lambda found: len(found) >= 2
    )
    alerts = {(each.payload.unit_id, each.payload.role): each.payload for each in missed}
    assert set(alerts) == {(city, DutyRole.OFFICER), (county, DutyRole.LEADER)} and len(missed) == 2
    alert = alerts[city, DutyRole.OFFICER]
    assert alert.person.id == f"{prefix}-b" and alert.leader is not None and alert.leader.id == f"{prefix}-x"
    assert alert.municipal_duty_room is not None and alert.municipal_duty_room.phone == "+867198000000"
    assert alerts[county, DutyRole.LEADER].leader is None


async def until_checked_in(service: RosterService, shift_id: str, role: DutyRole, timeout_s: float = 30.0) -> None:
    """Wait until the service consumed the reply (its consumer group joins in about 5 s)."""

    async def recorded() -> bool:
        async with service.database.store.transaction() as session:
            check_in = await SqlCheckIns(session, service.database.tables).get(shift_id, role)
        return check_in is not None and check_in.received_at is not None

    await eventually(recorded, timeout_s, what=f"the {role} check-in of {shift_id} recorded")
