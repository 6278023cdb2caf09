"""An attempt left `dispatching` by a dispatcher that stopped: the next one asks Twilio (the fake, through the real
SDK) whether the earlier request went out before sending it again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from schemas.values import Channel
from services.notifier.adapters.providers import close_providers
from services.notifier.adapters.twilio import TwilioProvider
from services.notifier.app import Notifier
from services.notifier.domain.attempts import Attempt, NewAttempt
from services.notifier.handlers import starts
from services.notifier.handlers.escalation import fire_due_tracks
from services.notifier.ports import EarlierDispatch, OutboundCall, OutboundSms, SendResult
from services.notifier.sending.dispatcher import Job
from services.notifier.sending.reconcile import find_earlier_dispatch
from services.notifier.settings import Settings
from services.notifier.testing import ManualClock
from testbed.fakes.twilio import FakeTwilio
from tests.notifier.factories import incident_reported, unique_unit
from tests.notifier.harness import API_TOKENS
from tests.notifier.serving import random_mobile
from tests.notifier.test_twilio import FROM_NUMBER

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*BasicAuth is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning"),
]


@pytest.fixture
async def notifier(tmp_path: Path, twilio: FakeTwilio) -> AsyncIterator[Notifier]:
    """The notifier on Twilio (the fake), on a clock that starts now: Twilio dates its records by the real one."""
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'store.sqlite3'}",
        api_tokens=API_TOKENS,
        provider="twilio",
        twilio_account_sid=twilio.account_sid,
        twilio_auth_tokens=[twilio.auth_token],
        twilio_from_number=FROM_NUMBER,
        twilio_api_base_url=twilio.base_url,
    )
    notifier = Notifier(settings, ManualClock(datetime.now(UTC)))
    await notifier.runtime.store.create_tables()
    yield notifier
    await notifier.dispatcher.settle()
    await twilio.wait_idle()
    await close_providers(notifier.providers)
    await notifier.runtime.store.close()
    await notifier.runtime.publisher.stop()


async def claimed_then_abandoned(notifier: Notifier, officer: str) -> Job:
    """The officer's first SMS, claimed by a dispatcher that then stopped without recording anything."""
    now = notifier.clock()
    async with notifier.work() as ports:
        await starts.on_incident_reported(incident_reported(unique_unit(), now, officer=officer), ports, now)
    async with notifier.work() as ports:
        await fire_due_tracks(ports, now, 100)
        (job,) = await notifier.dispatcher.claim(ports, now)
    return job


async def attempt_after_the_lease(notifier: Notifier, job: Job) -> Attempt:
    """Let the lease run out, let the next dispatcher do its work, and read the attempt back."""
    assert isinstance(notifier.clock, ManualClock)
    notifier.clock.advance(seconds=notifier.settings.dispatch_lease_s + 1)
    await notifier.dispatcher.settle()
    async with notifier.work() as ports:
        attempt = await ports.attempts.attempt(job.attempt.id)
    assert attempt is not None
    return attempt


async def test_an_sms_twilio_took_before_the_dispatcher_stopped_is_recorded_not_sent_again(
    notifier: Notifier, twilio: FakeTwilio
) -> None:
    """Twilio took the SMS, the dispatcher stopped before recording it: once the lease has run out the next
    dispatcher finds it at Twilio and records its sid, and the officer gets one SMS."""
    officer = random_mobile()
    job = await claimed_then_abandoned(notifier, officer)
    twilio_provider = notifier.providers["twilio"]
    assert isinstance(twilio_provider, TwilioProvider)
    url = notifier.webhooks.url("sms/status", job.attempt.id)
    taken = await twilio_provider.send_sms(OutboundSms(job.attempt.id, officer, job.text, url))
    attempt = await attempt_after_the_lease(notifier, job)
    assert [message.sid for message in twilio.messages_to(officer)] == [taken.ref]
    assert (attempt.provider, attempt.provider_ref, attempt.dispatches) == ("twilio", taken.ref, 2)
    assert attempt.status in ("sent", "delivered")


async def test_of_two_sms_twilio_took_for_one_attempt_the_oldest_is_recorded_and_no_third_sent(
    notifier: Notifier, twilio: FakeTwilio
) -> None:
    """The earlier dispatcher's request timed out though Twilio took it, and its retry went through too: the next
    dispatcher records the older of the two and sends no third."""
    officer = random_mobile()
    job = await claimed_then_abandoned(notifier, officer)
    first, second = [await send_at_twilio(notifier, job, officer) for _ in range(2)]
    attempt = await attempt_after_the_lease(notifier, job)
    assert [message.sid for message in twilio.messages_to(officer)] == [first.ref, second.ref]
    assert attempt.provider_ref == first.ref


async def test_two_abandoned_attempts_with_the_same_text_never_take_the_same_sms(
    notifier: Notifier, twilio: FakeTwilio
) -> None:
    """Two attempts to one number with the same text (the same reply code), each sent at Twilio and neither
    recorded: reconciled together, before either answer is recorded, each takes its own SMS."""
    officer = random_mobile()
    job = await claimed_then_abandoned(notifier, officer)
    now, mine = notifier.clock(), job.attempt
    async with notifier.work() as ports:
        await ports.attempts.add_attempts(
            [NewAttempt(mine.run_id, mine.track_id, mine.step + 1, mine.role, mine.name, officer, mine.channel,
                        mine.reply_code, first_of_run=False)],
            now,
        )  # fmt: skip
        (other,) = await notifier.dispatcher.claim(ports, now)
    assert other.text == job.text
    sent = {(await send_at_twilio(notifier, abandoned, officer)).ref for abandoned in (job, other)}
    attempts = [await attempt_after_the_lease(notifier, abandoned) for abandoned in (job, other)]
    assert len(twilio.messages_to(officer)) == 2
    assert {attempt.provider_ref for attempt in attempts} == sent


async def test_an_attempt_abandoned_twice_fails_without_being_logged_as_sent_again(
    notifier: Notifier, twilio: FakeTwilio
) -> None:
    """Two dispatchers stopped after claiming an SMS that Twilio never got: the third neither sends it nor logs that
    it does; the attempt fails, its outcome unknown."""
    officer = random_mobile()
    job = await claimed_then_abandoned(notifier, officer)
    assert isinstance(notifier.clock, ManualClock)
    notifier.clock.advance(seconds=notifier.settings.dispatch_lease_s + 1)
    async with notifier.work() as ports:
        (again,) = await notifier.dispatcher.claim(ports, notifier.clock())
    assert again.attempt.id == job.attempt.id
    with capture_logs() as logs:
        attempt = await attempt_after_the_lease(notifier, job)
    assert twilio.messages_to(officer) == []
    assert (attempt.status, attempt.dispatches) == ("failed", 3)
    events = [entry["event"] for entry in logs]
    assert not any("possible duplicate" in event for event in events)
    assert any("outcome unknown after repeated crashes" in event for event in events)


async def send_at_twilio(notifier: Notifier, job: Job, officer: str) -> SendResult:
    """The SMS of `job`, as its dispatcher handed it to Twilio before it stopped."""
    twilio_provider = notifier.providers["twilio"]
    assert isinstance(twilio_provider, TwilioProvider)
    url = notifier.webhooks.url("sms/status", job.attempt.id)
    return await twilio_provider.send_sms(OutboundSms(job.attempt.id, officer, job.text, url))


async def test_an_sms_twilio_never_got_is_sent_after_the_lease(notifier: Notifier, twilio: FakeTwilio) -> None:
    """The dispatcher stopped before Twilio got the SMS: Twilio has none to that number, so the next dispatcher
    sends it, once."""
    officer = random_mobile()
    job = await claimed_then_abandoned(notifier, officer)
    attempt = await attempt_after_the_lease(notifier, job)
    (message,) = twilio.messages_to(officer)
    assert message.body == job.text
    assert (attempt.provider, attempt.provider_ref, attempt.status) == ("twilio", message.sid, "sent")


async def test_an_sms_on_record_for_another_attempt_is_not_taken_for_this_one(
    notifier: Notifier, twilio: FakeTwilio
) -> None:
    """The same text went out for another attempt (a fallback, a later step with the same reply code), whose answer
    is on record under Twilio's sid: this attempt's SMS still goes out."""
    officer = random_mobile()
    job = await claimed_then_abandoned(notifier, officer)
    twilio_provider = notifier.providers["twilio"]
    assert isinstance(twilio_provider, TwilioProvider)
    url = notifier.webhooks.url("sms/status", "another")
    other = await twilio_provider.send_sms(OutboundSms("another", officer, job.text, url))
    now, mine = notifier.clock(), job.attempt
    async with notifier.work() as ports:
        (other_id,) = await ports.attempts.add_attempts(
            [NewAttempt(mine.run_id, mine.track_id, mine.step + 1, mine.role, mine.name, officer, mine.channel,
                        mine.reply_code, first_of_run=False)],
            now,
        )  # fmt: skip
        await ports.attempts.mark_sent([(other_id, "sent", "twilio", other.ref, now)])
    attempt = await attempt_after_the_lease(notifier, job)
    assert len(twilio.messages_to(officer)) == 2
    assert attempt.provider_ref == twilio.messages_to(officer)[-1].sid != other.ref


async def test_when_twilio_cannot_be_asked_the_sms_is_sent_again(notifier: Notifier, twilio: FakeTwilio) -> None:
    """Twilio took the SMS but its list fails: unknown, so the next dispatcher sends again (a possible duplicate)."""
    officer = random_mobile()
    job = await claimed_then_abandoned(notifier, officer)
    twilio_provider = notifier.providers["twilio"]
    assert isinstance(twilio_provider, TwilioProvider)
    url = notifier.webhooks.url("sms/status", job.attempt.id)
    await twilio_provider.send_sms(OutboundSms(job.attempt.id, officer, job.text, url))
    twilio.fail_next(1, 500, path_contains="/Messages.json", method="GET")
    attempt = await attempt_after_the_lease(notifier, job)
    assert len(twilio.messages_to(officer)) == 2
    assert attempt.provider_ref == twilio.messages_to(officer)[-1].sid


def earlier_call(to: str, since: datetime) -> EarlierDispatch:
    return EarlierDispatch("attempt-1", Channel.VOICE, to, "", since, since + timedelta(seconds=30))


async def test_a_call_is_never_taken_for_an_earlier_dispatch_by_its_time_alone(twilio: FakeTwilio) -> None:
    """Twilio's calls carry nothing of ours: a call to that number within the earlier claim may be another alert's,
    and taking it for this one would leave a step unsent. The call is placed again."""
    provider = TwilioProvider(twilio.account_sid, twilio.auth_token, FROM_NUMBER, twilio.base_url)
    officer, claimed = random_mobile(), datetime.now(UTC)
    call = OutboundCall("attempt-1", officer, "值班提醒", "http://127.0.0.1:9/voice", "http://127.0.0.1:9/status")
    try:
        await provider.place_call(call)
        assert len(twilio.calls_to(officer)) == 1
        assert await provider.find_sent(earlier_call(officer, claimed)) == []
    finally:
        await twilio.wait_idle()
        await provider.close()


class BrokenLookup:
    """A provider whose lookup fails in a way no adapter foresaw."""

    async def find_sent(self, dispatch: EarlierDispatch) -> list[SendResult]:
        raise RuntimeError("unforeseen")


async def test_a_lookup_that_fails_unexpectedly_leaves_the_attempt_to_be_sent_again(notifier: Notifier) -> None:
    """However asking the provider fails, the answer is unknown and the alert goes out again, as without a lookup."""
    job = await claimed_then_abandoned(notifier, random_mobile())
    assert await find_earlier_dispatch(BrokenLookup(), job.attempt, job.text, notifier.work, set()) is None
