"""What providers tell us about an attempt: sent, delivered, failed; and the other-channel fallback."""

from __future__ import annotations

from typing import Any

import structlog

from schemas.notify import AttemptDelivered, AttemptFailed
from schemas.values import Channel
from services.notifier.domain import CALL_FAILURES, is_newer_status, provider_status
from services.notifier.domain.attempts import NewAttempt
from services.notifier.domain.status import status_rank
from services.notifier.handlers.work import Work

__all__ = ["fail_attempt", "fall_back", "on_status", "outcome_fields"]

log = structlog.get_logger(__name__)


def outcome_fields(run: Any, attempt: Any, provider: str | None) -> dict[str, Any]:
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


async def on_status(work: Work, attempt_id: str, status: str, sequence: int | None, error_code: str | None) -> None:
    """A status callback (or a poll): applied only when it moves the attempt forward."""
    attempt = await work.runs.attempt(attempt_id)
    if attempt is None:
        log.warning("status for an unknown attempt ignored", attempt_id=attempt_id, status=status)
        return
    if not is_newer_status(attempt.status_rank, status, sequence):
        log.info("out-of-order status ignored", attempt_id=attempt_id, status=status, sequence=sequence)
        return
    rank = status_rank(status, sequence)
    outcome = provider_status(status)
    if outcome == "delivered" and attempt.status != "delivered":
        await work.runs.mark_delivered(attempt_id, rank, work.now)
        run = await work.runs.run(attempt.run_id)
        await work.publish(
            AttemptDelivered(**outcome_fields(run, attempt, None), delivered_at=work.now), run.subject_id
        )
        return
    await work.runs.record_status_rank(attempt_id, rank)
    if outcome == "failed" and attempt.status not in ("failed", "delivered"):
        await fail_attempt(work, attempt, error_code or status, f"provider status {status}", False, None)
        if attempt.channel == Channel.VOICE and status in CALL_FAILURES:
            await work.runs.bring_track_forward(attempt.track_id, attempt.step, work.now)


async def fail_attempt(
    work: Work, attempt: Any, code: str, message: str, permanent: bool, provider: str | None
) -> None:
    """Record the failure and report it. A failed SMS is tried as a call and the other way round, once."""
    await work.runs.mark_failed(attempt.id, code, message, work.now)
    run = await work.runs.run(attempt.run_id)
    failed = AttemptFailed(
        **outcome_fields(run, attempt, provider),
        error_code=code,
        error=message,
        permanent=permanent,
        failed_at=work.now,
    )
    await work.publish(failed, run.subject_id)
    if attempt.channel == Channel.SMS or permanent:
        await fall_back(work, run, attempt)


async def fall_back(work: Work, run: Any, attempt: Any) -> None:
    if attempt.fallback_of is not None:
        return
    track = await work.runs.track(attempt.track_id)
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
    fallback_id = await work.runs.add_attempt(fallback, work.now)
    log.info("falling back to the other channel", attempt_id=attempt.id, fallback_id=fallback_id, channel=other.value)
