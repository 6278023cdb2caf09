"""What the notifier needs from an SMS provider and a voice provider.

Why: Twilio cannot reach mainland numbers, so the same alert goes through different providers by number (see
`adapters/router.py`). Adding a provider is one adapter implementing these protocols plus one configuration
value; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from services.runtime.errors import PermanentError, RetryableError, UnsupportedError

__all__ = [
    "DeliveryError",
    "EarlierDispatch",
    "OutboundCall",
    "OutboundSms",
    "PermanentDeliveryError",
    "Provider",
    "RetryableDeliveryError",
    "SendResult",
    "SentLookup",
    "SmsSender",
    "SmsStatus",
    "UnsupportedDeliveryError",
    "VoiceCaller",
]


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


@dataclass(frozen=True)
class EarlierDispatch:
    """An attempt that an earlier dispatcher claimed and may have handed to the provider before it stopped.

    `text` is what its SMS said: it carries the attempt's reply code, which another attempt of the run (a fallback, a
    later step) may share; `since` and `until` bound when the earlier dispatcher held it (its claim, its lease's
    end), on our clock.
    """

    attempt_id: str
    channel: str
    to: str
    text: str
    since: datetime
    until: datetime


@runtime_checkable
class SentLookup(Protocol):
    """Asked before an attempt whose earlier dispatch's outcome is unknown is sent again (rare: a notifier died
    between the provider's answer and its record), so that the person is not paged twice."""

    async def find_sent(self, dispatch: EarlierDispatch) -> list[SendResult]:
        """What the provider answered for every request it took that may be this dispatch's, oldest first; empty
        when it took none. More than one when an earlier dispatcher sent again after a request that timed out but
        went through, or when another attempt went out with the same text: the caller tells them apart.

        Raises RetryableDeliveryError when the provider cannot answer now (the caller sends again).
        """
        ...


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
