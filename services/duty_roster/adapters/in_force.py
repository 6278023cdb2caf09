"""The roster's database handle, and the roster in force: the newest imported file plus the overrides entered since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import structlog
from sqlalchemy import MetaData

from services.duty_roster.adapters.roster_file import parse_roster
from services.duty_roster.adapters.store import RosterTables, SqlOverrideLog, SqlRosterVersions
from services.duty_roster.domain import HolidayCalendar, Roster, RosterIndex
from services.duty_roster.migrations import MIGRATIONS
from services.duty_roster.settings import Settings
from services.runtime.inbox import Inbox
from services.runtime.outbox import Outbox
from services.runtime.store import Store

__all__ = ["RosterInForce", "RosterStore"]

log = structlog.get_logger(__name__)


@dataclass
class RosterStore:
    """The roster's database: its tables, the outbox and the inbox on one metadata."""

    store: Store
    tables: RosterTables
    outbox: Outbox
    inbox: Inbox

    @classmethod
    def open(cls, settings: Settings) -> RosterStore:
        metadata = MetaData()
        tables, outbox, inbox = RosterTables(metadata), Outbox(metadata), Inbox(metadata)
        return cls(Store(settings.database, metadata, upgrade=MIGRATIONS.upgrade), tables, outbox, inbox)


class RosterInForce:
    """Parsed once per change: reloaded when a newer file version or a new override appears in the store."""

    def __init__(self, db: RosterStore, calendar: HolidayCalendar) -> None:
        self._db, self._calendar = db, calendar
        self.version: int | None = None
        self._override_id: int | None = None
        empty = RosterIndex(Roster({}, (), date.min, date.min), calendar)
        self.file_index, self.index = empty, empty

    async def refresh(self) -> RosterIndex:
        async with self._db.store.transaction() as session:
            versions, overrides = SqlRosterVersions(session, self._db.tables), SqlOverrideLog(session, self._db.tables)
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
