"""Run the notifier's HTTP app in the test's own event loop (its database and Kafka clients live there)."""

from __future__ import annotations

import asyncio
import random
import socket
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaProducer

from schemas.envelope import Envelope
from schemas.notify import RunSubject
from schemas.topics import topic_for
from services.notifier.app import Notifier
from services.notifier.testing import ManualClock
from services.runtime.auth import ADMIN_TOKEN_FILE
from testbed.polling import eventually
from tests.notifier.factories import incident_reported, unique_unit, wrap

# An answer's wait, not a latency check (those are the benches'): on a loaded CI machine one answer once took
# longer than httpx's default 5 s while the polls around it took under half a second.
ANSWER_WAIT_S = 30.0


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def random_mobile() -> str:
    return f"+86138{random.randrange(10**8):08d}"


class LoopServer:
    def __init__(self, app: Any, sock: socket.socket, lifespan: str = "on") -> None:
        self._sock = sock
        self._server = uvicorn.Server(uvicorn.Config(app, lifespan=lifespan, log_level="warning", log_config=None))
        self._task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        host, port = self._sock.getsockname()
        return f"http://{host}:{port}"

    async def start(self, timeout_s: float = 30.0) -> None:
        serving = self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        await eventually(lambda: self._server.started or serving.done(), timeout_s, what="the notifier's server")
        if serving.done():
            raise RuntimeError("the notifier did not start")

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task


async def publish(bootstrap: str, *envelopes: Envelope[Any]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for envelope in envelopes:
            await producer.send_and_wait(
                topic_for(envelope.payload).name, envelope.to_bytes(), key=envelope.key.encode()
            )
    finally:
        await producer.stop()


@dataclass
class ServedNotifier:
    """A notifier served in the test's loop against the real broker, and how a test drives and reads it."""

    notifier: Notifier
    server: LoopServer
    clock: ManualClock
    bootstrap: str

    @property
    def url(self) -> str:
        return self.server.base_url

    async def report_incident(self, officer: str, leader: str, room: str | None = None) -> str:
        """Publish an IncidentReported; return the run id once the notifier started it."""
        event = incident_reported(
            unique_unit(), self.clock(), officer=officer, leader=leader, room=room or random_mobile()
        )
        await publish(self.bootstrap, wrap(event, self.clock()))
        runs: list[Any] = []

        async def started() -> bool:
            async with self.notifier.work() as ports:
                runs[:] = await ports.runs.runs_for_subject(RunSubject.INCIDENT, event.incident_id)
            return bool(runs)

        await eventually(started, 30)
        return str(runs[0].id)

    async def run(self, run_id: str) -> dict[str, Any]:
        """Read through the API, with the admin token the notifier made in its data folder (none configured)."""
        token = (self.notifier.settings.data_dir / ADMIN_TOKEN_FILE).read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(trust_env=False, timeout=ANSWER_WAIT_S, headers=headers) as http:
            response = await http.get(f"{self.url}/runs/{run_id}")
        response.raise_for_status()
        return dict(response.json())
