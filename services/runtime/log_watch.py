"""Whether the broker still holds what this service published to it.

The embedded broker keeps its log in memory: one that exits and is started again (a new incarnation) holds
none of what was published to the one before, though the outbox had marked it sent. So the relay records,
per partition, the offset of the first record of the last batch it published there, and the broker's cluster
id; a broker whose cluster id differs, or whose log ends at or before such an offset, has lost events, and the
relay publishes its retained rows again (`services/runtime/outbox_relay.py`). On Apache Kafka the same check fires
when a topic was deleted and recreated, or after an unclean leader election cut a partition's log short.

Why the first record of the batch and not the last: the embedded broker (Tansu 0.6, memory engine) answers
a partition's end offset as its last batch's first offset + 1, not its last record's + 1. Each publish
waits for the one before, so a batch of ours starts a batch of the log, and a log holding it ends after it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy import Column, Integer, MetaData, String, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from services.runtime.store import Session

__all__ = ["CHECK_EVERY_S", "LogState", "LogWatch", "ProbeLog", "Published", "PublishedPositions"]

log = structlog.get_logger(__name__)

Partition = tuple[str, int]
CHECK_EVERY_S = 5.0


@dataclass(frozen=True)
class Published:
    """Where the broker put one record."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class LogState:
    """The broker as it is now: its cluster id, and where each asked-for partition's log ends (the offset the
    next record gets); a partition that does not exist is left out."""

    cluster_id: str
    end_offsets: Mapping[Partition, int]


class ProbeLog(Protocol):
    async def __call__(self, partitions: Sequence[Partition]) -> LogState:
        """The broker's state for `partitions`; raises when the broker does not answer."""
        ...


class PublishedPositions:
    """The `outbox_positions` table: per partition, the offset of the first record of this service's last batch
    there, and the cluster id of the broker that took it."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            "outbox_positions",
            metadata,
            Column("topic", String(100), primary_key=True),
            Column("partition", Integer, primary_key=True, autoincrement=False),
            Column("batch_offset", Integer, nullable=False),
            Column("cluster_id", String(100), nullable=False),
        )
        self._upsert = {
            "postgresql": _upserted(postgresql.insert(self.table)),
            "sqlite": _upserted(sqlite.insert(self.table)),
        }

    async def load(self, session: Session) -> dict[Partition, tuple[int, str]]:
        rows = await session.execute(select(self.table))
        return {(row.topic, row.partition): (row.batch_offset, row.cluster_id) for row in rows}

    async def record(self, session: Session, positions: Mapping[Partition, int], cluster_id: str) -> None:
        rows = [
            {"topic": topic, "partition": partition, "batch_offset": offset, "cluster_id": cluster_id}
            for (topic, partition), offset in positions.items()
        ]
        if rows:
            await session.insert(self._upsert[session.dialect], rows)

    async def forget(self, session: Session) -> None:
        await session.execute(delete(self.table))


def _upserted(statement: postgresql.Insert | sqlite.Insert) -> postgresql.Insert | sqlite.Insert:
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["topic", "partition"],
        set_={"batch_offset": excluded.batch_offset, "cluster_id": excluded.cluster_id},
    )


def lost_because(known: Mapping[Partition, tuple[int, str]], state: LogState) -> str | None:
    """Why the broker in `state` no longer holds what `known` says was published to it; None if it does."""
    for (topic, partition), (batch_offset, cluster_id) in known.items():
        if cluster_id != state.cluster_id:
            return f"a new broker (cluster id {state.cluster_id}, was {cluster_id})"
        end = state.end_offsets.get((topic, partition))
        if end is None:
            return f"{topic}[{partition}] is gone"
        if end <= batch_offset:
            return f"{topic}[{partition}] ends at {end}, without the record at {batch_offset} this service published"
    return None


class LogWatch:
    """The relay's view of the broker's log: probed when `check_soon` asked for it and every `every_s`; a
    record placed before an offset already published to its partition also tells."""

    def __init__(self, positions: PublishedPositions, probe: ProbeLog, every_s: float) -> None:
        self._positions = positions
        self._probe = probe
        self._every_s = every_s
        self._known: dict[Partition, tuple[int, str]] = {}
        self._unsaved: dict[Partition, int] = {}
        self._cluster_id = ""
        self._next_check = 0.0
        self._lost: str | None = None

    async def load(self, session: Session) -> None:
        self._known = await self._positions.load(session)

    def check_soon(self) -> None:
        """Something failed on the way to the broker: it may be a new one; check before the next publish."""
        self._next_check = 0.0

    async def lost(self) -> str | None:
        """Why the broker lost published records, or None. Probed when a check is due, and before the retained
        rows go out again, so that their positions are recorded under the new broker's cluster id."""
        if self._lost is not None or time.monotonic() >= self._next_check:
            state = await self._probe(list(self._known))
            self._cluster_id = state.cluster_id
            self._lost = self._lost or lost_because(self._known, state)
            self._next_check = time.monotonic() + self._every_s
        return self._lost

    def placed(self, records: Sequence[Published]) -> None:
        """Note where the broker put what one publish sent (saved with the next `save`)."""
        first: dict[Partition, int] = {}
        for record in records:
            first.setdefault((record.topic, record.partition), record.offset)
        for where, offset in first.items():
            known = self._known.get(where)
            if known is not None and offset <= known[0] and self._lost is None:
                self._lost = f"{where[0]}[{where[1]}] placed a record at {offset}, where {known[0]} was published"
            self._unsaved[where] = offset

    async def save(self, session: Session) -> None:
        if self._unsaved:
            await self._positions.record(session, self._unsaved, self._cluster_id)
            self._known.update({where: (offset, self._cluster_id) for where, offset in self._unsaved.items()})
            self._unsaved = {}

    async def start_over(self, session: Session) -> None:
        """The retained rows are about to go out again: forget every position, the lost log's included."""
        await self._positions.forget(session)
        self._known = {}
        self._unsaved = {}
        self._lost = None
