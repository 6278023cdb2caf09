"""The rounds service's schema revisions; the first is its baseline."""

from services.rounds.adapters.tables import RoundsTables
from services.runtime.migrations import Migrations

MIGRATIONS = Migrations("rounds", RoundsTables)
