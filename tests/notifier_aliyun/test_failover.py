"""Domain and handler tiers: the circuit breaker's arithmetic, and failover over in-memory providers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.values import Channel
from services.notifier.adapters.console import ConsoleProvider
from services.notifier.adapters.failover import BreakerPolicy, BreakerState, CircuitBreaker, Failover
from services.notifier.ports import (
    EarlierDispatch,
    OutboundCall,
    OutboundSms,
    PermanentDeliveryError,
    RetryableDeliveryError,
    UnsupportedDeliveryError,
)
from services.notifier.testing import FakeProvider, ManualClock

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
POLICY = BreakerPolicy(failures=3, window=timedelta(seconds=60), cool_down=timedelta(seconds=120))
PHONE = "+8613800138001"


def sms(attempt_id: str = "a1") -> OutboundSms:
    return OutboundSms(attempt_id, PHONE, "值班提醒", "http://x/status")


def busy() -> RetryableDeliveryError:
    return RetryableDeliveryError("isp.SYSTEM_ERROR", "busy")


def test_breaker_opens_after_n_failures_within_the_window() -> None:
    """Three failures inside a minute open the breaker; it stays open for the cool-down."""
    breaker = CircuitBreaker(POLICY)
    opened = [breaker.record_failure(T0 + timedelta(seconds=s)) for s in (0, 10, 20)]
    assert opened == [False, False, True]
    assert breaker.state(T0 + timedelta(seconds=139)) is BreakerState.OPEN


def test_failures_spread_wider_than_the_window_do_not_open_it() -> None:
    """Old failures fall out of the window: three failures over three minutes leave it closed."""
    breaker = CircuitBreaker(POLICY)
    assert not any(breaker.record_failure(T0 + timedelta(seconds=s)) for s in (0, 61, 122))
    assert breaker.allows(T0 + timedelta(seconds=123))


def test_after_the_cool_down_one_failure_reopens_and_one_success_closes() -> None:
    """Half-open: a single failure opens it again, a success closes it and forgets the failures."""
    breaker = CircuitBreaker(POLICY)
    for s in (0, 1, 2):
        breaker.record_failure(T0 + timedelta(seconds=s))
    later = T0 + timedelta(seconds=125)
    assert breaker.state(later) is BreakerState.HALF_OPEN
    assert breaker.record_failure(later)
    assert breaker.state(later + timedelta(seconds=1)) is BreakerState.OPEN
    breaker.record_success()
    assert breaker.state(later) is BreakerState.CLOSED


async def test_a_retryable_failure_moves_the_same_request_to_the_next_provider() -> None:
    """The primary's busy error is counted and the SMS goes out through the secondary at once, recorded as a switch."""
    primary = FakeProvider(name="aliyun", fail_with=[busy()])
    secondary = FakeProvider(name="twilio")
    failover = Failover([primary, secondary], POLICY, clock=ManualClock(T0))
    result = await failover.send_sms(sms())
    assert (result.provider, len(secondary.sms), len(primary.sms)) == ("twilio", 1, 0)
    [switch] = failover.switches
    assert (switch.attempt_id, switch.skipped, switch.to_provider) == ("a1", ("aliyun",), "twilio")
    assert "isp.SYSTEM_ERROR" in switch.reason


async def test_an_open_breaker_skips_the_provider_until_the_cool_down_then_it_comes_back() -> None:
    """After N failures the primary is not asked at all; after the cool-down it carries messages again."""
    clock = ManualClock(T0)
    primary = FakeProvider(name="aliyun", fail_with=[busy(), busy(), busy()])
    secondary = FakeProvider(name="twilio")
    failover = Failover([primary, secondary], POLICY, clock=clock)
    for n in range(3):
        await failover.send_sms(sms(f"a{n}"))
    assert failover.state() == {"aliyun": "open", "twilio": "closed"}
    primary.fail_with.append(busy())
    await failover.send_sms(sms("skipped"))
    assert primary.fail_with, "the open primary was not asked"
    primary.fail_with.clear()
    clock.advance(seconds=121)
    result = await failover.send_sms(sms("back"))
    assert result.provider == "aliyun"
    assert failover.state()["aliyun"] == "closed"
    assert [s.attempt_id for s in failover.switches] == ["a0", "a1", "a2", "skipped"]


async def test_a_permanent_error_is_not_failed_over() -> None:
    """An illegal number is the number's fault, not the provider's: raised as is, the secondary is not asked."""
    primary = FakeProvider(name="aliyun", fail_with=[PermanentDeliveryError("isv.MOBILE_NUMBER_ILLEGAL", "bad")])
    secondary = FakeProvider(name="twilio")
    failover = Failover([primary, secondary], POLICY, clock=ManualClock(T0))
    with pytest.raises(PermanentDeliveryError):
        await failover.send_sms(sms())
    assert secondary.sms == []
    assert failover.state()["aliyun"] == "closed"


async def test_an_unsupported_destination_moves_on_without_counting_a_failure() -> None:
    """A provider that cannot reach a number hands it to the next, and its breaker stays closed."""
    unsupported = UnsupportedDeliveryError("not-domestic", "no")
    primary = FakeProvider(name="aliyun", fail_with=[unsupported, unsupported, unsupported])
    secondary = FakeProvider(name="twilio")
    failover = Failover([primary, secondary], POLICY, clock=ManualClock(T0))
    for n in range(3):
        await failover.place_call(OutboundCall(f"c{n}", "+85291234567", "script", "u", "u"))
    assert len(secondary.calls) == 3
    assert failover.state()["aliyun"] == "closed"


async def test_when_every_provider_fails_the_last_error_is_raised_for_the_dispatcher_to_retry() -> None:
    """Nothing is dropped silently: both failing raises a RetryableDeliveryError, and both were tried."""
    primary = FakeProvider(name="aliyun", fail_with=[busy()])
    secondary = FakeProvider(name="twilio", fail_with=[RetryableDeliveryError("20500", "down")])
    failover = Failover([primary, secondary], POLICY, clock=ManualClock(T0))
    with pytest.raises(RetryableDeliveryError) as raised:
        await failover.send_sms(sms())
    assert raised.value.code == "20500"
    assert (primary.fail_with, secondary.fail_with) == ([], [])


async def test_every_breaker_open_still_tries_the_providers_in_order() -> None:
    """A breaker never stops a message on its own: with all open, the first configured is tried first."""
    clock = ManualClock(T0)
    primary = FakeProvider(name="aliyun", fail_with=[busy()] * 3)
    secondary = FakeProvider(name="twilio", fail_with=[busy()] * 3)
    failover = Failover([primary, secondary], POLICY, clock=clock)
    for n in range(3):
        with pytest.raises(RetryableDeliveryError):
            await failover.send_sms(sms(f"a{n}"))
    assert failover.state() == {"aliyun": "open", "twilio": "open"}
    result = await failover.send_sms(sms("through"))
    assert result.provider == "aliyun"


async def test_on_switch_hands_each_switch_to_the_notifier() -> None:
    """The hook receives every switch as it happens, so the notifier can write it down."""
    seen = []
    failover = Failover(
        [FakeProvider(name="aliyun", fail_with=[busy()]), FakeProvider(name="twilio")],
        POLICY,
        clock=ManualClock(T0),
        on_switch=seen.append,
    )
    await failover.send_sms(sms("x"))
    assert [s.attempt_id for s in seen] == ["x"]


async def test_one_numbers_flow_control_moves_on_but_does_not_open_the_breaker() -> None:
    """Aliyun's per-number limit sends that message through the next provider; the provider stays in use."""
    limited = RetryableDeliveryError("isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控")
    primary = FakeProvider(name="aliyun", fail_with=[limited] * 5)
    secondary = FakeProvider(name="twilio")
    failover = Failover([primary, secondary], POLICY, clock=ManualClock(T0))
    for n in range(5):
        await failover.send_sms(sms(f"a{n}"))
    assert len(secondary.sms) == 5
    assert failover.state()["aliyun"] == "closed"


async def test_an_earlier_dispatch_is_looked_up_at_each_provider_that_keeps_a_record(tmp_path: Path) -> None:
    """The provider that carried the earlier request answers, whichever its place; one that keeps no record to ask
    is passed over, and none knowing it is unknown."""
    console = ConsoleProvider(tmp_path, "http://x/sms", None)
    shown = await console.send_sms(sms())
    earlier = EarlierDispatch("a1", Channel.SMS, PHONE, "值班提醒", T0, T0 + timedelta(seconds=30))
    assert await Failover([FakeProvider(name="aliyun"), console], POLICY).find_sent(earlier) == [shown]
    assert await Failover([FakeProvider(name="aliyun")], POLICY).find_sent(earlier) == []
