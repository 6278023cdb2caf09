"""In-memory fakes of the incident service's ports, and a clock tests can move. Tests use these, not mocks."""

from __future__ import annotations

from services.directory.testing import MemoryDirectory
from services.incident.ports import Ports
from services.incident.testing.duty import MemoryCheckIns, MemoryHandovers
from services.incident.testing.incidents import MemoryIncidents, MemorySearch
from services.incident.testing.reports import MemoryDeadlines, MemoryDrafts, MemoryReports
from services.runtime.testing import ManualClock, MemoryOutgoing

__all__ = [
    "ManualClock",
    "MemoryCheckIns",
    "MemoryDeadlines",
    "MemoryDirectory",
    "MemoryDrafts",
    "MemoryHandovers",
    "MemoryIncidents",
    "MemoryOutgoing",
    "MemoryReports",
    "MemorySearch",
    "memory_ports",
]


def memory_ports() -> Ports:
    incidents = MemoryIncidents()
    return Ports(
        directory=MemoryDirectory(),
        incidents=incidents,
        deadlines=MemoryDeadlines(),
        reports=MemoryReports(),
        search=MemorySearch(incidents),
        outgoing=MemoryOutgoing(),
        checkins=MemoryCheckIns(),
        handovers=MemoryHandovers(),
        drafts=MemoryDrafts(),
    )
