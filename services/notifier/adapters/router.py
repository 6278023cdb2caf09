"""Routing by number: +86 numbers go to the domestic provider, every other number to the default one.

The routes are built in `providers.py`: +86 goes to Aliyun, or to a failover over several providers
(`domestic_providers`, e.g. aliyun then twilio; see `failover.py`), every other number to the default one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.notifier.adapters.metrics import counted_request
from services.notifier.ports import EarlierDispatch, OutboundCall, OutboundSms, Provider, SendResult, SentLookup

__all__ = ["Router"]

DOMESTIC_PREFIX = "+86"


@dataclass
class Router:
    """Implements SmsSender, VoiceCaller and SentLookup by handing each request to the provider its number routes to."""

    providers: Mapping[str, Provider]
    default: str
    domestic: str
    name: str = "router"

    def provider_for(self, phone: str) -> Provider:
        return self.providers[self.domestic if phone.startswith(DOMESTIC_PREFIX) else self.default]

    async def send_sms(self, sms: OutboundSms) -> SendResult:
        provider = self.provider_for(sms.to)
        with counted_request(provider.name, "sms"):
            return await provider.send_sms(sms)

    async def place_call(self, call: OutboundCall) -> SendResult:
        provider = self.provider_for(call.to)
        with counted_request(provider.name, "voice"):
            return await provider.place_call(call)

    async def find_sent(self, dispatch: EarlierDispatch) -> list[SendResult]:
        """Asked of the provider the number routes to; empty when that provider keeps no record to ask."""
        provider = self.provider_for(dispatch.to)
        return await provider.find_sent(dispatch) if isinstance(provider, SentLookup) else []
