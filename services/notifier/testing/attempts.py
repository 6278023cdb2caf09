"""In-memory notification attempts."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from services.notifier.domain.attempts import Attempt, NewAttempt
from services.notifier.testing.runs import MemoryRows

__all__ = ["MemoryAttempts"]


class MemoryAttempts:
    def __init__(self, rows: MemoryRows) -> None:
        self.rows = rows

    async def add_attempts(self, attempts: Sequence[NewAttempt], now: datetime) -> list[str]:
        return [await self.add_attempt(attempt, now) for attempt in attempts]

    async def add_attempt(self, attempt: NewAttempt, now: datetime) -> str:
        attempt_id = str(uuid.uuid4())
        self.rows.attempts[attempt_id] = Attempt(
            attempt_id, **vars(attempt), provider=None, provider_ref=None, status="pending", status_rank=-1,
            dispatches=0, error_code=None, error=None, created_at=now, not_before=now, sent_at=None, finished_at=None,
        )  # fmt: skip
        return attempt_id

    async def attempted_pairs(self, run_ids: Collection[str]) -> set[tuple[str, str]]:
        return {(a.run_id, a.to) for a in self.rows.attempts.values() if a.run_id in run_ids}

    async def attempt(self, attempt_id: str) -> Attempt | None:
        return self.rows.attempts.get(attempt_id)

    async def attempt_by_ref(self, ref: str) -> Attempt | None:
        return next((a for a in self.rows.attempts.values() if a.provider_ref == ref), None)

    async def attempts_of(self, run_id: str) -> list[Attempt]:
        return [attempt for attempt in self.rows.attempts.values() if attempt.run_id == run_id]

    async def claim_pending_attempts(self, now: datetime, limit: int, lease: timedelta) -> list[Attempt]:
        ready = [
            a for a in self.rows.attempts.values() if a.status in ("pending", "dispatching") and a.not_before <= now
        ]
        claimed = sorted(ready, key=lambda attempt: attempt.not_before)[:limit]
        for a in claimed:
            self._change(a.id, status="dispatching", not_before=now + lease, dispatches=a.dispatches + 1)
        return claimed

    async def extend_leases(self, claims: Sequence[tuple[str, int]], until: datetime) -> None:
        for attempt_id, claim in claims:
            attempt = self.rows.attempts[attempt_id]
            if attempt.status == "dispatching" and attempt.dispatches == claim:
                self._change(attempt_id, not_before=until)

    async def statuses_of(self, attempt_ids: Collection[str]) -> dict[str, str]:
        return {i: self.rows.attempts[i].status for i in attempt_ids if i in self.rows.attempts}

    async def mark_sent(self, rows: Sequence[tuple[str, str, str, str, datetime]]) -> None:
        for attempt_id, status, provider, ref, at in rows:
            self._change(attempt_id, status=status, provider=provider, provider_ref=ref, sent_at=at)

    async def postpone_attempt(self, attempt_id: str, until: datetime) -> None:
        attempt = self.rows.attempts[attempt_id]
        self._change(attempt_id, status="pending", not_before=until, dispatches=attempt.dispatches - 1)

    async def sms_sent_to(self, phone: str, since: datetime) -> list[datetime]:
        return [
            a.sent_at
            for a in self.rows.attempts.values()
            if a.to == phone and a.channel == "sms" and a.sent_at is not None and a.sent_at > since
        ]

    async def record_status_rank(self, attempt_id: str, rank: int) -> None:
        self._change(attempt_id, status_rank=rank)

    async def mark_delivered(self, attempt_id: str, rank: int, at: datetime) -> None:
        self._change(attempt_id, status_rank=rank, status="delivered", finished_at=at)

    async def mark_failed(self, attempt_id: str, code: str, message: str, at: datetime) -> None:
        self._change(attempt_id, status="failed", error_code=code, error=message, finished_at=at)

    async def cancel_pending_attempts(self, track_ids: Sequence[int], now: datetime) -> None:
        for a in list(self.rows.attempts.values()):
            if a.track_id in track_ids and a.status == "pending":
                self._change(a.id, status="canceled", finished_at=now)

    async def stuck_sms(self, before: datetime, limit: int) -> list[Attempt]:
        return [
            a
            for a in self.rows.attempts.values()
            if a.channel == "sms" and a.status == "sent" and a.sent_at is not None and a.sent_at < before
        ][:limit]

    def _change(self, attempt_id: str, **changes: object) -> None:
        self.rows.attempts[attempt_id] = dataclasses.replace(self.rows.attempts[attempt_id], **changes)  # type: ignore[arg-type]
