"""The ports of one transaction: the service's repositories over its tables, and the runtime's outbox publisher."""

from __future__ import annotations

from services.directory.adapters import SqlDirectory
from services.incident.adapters.checkin_store import SqlCheckIns
from services.incident.adapters.draft_store import SqlDrafts
from services.incident.adapters.handover_store import SqlHandovers
from services.incident.adapters.incident_store import SqlIncidents, SqlSearch
from services.incident.adapters.report_store import SqlDeadlines, SqlReports
from services.incident.adapters.tables import Tables
from services.incident.ports import Ports
from services.runtime.outgoing import Outgoing
from services.runtime.session import Session

__all__ = ["incident_ports"]


def incident_ports(tables: Tables, session: Session, outgoing: Outgoing) -> Ports:
    return Ports(
        directory=SqlDirectory(session, tables.directory),
        incidents=SqlIncidents(session, tables),
        deadlines=SqlDeadlines(session, tables),
        reports=SqlReports(session, tables),
        search=SqlSearch(session, tables),
        outgoing=outgoing,
        checkins=SqlCheckIns(session, tables),
        handovers=SqlHandovers(session, tables),
        drafts=SqlDrafts(session, tables),
    )
