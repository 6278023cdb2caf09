"""What filed reports answered for good: the run subjects (a 首报's reminders and alert, a 终报's) that no run
may start or fire for again, whatever order the events that start them arrive in."""

from __future__ import annotations

import functools
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, select

from services.notifier.adapters.tables import Rows
from services.notifier.domain.filing import Subject
from services.runtime.store import insert_into

__all__ = ["SqlAnswered"]


class SqlAnswered(Rows):
    """Implements `ports.Answered`."""

    async def record_answered(self, subjects: Collection[Subject], reason: str, now: datetime) -> None:
        """Remember that these subjects are answered (a second filing of the same changes nothing)."""
        new = set(subjects) - await self.answered_among(subjects)
        if new:
            rows = [
                {"subject": subject, "subject_id": subject_id, "reason": reason[:200], "answered_at": now}
                for subject, subject_id in sorted(new)
            ]
            await self.session.execute(insert_into(self.t.answered), rows)

    async def answered_among(self, subjects: Collection[Subject]) -> set[Subject]:
        """Which of these subjects a filed report has answered."""
        if not subjects:
            return set()
        subject_ids = sorted({subject_id for _, subject_id in subjects})
        rows = await self.session.fetch(_answered_among(self.t.answered), {"subject_ids": subject_ids})
        return {(row.subject, row.subject_id) for row in rows} & set(subjects)


# On the path of every escalation start, built once: building a statement costs several times running it.
@functools.cache
def _answered_among(answered: Table) -> Select[Any]:
    columns = answered.c
    return select(columns.subject, columns.subject_id).where(
        columns.subject_id.in_(bindparam("subject_ids", expanding=True))
    )
