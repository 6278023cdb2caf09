"""The notifier's ports: what it needs from an SMS provider and a voice provider, and the repositories its
handlers work through.

Why provider ports: Twilio cannot reach mainland numbers, so the same alert goes through different providers
by number (see `adapters/router.py`). Adding a provider is one adapter implementing these protocols plus one
configuration value; nothing else changes.

The repositories are bound to one transaction: what a handler does through them commits together or not at
all. They raise RetryableError when trying again later can help (the database is busy or gone); anything
else (LookupError for a row another refers to) is a bug or a broken invariant and is permanent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from schemas.duty import ShiftEnded, ShiftStarted, UnitUpdated
from schemas.envelope import Message
from services.notifier.domain import Contact, PolicyBook
from services.notifier.domain.attempts import Attempt, NewAttempt
from services.notifier.domain.broadcasts import Broadcast
from services.notifier.domain.codes import InboundText, ReplyCode
from services.notifier.domain.directory import KnownSender, UnitEntry
from services.notifier.domain.filing import Subject
from services.notifier.domain.runs import Acknowledgement, NewRun, Run, Track
from services.runtime.errors import PermanentError, RetryableError, UnsupportedError

__all__ = [
    "Answered",
    "Attempts",
    "Broadcasts",
    "DeliveryError",
    "Directory",
    "EscalationMetrics",
    "InWork",
    "InboundTexts",
    "OutboundCall",
    "OutboundSms",
    "Outgoing",
    "PermanentDeliveryError",
    "Ports",
    "Provider",
    "ReplyCodes",
    "RetryableDeliveryError",
    "Runs",
    "SendResult",
    "SmsSender",
    "SmsStatus",
    "Tracks",
    "UnsupportedDeliveryError",
    "VoiceCaller",
]

T = TypeVar("T")


class DeliveryError(Exception):
    """A provider refused or failed a request; `code` is the provider's (e.g. 21211) for the record."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class RetryableDeliveryError(DeliveryError, RetryableError):
    """The provider's fault or the network's (429, 5xx, timeout): the same request may succeed later."""


class PermanentDeliveryError(DeliveryError, PermanentError):
    """Ours or the number's (invalid number, unsubscribed): the same request never succeeds. Try the other channel."""


class UnsupportedDeliveryError(DeliveryError, UnsupportedError):
    """This provider cannot carry the request at all (a channel or destination it lacks): route elsewhere."""


@dataclass(frozen=True)
class OutboundSms:
    attempt_id: str
    to: str
    text: str
    status_callback_url: str


@dataclass(frozen=True)
class OutboundCall:
    attempt_id: str
    to: str
    script: str
    twiml_url: str
    status_callback_url: str


@dataclass(frozen=True)
class SendResult:
    """The provider took the request: its reference, and `sent` (outcome to follow) or `delivered` already."""

    provider: str
    ref: str
    status: str = "sent"


class SmsSender(Protocol):
    """Sends one SMS. Returns once the provider accepted it; the outcome arrives later by status callback
    (or in the result, for a provider that knows at once).

    Raises RetryableDeliveryError when trying again may help, PermanentDeliveryError when it never can (the
    caller falls back to a call), UnsupportedDeliveryError when this provider cannot send there.
    """

    name: str

    async def send_sms(self, sms: OutboundSms) -> SendResult: ...


class SmsStatus(Protocol):
    """Answers what became of a message it sent (for messages whose status callback never came)."""

    async def sms_status(self, ref: str) -> str:
        """The provider's current status of a message (queued, sent, delivered, undelivered, failed).

        Raises RetryableDeliveryError when the provider cannot answer now.
        """
        ...


class VoiceCaller(Protocol):
    """Places one call that fetches its TwiML-like script from `twiml_url` and reports progress to
    `status_callback_url`. Same error contract as SmsSender (a permanent error falls back to an SMS).
    """

    name: str

    async def place_call(self, call: OutboundCall) -> SendResult: ...


class Provider(SmsSender, SmsStatus, VoiceCaller, Protocol):
    """A provider that carries both channels (Twilio, Aliyun, the console)."""


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

    async def statuses_of(self, attempt_ids: Collection[str]) -> dict[str, str]: ...

    async def mark_sent(self, rows: Sequence[tuple[str, str, str, str, datetime]]) -> None:
        """(attempt id, status, provider, provider ref, sent at) for many attempts at once."""

    async def postpone_attempt(self, attempt_id: str, until: datetime) -> None: ...

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


class Directory(Protocol):
    """The read models of `duty.shifts` and `duty.units`: never the roster's own database."""

    async def shift_started(self, shift: ShiftStarted) -> None: ...

    async def shift_ended(self, shift: ShiftEnded) -> None: ...

    async def unit_updated(self, unit: UnitUpdated) -> None: ...

    async def unit(self, unit_id: str) -> UnitEntry | None: ...

    async def unit_name(self, unit_id: str) -> str:
        """The unit's name, or its id when the directory does not know it."""

    async def top_unit_ids(self) -> list[str]:
        """The units with no parent: in a city's directory, its bureau."""

    async def on_duty(self, unit_ids: list[str] | None) -> dict[str, tuple[Contact, Contact]]:
        """(officer, leader) of each unit with a current shift, of `unit_ids` or of every unit."""

    async def sender(self, phone: str) -> KnownSender | None:
        """Who on the roster (an officer or leader on a current shift, or a duty room) has this number."""

    async def person(self, person_id: str) -> Contact | None: ...


class Outgoing(Protocol):
    """Messages leaving the service, through the outbox of the same transaction."""

    async def publish(self, payload: Message, correlation_id: str | None = None) -> str:
        """Its envelope's event id."""

    async def publish_many(self, payloads: Sequence[tuple[Message, str | None]]) -> None:
        """Like `publish` for many (payload, correlation id) pairs, at once."""


class EscalationMetrics(Protocol):
    """What the escalation sweep counts (Prometheus in production)."""

    def step_fired(self, late_s: float) -> None:
        """A due step fired `late_s` seconds after its due time."""

    def step_failed(self, policy: str) -> None:
        """A due step failed to fire and was set aside."""


@dataclass(frozen=True)
class Ports:
    """Everything a handler may touch, bound to one transaction, and the policies it escalates by."""

    runs: Runs
    tracks: Tracks
    attempts: Attempts
    codes: ReplyCodes
    inbound: InboundTexts
    answered: Answered
    broadcasts: Broadcasts
    directory: Directory
    outgoing: Outgoing
    policies: PolicyBook
    metrics: EscalationMetrics


class InWork(Protocol):
    """Runs an effect on the ports of a transaction, given the time, and gives back its result once that
    transaction has committed (the webhooks' group commit: effects that arrive together share one)."""

    async def __call__(self, effect: Callable[[Ports, datetime], Awaitable[T]]) -> T: ...
