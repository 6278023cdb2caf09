"""`dutywatch phone` answers the console provider's messages as the officer would, and the notifier believes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.notifier.app import Notifier
from services.notifier.handlers import starts
from services.notifier.settings import CONSOLE_WEBHOOK_TOKEN_FILE, Settings
from services.notifier.testing import ManualClock
from services.phone import Phone
from tests.notifier.factories import OFFICER_PHONE, incident_reported, unique_unit, wrap

PUBLIC = "http://notifier.test"


@pytest.fixture
async def notifier(tmp_path: Path) -> AsyncIterator[Notifier]:
    """The notifier in console mode (the embedded default), without Kafka."""
    service = Notifier(Settings(data_dir=tmp_path, public_url=PUBLIC, embedded=True), ManualClock())
    await service.runtime.store.create_tables()
    yield service
    await service.runtime.store.close()
    await service.runtime.publisher.stop()


def phone_for(notifier: Notifier, data_dir: Path) -> Phone:
    transport = httpx.ASGITransport(app=notifier.api())
    token = (data_dir / CONSOLE_WEBHOOK_TOKEN_FILE).read_text().strip()
    return Phone(data_dir / "console" / "messages.jsonl", token, httpx.AsyncClient(transport=transport))


async def run_state(notifier: Notifier, incident_id: str) -> str:
    async with notifier.work() as ports:
        (run,) = await ports.runs.runs_for_subject("incident", incident_id)
    return str(run.state)


async def test_replying_1_on_the_phone_acknowledges_the_alert(notifier: Notifier, tmp_path: Path) -> None:
    """The officer's SMS shows under their number; `r N 1` acknowledges the incident's run."""
    clock = notifier.clock
    event = incident_reported(unique_unit(), clock())
    await notifier.consume(starts.on_incident_reported)(wrap(event, clock()))
    await notifier.settle()
    phone = phone_for(notifier, tmp_path)
    (message,) = phone.by_person()[OFFICER_PHONE]
    assert message.kind == "sms" and "回复1" in message.text
    await phone.reply_sms(OFFICER_PHONE, "1")
    assert await run_state(notifier, event.incident_id) == "acknowledged"


async def test_pressing_1_in_the_call_acknowledges_the_alert(notifier: Notifier, tmp_path: Path) -> None:
    """Five minutes on, the officer is called; `p N` answers, hears the alert and presses 1."""
    clock = notifier.clock
    event = incident_reported(unique_unit(), clock())
    await notifier.consume(starts.on_incident_reported)(wrap(event, clock()))
    await notifier.settle()
    clock.advance(minutes=5)  # type: ignore[attr-defined]
    await notifier.settle()
    phone = phone_for(notifier, tmp_path)
    assert [m.kind for m in phone.by_person()[OFFICER_PHONE]] == ["sms", "voice"]
    await phone.press_key(OFFICER_PHONE)
    assert await run_state(notifier, event.incident_id) == "acknowledged"
