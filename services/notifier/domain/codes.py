"""Reply codes: per recipient and run, so that a reply names the alert it acknowledges; and the inbound
texts they are matched in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

__all__ = ["InboundText", "ReplyCode", "fresh_code"]


@dataclass(frozen=True, slots=True)
class ReplyCode:
    """A code issued to a number for a run; given out again only once the run (or its incident) is over.
    The fields in the order of the table's columns."""

    phone: str
    code: str
    run_id: str
    track_id: int
    subject_id: str
    issued_at: datetime


@dataclass(frozen=True)
class InboundText:
    """A text that came in, and what it was read as (`ReplyMeaning`, or `text` for a report)."""

    phone: str
    text: str
    meaning: str
    provider_ref: str | None
    received_at: datetime


def fresh_code(taken: set[str]) -> str:
    """A 4-digit code not in `taken` (the codes this number holds now)."""
    for _ in range(100):
        code = f"{secrets.randbelow(9000) + 1000}"
        if code not in taken:
            return code
    return next(f"{number}" for number in range(1000, 10000) if f"{number}" not in taken)
