"""Shared fixtures: the real embedded broker, and a fresh database on each store backend that answers."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from services.runtime.embedded_broker import EmbeddedBroker

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432


def _postgres_answers() -> bool:
    try:
        with socket.create_connection((POSTGRES_HOST, POSTGRES_PORT), timeout=1):
            return True
    except OSError:
        return False


POSTGRES = _postgres_answers()
STORE_BACKENDS = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


def pytest_report_header() -> str:
    if POSTGRES:
        return f"store tests: SQLite and PostgreSQL ({POSTGRES_HOST}:{POSTGRES_PORT}, database test)"
    return f"store tests: SQLite only (PostgreSQL was not there on {POSTGRES_HOST}:{POSTGRES_PORT})"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(pytest_report_header())


@pytest.fixture(scope="session")
async def broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedBroker]:
    """The real Kafka-compatible broker (Tansu), on a free loopback port, with the registry's topics."""
    embedded = EmbeddedBroker(log_file=tmp_path_factory.mktemp("broker") / "tansu.log")
    await embedded.start()
    yield embedded
    embedded.stop()


@pytest.fixture(params=STORE_BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database: a SQLite file, and a new PostgreSQL database when the server answers."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.sqlite3'}"
        return
    name = f"dutywatch_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(host=POSTGRES_HOST, port=POSTGRES_PORT, user="postgres", database="test")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
