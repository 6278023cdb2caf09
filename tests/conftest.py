"""Shared fixtures: the real embedded broker, and a fresh database on each store backend that answers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.runtime.embedded_broker import EmbeddedBroker
from tests.databases import POSTGRES, POSTGRES_HOST, POSTGRES_PORT, fresh_postgres_database

STORE_BACKENDS = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


def pytest_configure(config: pytest.Config) -> None:
    """In CI (`CI=true`) every external the suite can use must be there: a missing one fails, never a quieter run."""
    if os.environ.get("CI") == "true" and not POSTGRES:
        raise pytest.UsageError(
            f"CI=true but PostgreSQL does not answer on {POSTGRES_HOST}:{POSTGRES_PORT}: the store tests would run "
            "on SQLite alone (.ci/run starts the local server when it is installed)"
        )


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
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, for replicas that share one; skipped, saying so, when the server is not there."""
    if not POSTGRES:
        pytest.skip(f"PostgreSQL not on {POSTGRES_HOST}:{POSTGRES_PORT}: two replicas on one database need it")
    async with fresh_postgres_database() as url:
        yield url
