"""Reconciling an attempt whose earlier dispatcher stopped between the provider's answer and its record: the provider
is asked whether it took that request, so that the person is not paged twice."""

from __future__ import annotations

import structlog

from services.notifier.domain.attempts import Attempt
from services.notifier.ports import DeliveryError, EarlierDispatch, SendResult, SentLookup

__all__ = ["find_earlier_dispatch"]

log = structlog.get_logger(__name__)


async def find_earlier_dispatch(lookup: SentLookup | None, attempt: Attempt, text: str) -> SendResult | None:
    """What the provider answered an earlier dispatcher of this `dispatching` attempt (whose SMS says `text`);
    None when it cannot tell, and the attempt is sent again."""
    if lookup is None:
        return None
    # Every earlier claim came after the row was written, and ended by the last claim's lease end (not_before):
    # after it another dispatcher may claim the row.
    dispatch = EarlierDispatch(attempt.id, attempt.channel, attempt.to, text, attempt.created_at, attempt.not_before)
    try:
        found = await lookup.find_sent(dispatch)
    except DeliveryError as error:
        log.warning("could not ask the provider about an earlier dispatch", attempt_id=attempt.id, error=str(error))
        return None
    except Exception:
        # Only a hint: whatever goes wrong asking, the alert still goes out as it did before the lookup existed.
        log.exception("asking the provider about an earlier dispatch failed unexpectedly", attempt_id=attempt.id)
        return None
    if found is not None:
        log.info("an earlier dispatch had reached the provider: recorded, not sent again", attempt_id=attempt.id)
    return found
