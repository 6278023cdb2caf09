"""The incident service's schema revisions; the first is the baseline, the schema of before migrations."""

from services.incident.adapters.tables import Tables
from services.runtime.migrations import Migrations

MIGRATIONS = Migrations("incident", Tables)
