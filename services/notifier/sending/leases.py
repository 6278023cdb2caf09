"""The leases a dispatcher holds: the attempts it claimed and has not recorded yet, renewed while it lives."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from services.notifier.domain.attempts import Attempt
from services.notifier.ports import OpenPorts

__all__ = ["HeldLeases"]


class HeldLeases:
    """A send with its retries (and failover) can outlast one lease, and no other dispatcher may take the attempt
    over while we live; once we die, the lease runs out within one lease of the last renewal."""

    def __init__(self, open_ports: OpenPorts, lease: timedelta) -> None:
        self._open_ports = open_ports
        self._lease = lease
        self._held: dict[str, int] = {}  # attempt id → its dispatch count under our claim

    def hold(self, attempt: Attempt) -> None:
        """A claim of ours has committed: `attempt` as it was before that claim."""
        self._held[attempt.id] = attempt.dispatches + 1

    def release(self, attempt_ids: Iterable[str]) -> None:
        """Their outcomes are recorded: the lease no longer matters."""
        for attempt_id in attempt_ids:
            self._held.pop(attempt_id, None)

    async def renew(self, now: datetime) -> int:
        """Extend every lease held to `now` + the lease; how many."""
        claims = list(self._held.items())
        if claims:
            async with self._open_ports() as ports:
                await ports.attempts.extend_leases(claims, now + self._lease)
        return len(claims)
