"""Builds the notifier: store, providers, dispatcher, consumers, sweeps and the HTTP API with its webhooks."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from importlib.resources import files
from typing import TypeVar

from fastapi import FastAPI

from schemas.broadcast import BroadcastSent
from schemas.duty import CheckInMissed, CheckInRequested, ShiftEnded, ShiftStarted, UnitUpdated
from schemas.envelope import Message
from schemas.incident import (
    IncidentAcknowledged,
    IncidentAssigned,
    IncidentClosed,
    IncidentReported,
    ReportDueSoon,
    ReportFiled,
    ReportFiledV1,
    ReportOverdue,
)
from schemas.notify import DeliverReport, DeliverReportV1, PlaceCall, SendSms
from schemas.rounds import (
    HazardOverdue,
    RoundMissed,
    SpotCheckRequested,
    SpotCheckUnanswered,
    WarningUnacknowledged,
)
from services.notifier.adapters.aliyun.receivers import PREFIX as ALIYUN_WEBHOOKS
from services.notifier.adapters.aliyun.receivers import PushTokenCheck, aliyun_push_routes
from services.notifier.adapters.http import api_routes
from services.notifier.adapters.metrics import PrometheusEscalationMetrics, refresh_gauges
from services.notifier.adapters.providers import build_providers, build_router, close_providers
from services.notifier.adapters.store import notifier_ports
from services.notifier.adapters.tables import NotifierTables
from services.notifier.adapters.webhooks import PREFIX as TWILIO_WEBHOOKS
from services.notifier.adapters.webhooks import SignatureCheck, webhook_routes
from services.notifier.domain import RUN_KINDS, PolicyBook, PolicyError, UnknownReplyLimit, load_policy_book
from services.notifier.handlers import assignments, filings, rounds, starts
from services.notifier.handlers.escalation import fire_due_tracks
from services.notifier.migrations import MIGRATIONS
from services.notifier.ports import Ports, Provider
from services.notifier.sending.dispatcher import Dispatcher, DispatchSettings, Job, PassCheckpoint, no_checkpoint
from services.notifier.sending.webhook_urls import Webhooks
from services.notifier.settings import Settings
from services.runtime.auth import token_book
from services.runtime.coalesce import Coalesced
from services.runtime.consumer import Route
from services.runtime.errors import ConfigurationError
from services.runtime.http_guard import service_api
from services.runtime.outgoing import Outgoing
from services.runtime.service import Clock, Sweep, utc_now
from services.runtime.session import Session
from services.runtime.unit_of_work import Closing, Consumed
from services.runtime.wiring import Plan, ServiceWiring

__all__ = ["Notifier", "create_app", "load_policies"]

FIRE_BATCH = 500
# Status callbacks come two or three per message, spread out; nobody waits on their answer but the provider,
# which waits seconds. Gathering them for a moment makes one transaction of several.
WEBHOOK_GATHER_S = 0.05
# What the notifier publishes (attempts sent and delivered, acknowledgements, replies) is read by services no first
# SMS waits on, and every batch its relay publishes is one more for the embedded broker to list on each fetch.
RELAY_GATHER_S = 0.1
M = TypeVar("M", bound=Message)
T = TypeVar("T")


def load_policies(settings: Settings) -> PolicyBook:
    """The policy file, checked whole: every run kind has a policy, every target is one we know."""
    path = settings.policy_file or files("services.notifier").joinpath("policies/default.yaml")
    try:
        return load_policy_book(path.read_text(encoding="utf-8"), required=RUN_KINDS)
    except (OSError, PolicyError) as error:
        raise ConfigurationError(f"{path}: {error}") from None


class Notifier(ServiceWiring[NotifierTables, Ports]):
    """Everything the notifier is made of, wired; `api` is what `dutywatch service notifier` serves."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock = utc_now,
        providers: dict[str, Provider] | None = None,
        checkpoint: PassCheckpoint = no_checkpoint,
    ) -> None:
        self.policies = load_policies(settings)
        self.metrics = PrometheusEscalationMetrics()
        super().__init__(settings, MIGRATIONS, self._ports, clock, gather_s=WEBHOOK_GATHER_S)
        self.settings = settings
        self._checkpoint = checkpoint
        self.webhooks = Webhooks(settings.public_url)
        self.providers = providers or build_providers(settings, self.webhooks)
        self.router = build_router(settings, self.providers, clock)
        self.dispatcher = Dispatcher(
            self.work,
            self.clock,
            self.router,
            self.router,
            dict(self.providers),
            self.webhooks,
            DispatchSettings(
                lease=timedelta(seconds=settings.dispatch_lease_s),
                provider_attempts=settings.provider_attempts,
                concurrency=settings.dispatch_concurrency,
            ),
            checkpoint=checkpoint,
            sent_lookup=self.router,
        )

    def _ports(self, tables: NotifierTables, session: Session, outgoing: Outgoing) -> Ports:
        """The ports of one transaction, escalating by the policies of now (a test may swap them)."""
        return notifier_ports(tables, session, outgoing, policies=self.policies, metrics=self.metrics)

    def plan(self) -> Plan:
        sweeps = [
            Sweep("escalation", self.tick, self.settings.sweep_every_s),
            Sweep("stuck-sms", self.poll_stuck, 30.0),
            Sweep("dispatch-leases", self.dispatcher.leases.renew, self.settings.dispatch_lease_s / 3),
            self.gauges(refresh_gauges),
        ]
        return Plan(routes=self.routes(), sweeps=sweeps, on_stop=[self._finish_sending], relay_gather_s=RELAY_GATHER_S)

    async def _finish_sending(self) -> None:
        """On stop: what is due stays pending for the next start; what is being sent is sent and recorded, so
        that it is neither held by its lease nor sent again as a possible duplicate."""
        self.dispatcher.stop_claiming()
        await self.settle()  # a fire under way commits and hands over what it claimed before this returns

    async def in_work(self, effect: Callable[[Ports, datetime], Awaitable[T]]) -> T:
        """Webhooks' effects: those that arrive within WEBHOOK_GATHER_S share one transaction."""
        return await self.work.together(lambda ports: effect(ports, self.clock()))

    @functools.cached_property
    def fire_soon(self) -> Coalesced:
        """Fire what is due, then fill the sending slots; consumed messages, webhooks and the timer ask for it,
        and a burst of them shares one run."""
        return Coalesced(self._fire_and_send)

    async def _fire_and_send(self) -> None:
        self._send_fired(*await self.fire_all_due())

    def _send_fired(self, fired: int, jobs: list[Job]) -> None:
        """Once the transaction that fired `fired` tracks and claimed `jobs` has committed: send them."""
        if fired:
            self._checkpoint("after_step_recorded")
        if self.dispatcher.send(jobs):
            self.dispatcher.pump_soon.kick()

    async def tick(self, now: datetime) -> int:
        await self.fire_soon()
        return 0

    async def settle(self) -> None:
        """Fire what is due and send it; returns once every provider's answer is recorded (tests; shutdown)."""
        await self.fire_soon()
        await self.dispatcher.settle()

    async def fire_all_due(self) -> tuple[int, list[Job]]:
        """Fire due tracks in batches of FIRE_BATCH, one transaction each, until none is due; the last one
        also claims what is ready to send (the attempts it wrote among them). How many fired; the claimed."""
        fired = 0
        while True:
            async with self.work() as ports:
                now = self.clock()
                batch = await fire_due_tracks(ports, now, FIRE_BATCH)
                jobs = await self.dispatcher.claim(ports, now) if batch < FIRE_BATCH else []
            fired += batch
            if batch < FIRE_BATCH:
                return fired, jobs

    async def poll_stuck(self, now: datetime) -> int:
        return await self.dispatcher.poll_stuck(timedelta(seconds=self.settings.stuck_after_s))

    async def after_webhook(self) -> None:
        """An answer may have queued a help SMS or a fallback: send it now rather than at the next tick."""
        self.fire_soon.kick()

    @functools.cached_property
    def firing(self) -> Closing[Ports]:
        """What a consumed batch made due is fired, and its sends claimed, last in the batch's transaction: the
        first SMS of an alert leaves once that commits, with no transaction of its own between (it used to be
        one more transaction a batch, waited for by the alert)."""
        return Closing(self._fire_in_batch, instead=self.fire_soon.kick)

    async def _fire_in_batch(self, ports: Ports) -> Callable[[], None]:
        now = self.clock()
        fired = await fire_due_tracks(ports, now, FIRE_BATCH)
        jobs = await self.dispatcher.claim(ports, now) if fired < FIRE_BATCH else []

        def send() -> None:
            self._send_fired(fired, jobs)
            if fired >= FIRE_BATCH:  # more may be due than one batch fires
                self.fire_soon.kick()

        return send

    def consume(self, on: Callable[[M, Ports, datetime], Awaitable[None]]) -> Consumed:
        """The route of a consumed message to `on`; what it made due is fired in the same transaction."""
        return self.work.consume(on, closing=self.firing)

    def routes(self) -> dict[str, Route]:
        """Where each consumed message goes: its handler runs once per event id, in one transaction with what it
        publishes (`UnitOfWork.consume`)."""
        consume = self.consume
        return {
            "notify.requests": {
                SendSms: self.work.consume_envelope(starts.on_send_sms, closing=self.firing),
                PlaceCall: self.work.consume_envelope(starts.on_place_call, closing=self.firing),
                DeliverReportV1: consume(starts.on_deliver_report),
                DeliverReport: consume(starts.on_deliver_report),
                BroadcastSent: consume(starts.on_broadcast_sent),
            },
            "incident.events": {
                IncidentReported: consume(starts.on_incident_reported),
                IncidentAcknowledged: consume(starts.on_incident_acknowledged),
                IncidentAssigned: consume(assignments.on_incident_assigned),
                ReportDueSoon: consume(starts.on_report_due_soon),
                ReportOverdue: consume(starts.on_report_overdue),
                ReportFiledV1: consume(filings.on_report_filed),
                ReportFiled: consume(filings.on_report_filed),
                IncidentClosed: consume(starts.on_incident_closed),
            },
            "duty.alerts": {
                CheckInRequested: consume(starts.on_check_in_requested),
                CheckInMissed: consume(starts.on_check_in_missed),
                RoundMissed: consume(rounds.on_round_missed),
                HazardOverdue: consume(rounds.on_hazard_overdue),
                SpotCheckRequested: consume(rounds.on_spot_check_requested),
                SpotCheckUnanswered: consume(rounds.on_spot_check_unanswered),
                WarningUnacknowledged: consume(rounds.on_warning_unacknowledged),
            },
            "duty.shifts": {
                ShiftStarted: consume(starts.on_shift_started),
                ShiftEnded: consume(starts.on_shift_ended),
            },
            "duty.units": {UnitUpdated: consume(starts.on_unit_updated)},
        }

    def api(self) -> FastAPI:
        api = service_api(self.settings.max_body_bytes, title="dutywatch notifier", lifespan=self.lifespan)
        api.state.tokens = token_book(self.settings.api_tokens, self.settings.data_dir)
        limit = UnknownReplyLimit()  # one for both providers: the help SMS cap is the account's
        webhook_tokens = self.settings.webhook_tokens()
        if webhook_tokens:
            check = SignatureCheck(self.settings.public_url, webhook_tokens)
            api.mount(TWILIO_WEBHOOKS, webhook_routes(self.in_work, check, self.webhooks, limit, self.after_webhook))
        pushes = PushTokenCheck(self.settings.aliyun.push_tokens)
        api.mount(ALIYUN_WEBHOOKS, aliyun_push_routes(self.in_work, pushes, limit, self.after_webhook))
        api.include_router(api_routes(self.work, self.settings.broadcast_unit_id, self.clock))
        return api

    @asynccontextmanager
    async def lifespan(self, api: FastAPI) -> AsyncIterator[None]:
        """The runtime's, then the providers' clients closed, however it ended."""
        try:
            async with super().lifespan(api):
                yield
        finally:
            await close_providers(self.providers)


def create_app(settings: Settings, clock: Clock = utc_now) -> FastAPI:
    return Notifier(settings, clock).api()
