"""The unit of work on every store backend: a consumed message's effect once, a batch in one transaction, the
outbox relayed after a commit that published, group commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from schemas.duty import CheckInReceived
from schemas.envelope import Envelope
from services.runtime.consumer import ConsumerRule, IncomingRecord, Outcome, RetryPolicy
from services.runtime.outbox import OutgoingRecord
from services.runtime.outgoing import Outgoing
from services.runtime.session import Session
from services.runtime.store import Store
from services.runtime.unit_of_work import Closing, UnitOfWork
from tests.runtime.test_outbox_inbox import Tables, check_in

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


@dataclass
class Ports:
    """A service's ports bundle in miniature: an effects table and the outbox publisher."""

    session: Session
    tables: Tables
    outgoing: Outgoing

    async def record(self, event: CheckInReceived) -> None:
        await self.session.execute(self.tables.effects.insert().values(event_id=event.shift_id, unit_id=event.unit_id))

    async def effects(self) -> list[str]:
        return list((await self.session.execute(select(self.tables.effects.c.event_id))).scalars())


@dataclass
class Wakes:
    count: int = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
async def work(store: tuple[Store, Tables]) -> AsyncIterator[UnitOfWork[Ports]]:
    db, tables = store
    yield UnitOfWork(
        name="test",
        store=db,
        outbox=tables.outbox,
        inbox=tables.inbox,
        ports=lambda session, outgoing: Ports(session, tables, outgoing),
        clock=lambda: NOW,
    )


async def on_check_in(event: CheckInReceived, ports: Ports, _now: datetime) -> None:
    await ports.record(event)
    if event.unit_id == "refused":
        raise ValueError("this message fails")
    await ports.outgoing.publish(event, correlation_id=event.shift_id)


async def nowhere(_records: Sequence[OutgoingRecord]) -> list[object]:
    return []


def record_of(unit_id: str, offset: int) -> IncomingRecord:
    return IncomingRecord("duty.checkins", 0, offset, unit_id.encode(), check_in(unit_id, offset).to_bytes())


async def outbox_rows(work: UnitOfWork[Ports]) -> int:
    async with work.session() as session:
        return int(await session.scalar(select(func.count()).select_from(work.outbox.table)) or 0)


async def test_a_consumed_message_has_its_effect_once_with_what_it_publishes(work: UnitOfWork[Ports]) -> None:
    """`consume` turns `on_<message>(message, ports, now)` into a route: a second delivery of the same event id
    does nothing, and what the handler published is in the outbox, stamped by the unit of work's clock."""
    handle = work.consume(on_check_in)
    envelope = check_in("county", 1)
    await handle(envelope)
    await handle(envelope)
    async with work() as ports:
        assert await ports.effects() == ["county@1"]
        (row,) = (await ports.session.execute(select(work.outbox.table.c.value))).all()
    assert b'"producer":"test"' in row.value and NOW.isoformat().encode()[:19] in row.value


async def test_a_handler_that_needs_the_envelope_gets_it_once(work: UnitOfWork[Ports]) -> None:
    """`consume_envelope` hands the handler the envelope (its event id names what a command starts), once."""
    seen: list[str] = []

    async def on_envelope(envelope: Envelope[CheckInReceived], ports: Ports, _now: datetime) -> None:
        seen.append(str(envelope.event_id))
        await ports.record(envelope.payload)

    handle = work.consume_envelope(on_envelope)
    envelope = check_in("command", 1)
    await handle(envelope)
    await handle(envelope)
    assert seen == [str(envelope.event_id)]


async def test_a_batch_shares_one_transaction_and_a_failing_message_undoes_it(work: UnitOfWork[Ports]) -> None:
    """The consumer rule runs a fetched batch in `work.batch()`: one failure undoes the batch, and each message
    is then handled on its own, so the good ones are kept once and the bad one is dead-lettered."""
    rule = ConsumerRule(
        {"duty.checkins": {CheckInReceived: work.consume(on_check_in)}},
        nowhere,  # type: ignore[arg-type]
        RetryPolicy(attempts=1),
        together=work.batch,
    )
    outcomes = await rule.deliver_all([record_of("first", 1), record_of("refused", 2), record_of("third", 3)])
    assert outcomes == [Outcome.PROCESSED, Outcome.DEAD_LETTERED, Outcome.PROCESSED]
    async with work() as ports:
        assert sorted(await ports.effects()) == ["first@1", "third@3"]
    assert await outbox_rows(work) == 2


async def test_a_closing_step_runs_once_last_in_the_batch_and_its_callback_after_the_commit(
    work: UnitOfWork[Ports],
) -> None:
    """A batch's closing step runs once, after every handler, in the batch's transaction (it sees what they
    wrote); what it returns is called once that commits. A message handled on its own is a batch of one."""
    seen: list[list[str]] = []
    called: list[str] = []

    async def step(ports: Ports) -> Callable[[], None]:
        seen.append(sorted(await ports.effects()))
        return lambda: called.append("after commit")

    handle = work.consume(on_check_in, closing=Closing(step, instead=lambda: called.append("instead")))
    async with work.batch():
        await handle(check_in("a", 1))
        await handle(check_in("b", 2))
        assert (seen, called) == ([], [])
    assert (seen, called) == ([["a@1", "b@2"]], ["after commit"])
    await handle(check_in("c", 3))
    assert (seen[-1], called) == (["a@1", "b@2", "c@3"], ["after commit", "after commit"])


async def test_a_failing_closing_step_is_undone_alone_and_the_messages_are_kept(work: UnitOfWork[Ports]) -> None:
    """A closing step that raises takes back only what it wrote: the batch's messages keep their effects and
    what they published, and `instead` is called after the commit."""
    called: list[str] = []

    async def step(ports: Ports) -> Callable[[], None]:
        await ports.record(check_in("written-by-the-step", 9).payload)
        raise RuntimeError("the closing step fails")

    handle = work.consume(on_check_in, closing=Closing(step, instead=lambda: called.append("instead")))
    async with work.batch():
        await handle(check_in("a", 1))
        await handle(check_in("b", 2))
    assert called == ["instead"]
    async with work() as ports:
        assert sorted(await ports.effects()) == ["a@1", "b@2"]
    assert await outbox_rows(work) == 2


async def test_the_relay_is_woken_after_a_commit_that_published(work: UnitOfWork[Ports]) -> None:
    """A transaction that only read wakes nobody; one that published wakes the relay once it committed."""
    wakes = Wakes()
    work.relay_with(wakes)
    async with work() as ports:
        await ports.effects()
    assert wakes.count == 0
    async with work() as ports:
        await ports.outgoing.publish(check_in("woken").payload)
        assert wakes.count == 0
    assert wakes.count == 1
    with pytest.raises(RuntimeError):
        async with work() as ports:
            await ports.outgoing.publish(check_in("rolled-back").payload)
            raise RuntimeError("the change failed")
    assert wakes.count == 1 and await outbox_rows(work) == 1


async def test_requests_together_share_a_transaction_and_each_gets_its_own_result(work: UnitOfWork[Ports]) -> None:
    """`together` runs concurrent effects in one transaction (group commit); each caller gets its own answer."""

    def request(unit_id: str) -> Callable[[Ports], Awaitable[int]]:
        async def effect(ports: Ports) -> int:
            await ports.record(check_in(unit_id).payload)
            return id(ports.session)

        return effect

    sessions = await asyncio.gather(*(work.together(request(f"u{n}")) for n in range(3)))
    assert len(set(sessions)) == 1
    async with work() as ports:
        assert len(await ports.effects()) == 3
