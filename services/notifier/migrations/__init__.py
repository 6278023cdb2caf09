"""The notifier's schema revisions; the first is the baseline, the schema of before migrations."""

from services.notifier.adapters.tables import NotifierTables
from services.runtime.migrations import Migrations

MIGRATIONS = Migrations("notifier", NotifierTables)
