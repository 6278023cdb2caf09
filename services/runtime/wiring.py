"""What every service's `app.py` wires the same way: its database, its unit of work, and the runtime, built in
the loop that serves and started and stopped with the HTTP server (health routes included)."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from fastapi import FastAPI

from services.runtime.consumer import Route
from services.runtime.database import Database
from services.runtime.migrations import Migrations
from services.runtime.outgoing import Outgoing
from services.runtime.service import ServiceRuntime, Sweep
from services.runtime.session import Session
from services.runtime.settings import KafkaSettings
from services.runtime.unit_of_work import UnitOfWork

__all__ = ["Plan", "ServiceWiring"]

T = TypeVar("T")
METRICS_EVERY_S = 15.0
P = TypeVar("P")
Step = Callable[[], Awaitable[None]]


class Configured(Protocol):
    """What the wiring reads of a service's settings (each `settings.py` has these)."""

    service_name: str

    @property
    def kafka(self) -> KafkaSettings: ...

    def store_url(self, service: str) -> str: ...


@dataclass(frozen=True)
class Plan:
    """What a service's runtime runs: the routing table of its consumers, its sweeps, its start and stop steps."""

    routes: Mapping[str, Route] = field(default_factory=dict)
    sweeps: Sequence[Sweep] = ()
    on_start: Sequence[Step] = ()
    on_stop: Sequence[Step] = ()
    # `OutboxRelay`'s gather: how long a woken relay waits for more commits (none on an alert's path).
    relay_gather_s: float = 0.0


class ServiceWiring(Generic[T, P]):
    """`ports(tables, session, outgoing)` builds the service's ports bundle over one transaction. Each service's
    backend (its `app.py`) subclasses this and says in `plan` what its runtime runs; the command line uses it
    as it is, without a runtime. `gather_s`: how long `work.together` waits for more requests to join a
    transaction (`group_commit.py`)."""

    def __init__(
        self,
        settings: Configured,
        migrations: Migrations[T],
        ports: Callable[[T, Session, Outgoing], P],
        clock: Callable[[], datetime],
        *,
        gather_s: float = 0.0,
    ) -> None:
        self.clock = clock
        self.database = Database(settings.store_url(migrations.service), migrations)
        self.work = UnitOfWork(
            name=settings.service_name,
            store=self.database.store,
            outbox=self.database.outbox,
            inbox=self.database.inbox,
            ports=functools.partial(ports, self.database.tables),
            clock=clock,
            gather_s=gather_s,
        )
        self._kafka = settings.kafka
        self._runtime: ServiceRuntime | None = None

    def now(self) -> datetime:
        return self.clock()

    def plan(self) -> Plan:
        """What the runtime runs: the service's routing table, sweeps, start and stop steps."""
        return Plan()

    def gauges(self, refresh: Callable[[Session, T], Awaitable[None]]) -> Sweep:
        """The sweep that sets the service's Prometheus gauges from its tables every METRICS_EVERY_S."""

        async def refresh_now(_now: datetime) -> int:
            async with self.work.session() as session:
                await refresh(session, self.database.tables)
            return 0

        return Sweep("metrics", refresh_now, METRICS_EVERY_S)

    @property
    def runtime(self) -> ServiceRuntime:
        # Built on first use, inside the event loop that serves: aiokafka binds its producer to the loop it was
        # created in, and `dutywatch service` builds the app before uvicorn starts its loop.
        if self._runtime is None:
            plan = self.plan()
            self._runtime = ServiceRuntime(
                work=self.work,
                kafka=self._kafka,
                routes=plan.routes,
                sweeps=plan.sweeps,
                on_start=plan.on_start,
                on_stop=plan.on_stop,
                relay_gather_s=plan.relay_gather_s,
                clock=self.clock,
            )
        return self._runtime

    @asynccontextmanager
    async def lifespan(self, api: FastAPI) -> AsyncIterator[None]:
        """Start the runtime with the HTTP server (the health routes appear with it) and stop it after."""
        self.runtime.mount_health(api)
        async with self.runtime.lifespan()(api):
            yield
