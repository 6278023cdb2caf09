"""Crash tests: the notifier as a real process, SIGKILLed at a chosen checkpoint, restarted.

Each test has a broker of its own (the same Tansu binary; it starts in a tenth of a second), so that the new
consumer group replays only this test's incident and the counts below are exact.

The first start is `python -m testbed.crashing_notifier CHECKPOINT`, the notifier with a hook that kills it at
CHECKPOINT: `after_step_recorded` (the due step's attempts are committed, no provider heard of them yet) or
`after_provider_call` (Twilio took the SMS, its outcome is not stored). The restart is `dutywatch service
notifier`, as in production.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from services.notifier.migrations import MIGRATIONS
from services.runtime.embedded_broker import EmbeddedBroker
from services.runtime.store import Store
from testbed.brokers import running_broker
from testbed.databases import POSTGRES, fresh_postgres_database
from testbed.fakes.twilio import FakeTwilio
from testbed.polling import eventually
from tests.notifier.factories import incident_reported, unique_unit, wrap
from tests.notifier.serving import free_socket, publish, random_mobile
from tests.notifier.test_twilio import FROM_NUMBER

pytestmark = [
    pytest.mark.broker,
    pytest.mark.filterwarnings("ignore:.*BasicAuth is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning"),
]

DUTYWATCH = str(Path(sys.executable).parent / "dutywatch")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[EmbeddedBroker]:
    """A broker of this test's own (overrides the session one): topics hold nothing but this test's messages."""
    async with running_broker(tmp_path / "tansu.log") as embedded:
        yield embedded


@pytest.fixture
async def postgres_url() -> AsyncIterator[str | None]:
    """A fresh PostgreSQL database when the server answers, else None (the test then uses SQLite)."""
    if not POSTGRES:
        yield None
        return
    async with fresh_postgres_database("dutywatch_crash") as url:
        yield url


class NotifierProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._env = env
        self.log = log

    def start(self) -> subprocess.Popen[bytes]:
        return self._spawn([DUTYWATCH, "service", "notifier"])

    def start_killed_at(self, checkpoint: str) -> subprocess.Popen[bytes]:
        return self._spawn([sys.executable, "-m", "testbed.crashing_notifier", checkpoint])

    def _spawn(self, command: list[str]) -> subprocess.Popen[bytes]:
        sock = free_socket()
        port = sock.getsockname()[1]
        sock.close()
        env = {
            **os.environ,
            **self._env,
            "DUTYWATCH_NOTIFIER_HTTP_PORT": str(port),
            "DUTYWATCH_NOTIFIER_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
        with self.log.open("ab") as log:
            return subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=REPO)


def notifier_env(tmp_path: Path, broker: EmbeddedBroker, twilio: FakeTwilio, database_url: str) -> dict[str, str]:
    return {
        "DUTYWATCH_NOTIFIER_DATA_DIR": str(tmp_path),
        "DUTYWATCH_NOTIFIER_DATABASE_URL": database_url,
        "DUTYWATCH_NOTIFIER_KAFKA__BOOTSTRAP_SERVERS": broker.bootstrap,
        "DUTYWATCH_NOTIFIER_PROVIDER": "twilio",
        "DUTYWATCH_NOTIFIER_TWILIO_ACCOUNT_SID": twilio.account_sid,
        "DUTYWATCH_NOTIFIER_TWILIO_AUTH_TOKENS": twilio.auth_token,
        "DUTYWATCH_NOTIFIER_TWILIO_FROM_NUMBER": FROM_NUMBER,
        "DUTYWATCH_NOTIFIER_TWILIO_API_BASE_URL": twilio.base_url,
        "DUTYWATCH_NOTIFIER_SWEEP_EVERY_S": "0.2",
        "DUTYWATCH_NOTIFIER_DISPATCH_LEASE_S": "1",
        "DUTYWATCH_NOTIFIER_LOG_JSON": "true",
        "DUTYWATCH_NOTIFIER_API_TOKENS": json.dumps(
            {"crash-test": {"token": "crash-test-" + "0" * 24, "units": ["*"]}}
        ),
    }


async def killed(process: subprocess.Popen[bytes], timeout_s: float = 60) -> int:
    return await asyncio.wait_for(asyncio.to_thread(process.wait), timeout_s)


async def stop(process: subprocess.Popen[bytes]) -> None:
    # Killed, not terminated: a graceful stop would first wait out the consumer group's rebalance.
    process.kill()
    await asyncio.to_thread(process.wait)


async def until_every_answer_is_stored(database_url: str, officer: str) -> None:
    """Wait until the notifier has stored Twilio's answer to every attempt to `officer`: from then on nothing
    is pending or under a lease, so nothing can be sent again."""
    attempts = MIGRATIONS.models().tables["attempts"]
    store = Store(database_url, attempts.metadata)

    async def all_answered() -> bool:
        async with store.transaction() as session:
            sent = (await session.execute(select(attempts.c.sent_at).where(attempts.c.to == officer))).scalars().all()
        return bool(sent) and None not in sent

    try:
        await eventually(all_answered, 30, what=f"the answers to the attempts to {officer} stored")
    finally:
        await store.close()


async def crash_then_restart(
    tmp_path: Path, broker: EmbeddedBroker, twilio: FakeTwilio, database_url: str, checkpoint: str
) -> tuple[str, NotifierProcess]:
    """Start a notifier that dies at `checkpoint`, publish an incident, see the process die; return the officer."""
    notifier = NotifierProcess(notifier_env(tmp_path, broker, twilio, database_url), tmp_path / "notifier.log")
    process = notifier.start_killed_at(checkpoint)
    officer = random_mobile()
    now = datetime.now(UTC)
    await publish(broker.bootstrap, wrap(incident_reported(unique_unit(), now, officer=officer), now))
    assert await killed(process) == -9
    return officer, notifier


async def test_killed_before_the_provider_call_sends_once(
    tmp_path: Path, broker: EmbeddedBroker, twilio: FakeTwilio
) -> None:
    """SIGKILL between recording the due step and calling Twilio: after a restart the SMS goes out exactly once."""
    url = f"sqlite:///{tmp_path / 'notifier.sqlite3'}"
    officer, notifier = await crash_then_restart(tmp_path, broker, twilio, url, "after_step_recorded")
    assert twilio.messages_to(officer) == []
    process = notifier.start()
    try:
        await twilio.wait_for_async(lambda: len(twilio.messages_to(officer)) == 1, 30)
        await until_every_answer_is_stored(url, officer)
        assert len(twilio.messages_to(officer)) == 1
    finally:
        await stop(process)


async def test_killed_after_the_provider_call_is_found_at_twilio_not_sent_again(
    tmp_path: Path, broker: EmbeddedBroker, twilio: FakeTwilio, postgres_url: str | None
) -> None:
    """SIGKILL after Twilio took the SMS, before its outcome was stored: once the lease has run out the restarted
    notifier finds the SMS at Twilio and stores its sid; the officer gets it once."""
    url = postgres_url or f"sqlite:///{tmp_path / 'notifier.sqlite3'}"
    officer, notifier = await crash_then_restart(tmp_path, broker, twilio, url, "after_provider_call")
    (message,) = twilio.messages_to(officer)
    process = notifier.start()
    try:
        await until_every_answer_is_stored(url, officer)
        assert twilio.messages_to(officer) == [message]
    finally:
        await stop(process)
    assert "an earlier dispatch had reached the provider" in notifier.log.read_text(encoding="utf-8", errors="replace")


async def test_killed_after_the_provider_call_duplicates_at_most_once_when_twilio_cannot_be_asked(
    tmp_path: Path, broker: EmbeddedBroker, twilio: FakeTwilio, postgres_url: str | None
) -> None:
    """SIGKILL after Twilio took the SMS, and Twilio's message list fails when asked: one duplicate at most, logged
    as such."""
    url = postgres_url or f"sqlite:///{tmp_path / 'notifier.sqlite3'}"
    officer, notifier = await crash_then_restart(tmp_path, broker, twilio, url, "after_provider_call")
    assert len(twilio.messages_to(officer)) == 1
    twilio.fail_next(1, 500, path_contains="/Messages.json", method="GET")
    process = notifier.start()
    try:
        await twilio.wait_for_async(lambda: len(twilio.messages_to(officer)) == 2, 30)
        await until_every_answer_is_stored(url, officer)
        assert len(twilio.messages_to(officer)) == 2
    finally:
        await stop(process)
    assert "possible duplicate" in notifier.log.read_text(encoding="utf-8", errors="replace")
