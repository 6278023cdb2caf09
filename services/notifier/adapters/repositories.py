"""The notifier's ports on its database: `sql_ports(session, …)` hands a handler everything bound to one
transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.notifier.adapters.answered_rows import SqlAnswered
from services.notifier.adapters.attempt_rows import SqlAttempts
from services.notifier.adapters.broadcasts import SqlBroadcasts
from services.notifier.adapters.directory import Directory
from services.notifier.adapters.metrics import PrometheusEscalationMetrics
from services.notifier.adapters.outgoing import OutboxOutgoing
from services.notifier.adapters.reply_rows import SqlInboundTexts, SqlReplyCodes
from services.notifier.adapters.runs import SqlRuns
from services.notifier.adapters.tables import NotifierTables
from services.notifier.adapters.tracks import SqlTracks
from services.notifier.domain import PolicyBook
from services.notifier.ports import Ports
from services.runtime.outbox import Outbox
from services.runtime.store import Session

__all__ = ["sql_ports"]

METRICS = PrometheusEscalationMetrics()


def sql_ports(
    session: Session, tables: NotifierTables, outbox: Outbox, policies: PolicyBook, clock: Callable[[], datetime]
) -> Ports:
    return Ports(
        runs=SqlRuns(session, tables),
        tracks=SqlTracks(session, tables),
        attempts=SqlAttempts(session, tables),
        codes=SqlReplyCodes(session, tables),
        inbound=SqlInboundTexts(session, tables),
        answered=SqlAnswered(session, tables),
        broadcasts=SqlBroadcasts(session, tables),
        directory=Directory(session, tables),
        outgoing=OutboxOutgoing(session, outbox, clock),
        policies=policies,
        metrics=METRICS,
    )
