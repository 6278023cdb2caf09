"""Concealment (瞒报/漏报): an incident the unit should have reported that came to us another way.

Who told us is the incident's `Origin`: the unit itself (its officers by SMS, its own token over HTTP), or
another source: the emergency-management link, a hotline or the city duty room on `incident.intake`, or over
HTTP a token that is not the unit's own (one allowed for every unit, or the parent bureau's). When an
incident from another source reaches its 首报 deadline with no 首报 from the unit, it is flagged: 漏报
(missed), or a 瞒报 candidate (concealed) when the unit was reached about it (somebody there acknowledged the
alert) and still reported nothing. A flag stays; it is a candidate for a person to judge, not a verdict.
"""

from __future__ import annotations

from collections.abc import Set

from schemas.values import Origin
from services.incident.domain.model import Concealment, Incident

__all__ = ["concealment_of", "origin_on_intake", "origin_over_http"]


def origin_on_intake(declared: Origin | None) -> Origin:
    """Who sent a report on `incident.intake`: what it says, or (saying nothing) the emergency-management link."""
    return declared or Origin.EMERGENCY_MANAGEMENT


def origin_over_http(declared: Origin | None, parent_id: str | None, token_units: Set[str] | None) -> Origin:
    """Who reports over HTTP, from the token (`token_units`: the units it may act for, None for every unit).

    A token limited to units that do not include the unit's parent is the unit's own: it reports as the unit,
    whatever it says (a unit cannot report its own incident as somebody else's). Any other token (every
    unit's: the city duty room, a hotline system; or the parent bureau's) is another source: what it says it
    is, or else `other` (every unit's) or `parent_bureau`.
    """
    if token_units is not None and (parent_id is None or parent_id not in token_units):
        return Origin.UNIT
    if declared is not None:
        return declared
    return Origin.OTHER if token_units is None else Origin.PARENT_BUREAU


def concealment_of(incident: Incident) -> Concealment | None:
    """The flag an incident earns at its 首报 deadline, if any."""
    if incident.origin is Origin.UNIT or incident.first_reported_at is not None:
        return None
    return Concealment.CONCEALED if incident.acknowledged_at is not None else Concealment.MISSED
