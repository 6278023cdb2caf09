"""The console provider (the embedded default): JSON lines a simulated phone answers with webhooks signed with the
token the embedded mode generated."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from schemas.values import Channel
from services.notifier.adapters.console import ConsoleProvider
from services.notifier.app import Notifier
from services.notifier.handlers import starts
from services.notifier.ports import EarlierDispatch, OutboundSms
from services.notifier.settings import CONSOLE_WEBHOOK_TOKEN_FILE, Settings
from services.notifier.testing import ManualClock
from tests.notifier.factories import OFFICER_PHONE, incident_reported, unique_unit, wrap


async def test_console_records_the_sms_and_accepts_a_reply_signed_with_the_generated_token(tmp_path: Path) -> None:
    """An alert lands in messages.jsonl with its reply code; a reply signed with the embedded mode's generated
    token acknowledges it, one signed with the former built-in token is refused."""
    clock = ManualClock()
    notifier = Notifier(Settings(data_dir=tmp_path, public_url="http://notifier.test", embedded=True), clock)
    await notifier.runtime.store.create_tables()
    event = incident_reported(unique_unit(), clock())
    await notifier.consume(starts.on_incident_reported)(wrap(event, clock()))
    await notifier.settle()
    line = json.loads((tmp_path / "console" / "messages.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (line["kind"], line["to"]) == ("sms", OFFICER_PHONE)
    assert line["reply_url"] == "http://notifier.test/webhooks/twilio/sms"
    form = {"From": OFFICER_PHONE, "Body": "1", "MessageSid": "SM-dev-1"}
    transport = httpx.ASGITransport(app=notifier.api())
    generated = (tmp_path / CONSOLE_WEBHOOK_TOKEN_FILE).read_text().strip()
    signature = RequestValidator(generated).compute_signature(line["reply_url"], form)
    constant = RequestValidator("dutywatch-dev-token").compute_signature(line["reply_url"], form)
    async with httpx.AsyncClient(transport=transport, base_url="http://notifier.test") as http:
        unsigned = await http.post("/webhooks/twilio/sms", data=form)
        forged = await http.post("/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": constant})
        signed = await http.post("/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": signature})
    async with notifier.work() as ports:
        (run,) = await ports.runs.runs_for_subject("incident", event.incident_id)
    await notifier.runtime.store.close()
    await notifier.runtime.publisher.stop()
    assert (unsigned.status_code, forged.status_code, signed.status_code) == (403, 403, 200)
    assert oct((tmp_path / CONSOLE_WEBHOOK_TOKEN_FILE).stat().st_mode & 0o777) == oct(0o600)
    assert run.state == "acknowledged"


async def test_without_twilio_or_the_embedded_mode_there_are_no_twilio_webhooks(tmp_path: Path) -> None:
    """A production notifier without Twilio tokens has no Twilio route: a reply signed with the former built-in
    token finds nothing to answer it (404), where the Aliyun receivers still refuse a push without a token (403)."""
    notifier = Notifier(Settings(data_dir=tmp_path, api_tokens={"x" * 24: ["*"]}), ManualClock())  # type: ignore[arg-type]
    form = {"From": OFFICER_PHONE, "Body": "1", "MessageSid": "SM-dev-1"}
    signature = RequestValidator("dutywatch-dev-token").compute_signature(
        "http://127.0.0.1:8103/webhooks/twilio/sms", form
    )
    transport = httpx.ASGITransport(app=notifier.api())
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8103") as http:
        twilio = await http.post("/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": signature})
        aliyun = await http.post("/webhooks/aliyun/sms-up", json=[])
    assert (twilio.status_code, aliyun.status_code) == (404, 403)
    assert not (tmp_path / CONSOLE_WEBHOOK_TOKEN_FILE).exists()


async def test_console_finds_what_it_showed_for_an_attempt_in_its_record(tmp_path: Path) -> None:
    """Asked about an earlier dispatch, the console answers from its record: that attempt's SMS, not another's, not
    a call it never placed."""
    console = ConsoleProvider(tmp_path, "http://notifier/webhooks/sms", None)
    now = datetime.now(UTC)
    shown = await console.send_sms(OutboundSms("attempt-1", "+8613800138000", "值班提醒", "http://notifier/status"))

    def earlier(attempt_id: str, channel: Channel) -> EarlierDispatch:
        return EarlierDispatch(attempt_id, channel, "+8613800138000", "值班提醒", now, now)

    assert await console.find_sent(earlier("attempt-1", Channel.SMS)) == [shown]
    assert await console.find_sent(earlier("attempt-2", Channel.SMS)) == []
    assert await console.find_sent(earlier("attempt-1", Channel.VOICE)) == []
