"""An incident handed over to other people: its open alerts reach them from their next step on."""

from __future__ import annotations

import structlog

from schemas.incident import IncidentAssigned
from schemas.notify import RunSubject
from services.notifier.handlers.starts import contact, only_filled
from services.notifier.handlers.work import Work

__all__ = ["on_incident_assigned"]

log = structlog.get_logger(__name__)

# The runs that alert the incident's own people; report deliveries go to the recipients, whoever is on duty.
ALERTS = (RunSubject.INCIDENT, RunSubject.REPORT_DUE, RunSubject.REPORT_OVERDUE)


async def on_incident_assigned(work: Work, event: IncidentAssigned) -> None:
    """The outgoing officer and leader are no longer alerted about it; the incoming ones are, in their place."""
    incoming = only_filled({"officer": contact(event.officer), "leader": contact(event.leader)})
    if not incoming:
        return
    runs = [run for run in await work.runs.runs_for_incident(event.incident_id) if run.state == "open"]
    for run in runs:
        if run.subject not in ALERTS:
            continue
        for track in await work.runs.tracks_of(run.id):
            contacts = track.contacts
            moved = {role: incoming[role] for role in incoming if role in contacts}
            if moved:
                await work.runs.set_contacts(track.id, {**contacts, **moved})
                log.info("alert moved to the incoming shift", run_id=run.id, reason=event.reason)
