"""The ports of one transaction: the service's repositories over its tables, and the runtime's outbox publisher."""

from __future__ import annotations

from services.directory.adapters import SqlDirectory
from services.rounds.adapters.records import SqlRecords
from services.rounds.adapters.tables import RoundsTables
from services.rounds.ports import Ports
from services.runtime.outgoing import Outgoing
from services.runtime.session import Session

__all__ = ["rounds_ports"]


def rounds_ports(tables: RoundsTables, session: Session, outgoing: Outgoing) -> Ports:
    return Ports(
        directory=SqlDirectory(session, tables.directory),
        rounds=SqlRecords(session, tables.rounds),
        hazards=SqlRecords(session, tables.hazards),
        leaves=SqlRecords(session, tables.leaves),
        warnings=SqlRecords(session, tables.warnings),
        spot_checks=SqlRecords(session, tables.spot_checks),
        outgoing=outgoing,
    )
