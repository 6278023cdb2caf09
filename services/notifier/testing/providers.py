"""A fake provider that records every SMS and call instead of sending them, and can be told to fail or stall."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from services.notifier.ports import DeliveryError, OutboundCall, OutboundSms, Provider, SendResult

__all__ = ["FakeProvider"]


@dataclass
class FakeProvider(Provider):
    """Records every SMS and call; `fail_with` queues errors to raise, one per request, before succeeding.
    With `answer_when` set, each request waits for that event first: a provider slow to answer."""

    name: str = "fake"
    status: str = "sent"
    sms: list[OutboundSms] = field(default_factory=list)
    calls: list[OutboundCall] = field(default_factory=list)
    fail_with: list[DeliveryError] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)
    answer_when: asyncio.Event | None = None

    async def _before_answering(self) -> None:
        if self.answer_when is not None:
            await self.answer_when.wait()
        if self.fail_with:
            raise self.fail_with.pop(0)

    async def send_sms(self, sms: OutboundSms) -> SendResult:
        await self._before_answering()
        self.sms.append(sms)
        return SendResult(self.name, f"SM{len(self.sms)}-{sms.attempt_id}", self.status)

    async def sms_status(self, ref: str) -> str:
        return self.statuses.get(ref, "delivered")

    async def place_call(self, call: OutboundCall) -> SendResult:
        await self._before_answering()
        self.calls.append(call)
        return SendResult(self.name, f"CA{len(self.calls)}-{call.attempt_id}", self.status)

    def sms_to(self, phone: str) -> list[OutboundSms]:
        return [sms for sms in self.sms if sms.to == phone]

    def calls_to(self, phone: str) -> list[OutboundCall]:
        return [call for call in self.calls if call.to == phone]
