"""The service's database: its tables beside the runtime's outbox and inbox, and the ports of one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import MetaData

from services.incident.adapters.outgoing import OutboxOutgoing
from services.rounds.adapters.directory_store import DirectoryTables, SqlDirectory
from services.rounds.adapters.records import RecordTable, SqlRecords
from services.rounds.domain import Hazard, Leave, Round, SpotCheck, WarningRecord
from services.rounds.ports import Ports
from services.runtime.inbox import Inbox
from services.runtime.outbox import Outbox
from services.runtime.store import Session, Store

__all__ = ["RoundsDatabase"]


class RoundsDatabase:
    """The store, its tables, and `ports(session)` to hand a handler everything bound to one transaction."""

    def __init__(self, url: str, producer: str, clock: Callable[[], datetime]) -> None:
        self.metadata = MetaData()
        self.directory = DirectoryTables(self.metadata)
        self.rounds = RecordTable(self.metadata, "rounds", Round, lambda each: each.due_at)
        self.hazards = RecordTable(self.metadata, "hazards", Hazard, lambda each: each.found_at)
        self.leaves = RecordTable(self.metadata, "leaves", Leave, lambda each: each.left_at)
        self.warnings = RecordTable(self.metadata, "warnings", WarningRecord, lambda each: each.received_at)
        self.spot_checks = RecordTable(self.metadata, "spot_checks", SpotCheck, lambda each: each.at)
        self.outbox = Outbox(self.metadata)
        self.inbox = Inbox(self.metadata)
        self.store = Store(url, self.metadata)
        self._producer = producer
        self._clock = clock

    def ports(self, session: Session) -> Ports:
        return Ports(
            directory=SqlDirectory(session, self.directory),
            rounds=SqlRecords(session, self.rounds),
            hazards=SqlRecords(session, self.hazards),
            leaves=SqlRecords(session, self.leaves),
            warnings=SqlRecords(session, self.warnings),
            spot_checks=SqlRecords(session, self.spot_checks),
            outgoing=OutboxOutgoing(session, self.outbox, self._producer, self._clock),
        )
