"""Handing attempts to the providers, outside any transaction, and recording what they answered.

Up to `concurrency` sends are under way at once; each freed slot is refilled at once, and the answers that
came in meanwhile are recorded together, so one slow provider call holds up no other.

Order, so that a crash loses nothing: the attempt row exists (pending) → it is claimed with a lease
(dispatching; a live dispatcher renews the lease until the outcome is stored, `leases.py`) → the provider is
called → the outcome is stored. A dispatcher that dies mid-call leaves the row dispatching and stops renewing;
when the lease runs out another claims it and first asks the provider (`SentLookup`) whether
it took the earlier request: if so, that answer is recorded and nothing is sent again. If the provider cannot
tell (no record to ask, not reachable, no such request), it sends again, logged as a possible duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import structlog
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from schemas.notify import AttemptDelivered, AttemptSent
from schemas.values import Channel
from services.notifier.domain import RateLimit
from services.notifier.domain.attempts import Attempt
from services.notifier.domain.runs import Run
from services.notifier.domain.texts import alert_sms, voice_twiml_script
from services.notifier.handlers.outcomes import fail_attempt, outcome_fields
from services.notifier.ports import (
    DeliveryError,
    OpenPorts,
    OutboundCall,
    OutboundSms,
    PermanentDeliveryError,
    Ports,
    RetryableDeliveryError,
    SendResult,
    SentLookup,
    SmsSender,
    SmsStatus,
    VoiceCaller,
)
from services.notifier.sending.leases import HeldLeases
from services.notifier.sending.reconcile import find_earlier_dispatch
from services.notifier.sending.stuck import poll_stuck_sms
from services.notifier.sending.webhook_urls import Webhooks
from services.runtime.coalesce import Coalesced

__all__ = ["Checkpoint", "DispatchSettings", "Dispatcher", "Job", "PassCheckpoint", "no_checkpoint"]

log = structlog.get_logger(__name__)

MAX_DISPATCHES = 2
# How long the answers that came in wait for more to join their transaction. Recording is off the path to the
# officer's phone (the send has happened; its lease is held until then), and at 100 alerts a second an answer
# a transaction, each waking the outbox relay, was a fifth of the notifier's transactions.
RECORD_GATHER_S = 0.02

Checkpoint = Literal["after_step_recorded", "after_provider_call"]
"""A point where a crash must lose nothing: a due step's attempts are committed and no provider has heard of
them yet; a provider took a message whose outcome is not stored yet."""
PassCheckpoint = Callable[[Checkpoint], None]
"""Told each checkpoint as the notifier passes it: nothing in production; the crash tests kill the process."""


def no_checkpoint(point: Checkpoint) -> None:
    """Production: passing a checkpoint does nothing."""


@dataclass(frozen=True)
class DispatchSettings:
    lease: timedelta = timedelta(seconds=30)
    provider_attempts: int = 4
    first_backoff_s: float = 0.2
    batch: int = 200
    concurrency: int = 50


@dataclass(frozen=True)
class Job:
    """An attempt claimed for dispatch, with what it says."""

    attempt: Attempt
    run: Run
    text: str
    script: str


class Dispatcher:
    def __init__(
        self,
        open_ports: OpenPorts,
        clock: Callable[[], datetime],
        sms: SmsSender,
        voice: VoiceCaller,
        providers: dict[str, SmsStatus],
        webhooks: Webhooks,
        settings: DispatchSettings,
        checkpoint: PassCheckpoint = no_checkpoint,
        sent_lookup: SentLookup | None = None,
    ) -> None:
        self._open_ports = open_ports
        self._clock = clock
        self._sms = sms
        self._voice = voice
        self._providers = providers
        self._webhooks = webhooks
        self._settings = settings
        self._rate_limit = RateLimit()
        self._checkpoint = checkpoint
        self._sent_lookup = sent_lookup
        self._reconciled_refs: set[str] = set()  # handed out by reconciliation, not recorded yet
        self.leases = HeldLeases(open_ports, settings.lease)
        self._sending: set[asyncio.Task[None]] = set()
        self._finished: list[tuple[Job, SendResult | DeliveryError]] = []
        self._claimed_all_asked = True  # the last claim filled every free slot: more may be waiting
        self._claiming = True
        self.pump_soon = Coalesced(self._pump)
        self._record_soon = Coalesced(self._record_finished)

    async def _pump(self) -> None:
        """Fill the free sending slots with claimed attempts (`pump_soon`: whenever new ones may be due)."""
        if self._finished:
            self._record_soon.kick()
        while self._free_slots() > 0:
            async with self._open_ports() as ports:
                now = self._clock()
                jobs = await self.claim(ports, now)
            if not self.send(jobs):
                return

    def _free_slots(self) -> int:
        return self._settings.concurrency - len(self._sending) if self._claiming else 0

    def send(self, jobs: list[Job]) -> bool:
        """Start sending what `claim` gave, once its transaction committed; True if more may be waiting."""
        for job in jobs:
            self.leases.hold(job.attempt)
            task = asyncio.get_running_loop().create_task(self._send_and_queue(job))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        return self._claimed_all_asked

    async def _send_and_queue(self, job: Job) -> None:
        try:
            outcome = await self._dispatch(job)
        except Exception as error:
            log.exception("sending an attempt failed unexpectedly", attempt_id=job.attempt.id)
            outcome = RetryableDeliveryError("unexpected", repr(error))
        # Appended only now: `_finished` is replaced by a new list each time the answers are recorded.
        self._finished.append((job, outcome))
        self._record_soon.kick()

    async def _record_finished(self) -> None:
        """Record every answer that came in since the last time, in one transaction; then refill the slots."""
        await asyncio.sleep(RECORD_GATHER_S)
        finished, self._finished = self._finished, []
        if finished:
            try:
                async with self._open_ports() as ports:
                    now = self._clock()
                    await self._record(ports, now, finished)
            except BaseException:
                self._finished[:0] = finished
                raise
            self._reconciled_refs.difference_update(o.ref for _, o in finished if isinstance(o, SendResult))
            self.leases.release(job.attempt.id for job, _ in finished)
        # Freed slots are refilled only if something may wait for them: an empty claim after every answer
        # was, at a few messages a second, a transaction in three. New attempts kick the pump themselves.
        if self._claimed_all_asked or any(isinstance(outcome, DeliveryError) for _, outcome in finished):
            self.pump_soon.kick()

    async def settle(self) -> None:
        """Send everything claimable now (nothing once claiming has stopped) and return once every answer is
        recorded (tests; shutdown)."""
        await self.pump_soon()
        while True:
            await asyncio.gather(*self._sending)
            # Also waits for a recording already under way: its answers are no longer in `_finished`, and the
            # attempts it writes (a fallback call) are only claimable once it has committed.
            await self._record_soon()
            await self.pump_soon()
            if not (self._sending or self._finished):
                return

    def stop_claiming(self) -> None:
        """From now on claim nothing (shutdown): what is not claimed stays pending for the next dispatcher."""
        self._claiming = False

    async def claim(self, ports: Ports, now: datetime) -> list[Job]:
        """Claim attempts for the free sending slots in the transaction of `ports`: the caller's own, so that the
        transaction that wrote them can claim them too. Hand the jobs to `send` once it has committed."""
        limit = self._free_slots()
        if limit <= 0:
            self._claimed_all_asked = True
            return []
        rows = await ports.attempts.claim_pending_attempts(now, limit, self._settings.lease)
        self._claimed_all_asked = len(rows) == limit
        runs = await ports.runs.runs_by_id({row.run_id for row in rows})
        jobs = []
        for row in rows:
            if await self._held_back(ports, now, row):
                continue
            run = runs[row.run_id]
            text, script = alert_sms(run.sms_text, row.reply_code), voice_twiml_script(run.voice_script)
            jobs.append(Job(row, run, text, script))
        return jobs

    async def _held_back(self, ports: Ports, now: datetime, row: Attempt) -> bool:
        """Per-recipient SMS rate limit; never for the first message of a run."""
        if row.channel != Channel.SMS or row.first_of_run or row.status == "dispatching":
            return False
        sent = await ports.attempts.sms_sent_to(row.to, now - timedelta(hours=2))
        allowed = self._rate_limit.next_allowed(sent, now, first_of_run=False)
        if allowed <= now:
            return False
        log.info("SMS held back by the rate limit", attempt_id=row.id, until=allowed.isoformat())
        await ports.attempts.postpone_attempt(row.id, allowed)
        return True

    async def _dispatch(self, job: Job) -> SendResult | DeliveryError:
        attempt, refs = job.attempt, self._reconciled_refs
        if attempt.status == "dispatching":
            earlier = await find_earlier_dispatch(self._sent_lookup, attempt, job.text, self._open_ports, refs)
            if earlier is not None:
                return earlier
            fields = {"attempt_id": attempt.id, "run_id": attempt.run_id, "dispatches": attempt.dispatches + 1}
            if attempt.dispatches + 1 > MAX_DISPATCHES:
                log.error("outcome unknown after repeated crashes: not sent again, the attempt fails", **fields)
                return PermanentDeliveryError("unknown", "outcome unknown after repeated crashes; not sent again")
            log.warning("possible duplicate: an earlier dispatcher stopped after claiming this attempt; sending again",
                        **fields)  # fmt: skip
        try:
            result = await self._send(job)
        except DeliveryError as error:
            return error
        self._checkpoint("after_provider_call")
        return result

    async def _send(self, job: Job) -> SendResult:
        attempt = job.attempt
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._settings.provider_attempts),
            wait=wait_exponential(multiplier=self._settings.first_backoff_s, max=5),
            retry=retry_if_exception_type(RetryableDeliveryError),
            reraise=True,
        )
        async for try_ in retrying:
            with try_:
                if attempt.channel == Channel.SMS:
                    sms = OutboundSms(attempt.id, attempt.to, job.text, self._webhooks.url("sms/status", attempt.id))
                    return await self._sms.send_sms(sms)
                call = OutboundCall(
                    attempt.id, attempt.to, job.script,
                    self._webhooks.url("voice", attempt.id), self._webhooks.url("voice/status", attempt.id),
                )  # fmt: skip
                return await self._voice.place_call(call)
        raise AssertionError("unreachable: tenacity reraises")

    async def _record(
        self, ports: Ports, now: datetime, outcomes: list[tuple[Job, SendResult | DeliveryError]]
    ) -> None:
        statuses = await ports.attempts.statuses_of([job.attempt.id for job, _ in outcomes])
        sent_rows: list[tuple[str, str, str, str, datetime]] = []
        events: list[AttemptSent | AttemptDelivered] = []
        for job, outcome in outcomes:
            attempt = job.attempt
            if isinstance(outcome, DeliveryError):
                permanent = isinstance(outcome, PermanentDeliveryError)
                log.warning("attempt failed", attempt_id=attempt.id, code=outcome.code, permanent=permanent)
                await fail_attempt(ports, now, attempt, outcome.code, outcome.message, permanent, provider=None)
                continue
            # A status callback may have overtaken us: its outcome stands, we add what only we know.
            still_ours = statuses.get(attempt.id) in ("dispatching", "pending")
            status = ("delivered" if outcome.status == "delivered" else "sent") if still_ours else statuses[attempt.id]
            sent_rows.append((attempt.id, status, outcome.provider, outcome.ref, now))
            fields = outcome_fields(job.run, attempt, outcome.provider)
            events.append(AttemptSent(**fields, provider_ref=outcome.ref, sent_at=now))
            if still_ours and status == "delivered":
                events.append(AttemptDelivered(**fields, delivered_at=now))
        await ports.attempts.mark_sent(sent_rows)
        await ports.outgoing.publish_many([(event, event.subject_id) for event in events])

    async def poll_stuck(self, older_than: timedelta) -> int:
        """Messages still `sent` after a while: ask their provider, as if its status callback had come."""
        return await poll_stuck_sms(self._open_ports, self._clock, self._providers, older_than, self._settings.batch)
