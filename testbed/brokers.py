"""The one way tests start the real embedded broker: on a free loopback port, with the registry's topics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from services.runtime.embedded_broker import EmbeddedBroker

__all__ = ["running_broker"]


@asynccontextmanager
async def running_broker(log_file: Path) -> AsyncIterator[EmbeddedBroker]:
    """A started broker that logs to `log_file`; stopped on leaving."""
    embedded = EmbeddedBroker(log_file=log_file)
    await embedded.start()
    try:
        yield embedded
    finally:
        embedded.stop()
