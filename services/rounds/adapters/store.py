"""The service's database: its tables beside the runtime's outbox and inbox, and the ports of one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import MetaData

from services.directory.adapters import SqlDirectory
from services.incident.adapters.outgoing import OutboxOutgoing
from services.rounds.adapters.records import SqlRecords
from services.rounds.adapters.tables import RoundsTables
from services.rounds.migrations import MIGRATIONS
from services.rounds.ports import Ports
from services.runtime.inbox import Inbox
from services.runtime.outbox import Outbox
from services.runtime.store import Session, Store

__all__ = ["RoundsDatabase"]


class RoundsDatabase(RoundsTables):
    """The store, its tables, and `ports(session)` to hand a handler everything bound to one transaction."""

    def __init__(self, url: str, producer: str, clock: Callable[[], datetime]) -> None:
        self.metadata = MetaData()
        super().__init__(self.metadata)
        self.outbox = Outbox(self.metadata)
        self.inbox = Inbox(self.metadata)
        self.store = Store(url, self.metadata, upgrade=MIGRATIONS.upgrade)
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
