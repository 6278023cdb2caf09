"""The embedded broker is a transport, not the record: incidents its log held when it died still alert."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.conftest import System
from tests.e2e.test_flows import incident_fields

pytestmark = pytest.mark.broker

UNITS = ("yunyang", "yunxi", "zhushan", "zhuxi", "fangxian", "danjiangkou")


def pending_outbox_rows(data_dir: Path, service: str) -> int:
    with sqlite3.connect(data_dir / f"{service}.sqlite3") as database:
        return int(database.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0])


async def test_incidents_a_killed_broker_held_for_a_stalled_notifier_alert_each_officer_once(system: System) -> None:
    """The notifier frozen, incidents posted and relayed, the broker SIGKILLed and a new one started on its port
    by the stack's watch, the notifier resumed: every incident's officer gets exactly one SMS for it."""
    officers = {unit: (await system.on_duty(unit))["officer"]["phone"] for unit in UNITS}
    watch = asyncio.create_task(system.stack.watch_broker())  # as `dutywatch up` runs it
    try:
        await post_while_the_notifier_is_frozen_and_kill_the_broker(system)

        def alerts(unit: str) -> list[str]:
            return [m.body for m in system.twilio.messages_to(officers[unit]) if f"{unit}-断电楼" in m.body]

        await system.until(lambda: all(alerts(unit) for unit in UNITS), timeout_s=120, what="every officer alerted")
        await asyncio.sleep(5)
    finally:
        watch.cancel()
    assert {unit: len(alerts(unit)) for unit in UNITS} == dict.fromkeys(UNITS, 1)


async def post_while_the_notifier_is_frozen_and_kill_the_broker(system: System) -> None:
    """Once the incident service has relayed the incidents, SIGKILL the broker; SIGCONT the notifier once the
    stack's watch has started a new one on the same port."""
    notifier = system.stack.processes["notifier"]
    notifier.send_signal(signal.SIGSTOP)
    try:
        for unit in UNITS:
            await system.report_incident(**incident_fields(unit, f"{unit}-断电楼"))
        await system.until(lambda: pending_outbox_rows(system.stack.data_dir, "incident") == 0, what="relayed")
        port = system.stack.broker.port
        system.stack.broker.kill()
        await system.until(lambda: system.stack.broker.exit_code() is None, what="a new broker")
        assert system.stack.broker.port == port
    finally:
        notifier.send_signal(signal.SIGCONT)
