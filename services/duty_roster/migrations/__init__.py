"""The roster's schema revisions; the first is the baseline, the schema of before migrations."""

from services.duty_roster.adapters.tables import RosterTables
from services.runtime.migrations import Migrations

MIGRATIONS = Migrations("duty_roster", RosterTables)
