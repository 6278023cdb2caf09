"""Every Twilio webhook route: what a forged signature, an unknown attempt, a key other than 1 and the second
(rotated) auth token each get."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from services.notifier.app import Notifier
from services.notifier.handlers import starts
from services.notifier.settings import Settings
from services.notifier.testing import ManualClock
from tests.notifier.factories import OFFICER_PHONE, incident_reported, unique_unit, wrap

PUBLIC_URL = "http://notifier.test"
OLD_TOKEN, NEW_TOKEN = "token-before-rotation", "token-after-rotation"


@dataclass
class Alerted:
    """A notifier on the console provider whose run for one incident has sent its SMS and its call."""

    notifier: Notifier
    http: httpx.AsyncClient
    incident_id: str
    sms: dict[str, Any]
    call: dict[str, Any]

    async def post(self, url: str, form: dict[str, str], token: str = NEW_TOKEN) -> httpx.Response:
        """POST `form` to `url` (a full public URL) signed with `token`, as Twilio would."""
        signature = RequestValidator(token).compute_signature(url, form)
        return await self.http.post(url.removeprefix(PUBLIC_URL), data=form, headers={"X-Twilio-Signature": signature})

    async def run_state(self) -> str:
        async with self.notifier.work() as ports:
            (run,) = await ports.runs.runs_for_subject("incident", self.incident_id)
        return str(run.state)


@pytest.fixture
async def alerted(tmp_path: Path) -> AsyncIterator[Alerted]:
    clock = ManualClock()
    settings = Settings(data_dir=tmp_path, public_url=PUBLIC_URL, twilio_auth_tokens=[OLD_TOKEN, NEW_TOKEN])
    notifier = Notifier(settings, clock)
    await notifier.runtime.store.create_tables()
    event = incident_reported(unique_unit(), clock())
    await notifier.consume(starts.on_incident_reported)(wrap(event, clock()))
    await notifier.settle()
    clock.advance(minutes=5)
    await notifier.settle()
    lines = [json.loads(line) for line in (tmp_path / "console" / "messages.jsonl").read_text().splitlines()]
    sms, call = (next(line for line in lines if line["kind"] == kind) for kind in ("sms", "voice"))
    transport = httpx.ASGITransport(app=notifier.api())
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield Alerted(notifier, http, event.incident_id, sms, call)
    await notifier.runtime.store.close()
    await notifier.runtime.publisher.stop()


def routes(alerted: Alerted) -> dict[str, tuple[str, dict[str, str]]]:
    """Each route with the URL Twilio would post to and a form it would send."""
    sms, call = alerted.sms, alerted.call
    return {
        "sms": (sms["reply_url"], {"From": OFFICER_PHONE, "Body": "1", "MessageSid": "SM-forged"}),
        "sms/status": (sms["status_callback_url"], {"MessageStatus": "failed", "ErrorCode": "30003"}),
        "voice": (call["twiml_url"], {"CallSid": "CA-forged"}),
        "voice/gather": (call["twiml_url"].replace("/voice?", "/voice/gather?"), {"Digits": "1"}),
        "voice/status": (call["status_callback_url"], {"CallStatus": "failed", "SequenceNumber": "1"}),
    }


@pytest.mark.parametrize("route", ["sms", "sms/status", "voice", "voice/gather", "voice/status"])
async def test_a_forged_signature_is_refused_on_every_route_and_changes_nothing(alerted: Alerted, route: str) -> None:
    """Signed with a token we never configured: 403, and the run is as it was (a "1" acknowledges nothing)."""
    url, form = routes(alerted)[route]
    assert url.startswith(f"{PUBLIC_URL}/webhooks/twilio/{route}")
    before = await alerted.run_state()
    response = await alerted.post(url, form, token="a-token-we-never-had")
    assert response.status_code == 403
    assert await alerted.run_state() == before == "open"


@pytest.mark.parametrize("token", [OLD_TOKEN, NEW_TOKEN])
async def test_a_reply_signed_with_either_configured_token_is_taken(alerted: Alerted, token: str) -> None:
    """During a rotation both tokens are accepted: a "1" signed with the first or the second acknowledges."""
    url, form = routes(alerted)["sms"]
    response = await alerted.post(url, form, token=token)
    assert response.status_code == 200
    assert await alerted.run_state() == "acknowledged"


async def test_a_key_other_than_1_acknowledges_nothing_and_the_call_asks_again(alerted: Alerted) -> None:
    """Key 2 in the call: no acknowledgement; the TwiML sends the caller back to the message and its question."""
    url, _ = routes(alerted)["voice/gather"]
    response = await alerted.post(url, {"Digits": "2"})
    assert response.status_code == 200
    assert "<Redirect" in response.text and alerted.call["twiml_url"].replace("&", "&amp;") in response.text
    assert await alerted.run_state() == "open"
    pressed_1 = await alerted.post(url, {"Digits": "1"})
    assert "<Hangup" in pressed_1.text
    assert await alerted.run_state() == "acknowledged"


async def test_callbacks_for_an_unknown_attempt_are_answered_and_change_nothing(alerted: Alerted) -> None:
    """An attempt id we never made: the call hangs up, status callbacks get 204, the run goes on as it was."""
    unknown = "00000000-0000-0000-0000-000000000000"
    base = f"{PUBLIC_URL}/webhooks/twilio"
    voice = await alerted.post(f"{base}/voice?attempt={unknown}", {"CallSid": "CA-unknown"})
    assert voice.status_code == 200 and "<Hangup" in voice.text and "<Gather" not in voice.text
    gather = await alerted.post(f"{base}/voice/gather?attempt={unknown}", {"Digits": "1"})
    assert gather.status_code == 200
    for path, form in (
        ("sms/status", {"MessageStatus": "failed", "ErrorCode": "30003"}),
        ("voice/status", {"CallStatus": "completed", "SequenceNumber": "3"}),
    ):
        response = await alerted.post(f"{base}/{path}?attempt={unknown}", form)
        assert response.status_code == 204, path
    assert await alerted.run_state() == "open"


@pytest.mark.parametrize("route", ["sms/status", "voice", "voice/gather", "voice/status"])
async def test_a_signed_callback_without_its_attempt_is_a_422_naming_the_parameter(
    alerted: Alerted, route: str
) -> None:
    """A callback URL that lost its `?attempt=`: 422 with the parameter named, and the run is as it was."""
    _, form = routes(alerted)[route]
    response = await alerted.post(f"{PUBLIC_URL}/webhooks/twilio/{route}", form)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "attempt"]
    assert await alerted.run_state() == "open"
