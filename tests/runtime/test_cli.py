"""The `dutywatch broker` and `dutywatch schemas export` commands, run as a person would run them."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from schemas.topics import all_topic_names
from services.runtime.embedded_broker import free_port

REPO = Path(__file__).resolve().parents[2]
DUTYWATCH = [sys.executable, "-m", "services"]


def test_schemas_export_check_passes_on_a_clean_checkout() -> None:
    """The committed schemas/generated/ matches the models."""
    result = subprocess.run([*DUTYWATCH, "schemas", "export", "--check"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schemas_export_check_names_the_file_a_changed_field_makes_stale(tmp_path: Path) -> None:
    """After a field of CheckInReceived changes, --check exits 1 and names that message's schema file."""
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    shutil.copytree(REPO / "services", tmp_path / "services", ignore=shutil.ignore_patterns("__pycache__"))
    duty = tmp_path / "schemas" / "duty.py"
    source = duty.read_text(encoding="utf-8")
    changed = source.replace("    received_at: AwareDatetime\n", "    received_at: AwareDatetime\n    note: str = ''\n")
    assert changed != source
    duty.write_text(changed, encoding="utf-8")
    result = subprocess.run([*DUTYWATCH, "schemas", "export", "--check"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1
    assert "duty.check_in_received.v1.schema.json" in result.stdout
    assert "duty.shift_started" not in result.stdout


@pytest.mark.broker
def test_the_broker_command_serves_the_registry_topics_and_stops_on_ctrl_c() -> None:
    """`dutywatch broker --port N` lists every registry topic and its DLQ, and exits 0 on SIGINT."""
    port = free_port()
    process = subprocess.Popen([*DUTYWATCH, "broker", "--port", str(port)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"127.0.0.1:{port}" in banner
        topics = asyncio.run(_list_topics(f"127.0.0.1:{port}"))
        assert set(all_topic_names()) <= topics
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=20)
    assert code == 0


async def _list_topics(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()
