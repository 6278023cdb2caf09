"""Handler tier: an incident handed over at shift change is alerted to the incoming officer from then on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from schemas.incident import IncidentAssigned
from schemas.values import Person
from services.notifier.handlers import assignments, starts
from tests.notifier.factories import OFFICER_PHONE, incident_reported, unique_unit
from tests.notifier.harness import Harness, notifier_harness

INCOMING = Person(id="zhang-jun", name="张军", phone="+8613800138021")
INCOMING_LEADER = Person(id="chen-wen", name="陈文", phone="+8613800138022")


@pytest.fixture
async def harness(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    """The notifier without Kafka, on each store backend."""
    async with notifier_harness(tmp_path, database_url) as harness:
        yield harness


async def test_after_a_handover_the_next_step_calls_the_incoming_officer_not_the_outgoing(harness: Harness) -> None:
    """SMS to the outgoing officer; handover; the 5-minute call goes to the incoming officer."""
    incident = incident_reported(unique_unit(), harness.clock())
    await harness.deliver(starts.on_incident_reported, incident)
    await harness.sweep()
    assert len(harness.phone.sms_to(OFFICER_PHONE)) == 1
    handed_over = IncidentAssigned(
        unit_id=incident.unit_id,
        incident_id=incident.incident_id,
        officer=INCOMING,
        leader=INCOMING_LEADER,
        reason="handover",
    )
    await harness.deliver(assignments.on_incident_assigned, handed_over)
    await harness.sweep(minutes=5)
    assert [call.to for call in harness.phone.calls] == [INCOMING.phone]
    await harness.sweep(minutes=5)
    assert [call.to for call in harness.phone.calls] == [INCOMING.phone, INCOMING_LEADER.phone]
