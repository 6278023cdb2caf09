"""What providers tell us about an attempt: sent, delivered, failed; and the other-channel fallback."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

import structlog

from schemas.notify import AttemptDelivered, AttemptFailed
from schemas.values import Channel
from services.notifier.domain import CALL_FAILURES, is_newer_status, provider_status
from services.notifier.domain.attempts import Attempt, NewAttempt
from services.notifier.domain.runs import Run
from services.notifier.domain.status import status_rank
from services.notifier.ports import Ports

__all__ = ["OutcomeFields", "fail_attempt", "fall_back", "on_status", "outcome_fields"]

log = structlog.get_logger(__name__)


class OutcomeFields(TypedDict):
    """What every message about an attempt's outcome says (AttemptSent, AttemptDelivered, AttemptFailed)."""

    unit_id: str
    run_id: str
    attempt_id: str
    subject: str
    subject_id: str
    step: int
    channel: str
    to: str
    provider: str


def outcome_fields(run: Run, attempt: Attempt, provider: str | None) -> OutcomeFields:
    return {
        "unit_id": run.unit_id,
        "run_id": run.id,
        "attempt_id": attempt.id,
        "subject": run.subject,
        "subject_id": run.subject_id,
        "step": attempt.step,
        "channel": attempt.channel,
        "to": attempt.to,
        "provider": provider or attempt.provider or "none",
    }


async def on_status(
    attempt_id: str, status: str, sequence: int | None, error_code: str | None, ports: Ports, now: datetime
) -> None:
    """A status callback (or a poll): applied only when it moves the attempt forward."""
    attempt = await ports.attempts.attempt(attempt_id)
    if attempt is None:
        log.warning("status for an unknown attempt ignored", attempt_id=attempt_id, status=status)
        return
    if not is_newer_status(attempt.status_rank, status, sequence):
        log.info("out-of-order status ignored", attempt_id=attempt_id, status=status, sequence=sequence)
        return
    rank = status_rank(status, sequence)
    outcome = provider_status(status)
    if outcome == "delivered" and attempt.status != "delivered":
        await ports.attempts.mark_delivered(attempt_id, rank, now)
        run = await ports.runs.run(attempt.run_id)
        await ports.outgoing.publish(
            AttemptDelivered(**outcome_fields(run, attempt, None), delivered_at=now), run.subject_id
        )
        return
    await ports.attempts.record_status_rank(attempt_id, rank)
    if outcome == "failed" and attempt.status not in ("failed", "delivered"):
        await fail_attempt(ports, now, attempt, error_code or status, f"provider status {status}", False, None)
        if attempt.channel == Channel.VOICE and status in CALL_FAILURES:
            await ports.tracks.bring_track_forward(attempt.track_id, attempt.step, now)


async def fail_attempt(
    ports: Ports, now: datetime, attempt: Attempt, code: str, message: str, permanent: bool, provider: str | None
) -> None:
    """Record the failure and report it. A failed SMS is tried as a call and the other way round, once."""
    await ports.attempts.mark_failed(attempt.id, code, message, now)
    run = await ports.runs.run(attempt.run_id)
    failed = AttemptFailed(
        **outcome_fields(run, attempt, provider),
        error_code=code,
        error=message,
        permanent=permanent,
        failed_at=now,
    )
    await ports.outgoing.publish(failed, run.subject_id)
    if attempt.channel == Channel.SMS or permanent:
        await fall_back(ports, now, run, attempt)


async def fall_back(ports: Ports, now: datetime, run: Run, attempt: Attempt) -> None:
    if attempt.fallback_of is not None:
        return
    track = await ports.tracks.track(attempt.track_id)
    if track.state != "open" and not run.policy.startswith("message"):
        return
    other = Channel.VOICE if attempt.channel == Channel.SMS else Channel.SMS
    fallback = NewAttempt(
        attempt.run_id,
        attempt.track_id,
        attempt.step,
        attempt.role,
        attempt.name,
        attempt.to,
        other.value,
        attempt.reply_code,
        True,
        fallback_of=attempt.id,
    )
    fallback_id = await ports.attempts.add_attempt(fallback, now)
    log.info("falling back to the other channel", attempt_id=attempt.id, fallback_id=fallback_id, channel=other.value)
