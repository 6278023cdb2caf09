"""The service's database: its tables beside the runtime's outbox and inbox, and the ports of one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import MetaData

from services.directory.adapters import SqlDirectory
from services.incident.adapters.checkin_store import SqlCheckIns
from services.incident.adapters.draft_store import SqlDrafts
from services.incident.adapters.handover_store import SqlHandovers
from services.incident.adapters.incident_store import SqlIncidents, SqlSearch
from services.incident.adapters.outgoing import OutboxOutgoing
from services.incident.adapters.report_store import SqlDeadlines, SqlReports
from services.incident.adapters.tables import Tables
from services.incident.migrations import MIGRATIONS
from services.incident.ports import Ports
from services.runtime.inbox import Inbox
from services.runtime.outbox import Outbox
from services.runtime.store import Session, Store

__all__ = ["IncidentDatabase"]


class IncidentDatabase:
    """The store, its tables, and `ports(session)` to hand a handler everything bound to one transaction."""

    def __init__(self, url: str, producer: str, clock: Callable[[], datetime]) -> None:
        self.metadata = MetaData()
        self.tables = Tables(self.metadata)
        self.outbox = Outbox(self.metadata)
        self.inbox = Inbox(self.metadata)
        self.store = Store(url, self.metadata, upgrade=MIGRATIONS.upgrade)
        self._producer = producer
        self._clock = clock

    def ports(self, session: Session) -> Ports:
        return Ports(
            directory=SqlDirectory(session, self.tables.directory),
            incidents=SqlIncidents(session, self.tables),
            deadlines=SqlDeadlines(session, self.tables),
            reports=SqlReports(session, self.tables),
            search=SqlSearch(session, self.tables),
            outgoing=OutboxOutgoing(session, self.outbox, self._producer, self._clock),
            checkins=SqlCheckIns(session, self.tables),
            handovers=SqlHandovers(session, self.tables),
            drafts=SqlDrafts(session, self.tables),
        )
