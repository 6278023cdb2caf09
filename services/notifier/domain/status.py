"""Provider statuses: their order (to drop out-of-order callbacks) and what each means for an attempt."""

from __future__ import annotations

__all__ = ["CALL_FAILURES", "is_newer_status", "provider_status", "settles_attempt"]

# Twilio's message and call statuses, in the order they can happen; finals share the last rank.
_RANK = {
    "queued": 0,
    "accepted": 0,
    "initiated": 1,
    "sending": 1,
    "ringing": 2,
    "sent": 2,
    "in-progress": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "completed": 5,
    "busy": 5,
    "no-answer": 5,
    "canceled": 5,
}
CALL_FAILURES = frozenset({"busy", "no-answer", "failed", "canceled"})
_DELIVERED = frozenset({"delivered", "in-progress", "completed"})
_FAILED = frozenset({"undelivered", "failed", "busy", "no-answer", "canceled"})


def is_newer_status(current_rank: int, status: str, sequence: int | None = None) -> bool:
    """A callback counts only if it moves the attempt forward; a late or repeated one is ignored."""
    return _rank(status, sequence) > current_rank


def status_rank(status: str, sequence: int | None = None) -> int:
    return _rank(status, sequence)


def _rank(status: str, sequence: int | None) -> int:
    # Calls carry SequenceNumber; it orders their callbacks exactly. Messages only have the status order.
    base = _RANK.get(status, -1) * 100
    return base + (sequence or 0)


def provider_status(status: str) -> str:
    """`delivered`, `failed` or `sent` (still on its way) for any message or call status."""
    if status in _DELIVERED:
        return "delivered"
    if status in _FAILED:
        return "failed"
    return "sent"


def settles_attempt(status: str) -> bool:
    """Whether a status says how an attempt ended (delivered, answered, failed). Progress on the way (queued,
    sent, ringing) changes nothing kept: the attempt is `sent` from the provider's answer on."""
    return provider_status(status) != "sent"
