"""A filed report ends what it answers: its reminders, overdue calls and (for the 首报) the incident's alert."""

from __future__ import annotations

from datetime import datetime

import structlog

from schemas.incident import ReportFiledV1
from schemas.notify import RunStopped
from services.notifier.domain.filing import answered_for_good, runs_answered_by
from services.notifier.domain.runs import Run
from services.notifier.handlers.starts import stop_run
from services.notifier.ports import Ports

__all__ = ["on_report_filed", "stop_answered"]

log = structlog.get_logger(__name__)

ANSWERED = "answered"


async def on_report_filed(event: ReportFiledV1, ports: Ports, now: datetime) -> None:
    """Stop every open run the report answers, in this transaction, and say which ones for the timeline
    (either version: what it reads is in both). What a 首报 or 终报 answers is remembered: a reminder that
    arrives after it starts no run, and a run about it that is due stops instead of firing (escalation.py)."""
    reason = f"{event.kind.label} filed by {event.filed_by}"
    await ports.answered.record_answered(answered_for_good(event.kind, event.incident_id), reason, now)
    for subject, subject_id in runs_answered_by(event.kind, event.incident_id):
        for run in await ports.runs.open_runs_for([subject_id], [subject]):
            await stop_answered(ports, now, run, reason)


async def stop_answered(ports: Ports, now: datetime, run: Run, reason: str) -> None:
    """Stop a run its filed report answered, and announce it for the timeline."""
    steps = max((track.next_step for track in await ports.tracks.tracks_of(run.id)), default=0)
    await stop_run(ports, now, run.id, ANSWERED)
    log.info("run stopped: its report was filed", run_id=run.id, subject=run.subject, subject_id=run.subject_id)
    stopped = RunStopped(
        unit_id=run.unit_id,
        run_id=run.id,
        subject=run.subject,
        subject_id=run.subject_id,
        steps_taken=steps,
        reason=reason,
        stopped_at=now,
    )
    await ports.outgoing.publish(stopped, run.subject_id)
