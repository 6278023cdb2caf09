"""A fake Twilio REST API that the real `twilio` SDK talks to over HTTP, for tests.

    with FakeTwilio() as fake:
        client = Client(fake.account_sid, fake.auth_token)
        client.api.base_url = fake.base_url          # or: client = fake.client()
        client.messages.create(to="+8613800138000", from_="+15005550006", body="值班提醒")
        fake.wait_idle_sync()

Async SDK (the aiohttp session must be created inside a running loop):

    client = Client(fake.account_sid, fake.auth_token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = fake.base_url              # or: client = fake.async_client()
    await client.messages.create_async(...)
    await client.http_client.close()

Calls send status callbacks only for the StatusCallbackEvent values asked for (initiated, ringing,
answered, completed), and only `completed` when none are given, as Twilio does. Error codes: see
testbed/fakes/twilio_api.py.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from testbed.fakes.asgi_server import AsgiServer, ServedFake
from testbed.fakes.twilio_api import TwilioApi
from testbed.fakes.twilio_models import API_VERSION, ApiRequest, CallbackDelivery, FakeCall, FakeMessage, new_sid
from testbed.fakes.twilio_state import (
    CALL_OUTCOMES,
    SMS_OUTCOMES,
    CallOutcome,
    FailureRule,
    SmsOutcome,
    TwilioState,
)
from testbed.fakes.twilio_webhooks import SIGNATURE_HEADER, USER_AGENT, signed_request
from testbed.polling import eventually, eventually_blocking

DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fedcba9876543210" * 2

__all__ = ["DEFAULT_ACCOUNT_SID", "DEFAULT_AUTH_TOKEN", "FakeCall", "FakeMessage", "FakeTwilio"]


class FakeTwilio(ServedFake):
    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        step_delay: float = 0.05,
        gather_wait: float = 0.3,
    ) -> None:
        """step_delay: pause before each status change; gather_wait: how long a <Gather> waits for keys."""
        self._state = TwilioState(account_sid, auth_token, step_delay, gather_wait)
        self._server = AsgiServer(TwilioApi(self._state).asgi_app())

    def reset(self) -> None:
        """Forget every record and every configured number, failure and outcome."""
        self._state.reset()

    # pointing the SDK at the fake

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def account_sid(self) -> str:
        return self._state.account_sid

    @property
    def auth_token(self) -> str:
        return self._state.auth_token

    def client(self) -> Client:
        client = Client(self.account_sid, self.auth_token)
        client.api.base_url = self.base_url
        return client

    def async_client(self) -> Client:
        """Call inside a running event loop; close with `await client.http_client.close()`."""
        client = Client(self.account_sid, self.auth_token, http_client=AsyncTwilioHttpClient())
        client.api.base_url = self.base_url
        return client

    # what happened (snapshots of the collections; the records inside are live)

    @property
    def messages(self) -> dict[str, FakeMessage]:
        with self._state.lock:
            return dict(self._state.messages)

    @property
    def calls(self) -> dict[str, FakeCall]:
        with self._state.lock:
            return dict(self._state.calls)

    @property
    def requests(self) -> list[ApiRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def callbacks(self) -> list[CallbackDelivery]:
        with self._state.lock:
            return list(self._state.callbacks)

    @property
    def errors(self) -> list[str]:
        """Exceptions raised inside the fake's background work (should stay empty)."""
        with self._state.lock:
            return list(self._state.flow_errors)

    def messages_to(self, number: str) -> list[FakeMessage]:
        return [message for message in self.messages.values() if message.to == number]

    def calls_to(self, number: str) -> list[FakeCall]:
        return [call for call in self.calls.values() if call.to == number]

    # behaviour on demand

    def fail_next(
        self, n: int = 1, status: int = 500, path_contains: str | None = None, method: str | None = None
    ) -> None:
        """The next n matching API requests fail with `status` (429 → code 20429, 500 → 20500)."""
        with self._state.lock:
            self._state.failures.append(FailureRule(n, status, path_contains, method))

    def mark_invalid(self, number: str) -> None:
        with self._state.lock:
            self._state.invalid_numbers.add(number)

    def mark_unsubscribed(self, number: str) -> None:
        with self._state.lock:
            self._state.unsubscribed_numbers.add(number)

    def set_sms_outcome(self, number: str, outcome: str, error_code: int | None = None) -> None:
        """Every later SMS to `number` ends `outcome`; failures carry error_code (default 30008/30003)."""
        if outcome not in SMS_OUTCOMES:
            raise ValueError(f"SMS outcome must be one of {SMS_OUTCOMES}, not {outcome!r}")
        with self._state.lock:
            self._state.sms_outcomes[number] = SmsOutcome(outcome, error_code)

    def set_call_outcome(self, number: str, outcome: str, digits: str | None = None) -> None:
        """Every later call to `number` ends `outcome`; with digits, its first <Gather> gets them."""
        if outcome not in CALL_OUTCOMES:
            raise ValueError(f"call outcome must be one of {CALL_OUTCOMES}, not {outcome!r}")
        with self._state.lock:
            self._state.call_outcomes[number] = CallOutcome(outcome, digits)

    def press_key(self, number: str, digits: str) -> None:
        """The next <Gather> on a call to `number` (now or later) receives `digits`, once."""
        self._state.press_key(number, digits)

    # waiting

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Block until predicate() is true; TimeoutError otherwise. Not for async tests: see wait_for_async."""
        eventually_blocking(predicate, timeout)

    # Same `timeout` parameter as the sync twin, so both read alike in tests.
    async def wait_for_async(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        await eventually(predicate, timeout)

    def is_idle(self) -> bool:
        """No status progress, callback or call still running in the background."""
        with self._state.lock:
            return self._state.running_flows == 0

    async def wait_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        await self.wait_for_async(self.is_idle, timeout)

    def wait_idle_sync(self, timeout: float = 10.0) -> None:
        self.wait_for(self.is_idle, timeout)

    # a person on the other end

    def inbound_sms_params(self, from_: str, to: str, body: str) -> dict[str, str]:
        sid = new_sid("SM")
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": from_,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to,
        }

    def _inbound_request(
        self, to_url: str, from_: str, to: str, body: str, auth_token: str | None
    ) -> tuple[str, dict[str, str], dict[str, str]]:
        params = self.inbound_sms_params(from_, to, body)
        url, _, signature = signed_request(auth_token or self.auth_token, to_url, params)
        return url, params, {SIGNATURE_HEADER: signature, "User-Agent": USER_AGENT}

    def send_inbound_sms(
        self, to_url: str, from_: str, to: str, body: str, auth_token: str | None = None
    ) -> httpx.Response:
        """POST Twilio's inbound-SMS webhook to to_url, signed with auth_token (default: the real one)."""
        url, params, headers = self._inbound_request(to_url, from_, to, body, auth_token)
        with httpx.Client(trust_env=False, timeout=15.0) as http:
            return http.post(url, data=params, headers=headers)

    async def send_inbound_sms_async(
        self, to_url: str, from_: str, to: str, body: str, auth_token: str | None = None
    ) -> httpx.Response:
        url, params, headers = self._inbound_request(to_url, from_, to, body, auth_token)
        async with httpx.AsyncClient(trust_env=False, timeout=15.0) as http:
            return await http.post(url, data=params, headers=headers)
