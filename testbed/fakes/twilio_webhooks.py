"""Signed webhook requests, made the way Twilio makes them (X-Twilio-Signature over URL + params)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp
import httpx
from twilio.request_validator import RequestValidator
from yarl import URL

from testbed.fakes.twilio_models import CallbackDelivery
from testbed.fakes.twilio_state import TwilioState

SIGNATURE_HEADER = "X-Twilio-Signature"
USER_AGENT = "TwilioProxy/1.1"
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
WEBHOOK_TIMEOUT_S = 15.0


def with_query(url: str, params: dict[str, str]) -> str:
    # Built by httpx itself, so the URL signed is byte for byte the URL requested.
    return str(httpx.URL(url).copy_merge_params(params))


def signed_request(
    token: str, url: str, params: dict[str, str], method: str = "POST"
) -> tuple[str, dict[str, str] | None, str]:
    """(URL to request, form body or None, signature). GET puts params in the URL and signs that."""
    validator = RequestValidator(token)
    if method.upper() == "GET":
        target = with_query(url, params)
        return target, None, validator.compute_signature(target, {})
    return url, params, validator.compute_signature(url, params)


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    text: str

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


def webhook_client() -> aiohttp.ClientSession:
    # aiohttp keeps its connections and costs a fraction of httpx's CPU per request, which matters when a
    # benchmark has the fake send thousands of callbacks. trust_env=False: no proxy between it and localhost.
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_S), trust_env=False)


class WebhookSender:
    def __init__(self, state: TwilioState, client: aiohttp.ClientSession) -> None:
        self.state = state
        self.client = client

    async def send(
        self, url: str, params: dict[str, str], method: str = "POST"
    ) -> tuple[CallbackDelivery, WebhookAnswer | None]:
        method = method.upper()
        target, form, signature = signed_request(self.state.auth_token, url, params, method)
        delivery = CallbackDelivery(url=url, method=method, params=dict(params), signature=signature)
        headers = {SIGNATURE_HEADER: signature, "User-Agent": USER_AGENT}
        body = None
        if form is not None:
            # Encoded here rather than by aiohttp's FormData, which costs several times more per callback.
            body = urlencode(form).encode()
            headers["Content-Type"] = FORM_TYPE
        answer: WebhookAnswer | None = None
        try:
            # encoded=True: the URL goes out exactly as it was signed.
            async with self.client.request(method, URL(target, encoded=True), data=body, headers=headers) as response:
                answer = WebhookAnswer(response.status, await response.text())
            delivery.status = answer.status
        except (aiohttp.ClientError, TimeoutError) as error:
            delivery.error = repr(error)
        self.state.record_callback(delivery)
        return delivery, answer
