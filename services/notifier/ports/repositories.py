"""The repositories of the notifier's own rows: runs and their tracks, attempts, reply codes, inbound texts,
what filed reports answered, broadcasts. Bound to one transaction (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from services.notifier.domain import Contact
from services.notifier.domain.attempts import Attempt, NewAttempt
from services.notifier.domain.broadcasts import Broadcast
from services.notifier.domain.codes import InboundText, ReplyCode
from services.notifier.domain.filing import Subject
from services.notifier.domain.runs import Acknowledgement, NewRun, Run, Track

__all__ = ["Answered", "Attempts", "Broadcasts", "InboundTexts", "ReplyCodes", "Runs", "Tracks"]


class Runs(Protocol):
    """Escalation runs, each stored with its tracks."""

    async def add_run(self, run: NewRun, now: datetime, first_due: datetime | None = None) -> str:
        """Record a run and its tracks, open; the first step falls due at `first_due` (default: now)."""

    async def find_run(self, run_id: str) -> Run | None: ...

    async def run(self, run_id: str) -> Run:
        """A run something refers to (an attempt, a track, a code); LookupError when it is not there."""

    async def runs_by_id(self, run_ids: Collection[str]) -> dict[str, Run]: ...

    async def open_runs_for(self, subject_ids: Sequence[str], subjects: Sequence[str]) -> list[Run]: ...

    async def runs_for_subject(self, subject: str, subject_id: str) -> list[Run]: ...

    async def runs_for_incident(self, incident_id: str) -> list[Run]:
        """The incident's own runs and those about its reports (subject id `incident/…`)."""

    async def end_run(self, run_id: str, state: str, now: datetime) -> None: ...

    async def count_open_runs(self) -> int: ...

    async def answers_to_unit_since(self, unit_id: str, since: datetime) -> int:
        """How many answer SMS (help, already acknowledged) went to numbers of `unit_id` since `since`."""


class Tracks(Protocol):
    """The lines of a run; an open track's `due_at` is the timer of its next step."""

    async def tracks_of(self, run_id: str) -> list[Track]:
        """In the order they were added."""

    async def track(self, track_id: int) -> Track:
        """A track something refers to (an attempt, a code); LookupError when it is not there."""

    async def claim_due_tracks(self, now: datetime, limit: int) -> list[Track]:
        """Open tracks whose next step is due, locked for this transaction (another replica skips them)."""

    async def advance_tracks(self, advances: Sequence[tuple[int, int, datetime]]) -> None:
        """(track id, next step, due at) for many tracks at once."""

    async def bring_track_forward(self, track_id: int, step_done: int, now: datetime) -> None:
        """The step's call failed: the next step, if still to come, falls due now."""

    async def end_track(self, track_id: int, state: str, ack: Acknowledgement | None = None) -> bool:
        """Close an open track; False when it was no longer open (somebody was first)."""

    async def set_contacts(self, track_id: int, contacts: dict[str, Contact]) -> None:
        """Whom an open track's next steps reach."""

    async def open_track_count(self, run_id: str) -> int: ...


class Attempts(Protocol):
    """One SMS or call to one person for one step, written before any provider hears of it."""

    async def add_attempts(self, attempts: Sequence[NewAttempt], now: datetime) -> list[str]:
        """Their ids, in order."""

    async def add_attempt(self, attempt: NewAttempt, now: datetime) -> str: ...

    async def attempted_pairs(self, run_ids: Collection[str]) -> set[tuple[str, str]]:
        """(run id, number) of every attempt these runs made."""

    async def attempt(self, attempt_id: str) -> Attempt | None: ...

    async def attempt_by_ref(self, ref: str) -> Attempt | None:
        """The attempt a provider knows by `ref` (its message or call id)."""

    async def attempts_of(self, run_id: str) -> list[Attempt]:
        """Oldest first."""

    async def claim_pending_attempts(self, now: datetime, limit: int, lease: timedelta) -> list[Attempt]:
        """Pending attempts, and those whose dispatcher's lease ran out, leased to this caller until now + lease;
        each as it was before the claim."""

    async def extend_leases(self, claims: Sequence[tuple[str, int]], until: datetime) -> None:
        """(attempt id, its dispatch count after the claim): the attempts this caller is still sending keep their
        lease until `until`. One another caller has claimed since (its count moved on) is left to it."""

    async def statuses_of(self, attempt_ids: Collection[str]) -> dict[str, str]: ...

    async def mark_sent(self, rows: Sequence[tuple[str, str, str, str, datetime]]) -> None:
        """(attempt id, status, provider, provider ref, sent at) for many attempts at once."""

    async def postpone_attempt(self, attempt_id: str, until: datetime) -> None:
        """Give back the claim of an attempt that is not sent now (pending until `until`): it was not dispatched."""

    async def sms_sent_to(self, phone: str, since: datetime) -> list[datetime]: ...

    async def record_status_rank(self, attempt_id: str, rank: int) -> None:
        """The rank of the latest status applied: an older one arriving later is ignored."""

    async def mark_delivered(self, attempt_id: str, rank: int, at: datetime) -> None: ...

    async def mark_failed(self, attempt_id: str, code: str, message: str, at: datetime) -> None: ...

    async def cancel_pending_attempts(self, track_ids: Sequence[int], now: datetime) -> None: ...

    async def stuck_sms(self, before: datetime, limit: int) -> list[Attempt]:
        """SMS still `sent` (no final status) since before `before`."""


class ReplyCodes(Protocol):
    """Per number and run, the code a reply may name; given out again only once the run is over."""

    async def codes_for(self, pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The codes already issued to these (phone, run id) pairs."""

    async def held_codes(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (phone, code) pairs are issued now."""

    async def codes_held_by(self, phone: str) -> set[str]: ...

    async def add_codes(self, codes: Sequence[ReplyCode]) -> None: ...

    async def code_holder(self, phone: str, code: str) -> ReplyCode | None: ...

    async def latest_open_alert(self, phone: str) -> ReplyCode | None:
        """The newest code issued to this number whose track still waits for an acknowledgement."""

    async def free_codes(self, run_ids: Sequence[str]) -> None: ...


class InboundTexts(Protocol):
    """Every text that came in, once each."""

    async def inbound_seen(self, ref: str) -> bool:
        """This provider message was handled before (the provider retried its webhook)."""

    async def record_inbound(self, text: InboundText) -> None: ...

    async def unknown_replies_since(self, phone: str, since: datetime) -> list[datetime]: ...


class Answered(Protocol):
    """The run subjects a filed report answered for good: no run about them may start or fire again."""

    async def record_answered(self, subjects: Collection[Subject], reason: str, now: datetime) -> None:
        """Remember them (a second filing of the same changes nothing)."""

    async def answered_among(self, subjects: Collection[Subject]) -> set[Subject]: ...


class Broadcasts(Protocol):
    """The bureau's notices on record."""

    async def add_broadcast(self, broadcast: Broadcast) -> bool:
        """Record it once; False when it is already on record."""

    async def broadcast(self, broadcast_id: str) -> Broadcast | None: ...
