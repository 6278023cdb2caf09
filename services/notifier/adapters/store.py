"""The ports of one transaction: the notifier's repositories over its tables, and the runtime's outbox publisher."""

from __future__ import annotations

from services.directory.adapters import SqlDirectory
from services.notifier.adapters.answered_rows import SqlAnswered
from services.notifier.adapters.attempt_rows import SqlAttempts
from services.notifier.adapters.broadcasts import SqlBroadcasts
from services.notifier.adapters.directory import Directory
from services.notifier.adapters.reply_rows import SqlInboundTexts, SqlReplyCodes
from services.notifier.adapters.runs import SqlRuns
from services.notifier.adapters.tables import NotifierTables
from services.notifier.adapters.tracks import SqlTracks
from services.notifier.domain import PolicyBook
from services.notifier.ports import EscalationMetrics, Ports
from services.runtime.outgoing import Outgoing
from services.runtime.session import Session

__all__ = ["notifier_ports"]


def notifier_ports(
    tables: NotifierTables,
    session: Session,
    outgoing: Outgoing,
    *,
    policies: PolicyBook,
    metrics: EscalationMetrics,
) -> Ports:
    """The backend binds `policies` and `metrics` (they are the process's, not the transaction's)."""
    return Ports(
        runs=SqlRuns(session, tables),
        tracks=SqlTracks(session, tables),
        attempts=SqlAttempts(session, tables),
        codes=SqlReplyCodes(session, tables),
        inbound=SqlInboundTexts(session, tables),
        answered=SqlAnswered(session, tables),
        broadcasts=SqlBroadcasts(session, tables),
        directory=Directory(SqlDirectory(session, tables.directory)),
        outgoing=outgoing,
        policies=policies,
        metrics=metrics,
    )
