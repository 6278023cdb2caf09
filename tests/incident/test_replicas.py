"""Two replicas of the incident service on one PostgreSQL database: each report deadline fires once, and two
changes of one incident at once are both kept."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from schemas.catalog import decode
from schemas.envelope import Envelope
from schemas.notify import AttemptSent, RunSubject
from schemas.values import Channel, ReportKind
from services.incident import handlers
from services.incident.app import IncidentBackend, create_app
from services.incident.domain import Source
from services.incident.testing import ManualClock
from services.runtime.consumer import ConsumerRule, Handler, IncomingRecord, Outcome, RetryPolicy
from services.runtime.outbox import OutgoingRecord
from tests.incident.builders import LEADER, report_body
from tests.incident.conftest import T0, seed, settings_for
from tests.incident.test_handover import CHEN, NEXT_SHIFT, ZHANG, next_shift

pytestmark = pytest.mark.postgres

INCIDENTS = 12


@pytest.fixture
async def replicas(postgres_url: str, tmp_path: Path) -> AsyncIterator[tuple[IncidentBackend, IncidentBackend]]:
    """Two backends on one database and one clock, with INCIDENTS incidents taken in by the first."""
    clock = ManualClock(T0)
    apis = [create_app(settings_for(postgres_url, tmp_path), clock=clock) for _ in range(2)]
    backends: list[IncidentBackend] = [api.state.backend for api in apis]
    await backends[0].database.store.create_tables()
    await seed(backends[0])
    transport = httpx.ASGITransport(app=apis[0])
    async with httpx.AsyncClient(transport=transport, base_url="http://incident") as client:
        for n in range(INCIDENTS):
            body = report_body("home", T0, external_id=f"replica-{n}")
            response = await client.post("/incidents", json=body, headers={"Authorization": "Bearer home-token"})
            assert response.status_code == 201, response.text
    yield backends[0], backends[1]
    for backend in backends:
        await backend.database.store.close()


async def fired_types(backend: IncidentBackend) -> Counter[str]:
    outbox = backend.database.outbox.table
    async with backend.database.store.transaction() as session:
        rows = (await session.execute(select(outbox.c.value))).scalars().all()
    return Counter(decode(value).type for value in rows)


async def sweep_in_small_batches(backend: IncidentBackend) -> int:
    fired = 0
    while True:
        async with backend.work() as ports:
            batch = await handlers.fire_due_deadlines(ports, backend.now(), limit=2)
        await asyncio.sleep(0)
        if not batch:
            return fired
        fired += batch


async def test_two_replicas_sweeping_at_once_fire_each_deadline_once(
    replicas: tuple[IncidentBackend, IncidentBackend],
) -> None:
    """Both replicas sweep the same due deadlines at the same moment; each warning and overdue notice goes out once,
    and both replicas fire some."""
    clock = replicas[0].clock
    assert isinstance(clock, ManualClock)
    for minutes in (50, 15):
        clock.advance(minutes=minutes)
        shares = await asyncio.gather(*(sweep_in_small_batches(backend) for backend in replicas))
        assert sum(shares) == INCIDENTS and all(shares), shares
    fired = await fired_types(replicas[0])
    assert fired["incident.report_due_soon"] == INCIDENTS
    assert fired["incident.report_overdue"] == INCIDENTS


async def test_deadlines_a_dead_replica_had_claimed_fire_from_the_other(
    replicas: tuple[IncidentBackend, IncidentBackend],
) -> None:
    """A replica that dies mid-sweep leaves its claimed deadlines unfired and free: the other fires each once."""
    dying, survivor = replicas
    clock = dying.clock
    assert isinstance(clock, ManualClock)
    clock.advance(minutes=50)
    with pytest.raises(ConnectionResetError):
        async with dying.work() as ports:
            assert len(await ports.deadlines.claim_due(clock(), limit=100)) == INCIDENTS
            raise ConnectionResetError("the replica died holding the claim")
    assert await survivor.fire_due(clock()) == INCIDENTS
    assert await dying.fire_due(clock() + timedelta(seconds=1)) == 0
    assert (await fired_types(survivor))["incident.report_due_soon"] == INCIDENTS


async def test_a_sweep_never_waits_for_an_incident_a_handler_holds_and_fires_its_deadline_later(
    replicas: tuple[IncidentBackend, IncidentBackend],
) -> None:
    """A handler on one replica holds an incident's lock (as filing, closing, merging or 签发 does before it settles
    the incident's deadlines) while the other sweeps: the sweep fires the other incidents' deadlines without waiting,
    which could close a deadlock cycle, and leaves the held one's due for a sweep after the lock is gone."""
    holding, sweeping = replicas
    clock = holding.clock
    assert isinstance(clock, ManualClock)
    clock.advance(minutes=50)
    async with holding.work() as ports:
        [incident] = await ports.search.find(status=None, units=None, since=None, limit=1)
        await ports.incidents.lock(incident.id)
        assert await asyncio.wait_for(sweeping.fire_due(clock()), timeout=10) == INCIDENTS - 1
        still_due = await ports.deadlines.claim_due(clock(), limit=INCIDENTS)
        assert [row.incident_id for row in still_due] == [incident.id]
    assert await sweeping.fire_due(clock()) == 1
    assert (await fired_types(sweeping))["incident.report_due_soon"] == INCIDENTS


def attempt_sent(incident_id: str, at: datetime) -> AttemptSent:
    """The notifier called the leader: step 1 of the incident's run."""
    return AttemptSent(
        unit_id="home",
        run_id="run-1",
        attempt_id="att-1",
        subject=RunSubject.INCIDENT,
        subject_id=incident_id,
        channel=Channel.VOICE,
        to=LEADER.phone,
        provider="console",
        step=1,
        provider_ref="CA1",
        sent_at=at,
    )


async def escalate(backend: IncidentBackend, incident_id: str) -> None:
    async with backend.work() as ports:
        await handlers.on_attempt_sent(attempt_sent(incident_id, backend.now()), ports, backend.now())


async def test_two_replicas_changing_one_incident_at_once_keep_both_changes(
    replicas: tuple[IncidentBackend, IncidentBackend],
) -> None:
    """A 首报 filed on one replica while the other handles an escalation of the same incident: the escalation's
    transaction starts before the 首报's commits, yet neither change is lost."""
    filing, escalating = replicas
    async with filing.work() as ports:
        [incident] = await ports.search.find(status=None, units=None, since=None, limit=1)
        await handlers.on_file_report(incident.id, ReportKind.FIRST, "首报", "王芳", Source.HTTP, ports, filing.now())
        escalation = asyncio.create_task(escalate(escalating, incident.id))
        await asyncio.sleep(0.5)  # the other replica reads the incident while the 首报 is not yet committed
    await escalation
    async with filing.work() as ports:
        stored = await ports.incidents.get(incident.id)
    assert stored is not None
    assert stored.last_report_kind is ReportKind.FIRST and stored.first_reported_at == filing.now()
    assert stored.escalation_step == 1


async def test_a_handover_on_one_replica_keeps_a_report_filed_on_the_other_meanwhile(
    replicas: tuple[IncidentBackend, IncidentBackend],
) -> None:
    """A shift starts on one replica while a 首报 is filed on the other: the handover, which found the unit's open
    incidents before the 首报 committed, still stores the 首报 and the new officer and leader."""
    filing, handing_over = replicas
    async with filing.work() as ports:
        [incident] = await ports.search.find(status=None, units=None, since=None, limit=1)
        await handlers.on_file_report(incident.id, ReportKind.FIRST, "首报", "王芳", Source.HTTP, ports, filing.now())
        handover = asyncio.create_task(shift_change(handing_over))
        await asyncio.sleep(0.5)  # the other replica finds the open incidents while the 首报 is not yet committed
    await handover
    async with filing.work() as ports:
        stored = await ports.incidents.get(incident.id)
    assert stored is not None and stored.last_report_kind is ReportKind.FIRST
    assert (stored.officer, stored.leader) == (ZHANG, CHEN)


async def shift_change(backend: IncidentBackend) -> None:
    async with backend.work() as ports:
        await handlers.on_shift_started(next_shift(), ports, NEXT_SHIFT)


async def test_two_replicas_locking_two_incidents_in_opposite_orders_try_again_rather_than_dead_letter(
    replicas: tuple[IncidentBackend, IncidentBackend],
) -> None:
    """A consumed batch shares one transaction, so it may lock several incidents: two replicas locking two in
    opposite orders deadlock, PostgreSQL undoes one, and the consumer rule handles its message again."""
    async with replicas[0].work() as ports:
        first, second = (each.id for each in await ports.search.find(status=None, units=None, since=None, limit=2))
    both_hold_one = asyncio.Barrier(2)
    attempts: Counter[str] = Counter()
    letters: list[OutgoingRecord] = []

    async def dead_letter(records: Any) -> None:
        letters.extend(records)

    def locking(backend: IncidentBackend, order: tuple[str, str]) -> Handler:
        async def handle(_envelope: Envelope[Any]) -> None:
            attempts[order[0]] += 1
            async with backend.work() as ports:
                await ports.incidents.lock(order[0])
                if attempts[order[0]] == 1:
                    await both_hold_one.wait()
                await ports.incidents.lock(order[1])

        return handle

    orders = [(first, second), (second, first)]
    rules = [
        ConsumerRule({"test.locks": {AttemptSent: locking(backend, order)}}, dead_letter, RetryPolicy(3, 0.05, 0.2))
        for backend, order in zip(replicas, orders, strict=True)
    ]
    envelope = Envelope.wrap(attempt_sent(first, T0), producer="test", occurred_at=T0)
    record = IncomingRecord("test.locks", 0, 1, first.encode(), envelope.to_bytes())
    outcomes = await asyncio.gather(*(rule.deliver(record) for rule in rules))
    assert outcomes == [Outcome.PROCESSED, Outcome.PROCESSED] and letters == []
    assert sorted(attempts.values()) == [1, 2]
