"""Signed webhook requests, made the way Twilio makes them (X-Twilio-Signature over URL + params)."""

from __future__ import annotations

import httpx
from twilio.request_validator import RequestValidator

from tests.fakes.twilio_models import CallbackDelivery
from tests.fakes.twilio_state import TwilioState

SIGNATURE_HEADER = "X-Twilio-Signature"
USER_AGENT = "TwilioProxy/1.1"
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


def webhook_client() -> httpx.AsyncClient:
    # trust_env=False: a proxy from the environment must never sit between the fake and localhost.
    return httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_S, trust_env=False)


class WebhookSender:
    def __init__(self, state: TwilioState, client: httpx.AsyncClient) -> None:
        self.state = state
        self.client = client

    async def send(
        self, url: str, params: dict[str, str], method: str = "POST"
    ) -> tuple[CallbackDelivery, httpx.Response | None]:
        method = method.upper()
        target, form, signature = signed_request(self.state.auth_token, url, params, method)
        delivery = CallbackDelivery(url=url, method=method, params=dict(params), signature=signature)
        headers = {SIGNATURE_HEADER: signature, "User-Agent": USER_AGENT}
        response: httpx.Response | None = None
        try:
            response = await self.client.request(method, target, data=form, headers=headers)
            delivery.status = response.status_code
        except httpx.HTTPError as error:
            delivery.error = repr(error)
        self.state.record_callback(delivery)
        return delivery, response
