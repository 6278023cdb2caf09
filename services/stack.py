"""`dutywatch up`: the whole system on one machine — the embedded broker, the sample roster (and the rounds plans
beside it), the services and the board."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console

from services.runtime.embedded_broker import EmbeddedBroker, free_port

__all__ = ["BOARD", "SERVICES", "Stack", "StackProcess"]

BROKER_WATCH_S = 0.5
SERVICE_STOP_S = 40  # a service's stop: consumers, the notifier's requests under way (10 s), the relay (15 s)


@dataclass(frozen=True)
class StackProcess:
    service: str
    env_prefix: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


SERVICES = (
    StackProcess("duty_roster", "DUTYWATCH_ROSTER_", 8101),
    StackProcess("incident", "DUTYWATCH_INCIDENT_", 8102),
    StackProcess("notifier", "DUTYWATCH_NOTIFIER_", 8103),
    StackProcess("rounds", "DUTYWATCH_ROUNDS_", 8104),
)
# The duty-room board: `dutywatch up` runs it; the benches and end-to-end tests leave it out, so that it adds
# no load to what they measure.
BOARD = StackProcess("board", "DUTYWATCH_BOARD_", 8100)
BOARD_CALLS = {"incident": "INCIDENT_URL", "notifier": "NOTIFIER_URL", "duty_roster": "ROSTER_URL"}
PLANS_FILE = "rounds.yaml"  # the rounds service's plans, beside the roster


class Stack:
    """Starts everything in order, waits until each service is ready, restarts a broker that exits, stops
    everything on a signal: the services first, once they have relayed their outboxes, the broker last."""

    def __init__(
        self,
        data_dir: Path,
        roster_file: Path,
        broker: EmbeddedBroker,
        console: Console,
        *,
        services: tuple[StackProcess, ...] = SERVICES,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.roster_file = roster_file
        self.console = console
        self.broker = broker
        self.services = services
        self._extra_env = extra_env or {}
        self._owns_broker = broker.pid is None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    @classmethod
    def on_default_ports(cls, data_dir: Path, roster_file: Path, broker_port: int, console: Console) -> Stack:
        port = broker_port if _port_is_free(broker_port) else free_port()
        broker = EmbeddedBroker(port, log_file=data_dir / "broker.log", own_process_group=True)
        return cls(data_dir, roster_file, broker, console, services=(*SERVICES, BOARD))

    def url(self, service: str) -> str:
        return next(each.url for each in self.services if each.service == service)

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for service in self.services:
            env[f"{service.env_prefix}KAFKA__BOOTSTRAP_SERVERS"] = self.broker.bootstrap
            env[f"{service.env_prefix}DATA_DIR"] = str(self.data_dir)
            env[f"{service.env_prefix}HTTP_PORT"] = str(service.port)
            env[f"{service.env_prefix}EMBEDDED"] = "true"
        env["DUTYWATCH_NOTIFIER_PUBLIC_URL"] = self.url("notifier")
        for service in self.services:
            if service.service in BOARD_CALLS:
                env[f"DUTYWATCH_BOARD_{BOARD_CALLS[service.service]}"] = service.url
        plans = self.roster_file.parent / PLANS_FILE
        if plans.exists():
            env.setdefault("DUTYWATCH_ROUNDS_PLANS_FILE", str(plans.resolve()))
        return {**env, **self._extra_env}

    async def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._owns_broker:
            with self.console.status("starting the embedded broker"):
                await self.broker.start()
        self.console.print(f"broker      {self.broker.bootstrap} (embedded, memory-only)")
        self.import_roster()
        for service in self.services:
            self.start_service(service.service)
        await self.until_ready()

    async def watch_broker(self) -> None:
        """Until cancelled: a broker that exits is started again on the same port. The services reconnect by
        themselves, and their outbox relays publish again what the lost broker held (its log was in memory)."""
        while True:  # also a broker the caller started (the fault bench's): whoever asks for the watch gets it
            await asyncio.sleep(BROKER_WATCH_S)
            code = self.broker.exit_code()
            if code is not None:
                self.console.print(f"broker      exited with code {code}; starting a new one on the same port")
                await self.restart_broker()

    async def restart_broker(self) -> None:
        """A new broker on the same port; the services' relays give it again what the last one held."""
        while True:
            try:
                await self.broker.start()
            except (OSError, RuntimeError, TimeoutError) as error:
                self.broker.kill()
                self.console.print(f"broker      did not start ({error!r}); trying again")
                await asyncio.sleep(2)
                continue
            self.console.print(
                f"broker      {self.broker.bootstrap} started again (empty): the services reconnect and publish "
                "again what it lost"
            )
            return

    def start_service(self, name: str) -> None:
        self.processes[name] = self._spawn(next(each for each in self.services if each.service == name))

    def kill_service(self, name: str) -> None:
        """SIGKILL one service, as a crash would (fault tests)."""
        process = self.processes.pop(name)
        process.kill()
        process.wait()

    def import_roster(self) -> None:
        command = [sys.executable, "-m", "services", "roster", "import", str(self.roster_file)]
        result = subprocess.run(command, env=self.environment(), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"the sample roster did not import:\n{result.stdout}{result.stderr}")
        self.console.print(f"roster      {self.roster_file} imported")

    def _spawn(self, service: StackProcess) -> subprocess.Popen[bytes]:
        log = open(self.data_dir / f"{service.service}.log", "ab")  # noqa: SIM115 — lives as long as the process
        # A process group of its own: a Ctrl-C at the terminal reaches only `dutywatch up`, which stops the
        # services in order; a second Ctrl-C would otherwise make each quit before relaying its outbox.
        return subprocess.Popen(
            [sys.executable, "-m", "services", "service", service.service],
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )

    async def until_ready(self, timeout_s: float = 120) -> None:
        started = time.monotonic()
        waiting = {service.service: service for service in self.services if service.service in self.processes}
        async with httpx.AsyncClient(timeout=2) as client:
            with self.console.status("") as status:
                while waiting:
                    self._fail_if_exited()
                    for name, service in list(waiting.items()):
                        if await _is_ready(client, service):
                            del waiting[name]
                            self.console.print(f"{name:<11} {service.url}  ready")
                    elapsed = time.monotonic() - started
                    if elapsed > timeout_s:
                        raise RuntimeError(f"not ready after {timeout_s:.0f} s: {', '.join(waiting)} (see var/*.log)")
                    status.update(
                        f"waiting for {', '.join(waiting)}: consumer groups joining the broker ({elapsed:.0f} s)"
                    )
                    await asyncio.sleep(0.5)

    def _fail_if_exited(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}; see {self.data_dir / name}.log")

    def stop(self) -> None:
        """SIGTERM the services and wait while they finish their work and relay their outboxes; then the broker."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + SERVICE_STOP_S
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        if self._owns_broker:
            self.broker.stop()


async def _is_ready(client: httpx.AsyncClient, service: StackProcess) -> bool:
    try:
        response = await client.get(f"{service.url}/health/ready")
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def _port_is_free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
