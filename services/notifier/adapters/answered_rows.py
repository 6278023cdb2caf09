"""What filed reports answered for good: the run subjects (a 首报's reminders and alert, a 终报's) that no run
may start or fire for again, whatever order the events that start them arrive in."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select

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
        answered = self.t.answered.c
        query = select(answered.subject, answered.subject_id).where(
            answered.subject_id.in_({subject_id for _, subject_id in subjects})
        )
        found = {(row.subject, row.subject_id) for row in (await self.session.execute(query)).all()}
        return found & set(subjects)
