"""The console provider (the embedded default): JSON lines a simulated phone answers with dev-token-signed webhooks."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from services.notifier.app import Notifier
from services.notifier.handlers import starts
from services.notifier.settings import DEV_WEBHOOK_TOKEN, Settings
from services.notifier.testing import FakeClock
from tests.notifier.factories import OFFICER_PHONE, incident_reported, unique_unit, wrap


async def test_console_records_the_sms_and_accepts_a_dev_signed_reply(tmp_path: Path) -> None:
    """An alert lands in messages.jsonl with its reply code; a reply signed with the dev token acknowledges it."""
    clock = FakeClock()
    notifier = Notifier(Settings(data_dir=tmp_path, public_url="http://notifier.test"), clock)
    await notifier.runtime.store.create_tables()
    event = incident_reported(unique_unit(), clock())
    await notifier.handle(starts.on_incident_reported)(wrap(event, clock()))
    await notifier.settle()
    line = json.loads((tmp_path / "console" / "messages.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (line["kind"], line["to"]) == ("sms", OFFICER_PHONE)
    assert line["reply_url"] == "http://notifier.test/webhooks/twilio/sms"
    form = {"From": OFFICER_PHONE, "Body": "1", "MessageSid": "SM-dev-1"}
    signature = RequestValidator(DEV_WEBHOOK_TOKEN).compute_signature(line["reply_url"], form)
    transport = httpx.ASGITransport(app=notifier.api())
    async with httpx.AsyncClient(transport=transport, base_url="http://notifier.test") as http:
        unsigned = await http.post("/webhooks/twilio/sms", data=form)
        signed = await http.post("/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": signature})
    async with notifier.open_work() as work:
        (run,) = await work.runs.runs_for_subject("incident", event.incident_id)
    await notifier.runtime.store.close()
    await notifier.runtime.publisher.stop()
    assert (unsigned.status_code, signed.status_code) == (403, 200)
    assert run.state == "acknowledged"
