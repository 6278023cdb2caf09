"""`dutywatch phone` answers the console provider's messages as the officer would, and the notifier believes it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from services.notifier.app import Notifier
from services.notifier.handlers import starts
from services.notifier.settings import CONSOLE_WEBHOOK_TOKEN_FILE, Settings
from services.notifier.testing import ManualClock
from services.phone import Phone
from tests.notifier.factories import OFFICER_PHONE, incident_reported, unique_unit, wrap
from tests.notifier.serving import LoopServer, free_socket

PUBLIC = "http://notifier.test"
PHONE_SESSION_S = 60


@asynccontextmanager
async def console_notifier(data_dir: Path, public_url: str) -> AsyncIterator[Notifier]:
    """The notifier in console mode (the embedded default), without Kafka."""
    service = Notifier(Settings(data_dir=data_dir, public_url=public_url, embedded=True), ManualClock())
    await service.runtime.store.create_tables()
    yield service
    await service.runtime.store.close()
    await service.runtime.publisher.stop()


@pytest.fixture
async def notifier(tmp_path: Path) -> AsyncIterator[Notifier]:
    async with console_notifier(tmp_path, PUBLIC) as service:
        yield service


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


@pytest.fixture
async def served_notifier(tmp_path: Path) -> AsyncIterator[Notifier]:
    """The console-mode notifier's HTTP API on a loopback port, for `dutywatch phone` in another process."""
    sock = free_socket()
    host, port = sock.getsockname()
    async with console_notifier(tmp_path, f"http://{host}:{port}") as service:
        server = LoopServer(service.api(), sock, lifespan="off")
        await server.start()
        yield service
        await server.stop()


async def answered_on_the_phone(data_dir: Path, *commands: str) -> str:
    """What `dutywatch phone` printed, given `commands` typed one after another, then `q`."""
    phone = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services",
        "phone",
        "--data-dir",
        str(data_dir),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "200"},
    )
    typed = "".join(f"{command}\n" for command in (*commands, "q"))
    printed, _ = await asyncio.wait_for(phone.communicate(typed.encode()), PHONE_SESSION_S)
    assert phone.returncode == 0, printed.decode()
    return printed.decode()


async def test_one_phone_session_answers_again_and_again_and_says_when_there_is_no_call(
    served_notifier: Notifier, tmp_path: Path
) -> None:
    """`p 1` before any call says so; then a wrong code and `1`, in the same session: the alert is acknowledged."""
    clock = served_notifier.clock
    event = incident_reported(unique_unit(), clock())
    await served_notifier.consume(starts.on_incident_reported)(wrap(event, clock()))
    await served_notifier.settle()

    printed = await answered_on_the_phone(tmp_path, "p 1", "r 1 9999", "r 1 1")

    assert f"{OFFICER_PHONE} has had no call to answer" in printed
    assert "Traceback" not in printed
    assert await run_state(served_notifier, event.incident_id) == "acknowledged"


async def test_what_comes_back_after_an_answer_is_shown_and_nothing_is_waited_for_at_most_the_wait(
    tmp_path: Path,
) -> None:
    """The phone shows the SMS that reaches the person after it answered, and gives up after the wait."""
    messages = tmp_path / "messages.jsonl"
    sms = {"kind": "sms", "to": OFFICER_PHONE, "ref": "SM1", "text": "告警"}
    messages.write_text(json.dumps(sms, ensure_ascii=False) + "\n", encoding="utf-8")
    phone = Phone(messages, "token")

    async def answered_later() -> None:
        await asyncio.sleep(0.3)
        with messages.open("a", encoding="utf-8") as file:
            file.write(json.dumps({**sms, "ref": "SM2", "text": "未找到待确认的通知"}, ensure_ascii=False) + "\n")

    answering = asyncio.create_task(answered_later())
    came_back = await phone.new_messages(OFFICER_PHONE, 1, wait_s=10)
    await answering
    assert [message.text for message in came_back] == ["未找到待确认的通知"]
    assert await phone.new_messages(OFFICER_PHONE, 2, wait_s=0.5) == []
    await phone.aclose()
