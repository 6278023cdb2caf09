"""Twilio's webhooks: inbound SMS, call TwiML and key presses, status callbacks.

Every request must carry a valid `X-Twilio-Signature` over the public URL and its form fields, made with
one of the configured auth tokens (several, for rotation). A forged or unsigned request gets 403 and a log
line, and nothing else happens. The routes exist only where a token does: Twilio's auth tokens, or the token
the embedded mode generates for `dutywatch phone` (settings.py); there is no built-in one.

The routes are Starlette's, not FastAPI's: each takes the request as it is, checks its signature and reads its
form and `attempt` itself. FastAPI's per-route work (resolving parameters as dependencies, checking them,
handling the answer) is nothing a signed form needs, and it cost about 0.2 ms of CPU per callback, of which
Twilio sends two for each SMS (sent, then delivered). They are outside the API's document either way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TypeVar
from urllib.parse import parse_qsl

import structlog
from fastapi import HTTPException, Request, Response
from starlette.routing import Route, Router
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from schemas.values import parse_phone
from services.notifier.domain import UnknownReplyLimit, provider_status, settles_attempt
from services.notifier.domain.texts import LANGUAGE, NO_KEY_TEXT, THANKS_TEXT, voice_twiml_script
from services.notifier.handlers.answers import on_inbound_sms, on_key_press
from services.notifier.handlers.outcomes import on_status
from services.notifier.ports import InWork, Ports
from services.notifier.sending.webhook_urls import Webhooks

__all__ = ["PREFIX", "SignatureCheck", "post_routes", "webhook_routes"]

log = structlog.get_logger(__name__)
PREFIX = "/webhooks/twilio"
SIGNATURE_HEADER = "X-Twilio-Signature"
TWIML = "application/xml"
R = TypeVar("R")


class SignedForm(dict[str, str]):
    """A form's fields as the SDK's validator reads them fastest. It asks each field's values of `getall`
    (a MultiDict's), then `getlist` (Django's), then `[]`: on a plain dict, two AttributeErrors raised and
    caught per field, for each URL form and token it tries, which cost a fifth of a status callback's CPU."""

    def getall(self, name: str) -> list[str]:
        return [self[name]]


class SignatureCheck:
    def __init__(self, public_url: str, tokens: list[str]) -> None:
        self._public_url = public_url.rstrip("/")
        self._validators = [RequestValidator(token) for token in tokens]

    async def verified_form(self, request: Request) -> dict[str, str]:
        """The request's form fields, if Twilio (or whoever holds a token) signed it; HTTP 403 otherwise."""
        # Twilio posts application/x-www-form-urlencoded; parsed here so no multipart parser is needed.
        form = SignedForm(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        url = self._public_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not signature or not any(v.validate(url, form, signature) for v in self._validators):
            log.warning("webhook rejected: forged or unsigned", path=request.url.path, signed=bool(signature))
            raise HTTPException(status_code=403, detail="invalid or missing X-Twilio-Signature")
        return form


def twiml(response: VoiceResponse | None = None) -> Response:
    body = str(response) if response is not None else '<?xml version="1.0" encoding="UTF-8"?><Response />'
    return Response(body, media_type=TWIML)


def phone_or_raw(text: str) -> str:
    try:
        return parse_phone(text)
    except ValueError:
        return text


def post_routes(endpoints: Mapping[str, Callable[[Request], Awaitable[Response]]]) -> Router:
    """A router that takes a POST at each path to its endpoint."""
    return Router([Route(path, endpoint, methods=["POST"]) for path, endpoint in endpoints.items()])


def attempt_of(request: Request) -> str:
    """The attempt a callback URL names (`?attempt=`); HTTP 422 naming the parameter when it has none."""
    attempt = request.query_params.get("attempt")
    if not attempt:
        missing = {"type": "missing", "loc": ["query", "attempt"], "msg": "Field required"}
        raise HTTPException(status_code=422, detail=[missing])
    return attempt


def webhook_routes(
    run_in_work: InWork,
    check: SignatureCheck,
    urls: Webhooks,
    limit: UnknownReplyLimit,
    after_commit: Callable[[], Awaitable[None]],
) -> Router:
    """The routes under PREFIX, to be mounted there."""

    async def in_work(effect: Callable[[Ports, datetime], Awaitable[R]], may_queue_work: bool = True) -> R:
        result = await run_in_work(effect)
        if may_queue_work:
            await after_commit()
        return result

    async def inbound_sms(request: Request) -> Response:
        form = await check.verified_form(request)
        phone, body, ref = phone_or_raw(form.get("From", "")), form.get("Body", ""), form.get("MessageSid")
        await in_work(lambda ports, now: on_inbound_sms(phone, body, ref, limit, ports, now))
        return twiml()

    async def sms_status(request: Request) -> Response:
        form = await check.verified_form(request)
        attempt = attempt_of(request)
        status = form.get("MessageStatus") or form.get("SmsStatus", "")
        if not settles_attempt(status):
            return Response(status_code=204)
        await in_work(
            lambda ports, now: on_status(attempt, status, None, form.get("ErrorCode"), ports, now),
            _may_queue_work(status),
        )
        return Response(status_code=204)

    async def voice(request: Request) -> Response:
        await check.verified_form(request)
        attempt = attempt_of(request)
        script = await in_work(lambda ports, _now: voice_script(ports, attempt))
        response = VoiceResponse()
        if script is None:
            response.hangup()
            return twiml(response)
        gather = response.gather(num_digits=1, action=urls.url("voice/gather", attempt), method="POST", timeout=5)
        gather.say(script, language=LANGUAGE)
        gather.say(script, language=LANGUAGE)
        response.say(NO_KEY_TEXT, language=LANGUAGE)
        return twiml(response)

    async def gather(request: Request) -> Response:
        form = await check.verified_form(request)
        attempt = attempt_of(request)
        digits = form.get("Digits", "")
        acknowledged = await in_work(lambda ports, now: on_key_press(attempt, digits, ports, now))
        response = VoiceResponse()
        if acknowledged or digits.strip() == "1":
            response.say(THANKS_TEXT, language=LANGUAGE)
            response.hangup()
        else:
            response.redirect(urls.url("voice", attempt), method="POST")
        return twiml(response)

    async def voice_status(request: Request) -> Response:
        form = await check.verified_form(request)
        attempt = attempt_of(request)
        sequence = int(form["SequenceNumber"]) if form.get("SequenceNumber", "").isdigit() else None
        status = form.get("CallStatus", "")
        if not settles_attempt(status):
            return Response(status_code=204)
        await in_work(
            lambda ports, now: on_status(attempt, status, sequence, form.get("ErrorCode"), ports, now),
            _may_queue_work(status),
        )
        return Response(status_code=204)

    endpoints = {
        "/sms": inbound_sms,
        "/sms/status": sms_status,
        "/voice": voice,
        "/voice/gather": gather,
        "/voice/status": voice_status,
    }
    return post_routes(endpoints)


def _may_queue_work(status: str) -> bool:
    # Only a failure queues something (a fallback, the next step brought forward); progress and success
    # leave nothing to send, so they spare the notifier a sweep each. The timer sweeps regardless.
    return provider_status(status) == "failed"


async def voice_script(ports: Ports, attempt_id: str) -> str | None:
    attempt = await ports.attempts.attempt(attempt_id)
    if attempt is None:
        return None
    run = await ports.runs.run(attempt.run_id)
    return voice_twiml_script(run.voice_script)
