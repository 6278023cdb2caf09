"""What happens after a create: status progress and status callbacks for messages and calls."""

from __future__ import annotations

import asyncio
import math
import time

from testbed.fakes.twilio_models import API_VERSION, FakeCall, FakeMessage, rfc2822, utc_now
from testbed.fakes.twilio_state import TwilioState
from testbed.fakes.twilio_voice import VoiceSession, call_params
from testbed.fakes.twilio_webhooks import WebhookSender

DEFAULT_SMS_ERROR_CODES = {"failed": 30008, "undelivered": 30003}
EVENT_OF_STATUS = {"initiated": "initiated", "ringing": "ringing", "in-progress": "answered"}


def message_steps(final_status: str) -> list[str]:
    """The statuses a message moves through after it was created `queued`, each with a status callback.

    Twilio sends no callback for a message's initial status, only for the changes after it.
    """
    return ["failed"] if final_status == "failed" else ["sent", final_status]


def message_callback_params(state: TwilioState, message: FakeMessage) -> dict[str, str]:
    params = {
        "AccountSid": state.account_sid,
        "ApiVersion": API_VERSION,
        "MessageSid": message.sid,
        "MessageStatus": message.status,
        "SmsSid": message.sid,
        "SmsStatus": message.status,
        "To": message.to,
    }
    if message.from_:
        params["From"] = message.from_
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if message.error_code is not None:
        params["ErrorCode"] = str(message.error_code)
    return params


async def run_message_flow(state: TwilioState, message: FakeMessage, sender: WebhookSender) -> None:
    outcome = state.sms_outcome(message.to)
    error_code = outcome.error_code or DEFAULT_SMS_ERROR_CODES.get(outcome.status)
    for status in message_steps(outcome.status):
        # Sleeping first also keeps the first callback from overtaking the create response.
        await asyncio.sleep(state.step_delay)
        state.set_message_status(message, status, error_code if status == outcome.status else None)
        if message.status_callback:
            params = message_callback_params(state, message)
            delivery, _ = await sender.send(message.status_callback, params)
            message.callbacks.append(delivery)


async def run_call_flow(state: TwilioState, call: FakeCall, sender: WebhookSender) -> None:
    outcome = state.call_outcome(call.to)
    if outcome.digits:
        call.pending_digits.append(outcome.digits)
    await CallProgress(state, call, sender).run(outcome.status)


class CallProgress:
    def __init__(self, state: TwilioState, call: FakeCall, sender: WebhookSender) -> None:
        self.state = state
        self.call = call
        self.sender = sender

    async def run(self, outcome: str) -> None:
        await self.advance("initiated")
        if outcome in ("busy", "failed"):
            await self.end(outcome, duration=0)
            return
        await self.advance("ringing")
        if outcome == "no-answer":
            await self.end(outcome, duration=0)
            return
        await self.advance("in-progress")
        answered_at = time.monotonic()
        await VoiceSession(self.state, self.call, self.sender).run()
        await self.end("completed", duration=max(1, math.ceil(time.monotonic() - answered_at)))

    async def end(self, status: str, duration: int) -> None:
        self.call.duration = duration
        await self.advance(status)

    async def advance(self, status: str) -> None:
        await asyncio.sleep(self.state.step_delay)
        self.state.set_call_status(self.call, status)
        event = EVENT_OF_STATUS.get(status, "completed")
        if self.call.status_callback and event in self.call.status_callback_events:
            await self.send_status_callback(self.call.status_callback)

    async def send_status_callback(self, url: str) -> None:
        params = call_params(self.state, self.call) | {
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(len(self.call.callbacks)),
            "Timestamp": rfc2822(utc_now()) or "",
        }
        if self.call.status == "completed" and self.call.duration is not None:
            params["CallDuration"] = str(self.call.duration)
            params["Duration"] = str(math.ceil(self.call.duration / 60))
        delivery, _ = await self.sender.send(url, params, self.call.status_callback_method)
        self.call.callbacks.append(delivery)
