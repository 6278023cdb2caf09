"""The board's database: its read-model tables beside the runtime's outbox and inbox."""

from __future__ import annotations

from sqlalchemy import MetaData

from services.board.adapters.read_model import SqlBroadcasts, SqlCheckIns, SqlIncidents
from services.board.adapters.tables import Tables
from services.board.migrations import MIGRATIONS
from services.board.ports import Ports
from services.directory.adapters import SqlDirectory
from services.runtime.inbox import Inbox
from services.runtime.outbox import Outbox
from services.runtime.store import Session, Store

__all__ = ["BoardDatabase"]


class BoardDatabase:
    """The store, its tables, and `ports(session)` to hand a handler the read model of one transaction."""

    def __init__(self, url: str) -> None:
        self.metadata = MetaData()
        self.tables = Tables(self.metadata)
        # The board publishes nothing itself (actions go to the owning services' APIs); the runtime's relay
        # still wants an outbox, and it stays empty.
        self.outbox = Outbox(self.metadata)
        self.inbox = Inbox(self.metadata)
        self.store = Store(url, self.metadata, upgrade=MIGRATIONS.upgrade)

    def ports(self, session: Session) -> Ports:
        return Ports(
            directory=SqlDirectory(session, self.tables.directory),
            check_ins=SqlCheckIns(session, self.tables),
            incidents=SqlIncidents(session, self.tables),
            broadcasts=SqlBroadcasts(session, self.tables),
        )
