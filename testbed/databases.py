"""Fresh databases for tests and benchmarks: a new PostgreSQL database per use, dropped afterwards."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

__all__ = ["POSTGRES", "POSTGRES_HOST", "POSTGRES_PORT", "fresh_postgres_database"]

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432


def _postgres_answers() -> bool:
    try:
        with socket.create_connection((POSTGRES_HOST, POSTGRES_PORT), timeout=1):
            return True
    except OSError:
        return False


POSTGRES = _postgres_answers()


@asynccontextmanager
async def fresh_postgres_database(prefix: str = "dutywatch") -> AsyncIterator[str]:
    """The async SQLAlchemy URL of a new, empty database on the local server (trust auth, database `test`)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(host=POSTGRES_HOST, port=POSTGRES_PORT, user="postgres", database="test")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
