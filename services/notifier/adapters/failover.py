"""Failover between providers, with a circuit breaker per provider.

A request goes to the first configured provider whose breaker is closed. When that provider fails in a way
another might not (a RetryableDeliveryError: busy, flow control, down, unreachable), the failure is counted and
the same request goes on to the next provider at once, so an outage delays no alert. A provider that fails
`failures` times within `window` is skipped for `cool_down`; then one request tries it again (half-open): a
success closes its breaker, a failure opens it for another cool-down. When every breaker is open the providers
are still tried in order: a breaker never stops a message on its own.

One recipient's flow control (`BreakerPolicy.not_counted`) moves the request on without counting against the
provider. A PermanentDeliveryError (the number or the message is at fault) is not the provider's fault and is raised
as is; an UnsupportedDeliveryError (this provider cannot carry it) moves on to the next provider uncounted.

Each request carried by another provider than the first configured one is a `Switch`, kept in `switches` and
passed to `on_switch`; the SendResult names the provider that carried it, which the notifier stores on the
attempt, so a run's record shows which provider each step went through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import structlog
from prometheus_client import Counter

from services.notifier.adapters.metrics import counted_request
from services.notifier.ports import (
    DeliveryError,
    EarlierDispatch,
    OutboundCall,
    OutboundSms,
    Provider,
    RetryableDeliveryError,
    SendResult,
    SentLookup,
    UnsupportedDeliveryError,
)

__all__ = ["CIRCUITS_OPENED", "FAILOVERS", "BreakerPolicy", "BreakerState", "CircuitBreaker", "Failover", "Switch"]

log = structlog.get_logger(__name__)
FAILOVERS = Counter(
    "dutywatch_provider_failovers_total",
    "Requests carried by another provider than the first configured, by channel and the provider that took them.",
    ["channel", "to_provider"],
)
CIRCUITS_OPENED = Counter(
    "dutywatch_provider_circuits_opened_total", "Times a failing provider was set aside for a cool-down.", ["provider"]
)
Clock = Callable[[], datetime]
MAX_SWITCHES_KEPT = 1000


def _utc_now() -> datetime:
    return datetime.now(UTC)


# One recipient's flow control (Aliyun allows a number about one SMS a minute): the request moves on to the
# next provider, but the provider is not failing, so these do not count against it.
PER_RECIPIENT_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL"})


@dataclass(frozen=True)
class BreakerPolicy:
    failures: int = 3
    window: timedelta = timedelta(seconds=60)
    cool_down: timedelta = timedelta(seconds=120)
    not_counted: frozenset[str] = PER_RECIPIENT_CODES


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class CircuitBreaker:
    """One provider's health from its recent failures; pure (the time is always given)."""

    policy: BreakerPolicy
    failed_at: list[datetime] = field(default_factory=list)
    opened_at: datetime | None = None

    def state(self, now: datetime) -> BreakerState:
        if self.opened_at is None:
            return BreakerState.CLOSED
        if now - self.opened_at < self.policy.cool_down:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def allows(self, now: datetime) -> bool:
        return self.state(now) is not BreakerState.OPEN

    def record_failure(self, now: datetime) -> bool:
        """Count a failure; True when it opens (or, half-open, re-opens) the breaker."""
        if self.state(now) is BreakerState.HALF_OPEN:
            self.opened_at = now
            return True
        self.failed_at = [moment for moment in self.failed_at if now - moment < self.policy.window] + [now]
        if self.opened_at is None and len(self.failed_at) >= self.policy.failures:
            self.opened_at = now
            return True
        return False

    def record_success(self) -> None:
        self.failed_at.clear()
        self.opened_at = None


@dataclass(frozen=True)
class Switch:
    """A request that the first configured provider did not carry, and why."""

    at: datetime
    attempt_id: str
    channel: str
    skipped: tuple[str, ...]
    to_provider: str
    reason: str


Send = Callable[[Provider], Awaitable[SendResult]]


class Failover:
    """Implements Provider over several providers in order of preference (e.g. aliyun, then twilio)."""

    def __init__(
        self,
        providers: Sequence[Provider],
        policy: BreakerPolicy | None = None,
        clock: Clock = _utc_now,
        on_switch: Callable[[Switch], None] | None = None,
    ) -> None:
        if not providers:
            raise ValueError("failover needs at least one provider")
        self.providers = list(providers)
        # The route's name (the router counts requests under it); each provider's own traffic is counted here.
        self.name = "+".join(provider.name for provider in self.providers)
        self.breakers = {provider.name: CircuitBreaker(policy or BreakerPolicy()) for provider in self.providers}
        self.switches: list[Switch] = []
        self._clock = clock
        self._on_switch = on_switch

    async def send_sms(self, sms: OutboundSms) -> SendResult:
        return await self._carry(sms.attempt_id, "sms", lambda provider: provider.send_sms(sms))

    async def place_call(self, call: OutboundCall) -> SendResult:
        return await self._carry(call.attempt_id, "voice", lambda provider: provider.place_call(call))

    async def sms_status(self, ref: str) -> str:
        """Asked of each provider in turn; the first that knows the reference answers."""
        error: DeliveryError = UnsupportedDeliveryError("unknown-ref", f"no provider knows {ref}")
        for provider in self.providers:
            try:
                return await provider.sms_status(ref)
            except DeliveryError as failed:
                error = failed
        raise error

    async def find_sent(self, dispatch: EarlierDispatch) -> list[SendResult]:
        """Asked of each provider that keeps a record, in turn: the earlier requests went to the first that knows
        of any."""
        for provider in self.providers:
            if isinstance(provider, SentLookup) and (found := await provider.find_sent(dispatch)):
                return found
        return []

    def state(self) -> dict[str, str]:
        """Each provider's breaker state now, for logs and health pages."""
        now = self._clock()
        return {name: breaker.state(now).value for name, breaker in self.breakers.items()}

    def _order(self, now: datetime) -> list[Provider]:
        allowed = [p for p in self.providers if self.breakers[p.name].allows(now)]
        return allowed + [p for p in self.providers if p not in allowed]

    async def _carry(self, attempt_id: str, channel: str, send: Send) -> SendResult:
        skipped: list[str] = []
        reasons: list[str] = []
        last: DeliveryError | None = None
        failure: DeliveryError
        for provider in self._order(self._clock()):
            try:
                with counted_request(provider.name, channel):
                    result = await send(provider)
            except RetryableDeliveryError as error:
                self._failed(provider, error)
                failure = last = error
            except UnsupportedDeliveryError as error:
                failure, last = error, last or error
            else:
                self.breakers[provider.name].record_success()
                if provider is not self.providers[0]:
                    self._switched(attempt_id, channel, skipped, provider.name, reasons)
                return result
            skipped.append(provider.name)
            reasons.append(f"{provider.name}: {failure.code}")
        raise last or UnsupportedDeliveryError("no-provider", "no provider could carry the request")

    def _failed(self, provider: Provider, error: DeliveryError) -> None:
        breaker = self.breakers[provider.name]
        if error.code not in breaker.policy.not_counted and breaker.record_failure(self._clock()):
            CIRCUITS_OPENED.labels(provider.name).inc()
            log.warning("provider circuit opened: skipping it for a while", provider=provider.name, code=error.code)

    def _switched(self, attempt_id: str, channel: str, skipped: list[str], to: str, reasons: list[str]) -> None:
        first = self.providers[0].name
        reason = "; ".join(reasons) if reasons else f"{first} circuit open"
        switch = Switch(self._clock(), attempt_id, channel, tuple(skipped) or (first,), to, reason)
        log.warning("failed over to another provider", attempt_id=attempt_id, channel=channel, to=to, reason=reason)
        FAILOVERS.labels(channel, to).inc()
        self.switches = [*self.switches[-MAX_SWITCHES_KEPT + 1 :], switch]
        if self._on_switch is not None:
            self._on_switch(switch)
