"""Handler tier: Aliyun's pushes (receipts, replies, call results, key presses) through the receivers, on each
store backend, with an in-memory provider standing in for Aliyun's API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from services.notifier.adapters.aliyun.receivers import PREFIX, TOKEN_HEADER, PushTokenCheck, aliyun_push_routes
from services.notifier.app import Notifier
from services.notifier.domain import UnknownReplyLimit
from services.notifier.domain.texts import HELP_TEXT
from services.notifier.handlers import starts
from services.notifier.sending.dispatcher import Dispatcher, DispatchSettings
from services.notifier.settings import Settings
from services.notifier.testing import FakeProvider, ManualClock
from tests.notifier.factories import LEADER_PHONE, OFFICER_PHONE, incident_reported, unique_unit, wrap

TOKEN = "push-token"
OFFICER_NATIONAL = OFFICER_PHONE.removeprefix("+86")


@dataclass
class Harness:
    notifier: Notifier
    clock: ManualClock
    aliyun: FakeProvider
    http: httpx.AsyncClient

    async def start_incident(self) -> str:
        event = incident_reported(unique_unit(), self.clock())
        await self.notifier.consume(starts.on_incident_reported)(wrap(event, self.clock()))
        await self.sweep()
        async with self.notifier.work() as ports:
            [run] = await ports.runs.runs_for_subject("incident", event.incident_id)
        return str(run.id)

    async def to_call_step(self) -> Any:
        self.clock.advance(minutes=5)
        await self.sweep()
        return self.aliyun.calls[-1]

    async def sweep(self) -> None:
        """A sweep that starts now and ends before this returns, even if one asked for earlier is still running."""
        await self.notifier.settle()

    async def push(self, path: str, body: Any, token: str = TOKEN) -> httpx.Response:
        """Push as Aliyun does, then let the work the push queued (a fallback, a help SMS) be sent."""
        response = await self.http.post(f"{PREFIX}/{path}", params={"token": token}, json=body)
        await self.sweep()
        return response

    async def run(self, run_id: str) -> tuple[Any, list[Any], list[Any]]:
        async with self.notifier.work() as ports:
            return (
                await ports.runs.run(run_id),
                await ports.tracks.tracks_of(run_id),
                await ports.attempts.attempts_of(run_id),
            )


@pytest.fixture
async def harness(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    clock, aliyun = ManualClock(), FakeProvider(name="aliyun")
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    notifier = Notifier(settings, clock, providers={"console": aliyun})
    notifier.dispatcher = Dispatcher(
        notifier.work,
        notifier.clock,
        aliyun,
        aliyun,
        {"aliyun": aliyun},
        notifier.webhooks,
        DispatchSettings(first_backoff_s=0),
    )
    await notifier.runtime.store.create_tables()
    api = FastAPI()
    api.mount(
        PREFIX,
        aliyun_push_routes(
            notifier.in_work,
            PushTokenCheck([SecretStr(TOKEN), SecretStr("old")]),
            UnknownReplyLimit(),
            notifier.after_webhook,
        ),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://notifier") as http:
        yield Harness(notifier, clock, aliyun, http)
    await notifier.settle()  # lets a sweep kicked by the last event finish before the store closes
    await notifier.runtime.store.close()
    await notifier.runtime.publisher.stop()


def sms_report(attempt_id: str, success: bool = True) -> list[dict[str, Any]]:
    return [
        {
            "phone_number": OFFICER_NATIONAL,
            "send_time": "2026-12-01 10:00:00",
            "report_time": "2026-12-01 10:00:02",
            "success": success,
            "err_code": "DELIVERED" if success else "MK:0005",
            "err_msg": "用户接收成功",
            "sms_size": "1",
            "biz_id": "900000000001^0",
            "out_id": attempt_id,
        }
    ]


def voice_report(call_id: str, status_code: str, dtmf: str = "") -> list[dict[str, Any]]:
    return [{"call_id": call_id, "status_code": status_code, "dtmf": dtmf, "out_id": "x", "duration": "9"}]


async def test_a_delivery_receipt_marks_the_sms_delivered(harness: Harness) -> None:
    """SmsReport success=true for our attempt (its out_id) is the same `delivered` a Twilio callback gives."""
    run_id = await harness.start_incident()
    [sms] = harness.aliyun.sms
    response = await harness.push("sms-report", sms_report(sms.attempt_id))
    assert (response.status_code, response.json()["code"]) == (200, 0)
    _, _, [attempt] = await harness.run(run_id)
    assert attempt.status == "delivered"


async def test_a_failed_receipt_fails_the_sms_and_falls_back_to_a_call(harness: Harness) -> None:
    """SmsReport success=false is undelivered: the attempt fails with the carrier's code and a call follows."""
    run_id = await harness.start_incident()
    await harness.push("sms-report", sms_report(harness.aliyun.sms[0].attempt_id, success=False))
    _, _, attempts = await harness.run(run_id)
    assert (attempts[0].channel, attempts[0].status) == ("sms", "failed")
    assert attempts[0].error_code == "MK:0005"
    assert [call.to for call in harness.aliyun.calls] == [OFFICER_PHONE]


async def test_an_uplink_reply_one_acknowledges(harness: Harness) -> None:
    """SmsUp `1` from the officer's national number acknowledges the latest open alert, like a Twilio SMS."""
    run_id = await harness.start_incident()
    up = {"phone_number": OFFICER_NATIONAL, "content": "1", "send_time": "2026-12-01 10:01:00", "sequence_id": 77}
    response = await harness.push("sms-up", [up])
    assert response.json() == {"code": 0, "msg": "成功"}
    run, [track], _ = await harness.run(run_id)
    assert (run.state, track.acked_by, track.acked_channel) == ("acknowledged", OFFICER_PHONE, "sms")
    again = await harness.push("sms-up", [up])
    assert again.status_code == 200
    assert len(harness.aliyun.sms_to(OFFICER_PHONE)) == 1, "a re-pushed reply is read once, no second answer"


async def test_an_unknown_uplink_gets_the_help_answer(harness: Harness) -> None:
    """A reply that matches nothing is answered with the help text, through the provider."""
    up = {"phone_number": "13900139000", "content": "确认 4321", "sequence_id": 78}
    await harness.push("sms-up", [up])
    assert [sms.text for sms in harness.aliyun.sms_to("+8613900139000")] == [HELP_TEXT]


async def test_a_call_result_with_key_one_acknowledges(harness: Harness) -> None:
    """VoiceReport with dtmf 1 for our call (found by its CallId) acknowledges by voice and completes the call."""
    run_id = await harness.start_incident()
    call = await harness.to_call_step()
    call_id = f"CA1-{call.attempt_id}"
    for status_code in ("200101", "200201", "200102"):
        progress = [{"call_id": call_id, "status_code": status_code, "status_time": "2026-12-01 10:05:00"}]
        assert (await harness.push("voice-call-report", progress)).status_code == 200
    response = await harness.push("voice-report", voice_report(call_id, "200000", dtmf="1"))
    assert response.status_code == 200
    run, [track], attempts = await harness.run(run_id)
    assert (run.state, track.acked_channel) == ("acknowledged", "voice")
    assert attempts[-1].status == "delivered"


async def test_a_key_press_report_alone_acknowledges(harness: Harness) -> None:
    """VoiceCallReport status 300000 carries the key press before the call ends."""
    run_id = await harness.start_incident()
    call = await harness.to_call_step()
    press = [{"call_id": f"CA1-{call.attempt_id}", "status_code": "300000", "dtmf": "1"}]
    await harness.push("voice-call-report", press)
    run, _, _ = await harness.run(run_id)
    assert run.state == "acknowledged"


@pytest.mark.parametrize(("status_code", "status"), [("200003", "no-answer"), ("200002", "busy")])
async def test_an_unanswered_call_fails_and_brings_the_next_step_forward(
    harness: Harness, status_code: str, status: str
) -> None:
    """No answer or busy fails the call with Aliyun's code, and the next step (the leader's call) follows at once."""
    run_id = await harness.start_incident()
    call = await harness.to_call_step()
    response = await harness.push("voice-report", voice_report(f"CA1-{call.attempt_id}", status_code))
    assert response.status_code == 200
    run, _, attempts = await harness.run(run_id)
    [failed] = [a for a in attempts if a.id == call.attempt_id]
    assert (failed.status, failed.error_code) == ("failed", status_code)
    assert run.state == "open"
    assert [c.to for c in harness.aliyun.calls] == [OFFICER_PHONE, LEADER_PHONE]


async def test_a_result_for_an_unknown_call_asks_aliyun_to_push_again(harness: Harness) -> None:
    """A CallId we have not stored yet gets 503, so Aliyun pushes it again later; nothing else changes."""
    response = await harness.push("voice-report", voice_report("no-such-call", "200000", dtmf="1"))
    assert response.status_code == 503


async def test_pushes_without_the_token_are_refused(harness: Harness) -> None:
    """A missing or wrong token is 403 and changes nothing; a rotated-out-but-listed token and the header work."""
    run_id = await harness.start_incident()
    up = [{"phone_number": OFFICER_NATIONAL, "content": "1", "sequence_id": 79}]
    assert (await harness.push("sms-up", up, token="wrong")).status_code == 403
    assert (await harness.http.post(f"{PREFIX}/sms-up", json=up)).status_code == 403
    run, _, _ = await harness.run(run_id)
    assert run.state == "open"
    attempt_id = harness.aliyun.sms[0].attempt_id
    assert (await harness.push("sms-report", sms_report(attempt_id), token="old")).status_code == 200
    by_header = await harness.http.post(f"{PREFIX}/sms-up", json=up, headers={TOKEN_HEADER: TOKEN})
    assert by_header.status_code == 200


async def test_a_malformed_push_is_a_422_naming_the_field(harness: Harness) -> None:
    """A receipt without out_id, or a body that is no JSON array, is refused with the field named."""
    response = await harness.push("sms-report", [{"phone_number": OFFICER_NATIONAL, "success": True}])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == [0, "out_id"]
    assert (await harness.push("voice-report", {"call_id": "x"})).status_code == 422
