"""The ports of one transaction: the board's read model over its tables."""

from __future__ import annotations

from services.board.adapters.read_model import SqlBroadcasts, SqlCheckIns, SqlIncidents
from services.board.adapters.tables import Tables
from services.board.ports import Ports
from services.directory.adapters import SqlDirectory
from services.runtime.outgoing import Outgoing
from services.runtime.session import Session

__all__ = ["board_ports"]


def board_ports(tables: Tables, session: Session, _outgoing: Outgoing) -> Ports:
    """The board publishes nothing itself (actions go to the owning services' APIs): its outbox stays empty."""
    return Ports(
        directory=SqlDirectory(session, tables.directory),
        check_ins=SqlCheckIns(session, tables),
        incidents=SqlIncidents(session, tables),
        broadcasts=SqlBroadcasts(session, tables),
    )
