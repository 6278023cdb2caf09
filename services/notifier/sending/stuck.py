"""SMS still `sent` long after they were handed over: their status callback never came, so the provider is asked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import structlog

from services.notifier.handlers.outcomes import on_status
from services.notifier.ports import DeliveryError, OpenPorts, SmsStatus

__all__ = ["poll_stuck_sms"]

log = structlog.get_logger(__name__)


async def poll_stuck_sms(
    open_ports: OpenPorts,
    clock: Callable[[], datetime],
    providers: Mapping[str, SmsStatus],
    older_than: timedelta,
    batch: int,
) -> int:
    """Messages still `sent` after `older_than`: ask their provider, as if its status callback had come."""
    async with open_ports() as ports:
        stuck = await ports.attempts.stuck_sms(clock() - older_than, batch)
    for attempt in stuck:
        provider = providers.get(attempt.provider or "")
        if provider is None:
            continue
        try:
            status = await provider.sms_status(attempt.provider_ref or "")
        except DeliveryError as error:
            log.warning("could not poll a stuck SMS", attempt_id=attempt.id, error=str(error))
            continue
        async with open_ports() as ports:
            await on_status(attempt.id, status, None, None, ports, clock())
    return len(stuck)
