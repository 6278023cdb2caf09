"""Aliyun's HTTP batch pushes: delivery receipts, uplink replies, call progress, call results and key presses.

Aliyun signs none of them, so each carries a shared token: in the `X-Dutywatch-Token` header where the push
can set one (a proxy in front, or a relay), else in the URL configured in Aliyun's console (`?token=…`);
several tokens are accepted, for rotation. No log line holds it: rejections log the path alone, and
uvicorn's access log (which would print the query) is off. A request without a valid token gets
403 and changes nothing. Each push is turned into the same handler calls Twilio's webhooks make (on_status,
on_inbound_sms, on_key_press), and answered `{"code": 0}`. A call result for a call we do not know yet (its
reference is stored just after the provider answered) gets 503, so Aliyun pushes it again later.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

import structlog
from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import SecretStr, TypeAdapter, ValidationError
from starlette.routing import Router

from services.notifier.adapters.aliyun.codes import CALL_PROGRESS, DTMF_STATUS, call_result_status, sms_receipt_status
from services.notifier.adapters.aliyun.reports import (
    SMS_REPORTS,
    SMS_UPS,
    VOICE_CALL_REPORTS,
    VOICE_REPORTS,
    SmsReport,
    SmsUp,
    VoiceCallReport,
    VoiceReport,
    keys_pressed,
)
from services.notifier.adapters.webhooks import phone_or_raw, post_routes
from services.notifier.domain import UnknownReplyLimit
from services.notifier.handlers.answers import on_inbound_sms, on_key_press
from services.notifier.handlers.outcomes import on_status
from services.notifier.ports import InWork, Ports

__all__ = ["PREFIX", "TOKEN_HEADER", "PushTokenCheck", "aliyun_push_routes"]

log = structlog.get_logger(__name__)
PREFIX = "/webhooks/aliyun"
TOKEN_HEADER = "X-Dutywatch-Token"
RECEIVED = {"code": 0, "msg": "成功"}
T = TypeVar("T")
Item = TypeVar("Item")
R = TypeVar("R")


class PushTokenCheck:
    def __init__(self, tokens: list[SecretStr]) -> None:
        self._tokens = [token.get_secret_value().encode() for token in tokens if token.get_secret_value()]

    def verify(self, request: Request) -> None:
        """HTTP 403 unless the request carries one of the tokens (the header first)."""
        given = (request.headers.get(TOKEN_HEADER) or request.query_params.get("token", "")).encode()
        if not given or not any(hmac.compare_digest(given, token) for token in self._tokens):
            log.warning("Aliyun push rejected: missing or wrong token", path=request.url.path, had_token=bool(given))
            raise HTTPException(status_code=403, detail="invalid or missing push token")


async def read_batch(request: Request, adapter: TypeAdapter[list[T]]) -> list[T]:
    """The pushed JSON array, validated; HTTP 422 naming the field otherwise."""
    try:
        return adapter.validate_json(await request.body())
    except ValidationError as error:
        raise HTTPException(status_code=422, detail=error.errors(include_url=False, include_input=False)) from None


def aliyun_push_routes(
    run_in_work: InWork,
    check: PushTokenCheck,
    limit: UnknownReplyLimit,
    after_commit: Callable[[], Awaitable[None]],
) -> Router:
    """The routes under PREFIX, to be mounted there: Starlette's, as Twilio's are (adapters/webhooks.py)."""

    async def apply_each(effect: Callable[[Ports, datetime, Item], Awaitable[R]], items: list[Item]) -> list[R]:
        """Each item as its own effect (one bad item spoils no other), then one sweep for what they queued."""
        results = await asyncio.gather(*(run_in_work(_applying(effect, item)) for item in items))
        await after_commit()
        return list(results)

    async def sms_report(request: Request) -> Response:
        check.verify(request)
        await apply_each(apply_receipt, await read_batch(request, SMS_REPORTS))
        return JSONResponse(RECEIVED)

    async def sms_up(request: Request) -> Response:
        check.verify(request)
        await apply_each(functools.partial(read_uplink, limit=limit), await read_batch(request, SMS_UPS))
        return JSONResponse(RECEIVED)

    async def voice_call_report(request: Request) -> Response:
        check.verify(request)
        return answer_known(await apply_each(apply_progress, await read_batch(request, VOICE_CALL_REPORTS)))

    async def voice_report(request: Request) -> Response:
        check.verify(request)
        return answer_known(await apply_each(apply_result, await read_batch(request, VOICE_REPORTS)))

    endpoints = {
        "/sms-report": sms_report,
        "/sms-up": sms_up,
        "/voice-call-report": voice_call_report,
        "/voice-report": voice_report,
    }
    return post_routes(endpoints)


def answer_known(known: list[bool]) -> Response:
    if all(known):
        return JSONResponse(RECEIVED)
    return JSONResponse({"code": 1, "msg": "unknown call; push again later"}, status_code=503)


def _applying(
    effect: Callable[[Ports, datetime, Item], Awaitable[R]], item: Item
) -> Callable[[Ports, datetime], Awaitable[R]]:
    async def apply(ports: Ports, now: datetime) -> R:
        return await effect(ports, now, item)

    return apply


async def apply_receipt(ports: Ports, now: datetime, report: SmsReport) -> None:
    error_code = None if report.success else report.err_code
    await on_status(report.out_id, sms_receipt_status(report.success), None, error_code, ports, now)


async def read_uplink(ports: Ports, now: datetime, up: SmsUp, limit: UnknownReplyLimit) -> None:
    await on_inbound_sms(phone_or_raw(up.phone_number), up.content, up.ref, limit, ports, now)


async def apply_progress(ports: Ports, now: datetime, report: VoiceCallReport) -> bool:
    attempt = await ports.attempts.attempt_by_ref(report.call_id)
    if attempt is None:
        log.warning("Aliyun call progress for an unknown call", call_id=report.call_id, status=report.status_code)
        return False
    keys = keys_pressed(report.dtmf)
    if report.status_code == DTMF_STATUS and keys is not None:
        await on_key_press(attempt.id, keys, ports, now)
    elif report.status_code in CALL_PROGRESS:
        await on_status(attempt.id, CALL_PROGRESS[report.status_code], None, None, ports, now)
    return True


async def apply_result(ports: Ports, now: datetime, report: VoiceReport) -> bool:
    attempt = await ports.attempts.attempt_by_ref(report.call_id)
    if attempt is None:
        log.warning("Aliyun call result for an unknown call", call_id=report.call_id, status=report.status_code)
        return False
    keys = keys_pressed(report.dtmf)
    if keys is not None:
        await on_key_press(attempt.id, keys, ports, now)
    status = call_result_status(report.status_code)
    await on_status(attempt.id, status, None, None if status == "completed" else report.status_code, ports, now)
    return True
