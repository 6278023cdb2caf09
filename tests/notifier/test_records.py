"""The typed rows the repositories hand over match their tables column for column (they convert positionally)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import MetaData, Table

from services.notifier.adapters.tables import NotifierTables
from services.notifier.domain.attempts import Attempt
from services.notifier.domain.broadcasts import Broadcast
from services.notifier.domain.codes import ReplyCode
from services.notifier.domain.runs import Run, Track

TABLES = NotifierTables(MetaData())


@pytest.mark.parametrize(
    ("record", "table"),
    [(Run, TABLES.runs), (Track, TABLES.tracks), (Attempt, TABLES.attempts), (ReplyCode, TABLES.reply_codes),
     (Broadcast, TABLES.broadcasts)],
)  # fmt: skip
def test_record_fields_are_the_table_columns_in_order(record: type, table: Table) -> None:
    """A row converts by position, so a column added to a table must be added to its record at the same place."""
    assert [field.name for field in dataclasses.fields(record)] == [column.name for column in table.columns]
