"""Two replicas of the notifier on one PostgreSQL database: each escalation step and each send happens once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.notifier.app import Notifier
from services.notifier.handlers import starts
from services.notifier.handlers.escalation import fire_due_tracks
from services.notifier.sending.dispatcher import Dispatcher, DispatchSettings
from services.notifier.settings import Settings
from services.notifier.testing import FakeProvider, ManualClock
from tests.notifier.factories import incident_reported, unique_unit
from tests.notifier.harness import API_TOKENS, Harness
from tests.notifier.serving import random_mobile

pytestmark = pytest.mark.postgres

INCIDENTS = 20
SMALL_DISPATCH = DispatchSettings(first_backoff_s=0, concurrency=3)  # a few sends per claim: the replicas interleave


@pytest.fixture
async def replicas(tmp_path: Path, postgres_url: str) -> AsyncIterator[list[Harness]]:
    """Two notifiers on one database and one clock, each with its own provider."""
    clock = ManualClock()
    harnesses = []
    for n in range(2):
        phone = FakeProvider(name="console")
        settings = Settings(data_dir=tmp_path / str(n), database_url=postgres_url, api_tokens=API_TOKENS)
        notifier = Notifier(settings, clock, providers={"console": phone})
        notifier.dispatcher = Dispatcher(
            notifier.work, notifier.clock, phone, phone, {"console": phone}, notifier.webhooks, SMALL_DISPATCH
        )
        harnesses.append(Harness(notifier, clock, phone))
    await harnesses[0].notifier.runtime.store.create_tables()
    yield harnesses
    for harness in harnesses:
        await harness.notifier.runtime.store.close()
        await harness.notifier.runtime.publisher.stop()


async def report_incidents(harness: Harness) -> list[str]:
    """INCIDENTS incidents, each with an officer of its own; their phones."""
    officers = [random_mobile() for _ in range(INCIDENTS)]
    for officer in officers:
        async with harness.notifier.work() as ports:
            await starts.on_incident_reported(
                incident_reported(unique_unit(), harness.clock(), officer=officer), ports, harness.clock()
            )
    return officers


def sent(replicas: list[Harness]) -> tuple[Counter[str], Counter[str]]:
    """SMS and calls per number, over both replicas' providers."""
    sms = Counter(message.to for harness in replicas for message in harness.phone.sms)
    calls = Counter(call.to for harness in replicas for call in harness.phone.calls)
    return sms, calls


async def sweep_until_quiet(harnesses: list[Harness]) -> None:
    """Sweep on each replica at once until a round sends nothing more (a few sends per claim take several)."""
    before = None
    while before != (now := sent(harnesses)):
        before = now
        await asyncio.gather(*(harness.sweep() for harness in harnesses))


async def test_two_replicas_sweeping_at_once_send_each_step_once(replicas: list[Harness]) -> None:
    """Both replicas fire and dispatch the same due steps at the same moment: each officer gets one SMS, then one
    call five minutes later, and both replicas send some."""
    officers = await report_incidents(replicas[0])
    await sweep_until_quiet(replicas)
    sms, calls = sent(replicas)
    assert sms == Counter(officers) and not calls
    replicas[0].clock.advance(minutes=5)
    await sweep_until_quiet(replicas)
    sms, calls = sent(replicas)
    assert sms == Counter(officers) and calls == Counter(officers)
    assert all(harness.phone.sms or harness.phone.calls for harness in replicas)


async def test_what_a_dead_replica_claimed_is_sent_once_by_the_other_after_its_lease(replicas: list[Harness]) -> None:
    """A replica that fired the steps and claimed sends, then died, leaves those leased: the other sends the rest at
    once, and each of those once when the lease has run out, not before."""
    dying, survivor = replicas
    officers = await report_incidents(dying)
    async with dying.notifier.work() as ports:
        assert await fire_due_tracks(ports, dying.clock(), 100) == INCIDENTS
        claimed = len(await dying.notifier.dispatcher.claim(ports, dying.clock()))
    survivor.clock.advance(seconds=29)
    await sweep_until_quiet([survivor])
    sms, _ = sent(replicas)
    assert claimed == SMALL_DISPATCH.concurrency and set(sms.values()) == {1} and sms.total() == INCIDENTS - claimed
    survivor.clock.advance(seconds=2)
    await sweep_until_quiet([survivor])
    assert sent(replicas) == (Counter(officers), Counter())
