"""Integration: the notifier's escalation over the real broker and each store backend, +86 numbers through the fake
Aliyun (real Aliyun SDKs) and +852 through the fake Twilio (real twilio SDK), with failover between them."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator

import phonenumbers
import pytest

from services.runtime.embedded_broker import EmbeddedBroker
from testbed.databases import fresh_postgres_database
from testbed.fakes.aliyun import FakeAliyun
from testbed.fakes.twilio import FakeTwilio
from testbed.polling import eventually
from tests.conftest import STORE_BACKENDS
from tests.notifier.serving import random_mobile
from tests.notifier_aliyun.fixtures import SMS_CODES
from tests.notifier_aliyun.service import COOL_DOWN_S, Service, start_service

pytestmark = pytest.mark.broker


def random_hong_kong_mobile() -> str:
    """A valid +852 mobile number (not every 9xxx xxxx block is allocated)."""
    while True:
        number = f"+8529{random.randrange(10**7):07d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number


@pytest.fixture(scope="module")
def aliyun() -> Iterator[FakeAliyun]:
    with FakeAliyun(step_delay=0.02) as fake:
        yield fake


@pytest.fixture(scope="module", params=STORE_BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """One database for the module's service: a SQLite file, then a new PostgreSQL database when it answers."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('notifier-aliyun') / 'notifier.sqlite3'}"
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
async def service(
    broker: EmbeddedBroker,
    twilio: FakeTwilio,
    aliyun: FakeAliyun,
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Service]:
    data_dir = tmp_path_factory.mktemp("notifier-aliyun")
    started = await start_service(broker.bootstrap, twilio, aliyun, data_dir, database_url)
    yield started
    await started.server.stop()


async def test_mainland_officer_sms_no_answer_then_aliyun_call_and_key_one(service: Service) -> None:
    """+86: the alert SMS goes out as Aliyun's alert template; unanswered, a call at +5 min; pressing 1 in it
    acknowledges and nothing more follows. Twilio carries nothing."""
    officer, leader = random_mobile(), random_mobile()
    run_id = await service.report_incident(officer, leader)
    await service.aliyun.wait_for_async(lambda: len(service.aliyun.messages_to(officer)) == 1, 10)
    [sms] = service.aliyun.messages_to(officer)
    assert sms.template_code == SMS_CODES["alert"]
    assert "回复1或" in sms.text
    await service.attempts_are(run_id, [("sms", "aliyun", "delivered")])
    service.aliyun.press_key(officer, "1")
    service.clock.advance(minutes=5)
    await eventually(lambda: _state_is(service, run_id, "acknowledged"), 15)
    run = await service.run(run_id)
    assert (run["tracks"][0]["acked_by"], run["tracks"][0]["acked_channel"]) == (officer, "voice")
    await service.attempts_are(run_id, [("sms", "aliyun", "delivered"), ("voice", "aliyun", "delivered")])
    service.clock.advance(minutes=10)
    await _quiet(service)
    service.clock.advance(minutes=10)
    await _quiet(service)
    assert len(service.aliyun.calls_to(officer)) == 1
    assert service.aliyun.calls_to(leader) == []
    assert (service.twilio.messages_to(officer), service.twilio.calls_to(officer)) == ([], [])


async def test_hong_kong_officer_sms_no_answer_then_twilio_call_and_key_one(service: Service) -> None:
    """+852 in the same deployment: SMS and call through Twilio, pressing 1 acknowledges; Aliyun carries nothing."""
    officer, leader = random_hong_kong_mobile(), random_hong_kong_mobile()
    run_id = await service.report_incident(officer, leader)
    await service.twilio.wait_for_async(lambda: len(service.twilio.messages_to(officer)) == 1, 10)
    await service.recorded(run_id, 1)
    service.twilio.press_key(officer, "1")
    service.clock.advance(minutes=5)
    await eventually(lambda: _state_is(service, run_id, "acknowledged"), 15)
    await service.attempts_are(run_id, [("sms", "twilio", "delivered"), ("voice", "twilio", "delivered")])
    assert (await service.run(run_id))["tracks"][0]["acked_channel"] == "voice"
    assert (service.aliyun.messages_to(officer), service.aliyun.calls_to(officer)) == ([], [])


async def test_uplink_reply_one_acknowledges(service: Service) -> None:
    """A reply `1` pushed by Aliyun as an uplink SMS acknowledges the officer's alert."""
    officer = random_mobile()
    run_id = await service.report_incident(officer, random_mobile())
    await service.aliyun.wait_for_async(lambda: len(service.aliyun.messages_to(officer)) == 1, 10)
    pushed = await service.aliyun.send_uplink(officer, "1")
    assert pushed is not None and pushed.status == 200
    run = await service.run(run_id)
    assert (run["state"], run["tracks"][0]["acked_channel"]) == ("acknowledged", "sms")


async def test_aliyun_outage_mid_run_fails_over_to_twilio_and_comes_back(service: Service) -> None:
    """Aliyun goes down after the SMS: the officer's and the leader's calls go through Twilio (its breaker opens on
    the second failure); once it recovers and the cool-down passes, the duty room's call is Aliyun's again, and
    pressing 1 there acknowledges. Every step is delivered and each attempt names the provider that carried it."""
    officer, leader, room = random_mobile(), random_mobile(), random_mobile()
    run_id = await service.report_incident(officer, leader, room)
    await service.attempts_are(run_id, [("sms", "aliyun", "delivered")])
    service.aliyun.outage()
    service.clock.advance(minutes=5)
    await service.twilio.wait_for_async(lambda: len(service.twilio.calls_to(officer)) == 1, 10)
    await service.recorded(run_id, 2)
    service.clock.advance(minutes=5)
    await service.twilio.wait_for_async(lambda: len(service.twilio.calls_to(leader)) == 1, 10)
    await service.recorded(run_id, 3)
    assert service.failover.state()["aliyun"] == "open"
    service.aliyun.recover()
    # The breaker's cool-down runs on the notifier's clock, as its escalation does.
    service.clock.advance(seconds=COOL_DOWN_S + 1)
    assert service.failover.state()["aliyun"] == "half_open"
    service.aliyun.press_key(room, "1")
    service.clock.advance(minutes=10)
    await eventually(lambda: _state_is(service, run_id, "acknowledged"), 15)
    delivered = [
        ("sms", "aliyun", "delivered"),
        ("voice", "twilio", "delivered"),
        ("voice", "twilio", "delivered"),
        ("voice", "aliyun", "delivered"),
    ]
    await service.attempts_are(run_id, delivered)
    run = await service.run(run_id)
    assert [a["to"] for a in run["attempts"]] == [officer, officer, leader, room]
    assert (run["tracks"][0]["acked_by"], run["tracks"][0]["acked_channel"]) == (room, "voice")
    call_ids = {a["id"] for a in run["attempts"][1:3]}
    switches = [s for s in service.failover.switches if s.attempt_id in call_ids]
    assert [(s.skipped, s.to_provider) for s in switches] == [(("aliyun",), "twilio")] * 2
    assert service.failover.state()["aliyun"] == "closed"
    assert service.aliyun.errors == []


async def _state_is(service: Service, run_id: str, state: str) -> bool:
    return (await service.run(run_id))["state"] == state


async def _quiet(service: Service) -> None:
    """Fire whatever is due at the clock's time now and send it, then let both fakes finish what they do."""
    await service.notifier.settle()
    await service.aliyun.wait_idle()
    await service.twilio.wait_idle()
