"""The embedded broker started for `dutywatch up` outlives a Ctrl-C meant for its owner, who stops it last; a
paused broker has stopped whole when `pause` returns."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from services.runtime.embedded_broker import EmbeddedBroker
from testbed.polling import eventually_blocking

pytestmark = pytest.mark.broker
REPO = Path(__file__).resolve().parents[2]

# The owner takes Ctrl-C as a program started from a terminal does, whatever the test process left it: a
# disposition of SIG_IGN and a blocked signal are inherited across exec, and another test of the same worker
# process may have left either.
OWNER = textwrap.dedent(
    """
    import asyncio
    import signal
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {{signal.SIGINT}})
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from services.runtime.embedded_broker import EmbeddedBroker

    async def main():
        broker = EmbeddedBroker(own_process_group={own})
        await broker.start()
        print(broker.pid, broker.port, flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
    """
)


def answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def ctrl_c_at_the_owners_terminal(own_process_group: bool) -> tuple[int, int]:
    """Start an owner in a session of its own, as a terminal would; Ctrl-C its group; (broker pid, port)."""
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER.format(own=own_process_group)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert owner.stdout is not None
    pid, port = (int(field) for field in owner.stdout.readline().split())
    os.killpg(owner.pid, signal.SIGINT)
    owner.wait(timeout=20)
    return pid, port


def test_a_broker_in_its_own_process_group_is_left_running_by_a_ctrl_c() -> None:
    pid, port = ctrl_c_at_the_owners_terminal(own_process_group=True)
    try:
        assert eventually_blocking(lambda: answers(port), 5, what="the broker answering")
    finally:
        os.kill(pid, signal.SIGTERM)


def test_a_broker_in_its_owners_group_stops_with_the_ctrl_c() -> None:
    _pid, port = ctrl_c_at_the_owners_terminal(own_process_group=False)
    assert eventually_blocking(lambda: not answers(port), 10, what="the broker gone with its owner")


def running_threads(pid: int) -> list[str]:
    """The broker's threads that are neither stopped nor gone, by name and state (/proc)."""
    running = []
    for thread in Path(f"/proc/{pid}/task").iterdir():
        try:
            name, _, rest = (thread / "stat").read_text().rpartition(") ")
        except (FileNotFoundError, ProcessLookupError):
            continue
        state = rest.split()[0]
        if state not in ("T", "t", "Z", "X"):
            running.append(f"{name.partition(' (')[2]}: {state}")
    return running


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="no /proc to read thread states from")
def test_every_thread_of_the_broker_has_stopped_when_pause_returns(broker: EmbeddedBroker) -> None:
    """The kernel stops a process's threads one after another: a broker thread still running after `pause`
    answered a publish that a frozen-broker test expected to time out. Thirty pauses in a row, since the race
    is lost only now and then."""
    assert broker.pid is not None
    for _ in range(30):
        broker.pause()
        try:
            assert running_threads(broker.pid) == []
        finally:
            broker.resume()
