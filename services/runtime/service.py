"""One running service: its store, outbox relay, consumer group, timer sweeps and HTTP surface.

`ServiceWiring` (`wiring.py`) builds one of these for each service, around its unit of work, with the routes
and sweeps of the service's `plan()`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from tenacity import AsyncRetrying, RetryCallState, wait_exponential

from services.runtime.consumer import ConsumerRule, RetryPolicy, Route
from services.runtime.consumer_group import ConsumerGroup
from services.runtime.kafka import KafkaRecordPublisher
from services.runtime.outbox_relay import OutboxRelay
from services.runtime.settings import KafkaSettings
from services.runtime.unit_of_work import UnitOfWork

__all__ = ["ServiceRuntime", "Sweep"]

log = structlog.get_logger(__name__)
RELAY_STOP_S = 10
Clock = Callable[[], datetime]


def _log_retry(state: RetryCallState) -> None:
    log.warning("Kafka not reachable yet; trying again", attempt=state.attempt_number, error=repr(state.outcome))


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Sweep:
    """A periodic job that fires what is due at `now` (timers are rows) and returns how many it fired."""

    name: str
    fire_due: Callable[[datetime], Awaitable[int]]
    every_s: float = 1.0


class ServiceRuntime:
    """Starts and stops the moving parts in the right order around the service's unit of work (`work`)."""

    def __init__(
        self,
        *,
        kafka: KafkaSettings,
        work: UnitOfWork[Any],
        routes: Mapping[str, Route] | None = None,
        sweeps: Sequence[Sweep] = (),
        on_start: Sequence[Callable[[], Awaitable[None]]] = (),
        on_stop: Sequence[Callable[[], Awaitable[None]]] = (),
        relay_gather_s: float = 0.0,
        clock: Clock = utc_now,
    ) -> None:
        self.work = work
        self.name = name = work.name
        self.store = store = work.store
        self.outbox = outbox = work.outbox
        self.clock = clock
        self._kafka = kafka
        self._routes = routes or {}
        self._sweeps = sweeps
        self._on_start = on_start
        self._on_stop = on_stop
        self.publisher = KafkaRecordPublisher(kafka, client_id=f"{name}-relay")
        retention = timedelta(hours=kafka.outbox_retention_hours)
        self.relay = OutboxRelay(
            store,
            outbox,
            self.publisher,
            probe=self.publisher.log_state,
            retention=retention,
            check_every_s=kafka.log_check_every_s,
            gather_s=relay_gather_s,
            clock=clock,
        )
        self.work.relay_with(self.relay.wake)
        self._consumer_group: ConsumerGroup | None = None
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._relay_task: asyncio.Task[None] | None = None
        self._kafka_task: asyncio.Task[None] | None = None
        self._publishing = asyncio.Event()
        self.started = False

    @property
    def consumed_topics(self) -> list[str]:
        """The topics the service's consumer group reads (its Kafka user's read ACLs are these)."""
        return list(self._routes)

    async def start(self) -> None:
        """Start what needs only the database now; connect to Kafka in the background until it answers.

        A service that starts while the broker is down (or frozen) still takes intake and fires its timers:
        the outbox keeps what it would publish, and readiness says it is not consuming yet.
        """
        await self.store.create_tables()
        for step in self._on_start:
            await step()
        await self.sweep_all()
        self._kafka_task = asyncio.create_task(self._connect_kafka(), name=f"{self.name}-kafka")
        self._schedule_sweeps()
        self.started = True
        log.info("service started", routes=list(self._routes), sweeps=[sweep.name for sweep in self._sweeps])

    async def _connect_kafka(self) -> None:
        async for attempt in AsyncRetrying(wait=wait_exponential(multiplier=0.5, max=10), before_sleep=_log_retry):
            with attempt:
                await self.publisher.start()
        self._publishing.set()
        self._relay_task = asyncio.create_task(self.relay.run(), name=f"{self.name}-outbox-relay")
        if not self._routes:
            return
        rule = ConsumerRule(
            self._routes,
            self.publisher,
            RetryPolicy(attempts=self._kafka.consumer_retries),
            self.clock,
            together=self.work.batch,
        )
        group = ConsumerGroup(self._kafka, rule, group_id=self.name, service=self.name)
        async for attempt in AsyncRetrying(wait=wait_exponential(multiplier=0.5, max=10), before_sleep=_log_retry):
            with attempt:
                await group.start()
        self._consumer_group = group

    async def until_publishing(self) -> None:
        """Wait until the producer is connected (start() does not wait for Kafka)."""
        await self._publishing.wait()

    async def sweep_all(self) -> None:
        """Fire everything due now: on start this catches up with what fell due while the service was down."""
        for sweep in self._sweeps:
            await self._run_sweep(sweep)

    def _schedule_sweeps(self) -> None:
        for sweep in self._sweeps:
            self._scheduler.add_job(
                self._run_sweep,
                "interval",
                args=[sweep],
                seconds=sweep.every_s,
                id=sweep.name,
                max_instances=1,
                coalesce=True,
            )
        self._scheduler.start()

    async def _run_sweep(self, sweep: Sweep) -> None:
        try:
            fired = await sweep.fire_due(self.clock())
        except Exception as error:
            log.error("sweep failed; it runs again at the next interval", sweep=sweep.name, error=repr(error))
            return
        if fired:
            self.relay.wake()

    async def stop(self) -> None:
        """Finish in-flight work, then stop: timers and consumers first, then the `on_stop` steps, then the relay's
        last batch."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._kafka_task is not None and not self._kafka_task.done():
            self._kafka_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._kafka_task
        if self._consumer_group is not None:
            await self._consumer_group.stop()
        await self._finish_work_under_way()
        if self._relay_task is not None:
            self.relay.stop_soon()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._relay_task, RELAY_STOP_S)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.relay.relay_once(), 5)
            with contextlib.suppress(Exception):
                await self.relay.mark_published()
            with contextlib.suppress(Exception):
                await self.relay.hand_back()
        await self.publisher.stop()
        await self.store.close()
        self.started = False

    async def _finish_work_under_way(self) -> None:
        """The `on_stop` steps: nothing new comes in now, and what they finish still reaches the outbox."""
        for step in self._on_stop:
            try:
                await step()
            except Exception as error:
                log.error("a stop step failed; stopping anyway", step=repr(step), error=repr(error))

    async def ready(self) -> tuple[bool, dict[str, Any]]:
        """Ready when the database answers, the producer is connected and the consumer group has partitions."""
        database = await self.store.ping()
        publishing = self._publishing.is_set()
        partitions = self._consumer_group.partitions() if self._consumer_group is not None else 0
        consuming = not self._routes or partitions > 0
        details = {"database": database, "publishing": publishing, "partitions": partitions}
        return self.started and database and publishing and consuming, details

    def mount_health(self, api: FastAPI) -> None:
        """`/health/live`, `/health/ready` and `/metrics` on the service's HTTP API."""

        @api.get("/health/live", include_in_schema=False)
        async def live() -> dict[str, str]:
            return {"status": "live"}

        @api.get("/health/ready", include_in_schema=False)
        async def ready(response: Response) -> dict[str, Any]:
            is_ready, details = await self.ready()
            response.status_code = 200 if is_ready else 503
            return {"status": "ready" if is_ready else "not ready", **details}

        @api.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    def lifespan(self) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
        @contextlib.asynccontextmanager
        async def run(_api: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        return run
