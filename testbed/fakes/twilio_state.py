"""Shared state of the fake Twilio: written by the server thread, read and configured by tests."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from testbed.fakes.twilio_models import (
    ApiRequest,
    CallbackDelivery,
    FakeCall,
    FakeMessage,
    utc_now,
)

SMS_OUTCOMES = ("delivered", "failed", "undelivered")
CALL_OUTCOMES = ("completed", "no-answer", "busy", "failed")


@dataclass
class FailureRule:
    remaining: int
    status: int
    path_contains: str | None
    method: str | None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_contains is None or self.path_contains in path


@dataclass(frozen=True)
class SmsOutcome:
    status: str = "delivered"
    error_code: int | None = None


@dataclass(frozen=True)
class CallOutcome:
    status: str = "completed"
    digits: str | None = None


class TwilioState:
    def __init__(self, account_sid: str, auth_token: str, step_delay: float, gather_wait: float) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.step_delay = step_delay
        self.gather_wait = gather_wait
        self.lock = threading.Lock()
        # Not part of reset(): flows still running must still be counted down.
        self.running_flows = 0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.messages: dict[str, FakeMessage] = {}
            self.calls: dict[str, FakeCall] = {}
            self.requests: list[ApiRequest] = []
            self.callbacks: list[CallbackDelivery] = []
            self.failures: list[FailureRule] = []
            self.invalid_numbers: set[str] = set()
            self.unsubscribed_numbers: set[str] = set()
            self.sms_outcomes: dict[str, SmsOutcome] = {}
            self.call_outcomes: dict[str, CallOutcome] = {}
            self.pressed_keys: dict[str, deque[str]] = {}
            self.flow_errors: list[str] = []

    def record_request(self, request: ApiRequest) -> None:
        with self.lock:
            self.requests.append(request)

    def record_callback(self, delivery: CallbackDelivery) -> None:
        with self.lock:
            self.callbacks.append(delivery)

    def take_failure(self, method: str, path: str) -> int | None:
        """HTTP status of the injected failure this request must get, if any."""
        with self.lock:
            for rule in self.failures:
                if rule.remaining > 0 and rule.matches(method, path):
                    rule.remaining -= 1
                    return rule.status
        return None

    def add_message(self, message: FakeMessage) -> None:
        with self.lock:
            self.messages[message.sid] = message

    def add_call(self, call: FakeCall) -> None:
        with self.lock:
            self.calls[call.sid] = call

    def set_message_status(self, message: FakeMessage, status: str, error_code: int | None = None) -> None:
        with self.lock:
            if message.status_history[-1] != status:
                message.status_history.append(status)
            message.status = status
            message.error_code = error_code
            message.updated_at = utc_now()

    def set_call_status(self, call: FakeCall, status: str) -> None:
        with self.lock:
            call.status_history.append(status)
            call.status = status
            call.updated_at = utc_now()
            if status == "in-progress":
                call.start_time = call.updated_at
            if status in CALL_OUTCOMES:
                call.end_time = call.updated_at

    def sms_outcome(self, number: str) -> SmsOutcome:
        with self.lock:
            return self.sms_outcomes.get(number, SmsOutcome())

    def call_outcome(self, number: str) -> CallOutcome:
        with self.lock:
            return self.call_outcomes.get(number, CallOutcome())

    def press_key(self, number: str, digits: str) -> None:
        with self.lock:
            self.pressed_keys.setdefault(number, deque()).append(digits)

    def take_digits(self, call: FakeCall) -> str | None:
        """Digits the callee enters at a <Gather>: the call's own outcome first, then press_key()."""
        with self.lock:
            if call.pending_digits:
                return call.pending_digits.popleft()
            queue = self.pressed_keys.get(call.to)
            return queue.popleft() if queue else None

    def flow_started(self) -> None:
        with self.lock:
            self.running_flows += 1

    def flow_finished(self, error: BaseException | None = None) -> None:
        with self.lock:
            self.running_flows -= 1
            if error is not None:
                self.flow_errors.append(repr(error))
