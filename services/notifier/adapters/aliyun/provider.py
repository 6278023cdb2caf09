"""Aliyun as one Provider (both channels) for the router: SMS and voice adapters side by side."""

from __future__ import annotations

from services.notifier.adapters.aliyun.config import AliyunSettings
from services.notifier.adapters.aliyun.sms import AliyunSms
from services.notifier.adapters.aliyun.voice import AliyunVoice
from services.notifier.ports import OutboundCall, OutboundSms, SendResult

__all__ = ["AliyunProvider"]


class AliyunProvider:
    """Mainland numbers only: any other number raises UnsupportedDeliveryError (route it elsewhere).

    Not a SentLookup: QuerySendDetails finds a day's SMS to a number by its OutId (our attempt id), but its records
    carry no BizId, which our reference needs for status polls, and a call is found only by the CallId its request
    returned. An attempt whose dispatcher stopped mid-call is therefore sent again, logged as a possible duplicate.
    """

    name = "aliyun"

    def __init__(self, settings: AliyunSettings) -> None:
        self._sms = AliyunSms(settings)
        self._voice = AliyunVoice(settings)

    async def send_sms(self, sms: OutboundSms) -> SendResult:
        return await self._sms.send_sms(sms)

    async def sms_status(self, ref: str) -> str:
        return await self._sms.sms_status(ref)

    async def place_call(self, call: OutboundCall) -> SendResult:
        return await self._voice.place_call(call)
