"""The escalation sweep: fire the steps that are due, write their attempts, end the runs that ran out.

An attempt is a row before any provider hears of it; `sending/dispatcher.py` hands it over afterwards. A batch of
due tracks is fired with a handful of statements, so that thousands of open runs stay on time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from schemas.notify import RunExhausted, RunSubject
from services.notifier.domain import Acknowledge, Notification, Policy
from services.notifier.domain.attempts import NewAttempt
from services.notifier.domain.codes import ReplyCode, fresh_code
from services.notifier.domain.filing import ANSWERABLE
from services.notifier.domain.runs import Run, Track
from services.notifier.handlers.filings import stop_answered
from services.notifier.ports import Ports

__all__ = ["fire_due_tracks"]

log = structlog.get_logger(__name__)
CODE_DRAWS = 3
SET_ASIDE = timedelta(minutes=5)  # a step that failed is tried again after this, not at every sweep


@dataclass
class Firing:
    """What one batch of due tracks sends, and how each track moves on."""

    notifications: list[tuple[Run, int, int, Notification, Policy]] = field(default_factory=list)
    advances: list[tuple[int, int, datetime]] = field(default_factory=list)
    endings: list[tuple[Run, Track, Policy]] = field(default_factory=list)


async def fire_due_tracks(ports: Ports, now: datetime, limit: int) -> int:
    """Fire every due track (up to `limit`): its next step's attempts, or its end. Returns how many fired."""
    tracks = await ports.tracks.claim_due_tracks(now, limit)
    if not tracks:
        return 0
    runs = await ports.runs.runs_by_id({track.run_id for track in tracks})
    answered = await stop_answered_runs(ports, now, runs)
    for track in tracks:
        ports.metrics.step_fired(max(0.0, (now - (track.due_at or now)).total_seconds()))
    firing = Firing()
    for track in (each for each in tracks if each.run_id not in answered):
        try:
            plan_track(ports, now, firing, runs[track.run_id], track)
        except Exception as error:  # one broken run must not hold up the runs due with it
            set_aside(ports, now, firing, runs[track.run_id], track, error)
    await add_attempts(ports, now, firing.notifications)
    await ports.tracks.advance_tracks(firing.advances)
    for run, track, policy in firing.endings:
        await end_track(ports, now, run, track, policy)
    return len(tracks)


async def stop_answered_runs(ports: Ports, now: datetime, runs: dict[str, Run]) -> set[str]:
    """The due runs a filed report has answered (recorded when its filing was consumed), stopped here, in the
    firing transaction, instead of firing."""
    asked = {(run.subject, run.subject_id) for run in runs.values() if run.subject in ANSWERABLE}
    answered = await ports.answered.answered_among(asked)
    stopped = {run.id for run in runs.values() if (run.subject, run.subject_id) in answered}
    for run_id in stopped:
        await stop_answered(ports, now, runs[run_id], "its report was filed before this step fell due")
    return stopped


def plan_track(ports: Ports, now: datetime, firing: Firing, run: Run, track: Track) -> None:
    """What the track's due step sends and when it moves on; nothing is added to `firing` if this raises."""
    policy = ports.policies.for_run(run.policy, run.unit_id)
    step = track.next_step
    if step >= policy.total_steps:
        firing.endings.append((run, track, policy))
        return
    notifications = policy.notifications(step, track.contacts, major=run.major)
    due = policy.due_after(step, now) if notifications else now
    firing.notifications.extend((run, track.id, step, notification, policy) for notification in notifications)
    if not notifications:
        log.warning("step reaches nobody; the next one fires now", run_id=run.id, step=step, subject=run.subject)
    firing.advances.append((track.id, step + 1, due))


def set_aside(ports: Ports, now: datetime, firing: Firing, run: Run, track: Track, error: Exception) -> None:
    """The track's step failed: it waits SET_ASIDE before it is tried again, counted and logged."""
    ports.metrics.step_failed(run.policy)
    log.error(
        "escalation step failed; set aside, the other due runs fire",
        run_id=run.id, policy=run.policy, step=track.next_step, error=repr(error), retry_in_s=SET_ASIDE.total_seconds(),
    )  # fmt: skip
    firing.advances.append((track.id, track.next_step, now + SET_ASIDE))


async def add_attempts(ports: Ports, now: datetime, planned: list[tuple[Run, int, int, Notification, Policy]]) -> None:
    """One attempt per notification, each with the recipient's reply code for its run (issued once)."""
    if not planned:
        return
    wanting = {
        (notification.contact.phone, run.id): (run, track_id)
        for run, track_id, _, notification, policy in planned
        if policy.acknowledge is not Acknowledge.NONE
    }
    code_of = await reply_codes(ports, now, wanting)
    attempted = await ports.attempts.attempted_pairs({run.id for run, *_ in planned})
    attempts = []
    for run, track_id, step, notification, _ in planned:
        phone = notification.contact.phone
        first = (run.id, phone) not in attempted
        attempted.add((run.id, phone))
        attempts.append(
            NewAttempt(run.id, track_id, step, notification.role, notification.contact.name, phone,
                       notification.channel.value, code_of.get((phone, run.id)), first)
        )  # fmt: skip
    await ports.attempts.add_attempts(attempts, now)


async def reply_codes(
    ports: Ports, now: datetime, wanting: dict[tuple[str, str], tuple[Run, int]]
) -> dict[tuple[str, str], str]:
    """The reply code of each (phone, run_id): the one issued before, or a new one no run holds on that number."""
    if not wanting:
        return {}
    code_of = await ports.codes.codes_for(wanting)
    issued = await unused_codes(ports, now, [pair for pair in wanting if pair not in code_of])
    await ports.codes.add_codes(
        [
            ReplyCode(phone, code, run_id, wanting[phone, run_id][1], wanting[phone, run_id][0].subject_id, now)
            for (phone, run_id), code in issued.items()
        ]
    )
    return code_of | issued


async def unused_codes(ports: Ports, now: datetime, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """A code for each (phone, run_id), free on its number: drawn at random and checked, a few draws at most.

    Checking only the drawn codes keeps this cheap however many codes a number holds; a number that holds
    so many that draws keep colliding gets a code picked from the full list of what it holds.
    """
    chosen: dict[tuple[str, str], str] = {}
    for _ in range(CODE_DRAWS):
        pending = [pair for pair in pairs if pair not in chosen]
        if not pending:
            return chosen
        drawn = _draw_codes(pending, chosen)
        taken = await ports.codes.held_codes({(phone, code) for (phone, _), code in drawn.items()})
        chosen |= {pair: code for pair, code in drawn.items() if (pair[0], code) not in taken}
    for phone, run_id in [pair for pair in pairs if pair not in chosen]:
        held = await ports.codes.codes_held_by(phone)
        chosen[phone, run_id] = fresh_code(held | {code for (other, _), code in chosen.items() if other == phone})
    return chosen


def _draw_codes(pending: list[tuple[str, str]], chosen: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    used: dict[str, set[str]] = {}
    for (phone, _), code in chosen.items():
        used.setdefault(phone, set()).add(code)
    drawn = {}
    for phone, run_id in pending:
        code = drawn[phone, run_id] = fresh_code(used.setdefault(phone, set()))
        used[phone].add(code)
    return drawn


async def end_track(ports: Ports, now: datetime, run: Run, track: Track, policy: Policy) -> None:
    """The last step's wait passed: the track is exhausted; the run too once no track is open."""
    answered = policy.acknowledge is Acknowledge.NONE
    await ports.tracks.end_track(track.id, "done" if answered else "exhausted")
    if await ports.tracks.open_track_count(run.id):
        return
    if answered:
        await ports.runs.end_run(run.id, "done", now)
        return
    tracks = await ports.tracks.tracks_of(run.id)
    await ports.runs.end_run(run.id, "exhausted", now)
    if run.subject != RunSubject.INCIDENT:
        await ports.codes.free_codes([run.id])
    exhausted_tracks = {t.id for t in tracks if t.state == "exhausted"}
    waiting = sorted({a.to for a in await ports.attempts.attempts_of(run.id) if a.track_id in exhausted_tracks})
    log.warning("run exhausted: nobody acknowledged", run_id=run.id, subject=run.subject, subject_id=run.subject_id)
    exhausted = RunExhausted(
        unit_id=run.unit_id, run_id=run.id, subject=run.subject, subject_id=run.subject_id,
        steps=policy.total_steps, unacknowledged=waiting, exhausted_at=now,
    )  # fmt: skip
    await ports.outgoing.publish(exhausted, correlation_id=run.subject_id)
