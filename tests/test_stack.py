"""`dutywatch up`'s stack watches its broker: one that exits is started again on the same port."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from rich.console import Console

from services.runtime.embedded_broker import EmbeddedBroker, registry_topics
from services.stack import Stack

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.broker
async def test_a_broker_that_exits_is_started_again_on_its_port_and_the_console_says_so(tmp_path: Path) -> None:
    """SIGKILL the broker: the watch starts a new one on the same port, with the topics, and tells the console."""
    said = io.StringIO()
    broker = EmbeddedBroker(log_file=tmp_path / "broker.log")
    stack = Stack(tmp_path, REPO / "examples" / "roster.yaml", broker, Console(file=said, width=200), services=())
    await broker.start()
    port = broker.port
    watch = asyncio.create_task(stack.watch_broker())
    try:
        broker.kill()
        async with asyncio.timeout(30):
            while "started again" not in said.getvalue():
                await asyncio.sleep(0.2)
        assert broker.port == port and broker.exit_code() is None
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        try:
            assert {topic.name for topic in registry_topics()} <= set(await admin.list_topics())
        finally:
            await admin.close()
    finally:
        watch.cancel()
        stack.stop()
    assert "broker      exited with code -9; starting a new one on the same port" in said.getvalue()
