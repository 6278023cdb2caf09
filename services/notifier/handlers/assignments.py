"""An incident handed over to other people: its open alerts reach them from their next step on."""

from __future__ import annotations

from datetime import datetime

import structlog

from schemas.incident import IncidentAssigned
from schemas.notify import RunSubject
from services.notifier.handlers.starts import contact, only_filled
from services.notifier.ports import Ports

__all__ = ["on_incident_assigned"]

log = structlog.get_logger(__name__)

# The runs that alert the incident's own people; report deliveries go to the recipients, whoever is on duty.
ALERTS = (RunSubject.INCIDENT, RunSubject.REPORT_DUE, RunSubject.REPORT_OVERDUE)


async def on_incident_assigned(event: IncidentAssigned, ports: Ports, now: datetime) -> None:
    """The outgoing officer and leader are no longer alerted about it; the incoming ones are, in their place."""
    incoming = only_filled({"officer": contact(event.officer), "leader": contact(event.leader)})
    if not incoming:
        return
    runs = [run for run in await ports.runs.runs_for_incident(event.incident_id) if run.state == "open"]
    for run in runs:
        if run.subject not in ALERTS:
            continue
        for track in await ports.tracks.tracks_of(run.id):
            contacts = track.contacts
            # The assignment at intake names the people the alert already has: nothing to write for them.
            moved = {role: person for role, person in incoming.items() if role in contacts and contacts[role] != person}
            if moved:
                await ports.tracks.set_contacts(track.id, {**contacts, **moved})
                log.info("alert moved to the incoming shift", run_id=run.id, reason=event.reason)
