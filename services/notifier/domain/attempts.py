"""Notification attempts: one SMS or call to one person for one step of a run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["Attempt", "NewAttempt"]


@dataclass(frozen=True)
class NewAttempt:
    run_id: str
    track_id: int
    step: int
    role: str
    name: str
    to: str
    channel: str
    reply_code: str | None
    first_of_run: bool
    fallback_of: str | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """A stored attempt: `pending`, `dispatching` (a lease held while a provider is called), then what the
    provider answered. The fields in the order of the table's columns, so a row converts positionally."""

    id: str
    run_id: str
    track_id: int
    step: int
    role: str
    name: str
    to: str
    channel: str
    reply_code: str | None
    first_of_run: bool
    fallback_of: str | None
    provider: str | None
    provider_ref: str | None
    status: str
    status_rank: int
    dispatches: int
    error_code: str | None
    error: str | None
    created_at: datetime
    not_before: datetime
    sent_at: datetime | None
    finished_at: datetime | None
