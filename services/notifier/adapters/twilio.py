"""Twilio through its SDK's async client; the API base URL is configurable (a fake Twilio in tests)."""

from __future__ import annotations

from datetime import datetime, timedelta

import aiohttp

# The SDK imports its REST API's modules (about 95) on first use; imported here, they load at start-up and
# not on the loop while the first alert after each start waits (40 ms, longer on a cold disk).
import twilio.rest.api.v2010.account  # noqa: F401
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from schemas.values import Channel
from services.notifier.ports import (
    DeliveryError,
    EarlierDispatch,
    OutboundCall,
    OutboundSms,
    PermanentDeliveryError,
    RetryableDeliveryError,
    SendResult,
)

__all__ = ["TwilioProvider", "classify"]

CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]
# How far Twilio's clock may stand from ours when its creation dates are compared with our claim times.
CLOCK_MARGIN = timedelta(seconds=10)
# Newest first: the requests to one number from ours within one lease fit in one page.
RECENT = 50


def classify(error: TwilioRestException) -> DeliveryError:
    """429 and 5xx are Twilio's or the network's fault (retry); any other 4xx is ours or the number's."""
    code = str(error.code or error.status)
    if error.status == 429 or error.status >= 500:
        return RetryableDeliveryError(code, error.msg)
    return PermanentDeliveryError(code, error.msg)


class TwilioProvider:
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, from_number: str, base_url: str = "") -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._from = from_number
        self._base_url = base_url
        self._client: Client | None = None

    def _api(self) -> Client:
        # The aiohttp session must be created inside the running loop, so the client is made on first use.
        if self._client is None:
            client = Client(self._account_sid, self._auth_token, http_client=AsyncTwilioHttpClient(timeout=15))
            if self._base_url:
                client.api.base_url = self._base_url
            self._client = client
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.http_client.close()
            self._client = None

    async def send_sms(self, sms: OutboundSms) -> SendResult:
        try:
            message = await self._api().messages.create_async(
                to=sms.to, from_=self._from, body=sms.text, status_callback=sms.status_callback_url
            )
        except TwilioRestException as error:
            raise classify(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RetryableDeliveryError("network", repr(error)) from error
        return SendResult(self.name, str(message.sid), "sent")

    async def sms_status(self, ref: str) -> str:
        try:
            message = await self._api().messages(ref).fetch_async()
        except TwilioRestException as error:
            raise classify(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RetryableDeliveryError("network", repr(error)) from error
        return str(message.status)

    async def place_call(self, call: OutboundCall) -> SendResult:
        try:
            placed = await self._api().calls.create_async(
                to=call.to,
                from_=self._from,
                url=call.twiml_url,
                method="POST",
                status_callback=call.status_callback_url,
                status_callback_event=CALL_EVENTS,
                status_callback_method="POST",
            )
        except TwilioRestException as error:
            raise classify(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RetryableDeliveryError("network", repr(error)) from error
        return SendResult(self.name, str(placed.sid), "sent")

    async def find_sent(self, dispatch: EarlierDispatch) -> list[SendResult]:
        """The messages to that number with that text that Twilio created while the earlier dispatcher held the
        attempt, oldest first. Twilio's own date filters are left aside: they compare DateSent, empty while a
        message is still queued.

        A call is never looked up: Twilio's Call resource carries nothing of ours, and taking another alert's call
        to the same person for this one would leave a step unsent. Placing it again costs a second call at worst."""
        if dispatch.channel != Channel.SMS:
            return []
        since, until = dispatch.since - CLOCK_MARGIN, dispatch.until + CLOCK_MARGIN
        try:
            messages = await self._api().messages.list_async(to=dispatch.to, from_=self._from, limit=RECENT)
        except TwilioRestException as error:
            raise classify(error) from error
        except TwilioException as error:  # a page of the list could not be fetched
            raise RetryableDeliveryError("list", str(error)) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RetryableDeliveryError("network", repr(error)) from error
        # Twilio lists newest first and dates to the second: reversed, two created in one second stay in order.
        found = [m for m in reversed(messages) if _created_within(m, since, until) and m.body == dispatch.text]
        found.sort(key=lambda message: message.date_created or since)
        return [SendResult(self.name, str(m.sid), "delivered" if m.status == "delivered" else "sent") for m in found]


def _created_within(resource: MessageInstance, since: datetime, until: datetime) -> bool:
    created = resource.date_created
    return created is not None and since <= created <= until
