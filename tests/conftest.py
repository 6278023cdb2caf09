"""Shared fixtures: the real embedded broker, and a fresh database on each store backend that answers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.runtime.embedded_broker import EmbeddedBroker
from testbed.brokers import running_broker
from testbed.databases import POSTGRES, POSTGRES_HOST, POSTGRES_PORT, fresh_postgres_database
from testbed.fakes.twilio import FakeTwilio
from tests.deploy.reporting import deploy_summary_lines, skip_summary_lines

STORE_BACKENDS = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]

# pytest-xdist's workers start with COLUMNS=80; a CLI's rich Console made at import would keep that width, and the
# CLI tests' own COLUMNS (given when they invoke a command) would not reach it.
os.environ.pop("COLUMNS", None)


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


BROKER_FIXTURES = {"broker", "module_broker"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test whose fixtures start the broker carries the `broker` marker, so `-m "not broker"` leaves it out."""
    unmarked = [
        item.nodeid
        for item in items
        if BROKER_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("broker") is None
    ]
    if unmarked:
        raise pytest.UsageError("these tests start the broker without the `broker` marker: " + ", ".join(unmarked))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in deploy_summary_lines(terminalreporter.stats) + skip_summary_lines(terminalreporter.stats):
        terminalreporter.write_line(line)
    terminalreporter.write_line(pytest_report_header())


@pytest.fixture(scope="session")
async def broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedBroker]:
    """The real Kafka-compatible broker (Tansu), on a free loopback port, with the registry's topics."""
    async with running_broker(tmp_path_factory.mktemp("broker") / "tansu.log") as embedded:
        yield embedded


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    """The fake Twilio (the real SDK's requests and callbacks) on a free loopback port, one per test module."""
    with FakeTwilio(step_delay=0.02, gather_wait=0.5) as fake:
        yield fake


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
        pytest.skip(f"PostgreSQL not on {POSTGRES_HOST}:{POSTGRES_PORT}: this test needs a server")
    async with fresh_postgres_database() as url:
        yield url
