"""Reconciling an attempt whose earlier dispatcher stopped between the provider's answer and its record: the provider
is asked whether it took that request, so that the person is not paged twice."""

from __future__ import annotations

import structlog

from services.notifier.domain.attempts import Attempt
from services.notifier.ports import DeliveryError, EarlierDispatch, OpenPorts, Ports, SendResult, SentLookup

__all__ = ["find_earlier_dispatch"]

log = structlog.get_logger(__name__)


async def find_earlier_dispatch(
    lookup: SentLookup | None,
    attempt: Attempt,
    text: str,
    open_ports: OpenPorts,
    handed_out: set[str],
) -> SendResult | None:
    """What the provider answered an earlier dispatcher of this `dispatching` attempt (whose SMS says `text`);
    None when it cannot tell, and the attempt is sent again.

    `handed_out` holds the references this returned for other attempts and not yet recorded: none is returned
    twice, and the one returned is added."""
    found = await _ask(lookup, attempt, text)
    if not found:
        return None
    async with open_ports() as ports:
        for candidate in found:
            if await _free(candidate.ref, attempt, ports, handed_out):
                handed_out.add(candidate.ref)
                log.info(
                    "an earlier dispatch had reached the provider: recorded, not sent again", attempt_id=attempt.id
                )
                return candidate
    return None


async def _free(ref: str, attempt: Attempt, ports: Ports, handed_out: set[str]) -> bool:
    """Whether the message `ref` may be this attempt's: the same text may have gone out for another attempt (a
    fallback, a later step reusing the reply code), whose answer is on record or about to be."""
    if ref in handed_out:
        return False
    other = await ports.attempts.attempt_by_ref(ref)
    # Asked again after the await: another attempt's reconciliation may have taken it meanwhile.
    return (other is None or other.id == attempt.id) and ref not in handed_out


async def _ask(lookup: SentLookup | None, attempt: Attempt, text: str) -> list[SendResult]:
    if lookup is None:
        return []
    # Every earlier claim came after the row was written, and ended by the last claim's lease end (not_before):
    # after it another dispatcher may claim the row.
    dispatch = EarlierDispatch(attempt.id, attempt.channel, attempt.to, text, attempt.created_at, attempt.not_before)
    try:
        return await lookup.find_sent(dispatch)
    except DeliveryError as error:
        log.warning("could not ask the provider about an earlier dispatch", attempt_id=attempt.id, error=str(error))
        return []
    except Exception:
        # Only a hint: whatever goes wrong asking, the alert still goes out as it did before the lookup existed.
        log.exception("asking the provider about an earlier dispatch failed unexpectedly", attempt_id=attempt.id)
        return []
