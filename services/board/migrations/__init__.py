"""The board's schema revisions (its read model); the first is its baseline."""

from services.board.adapters.tables import Tables
from services.runtime.migrations import Migrations

MIGRATIONS = Migrations("board", Tables)
