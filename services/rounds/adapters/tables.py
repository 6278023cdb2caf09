"""The rounds service's own tables."""

from __future__ import annotations

from sqlalchemy import MetaData

from services.directory.tables import DirectoryTables
from services.rounds.adapters.records import RecordTable
from services.rounds.domain import Hazard, Leave, Round, SpotCheck, WarningRecord

__all__ = ["RoundsTables"]


class RoundsTables:
    """The service's own tables on `metadata` (the runtime adds outbox and inbox beside them)."""

    def __init__(self, metadata: MetaData) -> None:
        self.directory = DirectoryTables(metadata)
        self.rounds = RecordTable(metadata, "rounds", Round, lambda each: each.due_at)
        self.hazards = RecordTable(metadata, "hazards", Hazard, lambda each: each.found_at)
        self.leaves = RecordTable(metadata, "leaves", Leave, lambda each: each.left_at)
        self.warnings = RecordTable(metadata, "warnings", WarningRecord, lambda each: each.received_at)
        self.spot_checks = RecordTable(metadata, "spot_checks", SpotCheck, lambda each: each.at)
