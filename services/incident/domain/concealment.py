"""Concealment (瞒报/漏报): an incident the unit should have reported that came to us another way.

Other systems report on `incident.intake` (the emergency-management link, the hotline, the city duty room);
the unit itself reports by SMS or HTTP. When an incident that came in from another source reaches its 首报
deadline with no 首报 from the unit, it is flagged: 漏报 (missed), or a 瞒报 candidate (concealed) when the
unit was reached about it (somebody there acknowledged the alert) and still reported nothing. A flag stays;
it is a candidate for a person to judge, not a verdict.
"""

from __future__ import annotations

from services.incident.domain.model import Concealment, Incident, Source

__all__ = ["OTHER_SOURCES", "concealment_of"]

OTHER_SOURCES = frozenset({Source.KAFKA})


def concealment_of(incident: Incident) -> Concealment | None:
    """The flag an incident earns at its 首报 deadline, if any."""
    if incident.source not in OTHER_SOURCES or incident.first_reported_at is not None:
        return None
    return Concealment.CONCEALED if incident.acknowledged_at is not None else Concealment.MISSED
