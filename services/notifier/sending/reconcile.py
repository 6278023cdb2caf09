"""Reconciling an attempt whose earlier dispatcher stopped between the provider's answer and its record: the provider
is asked whether it took that request, so that the person is not paged twice."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import structlog

from services.notifier.domain.attempts import Attempt
from services.notifier.ports import DeliveryError, EarlierDispatch, Ports, SendResult, SentLookup

__all__ = ["find_earlier_dispatch"]

log = structlog.get_logger(__name__)


async def find_earlier_dispatch(
    lookup: SentLookup | None,
    attempt: Attempt,
    text: str,
    open_ports: Callable[[], AbstractAsyncContextManager[Ports]],
) -> SendResult | None:
    """What the provider answered an earlier dispatcher of this `dispatching` attempt (whose SMS says `text`);
    None when it cannot tell, and the attempt is sent again."""
    found = await _ask(lookup, attempt, text)
    if found is None:
        return None
    # The same text may have gone out for another attempt (a fallback, a later step reusing the reply code): that
    # one's answer is on record under the provider's reference, and this attempt still has to go out.
    async with open_ports() as ports:
        other = await ports.attempts.attempt_by_ref(found.ref)
    if other is not None and other.id != attempt.id:
        return None
    log.info("an earlier dispatch had reached the provider: recorded, not sent again", attempt_id=attempt.id)
    return found


async def _ask(lookup: SentLookup | None, attempt: Attempt, text: str) -> SendResult | None:
    if lookup is None:
        return None
    # Every earlier claim came after the row was written, and ended by the last claim's lease end (not_before):
    # after it another dispatcher may claim the row.
    dispatch = EarlierDispatch(attempt.id, attempt.channel, attempt.to, text, attempt.created_at, attempt.not_before)
    try:
        return await lookup.find_sent(dispatch)
    except DeliveryError as error:
        log.warning("could not ask the provider about an earlier dispatch", attempt_id=attempt.id, error=str(error))
        return None
    except Exception:
        # Only a hint: whatever goes wrong asking, the alert still goes out as it did before the lookup existed.
        log.exception("asking the provider about an earlier dispatch failed unexpectedly", attempt_id=attempt.id)
        return None
