"""The outbox: events are written in the same transaction as the state they describe, then relayed to Kafka.

A broker outage delays events and loses none: a row stays pending until the broker took it. A crash
between publishing and marking a row sent publishes it again; consumers drop the repeat by `event_id`.
A sent row is kept for a retention window: a broker that lost its log (`services/runtime/log_watch.py`)
gets every retained row again, in order, and consumers drop what they had already seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    delete,
    or_,
    select,
    update,
)

from schemas.envelope import Envelope
from schemas.topics import topic_for
from services.runtime.log_watch import CHECK_EVERY_S, LogWatch, ProbeLog, Published, PublishedPositions
from services.runtime.relay_lease import Holding, RelayLease
from services.runtime.store import Session, Store, UtcDateTime, insert_into

__all__ = ["Outbox", "OutboxRelay", "OutgoingRecord", "PublishRecords"]

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class OutgoingRecord:
    topic: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


PublishRecords = Callable[[Sequence[OutgoingRecord]], Awaitable[Sequence[Published]]]
"""Publish every record, in order, and return where the broker put each once it acknowledged them all;
raise otherwise."""

RETENTION = timedelta(hours=24)
PRUNE_EVERY = timedelta(minutes=1)


class Outbox:
    """The `outbox` table in a service's own database, and where its published rows went (`positions`)."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            "outbox",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False, unique=True),
            Column("topic", String(100), nullable=False),
            Column("key", String(100), nullable=False),
            Column("value", LargeBinary, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("claimed_until", UtcDateTime(), nullable=True),
            Column("sent_at", UtcDateTime(), nullable=True, index=True),
        )
        self.relay_lease = RelayLease(metadata)
        # The relay's statements, built once: building one costs several times running it.
        columns = self.table.c
        free = or_(columns.claimed_until.is_(None), columns.claimed_until < bindparam("now"))
        self._pending = (
            select(columns.id, columns.topic, columns.key, columns.value)
            .where(and_(columns.sent_at.is_(None), free))
            .order_by(columns.id)
            .limit(bindparam("limit"))
            .with_for_update(skip_locked=True)
        )
        self._leased = (
            update(self.table)
            .where(columns.id.in_(bindparam("ids", expanding=True)))
            .values(claimed_until=bindparam("until"))
        )
        self._free_all = (
            update(self.table)
            .where(and_(columns.sent_at.is_(None), columns.claimed_until.is_not(None)))
            .values(claimed_until=None)
        )
        self._sent = (
            update(self.table).where(columns.id.in_(bindparam("ids", expanding=True))).values(sent_at=bindparam("at"))
        )
        self.positions = PublishedPositions(metadata)

    async def put(self, session: Session, *envelopes: Envelope[Any]) -> None:
        """Add envelopes to the transaction of `session`; they leave only if it commits."""
        rows = [
            {
                "event_id": str(envelope.event_id),
                "topic": topic_for(envelope.payload).name,
                "key": envelope.key,
                "value": envelope.to_bytes(),
                "created_at": envelope.occurred_at,
            }
            for envelope in envelopes
        ]
        await session.insert(insert_into(self.table), rows)

    async def claim(self, session: Session, now: datetime, limit: int, lease: timedelta) -> list[Any]:
        """The oldest pending rows, leased so that another replica skips them meanwhile."""
        rows = list((await session.execute(self._pending, {"now": now, "limit": limit})).all())
        if rows:
            await session.execute(self._leased, {"ids": [row.id for row in rows], "until": now + lease})
        return rows

    async def mark_sent(self, session: Session, ids: Sequence[int], now: datetime) -> None:
        await session.execute(self._sent, {"ids": list(ids), "at": now})

    async def release(self, session: Session, ids: Sequence[int]) -> None:
        await session.execute(update(self.table).where(self.table.c.id.in_(ids)).values(claimed_until=None))

    async def free_leases(self, session: Session) -> int:
        """Free every pending row's lease; how many were leased."""
        return (await session.execute(self._free_all)).rowcount

    async def publish_again(self, session: Session, sent_since: datetime) -> int:
        """Make every row sent since `sent_since` pending again (a broker lost it); how many."""
        again = update(self.table).where(self.table.c.sent_at >= sent_since).values(sent_at=None, claimed_until=None)
        return (await session.execute(again)).rowcount

    async def prune(self, session: Session, sent_before: datetime) -> int:
        """Delete the rows sent before `sent_before`; how many."""
        return (await session.execute(delete(self.table).where(self.table.c.sent_at < sent_before))).rowcount

    async def pending_count(self, session: Session) -> int:
        rows = await session.execute(select(self.table.c.id).where(self.table.c.sent_at.is_(None)))
        return len(rows.all())


class OutboxRelay:
    """Publishes pending outbox rows in order and marks them sent; never holds a transaction open on I/O.

    `probe` tells whether the broker still holds what was published (None: a broker that never loses its
    log), asked on the first pass, after a failed publish and every `check_every_s`; rows sent within
    `retention` are kept to publish again to one that did.
    """

    def __init__(
        self,
        store: Store,
        outbox: Outbox,
        publish: PublishRecords,
        *,
        probe: ProbeLog | None = None,
        retention: timedelta = RETENTION,
        check_every_s: float = CHECK_EVERY_S,
        batch_size: int = 500,
        idle_seconds: float = 0.2,
        lease: timedelta = timedelta(seconds=60),
        relay_lease: timedelta = timedelta(seconds=10),
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._outbox = outbox
        self._publish = publish
        self._watch = LogWatch(outbox.positions, probe, check_every_s) if probe is not None else None
        self._retention = retention
        self._batch_size = batch_size
        self._idle_seconds = idle_seconds
        self._lease = lease
        self._clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._published: list[int] = []  # published, marked sent in the next transaction
        self._holder = str(uuid.uuid4())
        self._relay_lease = relay_lease
        self._holding = False
        self._pruned_at: datetime | None = None

    def stop_soon(self) -> None:
        """Finish the batch under way, then leave `run`."""
        self._stopping = True
        self._wake.set()

    def wake(self) -> None:
        """Something was just committed to the outbox: relay it now rather than at the next poll."""
        self._wake.set()

    async def relay_once(self) -> int:
        """Relay one batch; return how many rows were published.

        The rows published last time are marked sent in the transaction that claims the next batch: one
        transaction a batch instead of two.

        Only the holder of the relay lease publishes (`relay_lease.py`), so one unit's events leave in order
        whatever replica wrote them. A relay that takes the lease frees every row's lease: rows that a relay
        killed mid-publish left claimed would otherwise wait out their lease, a minute, while newer rows
        overtook them; so would rows it had published and not yet marked. Each goes out again, and consumers
        drop the second copy by its event id.

        The holder asks the log watch whether the broker lost what was published; if so, every retained row
        is made pending again and goes out first, being the oldest.
        """
        if not self._holding and not await self._took_the_lease():
            return 0
        lost = await self._watch.lost() if self._watch is not None else None
        async with self._store.transaction() as session:
            await self._mark_sent(session)
            rows = await self._claim_as_holder(session, lost)
        if not rows:
            return 0
        ids = [row.id for row in rows]
        try:
            placed = await self._publish([OutgoingRecord(row.topic, row.key.encode(), row.value) for row in rows])
        except BaseException:
            # Cancelled too: left claimed, the rows would wait out their lease before anyone sends them.
            async with self._store.transaction() as session:
                await self._outbox.release(session, ids)
            if self._watch is not None:
                self._watch.check_soon()
            raise
        self._published = ids
        if self._watch is not None:
            self._watch.placed(placed)
        return len(rows)

    async def _took_the_lease(self) -> bool:
        """Whether this relay now holds the relay lease: one transaction, before the broker is probed."""
        async with self._store.transaction() as session:
            await self._mark_sent(session)
            return await self._hold(session) is not Holding.ELSEWHERE

    async def _hold(self, session: Session) -> Holding:
        """Take or renew the relay lease; a relay that takes it takes over what the last holder left."""
        holding = await self._outbox.relay_lease.hold(session, self._holder, self._clock(), self._relay_lease)
        if holding is Holding.TAKEN:
            await self._take_over(session)
        self._holding = holding is not Holding.ELSEWHERE
        return holding

    async def _claim_as_holder(self, session: Session, lost: str | None) -> list[Any]:
        """The next batch if this relay still holds the relay lease; none if another relay holds it, or if this
        one took it again just now (it probes the broker at its next pass, before anything is published)."""
        holding = await self._hold(session)
        if holding is Holding.ELSEWHERE or (holding is Holding.TAKEN and self._watch is not None):
            return []
        if lost is not None:
            await self._publish_retained_again(session, lost)
        await self._prune_now_and_then(session)
        return await self._outbox.claim(session, self._clock(), self._batch_size, self._lease)

    async def _take_over(self, session: Session) -> None:
        log.info("outbox relay took the relay lease")
        if freed := await self._outbox.free_leases(session):
            log.info("outbox relay took over rows an earlier relay had claimed", rows=freed)
        if self._watch is not None:
            await self._watch.load(session)

    async def _mark_sent(self, session: Session) -> None:
        if self._published:
            await self._outbox.mark_sent(session, self._published, self._clock())
            self._published = []
        if self._watch is not None and self._holding:
            await self._watch.save(session)

    async def _publish_retained_again(self, session: Session, reason: str) -> None:
        assert self._watch is not None
        again = await self._outbox.publish_again(session, self._clock() - self._retention)
        await self._watch.start_over(session)
        log.warning("the broker lost published events; publishing the retained ones again", reason=reason, rows=again)

    async def _prune_now_and_then(self, session: Session) -> None:
        now = self._clock()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            if pruned := await self._outbox.prune(session, now - self._retention):
                log.info("outbox rows past their retention deleted", rows=pruned)
            self._pruned_at = now

    async def hand_back(self) -> None:
        """Give up the relay lease (stopping): another replica's relay takes over at its next pass."""
        async with self._store.transaction() as session:
            await self._outbox.relay_lease.hand_back(session, self._holder, self._clock())

    async def mark_published(self) -> None:
        """Mark what was published as sent now, not with the next batch (before stopping)."""
        if self._published:
            async with self._store.transaction() as session:
                await self._mark_sent(session)

    async def run(self) -> None:
        """Relay until stopped; back off while the broker is unreachable."""
        failures = 0
        while not self._stopping:
            try:
                sent = await self.relay_once()
                failures = 0
            except Exception as error:
                failures += 1
                log.warning("outbox relay could not publish", error=str(error), failures=failures)
                await asyncio.sleep(min(0.2 * 2**failures, 5.0))
                continue
            if sent < self._batch_size:
                await self._idle()

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._idle_seconds)
        self._wake.clear()
