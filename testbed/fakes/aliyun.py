"""A fake Aliyun SMS and voice API that the real `alibabacloud-dysmsapi20170525` and `-dyvmsapi20170525`
SDKs talk to over HTTP, for tests; it pushes receipts, uplink replies and key presses like Aliyun does.

    with FakeAliyun() as fake:
        fake.approve(sign_names=["某市民政局"], templates={"SMS_1": "值班通知：${content}"})
        fake.subscribe("SmsReport", "http://127.0.0.1:8103/webhooks/aliyun/sms-report?token=t")
        config = Config(access_key_id=fake.access_key_id, access_key_secret="x",
                        endpoint=fake.endpoint, protocol="http")
        await SmsClient(config).send_sms_async(SendSmsRequest(...))

Message types a test can subscribe a URL to: SmsReport, SmsUp, VoiceReport, VoiceCallReport.
Error injection: `fail_next(n, "isv.BUSINESS_LIMIT_CONTROL")` (HTTP 200 with that Code, as Aliyun answers),
`fail_next(n, "ServiceUnavailable", http_status=503)`, and `outage()` / `recover()` for every request.
"""

from __future__ import annotations

from collections.abc import Callable

from testbed.fakes.aliyun_api import AliyunApi
from testbed.fakes.aliyun_flows import push
from testbed.fakes.aliyun_state import (
    CALL_OUTCOMES,
    MESSAGE_TYPES,
    AliyunState,
    ApiRequest,
    CallOutcome,
    Failure,
    FakeCall,
    FakeSms,
    Push,
    beijing_now,
)
from testbed.fakes.asgi_server import AsgiServer, ServedFake
from testbed.polling import eventually

DEFAULT_ACCESS_KEY_ID = "LTAI5tFakeDutywatchKey01"
DEFAULT_ACCESS_KEY_SECRET = "fake-secret-not-verified"

__all__ = ["DEFAULT_ACCESS_KEY_ID", "DEFAULT_ACCESS_KEY_SECRET", "FakeAliyun", "FakeCall", "FakeSms", "Push"]


class FakeAliyun(ServedFake):
    def __init__(
        self,
        access_key_id: str = DEFAULT_ACCESS_KEY_ID,
        step_delay: float = 0.05,
        retry_delays: tuple[float, ...] = (0.2, 0.5, 1.0),
    ) -> None:
        """step_delay: pause before each receipt; retry_delays: when a refused push is pushed again."""
        self._state = AliyunState(access_key_id, step_delay, retry_delays)
        self._api = AliyunApi(self._state)
        self._server = AsgiServer(self._api.asgi_app())

    def reset(self) -> None:
        self._state.reset()

    # pointing the SDK at the fake

    @property
    def endpoint(self) -> str:
        """host:port, for the SDK's Config(endpoint=…, protocol="http")."""
        return self._server.base_url.removeprefix("http://")

    @property
    def access_key_id(self) -> str:
        return self._state.access_key_id

    # the console: what the account has approved, where receipts are pushed

    def approve(self, sign_names: list[str] | None = None, templates: dict[str, str] | None = None) -> None:
        """Approve sign names and templates (code → text with ${variables}), SMS and TTS alike."""
        with self._state.lock:
            self._state.sign_names.update(sign_names or [])
            self._state.templates.update(templates or {})

    def subscribe(self, message_type: str, url: str) -> None:
        """HTTP batch push of `message_type` to `url`, as configured in the console."""
        if message_type not in MESSAGE_TYPES:
            raise ValueError(f"message type must be one of {MESSAGE_TYPES}, not {message_type!r}")
        with self._state.lock:
            self._state.subscriptions[message_type] = url

    # what happened

    @property
    def requests(self) -> list[ApiRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def pushes(self) -> list[Push]:
        with self._state.lock:
            return list(self._state.pushes)

    @property
    def errors(self) -> list[str]:
        """Exceptions raised inside the fake's background work (should stay empty)."""
        with self._state.lock:
            return list(self._state.flow_errors)

    def messages_to(self, phone: str) -> list[FakeSms]:
        national = phone.removeprefix("+86")
        with self._state.lock:
            return [sms for sms in self._state.messages.values() if sms.phone == national]

    def calls_to(self, phone: str) -> list[FakeCall]:
        national = phone.removeprefix("+86")
        with self._state.lock:
            return [call for call in self._state.calls.values() if call.phone == national]

    # behaviour on demand

    def fail_next(self, n: int, code: str, http_status: int = 200, action: str | None = None) -> None:
        """The next n requests (of `action`, or any) fail with `code`: isv.BUSINESS_LIMIT_CONTROL,
        isp.SYSTEM_ERROR, isv.MOBILE_NUMBER_ILLEGAL, isv.SMS_TEMPLATE_ILLEGAL, isv.AMOUNT_NOT_ENOUGH, …"""
        with self._state.lock:
            self._state.failures.append(Failure(n, code, http_status, action))

    def outage(self, code: str = "ServiceUnavailable") -> None:
        """Every request fails with HTTP 503 until recover()."""
        with self._state.lock:
            self._state.outage_code = code

    def recover(self) -> None:
        with self._state.lock:
            self._state.outage_code = None

    def set_sms_outcome(self, phone: str, delivered: bool, err_code: str = "DELIVERED") -> None:
        with self._state.lock:
            self._state.sms_outcomes[phone.removeprefix("+86")] = (delivered, err_code)

    def set_call_outcome(self, phone: str, outcome: str, digits: str | None = None) -> None:
        """Every later call to `phone` ends `outcome` (answered, no-answer, busy, off); digits: keys pressed."""
        if outcome not in CALL_OUTCOMES:
            raise ValueError(f"call outcome must be one of {CALL_OUTCOMES}, not {outcome!r}")
        with self._state.lock:
            self._state.call_outcomes[phone.removeprefix("+86")] = CallOutcome(outcome, digits)

    def press_key(self, phone: str, digits: str) -> None:
        """The next interactive call to `phone` (now or later) that is answered receives `digits`, once."""
        with self._state.lock:
            self._state.pending_keys.setdefault(phone.removeprefix("+86"), []).append(digits)

    # a person on the other end

    async def send_uplink(self, phone: str, content: str, sign_name: str = "") -> Push | None:
        """The person at `phone` replies by SMS: an SmsUp push to its subscriber."""
        up = {
            "phone_number": phone.removeprefix("+86"),
            "send_time": beijing_now(),
            "content": content,
            "sign_name": sign_name,
            "dest_code": "",
            "sequence_id": self._state.next_sequence(),
        }
        return await push(self._state, "SmsUp", [up])

    # waiting

    # Same `timeout` parameter name as FakeTwilio's, so tests read alike.
    async def wait_for_async(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        await eventually(predicate, timeout)

    def is_idle(self) -> bool:
        with self._state.lock:
            return self._state.running_flows == 0

    async def wait_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        await self.wait_for_async(self.is_idle, timeout)
