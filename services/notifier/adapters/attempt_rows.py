"""Notification attempts: written before a provider hears of them, updated with what it answered."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any  # SQLAlchemy's statements are Select[Any], its rows untyped tuples of the columns

from sqlalchemy import Select, Table, Update, bindparam, select, update

from services.notifier.adapters.tables import Rows
from services.notifier.domain.attempts import Attempt, NewAttempt
from services.runtime.store import first_row, insert_into, row_by_key

__all__ = ["SqlAttempts"]


def as_attempt(row: Any) -> Attempt:
    """An `attempts` row (SQLAlchemy's or the SQLite fast path's, both tuples in column order) as an Attempt."""
    return Attempt(*row)


class SqlAttempts(Rows):
    """Implements `ports.Attempts`: `dispatching` with a lease while a provider is called."""

    async def add_attempts(self, attempts: Sequence[NewAttempt], now: datetime) -> list[str]:
        """Insert many attempts in one statement; returns their ids in order."""
        ids = [str(uuid.uuid4()) for _ in attempts]
        if attempts:
            rows = [
                {"id": attempt_id, "status": "pending", "status_rank": -1, "dispatches": 0, "created_at": now,
                 "not_before": now, "provider": None, "provider_ref": None, "error_code": None, "error": None,
                 "sent_at": None, "finished_at": None, **attempt.__dict__}
                for attempt_id, attempt in zip(ids, attempts, strict=True)
            ]  # fmt: skip
            await self.session.insert(insert_into(self.t.attempts), rows)
        return ids

    async def add_attempt(self, attempt: NewAttempt, now: datetime) -> str:
        attempt_id = str(uuid.uuid4())
        row = {
            "id": attempt_id,
            "status": "pending",
            "status_rank": -1,
            "dispatches": 0,
            "created_at": now,
            "not_before": now,
            **attempt.__dict__,
        }
        await self.session.insert(insert_into(self.t.attempts), row)
        return attempt_id

    async def attempted_pairs(self, run_ids: Collection[str]) -> set[tuple[str, str]]:
        """(run id, number) of every attempt these runs already made."""
        rows = await self.session.fetch(_attempted_pairs(self.t.attempts), {"ids": list(run_ids)})
        return {(row.run_id, row.to) for row in rows}

    async def attempt(self, attempt_id: str) -> Attempt | None:
        row = await first_row(self.session, row_by_key(self.t.attempts, "id"), {"key": attempt_id})
        return None if row is None else as_attempt(row)

    async def attempts_of(self, run_id: str) -> list[Attempt]:
        query = select(self.t.attempts).where(self.t.attempts.c.run_id == run_id).order_by(self.t.attempts.c.created_at)
        return [as_attempt(row) for row in (await self.session.execute(query)).all()]

    async def claim_pending_attempts(self, now: datetime, limit: int, lease: timedelta) -> list[Attempt]:
        """Attempts to hand to a provider: new ones, and ones whose dispatcher died mid-call (lease ran out).
        Each as it was before this claim (its status says whether an earlier dispatcher had it)."""
        claimable, claim = _claimable(self.t.attempts), _claim(self.t.attempts)
        attempts = [as_attempt(row) for row in await self.session.fetch(claimable, {"now": now, "limit": limit})]
        if attempts:
            await self.session.change(claim, {"ids": [attempt.id for attempt in attempts], "until": now + lease})
        return attempts

    async def extend_leases(self, claims: Sequence[tuple[str, int]], until: datetime) -> None:
        if claims:
            values = [{"attempt_id": attempt_id, "claim": claim, "until": until} for attempt_id, claim in claims]
            await self.session.change(_extend_lease(self.t.attempts), values)

    async def statuses_of(self, attempt_ids: Collection[str]) -> dict[str, str]:
        rows = await self.session.fetch(_statuses(self.t.attempts), {"ids": list(attempt_ids)})
        return {row.id: row.status for row in rows}

    async def mark_sent(self, rows: Sequence[tuple[str, str, str, str, datetime]]) -> None:
        """(attempt id, status, provider, provider ref, sent at) for many attempts in one statement."""
        if not rows:
            return
        values = [{"attempt_id": a, "new_status": s, "by": p, "ref": r, "at": t} for a, s, p, r, t in rows]
        await self.session.change(_mark_sent(self.t.attempts), values)

    async def postpone_attempt(self, attempt_id: str, until: datetime) -> None:
        columns = self.t.attempts.c
        postponed = {"status": "pending", "not_before": until, "dispatches": columns.dispatches - 1}
        await self.session.execute(update(self.t.attempts).where(columns.id == attempt_id).values(postponed))

    async def sms_sent_to(self, phone: str, since: datetime) -> list[datetime]:
        attempts = self.t.attempts.c
        query = select(attempts.sent_at).where(
            attempts.to == phone, attempts.channel == "sms", attempts.sent_at.is_not(None), attempts.sent_at > since
        )
        return [row.sent_at for row in (await self.session.execute(query)).all()]

    async def record_status_rank(self, attempt_id: str, rank: int) -> None:
        """The rank of the latest status applied: an older one arriving later is ignored."""
        await self.session.change(_update_attempt(self.t.attempts), {"attempt_id": attempt_id, "status_rank": rank})

    async def mark_delivered(self, attempt_id: str, rank: int, at: datetime) -> None:
        values = {"attempt_id": attempt_id, "status_rank": rank, "status": "delivered", "finished_at": at}
        await self.session.change(_update_attempt(self.t.attempts), values)

    async def mark_failed(self, attempt_id: str, code: str, message: str, at: datetime) -> None:
        values = {"attempt_id": attempt_id, "status": "failed", "error_code": code, "error": message, "finished_at": at}
        await self.session.change(_update_attempt(self.t.attempts), values)

    async def cancel_pending_attempts(self, track_ids: Sequence[int], now: datetime) -> None:
        attempts = self.t.attempts.c
        await self.session.execute(
            update(self.t.attempts)
            .where(attempts.track_id.in_(track_ids), attempts.status == "pending")
            .values(status="canceled", finished_at=now)
        )

    async def attempt_by_ref(self, ref: str) -> Attempt | None:
        """The attempt a provider knows by `ref` (its message or call id)."""
        query = select(self.t.attempts).where(self.t.attempts.c.provider_ref == ref)
        row = (await self.session.execute(query)).first()
        return None if row is None else as_attempt(row)

    async def stuck_sms(self, before: datetime, limit: int) -> list[Attempt]:
        attempts = self.t.attempts.c
        query = (
            select(self.t.attempts)
            .where(attempts.channel == "sms", attempts.status == "sent", attempts.sent_at < before)
            .limit(limit)
        )
        return [as_attempt(row) for row in (await self.session.execute(query)).all()]


# Statements on the dispatch and webhook paths, built once: building one costs several times running it.
@functools.cache
def _update_attempt(attempts: Table) -> Update:
    return update(attempts).where(attempts.c.id == bindparam("attempt_id"))


@functools.cache
def _attempted_pairs(attempts: Table) -> Select[Any]:
    columns = attempts.c
    return select(columns.run_id, columns.to).where(columns.run_id.in_(bindparam("ids", expanding=True))).distinct()


@functools.cache
def _mark_sent(attempts: Table) -> Update:
    return (
        update(attempts)
        .where(attempts.c.id == bindparam("attempt_id"))
        .values(status=bindparam("new_status"), provider=bindparam("by"), provider_ref=bindparam("ref"),
                sent_at=bindparam("at"))
    )  # fmt: skip


@functools.cache
def _statuses(attempts: Table) -> Select[Any]:
    return select(attempts.c.id, attempts.c.status).where(attempts.c.id.in_(bindparam("ids", expanding=True)))


@functools.cache
def _extend_lease(attempts: Table) -> Update:
    columns = attempts.c
    return (
        update(attempts)
        .where(columns.id == bindparam("attempt_id"), columns.status == "dispatching",
               columns.dispatches == bindparam("claim"))
        .values(not_before=bindparam("until"))
    )  # fmt: skip


@functools.cache
def _claimable(attempts: Table) -> Select[Any]:
    columns = attempts.c
    return (
        select(attempts)
        .where(columns.status.in_(("pending", "dispatching")), columns.not_before <= bindparam("now"))
        .order_by(columns.not_before)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


@functools.cache
def _claim(attempts: Table) -> Update:
    columns = attempts.c
    return (
        update(attempts)
        .where(columns.id.in_(bindparam("ids", expanding=True)))
        .values(status="dispatching", not_before=bindparam("until"), dispatches=columns.dispatches + 1)
    )
