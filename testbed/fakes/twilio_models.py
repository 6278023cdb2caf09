"""What the fake Twilio records, and the JSON shapes Twilio's REST API answers with."""

from __future__ import annotations

import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

API_VERSION = "2010-04-01"
ERROR_DOCS = "https://www.twilio.com/docs/errors/"


def new_sid(prefix: str) -> str:
    """A Twilio-style sid: two-letter prefix + 32 hex digits (34 characters)."""
    return prefix + uuid.uuid4().hex


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc2822(moment: datetime | None) -> str | None:
    """Twilio's date format, e.g. 'Mon, 16 Aug 2010 03:45:01 +0000'."""
    return format_datetime(moment) if moment is not None else None


class TwilioError(Exception):
    """A Twilio REST error; rendered as Twilio's JSON error body."""

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"{ERROR_DOCS}{self.code}",
            "status": self.status,
        }


@dataclass
class ApiRequest:
    """One request the SDK (or anyone) made to the fake REST API."""

    method: str
    path: str
    form: dict[str, str]
    form_items: list[tuple[str, str]]
    query: dict[str, str]
    time: float = field(default_factory=time.monotonic)
    status: int = 0


@dataclass
class CallbackDelivery:
    """One signed webhook request the fake made (status callback, TwiML fetch, Gather action)."""

    url: str
    method: str
    params: dict[str, str]
    signature: str
    time: float = field(default_factory=time.monotonic)
    status: int | None = None
    error: str | None = None


@dataclass
class Said:
    """One <Say> the callee heard."""

    text: str
    language: str | None
    voice: str | None
    loop: int


@dataclass
class FakeMessage:
    sid: str
    account_sid: str
    to: str
    from_: str | None
    body: str
    messaging_service_sid: str | None
    status_callback: str | None
    status: str = "queued"
    error_code: int | None = None
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    time: float = field(default_factory=time.monotonic)
    status_history: list[str] = field(default_factory=lambda: ["queued"])
    callbacks: list[CallbackDelivery] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"


@dataclass
class FakeCall:
    sid: str
    account_sid: str
    to: str
    from_: str
    url: str | None
    method: str
    twiml: str | None
    status_callback: str | None
    status_callback_method: str
    status_callback_events: list[str]
    status: str = "queued"
    duration: int | None = None
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    start_time: datetime | None = None
    end_time: datetime | None = None
    time: float = field(default_factory=time.monotonic)
    status_history: list[str] = field(default_factory=lambda: ["queued"])
    said: list[Said] = field(default_factory=list)
    digits_sent: list[str] = field(default_factory=list)
    verbs: list[str] = field(default_factory=list)
    twiml_requests: list[CallbackDelivery] = field(default_factory=list)
    callbacks: list[CallbackDelivery] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pending_digits: deque[str] = field(default_factory=deque)

    @property
    def uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.sid}.json"


def message_json(message: FakeMessage) -> dict[str, Any]:
    return {
        "account_sid": message.account_sid,
        "api_version": API_VERSION,
        "body": message.body,
        "date_created": rfc2822(message.created_at),
        "date_sent": None,
        "date_updated": rfc2822(message.updated_at),
        "direction": "outbound-api",
        "error_code": message.error_code,
        "error_message": None,
        "from": message.from_,
        "messaging_service_sid": message.messaging_service_sid,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": message.sid,
        "status": message.status,
        "subresource_uris": {"media": message.uri.replace(".json", "/Media.json")},
        "to": message.to,
        "uri": message.uri,
    }


def call_json(call: FakeCall) -> dict[str, Any]:
    return {
        "account_sid": call.account_sid,
        "answered_by": None,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": rfc2822(call.created_at),
        "date_updated": rfc2822(call.updated_at),
        "direction": "outbound-api",
        "duration": str(call.duration) if call.duration is not None else None,
        "end_time": rfc2822(call.end_time),
        "forwarded_from": None,
        "from": call.from_,
        "from_formatted": call.from_,
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": call.sid,
        "start_time": rfc2822(call.start_time),
        "status": call.status,
        "subresource_uris": {"recordings": call.uri.replace(".json", "/Recordings.json")},
        "to": call.to,
        "to_formatted": call.to,
        "trunk_sid": None,
        "uri": call.uri,
    }


def list_page(key: str, path: str, query: dict[str, str], records: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of a list, in Twilio's envelope: `PageSize` records (default 50) from page `Page` (from 0)."""
    size, number = int(query.get("PageSize", "50")), int(query.get("Page", "0"))
    start = size * number
    page = records[start : start + size]

    def uri(page_number: int) -> str:
        return f"{path}?{urlencode({**query, 'PageSize': size, 'Page': page_number})}"

    return {
        key: page,
        "end": start + max(len(page) - 1, 0),
        "first_page_uri": uri(0),
        "next_page_uri": uri(number + 1) if start + size < len(records) else None,
        "page": number,
        "page_size": size,
        "previous_page_uri": uri(number - 1) if number > 0 else None,
        "start": start,
        "uri": uri(number),
    }
