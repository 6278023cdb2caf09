"""The roster in force: the newest imported file plus the overrides entered since."""

from __future__ import annotations

from datetime import date

import structlog

from services.duty_roster.adapters.roster_file import parse_roster
from services.duty_roster.domain import HolidayCalendar, Roster, RosterIndex
from services.duty_roster.ports import Ports
from services.runtime.unit_of_work import UnitOfWork

__all__ = ["RosterInForce"]

log = structlog.get_logger(__name__)


class RosterInForce:
    """Parsed once per change: reloaded when a newer file version or a new override appears in the store."""

    def __init__(self, work: UnitOfWork[Ports], calendar: HolidayCalendar) -> None:
        self._work, self._calendar = work, calendar
        self.version: int | None = None
        self._override_id: int | None = None
        empty = RosterIndex(Roster({}, (), date.min, date.min), calendar)
        self.file_index, self.index = empty, empty

    async def refresh(self) -> RosterIndex:
        async with self._work() as ports:
            versions, overrides = ports.versions, ports.overrides
            if (await versions.latest_id(), await overrides.latest_id()) == (self.version, self._override_id):
                return self.index
            latest, entered, override_id = await versions.latest(), await overrides.all(), await overrides.latest_id()
        if latest is None:
            return self.index
        # The file was checked when it was imported: here it is only read, so that a later calendar or code change can
        # never leave the service with no roster at all.
        parsed = parse_roster(latest.text)
        if parsed.issues:
            log.warning("the stored roster reads with problems", issues=[str(issue) for issue in parsed.issues])
        if parsed.roster is not None:
            file_index = RosterIndex(parsed.roster, self._calendar)
            self.file_index, self.index = file_index, file_index.with_overrides(entered)
        self.version, self._override_id = latest.id, override_id
        return self.index
