"""What the fake Aliyun remembers: approved sign names and templates, messages, calls, pushes, failures."""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

BEIJING = timezone(timedelta(hours=8))
MESSAGE_TYPES = ("SmsReport", "SmsUp", "VoiceReport", "VoiceCallReport")
CALL_OUTCOMES = ("answered", "no-answer", "busy", "off")
MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
VARIABLE = re.compile(r"\$\{(\w+)\}")


def beijing_now() -> str:
    return datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class ApiRequest:
    """One API request as it arrived: its action and flattened parameters."""

    action: str
    params: dict[str, str]
    access_key_id: str


@dataclass
class FakeSms:
    biz_id: str
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    text: str
    out_id: str | None
    send_status: int = 1
    err_code: str = ""


@dataclass
class FakeCall:
    call_id: str
    action: str
    phone: str
    show_number: str
    template_code: str
    params: dict[str, str]
    text: str
    out_id: str | None
    play_times: int
    menu: dict[str, str] = field(default_factory=dict)
    status_code: str | None = None
    dtmf: str = ""


@dataclass
class Push:
    """One HTTP batch push to a subscriber, and what it answered (status None: no answer at all)."""

    message_type: str
    url: str
    body: list[dict[str, Any]]
    status: int | None = None
    error: str | None = None


@dataclass
class Failure:
    """The next `remaining` requests (of `action`, or any) fail with `code` at `http_status`."""

    remaining: int
    code: str
    http_status: int = 200
    action: str | None = None


@dataclass
class CallOutcome:
    outcome: str = "answered"
    digits: str | None = None


class AliyunState:
    def __init__(self, access_key_id: str, step_delay: float, retry_delays: tuple[float, ...]) -> None:
        self.lock = threading.RLock()
        self.access_key_id = access_key_id
        self.step_delay = step_delay
        self.retry_delays = retry_delays
        self._ids = itertools.count(1)
        # Not part of reset(): flows started before a reset still end, and are still counted until they do.
        self.running_flows = 0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.sign_names: set[str] = set()
            self.templates: dict[str, str] = {}
            self.subscriptions: dict[str, str] = {}
            self.requests: list[ApiRequest] = []
            self.messages: dict[str, FakeSms] = {}
            self.calls: dict[str, FakeCall] = {}
            self.pushes: list[Push] = []
            self.failures: list[Failure] = []
            self.outage_code: str | None = None
            self.sms_outcomes: dict[str, tuple[bool, str]] = {}
            self.call_outcomes: dict[str, CallOutcome] = {}
            self.pending_keys: dict[str, list[str]] = {}
            self.flow_errors: list[str] = []

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):012d}^0"

    def next_sequence(self) -> int:
        return next(self._ids)

    def next_failure(self, action: str) -> Failure | None:
        with self.lock:
            for failure in self.failures:
                if failure.action in (None, action) and failure.remaining > 0:
                    failure.remaining -= 1
                    return failure
            return None

    def render(self, template_code: str, params: dict[str, str]) -> str:
        return VARIABLE.sub(lambda match: params.get(match[1], match[0]), self.templates[template_code])

    def missing_params(self, template_code: str, params: dict[str, str]) -> list[str]:
        return [name for name in VARIABLE.findall(self.templates[template_code]) if name not in params]

    def take_keys(self, phone: str) -> str | None:
        with self.lock:
            queued = self.pending_keys.get(phone)
            return queued.pop(0) if queued else None

    def flow_started(self) -> None:
        with self.lock:
            self.running_flows += 1

    def flow_ended(self) -> None:
        with self.lock:
            self.running_flows -= 1
