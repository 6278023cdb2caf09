"""The outbox relay: publishes pending outbox rows (`services/runtime/outbox.py`) to Kafka in order, marks them
sent, and publishes the retained ones again to a broker that lost its log."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from services.runtime.log_watch import CHECK_EVERY_S, LogWatch, ProbeLog
from services.runtime.outbox import Outbox, OutgoingRecord, PublishRecords
from services.runtime.relay_lease import Holding
from services.runtime.store import Session, Store

__all__ = ["OutboxRelay"]

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
RETENTION = timedelta(hours=24)
PRUNE_EVERY = timedelta(minutes=1)


class OutboxRelay:
    """Publishes pending outbox rows in order and marks them sent; never holds a transaction open on I/O.

    `probe` tells whether the broker still holds what was published (None: a broker that never loses its
    log), asked on the first pass, after a failed publish and every `check_every_s`; rows sent within
    `retention` are kept to publish again to one that did. Woken by a commit, it waits `gather_s` before it claims,
    so that what commits meanwhile leaves in the same batch: for events no alert waits on, fewer and larger
    batches cost the relay fewer transactions and the broker fewer batches to keep.
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
        gather_s: float = 0.0,
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
        self._gather_s = gather_s
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
        async with self._store.transaction(durable=False) as session:
            await self._mark_sent(session)
            rows = await self._claim_as_holder(session, lost)
        if not rows:
            return 0
        ids = [row.id for row in rows]
        try:
            placed = await self._publish([OutgoingRecord(row.topic, row.key.encode(), row.value) for row in rows])
        except BaseException:
            # Cancelled too: left claimed, the rows would wait out their lease before anyone sends them.
            async with self._store.transaction(durable=False) as session:
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
        async with self._store.transaction(durable=False) as session:
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
        async with self._store.transaction(durable=False) as session:
            await self._outbox.relay_lease.hand_back(session, self._holder, self._clock())

    async def mark_published(self) -> None:
        """Mark what was published as sent now, not with the next batch (before stopping)."""
        if self._published:
            async with self._store.transaction(durable=False) as session:
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
        if self._wake.is_set() and self._gather_s and not self._stopping:
            await asyncio.sleep(self._gather_s)
        self._wake.clear()
