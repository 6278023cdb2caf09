"""Integration: the notifier against the real broker, a SQLite file, and the fake Twilio with the real SDK."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from services.notifier.app import Notifier
from services.notifier.domain.texts import HELP_TEXT
from services.notifier.settings import Settings
from services.notifier.testing import ManualClock
from services.runtime.embedded_broker import EmbeddedBroker
from services.runtime.settings import KafkaSettings
from testbed.fakes.twilio import FakeTwilio
from testbed.polling import eventually
from tests.notifier.serving import ANSWER_WAIT_S, LoopServer, ServedNotifier, free_socket, random_mobile

pytestmark = [
    pytest.mark.broker,
    pytest.mark.filterwarnings("ignore:.*BasicAuth is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning"),
]

FROM_NUMBER = "+14155550100"


@dataclass
class Service(ServedNotifier):
    twilio: FakeTwilio


@pytest.fixture(scope="module")
async def service(
    broker: EmbeddedBroker, twilio: FakeTwilio, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Service]:
    data_dir: Path = tmp_path_factory.mktemp("notifier")
    sock = free_socket()
    host, port = sock.getsockname()
    clock = ManualClock()
    settings = Settings(
        data_dir=data_dir,
        kafka=KafkaSettings(bootstrap_servers=broker.bootstrap),
        provider="twilio",
        twilio_account_sid=twilio.account_sid,
        twilio_auth_tokens=[twilio.auth_token, "previous-rotated-token"],
        twilio_from_number=FROM_NUMBER,
        twilio_api_base_url=twilio.base_url,
        public_url=f"http://{host}:{port}",
        sweep_every_s=0.1,
        service_name=f"notifier-test-{uuid.uuid4().hex[:8]}",
    )
    notifier = Notifier(settings, clock)
    server = LoopServer(notifier.api(), sock)
    await server.start()
    yield Service(notifier=notifier, server=server, clock=clock, bootstrap=broker.bootstrap, twilio=twilio)
    await server.stop()


async def test_sms_then_call_and_key_press_stops_the_run(service: Service) -> None:
    """SMS to the officer; a call at +5 min; pressing 1 stops the run: nothing more in the next two steps' time."""
    officer, leader = random_mobile(), random_mobile()
    run_id = await service.report_incident(officer, leader)
    await service.twilio.wait_for_async(lambda: len(service.twilio.messages_to(officer)) == 1, 10)
    assert "回复1或" in service.twilio.messages_to(officer)[0].body
    service.twilio.press_key(officer, "1")
    service.clock.advance(minutes=5)
    await service.twilio.wait_for_async(lambda: len(service.twilio.calls_to(officer)) == 1, 10)
    await eventually(lambda: _state_is(service, run_id, "acknowledged"), 10)
    call = service.twilio.calls_to(officer)[0]
    assert any(said.language == "zh-CN" and "按1" in said.text for said in call.said)
    service.clock.advance(minutes=10)
    await _quiet(service)
    service.clock.advance(minutes=10)
    await _quiet(service)
    assert len(service.twilio.calls_to(officer)) == 1
    assert service.twilio.calls_to(leader) == []
    assert (await service.run(run_id))["tracks"][0]["acked_channel"] == "voice"


async def test_reply_one_acknowledges(service: Service) -> None:
    """An SMS reply `1`, signed by Twilio, acknowledges the latest open alert to that number."""
    officer = random_mobile()
    run_id = await service.report_incident(officer, random_mobile())
    await service.twilio.wait_for_async(lambda: len(service.twilio.messages_to(officer)) == 1, 10)
    response = await service.twilio.send_inbound_sms_async(
        f"{service.url}/webhooks/twilio/sms", officer, FROM_NUMBER, "1"
    )
    assert response.status_code == 200
    run = await service.run(run_id)
    assert run["state"] == "acknowledged"
    assert run["tracks"][0]["acked_by"] == officer


async def test_unknown_reply_gets_help(service: Service) -> None:
    """A reply that matches no open alert is answered with the help text."""
    stranger = random_mobile()
    response = await service.twilio.send_inbound_sms_async(
        f"{service.url}/webhooks/twilio/sms", stranger, FROM_NUMBER, "确认 4321"
    )
    assert response.status_code == 200
    await service.twilio.wait_for_async(lambda: len(service.twilio.messages_to(stranger)) == 1, 10)
    assert service.twilio.messages_to(stranger)[0].body == HELP_TEXT


async def test_invalid_number_falls_back_to_voice(service: Service) -> None:
    """Twilio's 21211 on the SMS is reported, and the same number is tried by call."""
    officer = random_mobile()
    service.twilio.mark_invalid(officer)
    run_id = await service.report_incident(officer, random_mobile())

    async def fell_back() -> bool:
        attempts = (await service.run(run_id))["attempts"]
        return [(a["channel"], a["status"]) for a in attempts] == [("sms", "failed"), ("voice", "failed")]

    await eventually(fell_back, 10)
    attempts = (await service.run(run_id))["attempts"]
    assert attempts[0]["error_code"] == "21211"
    call_requests = [
        r for r in service.twilio.requests if r.path.endswith("Calls.json") and r.form.get("To") == officer
    ]
    assert len(call_requests) == 1


async def test_two_server_errors_then_one_sms(service: Service) -> None:
    """Two 500s from Twilio, then success: exactly one SMS, and it is delivered."""
    officer = random_mobile()
    service.twilio.fail_next(2, 500, path_contains="Messages.json", method="POST")
    run_id = await service.report_incident(officer, random_mobile())

    async def delivered() -> bool:
        attempts = (await service.run(run_id))["attempts"]
        return bool(attempts) and attempts[0]["status"] == "delivered"

    await eventually(delivered, 15)
    assert len(service.twilio.messages_to(officer)) == 1
    assert service.twilio.messages_to(officer)[0].status == "delivered"


async def test_forged_webhooks_are_refused(service: Service) -> None:
    """A webhook signed with a wrong token, with any constant token (the former built-in one), or not signed,
    gets 403 and changes nothing."""
    officer = random_mobile()
    url = f"{service.url}/webhooks/twilio/sms"
    forged = await service.twilio.send_inbound_sms_async(url, officer, FROM_NUMBER, "1", auth_token="not-the-token")
    constant = await service.twilio.send_inbound_sms_async(
        url, officer, FROM_NUMBER, "1", auth_token="dutywatch-dev-token"
    )
    async with httpx.AsyncClient(trust_env=False, timeout=ANSWER_WAIT_S) as http:
        unsigned = await http.post(url, data={"From": officer, "Body": "1"})
    assert (forged.status_code, constant.status_code, unsigned.status_code) == (403, 403, 403)
    assert service.twilio.messages_to(officer) == []


async def _state_is(service: Service, run_id: str, state: str) -> bool:
    return (await service.run(run_id))["state"] == state


async def _quiet(service: Service) -> None:
    """Fire whatever is due at the clock's time now and send it, then let the fake finish every call it has."""
    await service.notifier.settle()
    await service.twilio.wait_idle()
