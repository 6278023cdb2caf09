"""What happens after a request: receipts pushed to the subscribed URLs, as Aliyun's HTTP batch push does.

A push is a POST of a JSON array; the subscriber answers HTTP 200 with `{"code": 0}`. Any other answer (or
none) is pushed again after each of `retry_delays` (Aliyun: 1, 5 and 10 minutes), then given up.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from testbed.fakes.aliyun_state import AliyunState, FakeCall, FakeSms, Push, beijing_now

PUSH_TIMEOUT_S = 15.0
DTMF_STATUS = "300000"
# VoiceReport status_code for each call outcome (answered: heard to the end, or answered and pressed a key).
RESULT_CODES = {"answered": "200000", "no-answer": "200003", "busy": "200002", "off": "200010"}
KEY_WAIT_CODE = "200008"


async def push(state: AliyunState, message_type: str, items: list[dict[str, Any]]) -> Push | None:
    """Push one batch to the URL subscribed for `message_type`; retried like Aliyun. None: nobody subscribed."""
    with state.lock:
        url = state.subscriptions.get(message_type)
    if url is None:
        return None
    record = Push(message_type, url, items)
    with state.lock:
        state.pushes.append(record)
    async with httpx.AsyncClient(timeout=PUSH_TIMEOUT_S, trust_env=False) as client:
        for delay in (0.0, *state.retry_delays):
            await asyncio.sleep(delay)
            try:
                response = await client.post(url, json=items)
            except httpx.HTTPError as error:
                record.status, record.error = None, repr(error)
                continue
            record.status = response.status_code
            if response.status_code == 200 and isinstance(response.json().get("code"), int):
                return record
    return record


async def run_sms_flow(state: AliyunState, sms: FakeSms) -> None:
    await asyncio.sleep(state.step_delay)
    delivered, err_code = state.sms_outcomes.get(sms.phone, (True, "DELIVERED"))
    sms.send_status, sms.err_code = (3 if delivered else 2), err_code
    report = {
        "phone_number": sms.phone,
        "send_time": beijing_now(),
        "report_time": beijing_now(),
        "success": delivered,
        "err_code": err_code,
        "err_msg": "用户接收成功" if delivered else "用户接收失败",
        "sms_size": "1",
        "biz_id": sms.biz_id,
        "out_id": sms.out_id or "",
    }
    await push(state, "SmsReport", [report])


def call_status(call: FakeCall, status_code: str, **extra: str) -> dict[str, Any]:
    return {
        "call_id": call.call_id,
        "status_code": status_code,
        "status_time": beijing_now(),
        "out_id": call.out_id or "",
        **extra,
    }


async def run_call_flow(state: AliyunState, call: FakeCall) -> None:
    with state.lock:
        outcome = state.call_outcomes.get(call.phone)
    progress = ["200101", "200201"]
    if outcome is None or outcome.outcome == "answered":
        progress.append("200102")
    for status_code in progress:
        await asyncio.sleep(state.step_delay)
        await push(state, "VoiceCallReport", [call_status(call, status_code)])
    await asyncio.sleep(state.step_delay)
    call.status_code = final_code(state, call, outcome.outcome if outcome else "answered", outcome)
    if call.dtmf:
        await push(state, "VoiceCallReport", [call_status(call, DTMF_STATUS, dtmf=call.dtmf)])
        await asyncio.sleep(state.step_delay)
    await push(state, "VoiceReport", [voice_report(call)])


def final_code(state: AliyunState, call: FakeCall, outcome: str, configured: Any) -> str:
    """The call's result; an answered interactive call takes the keys queued for its number, if any."""
    if outcome != "answered":
        return RESULT_CODES[outcome]
    if call.action == "IvrCall":
        keys = (configured.digits if configured and configured.digits else None) or state.take_keys(call.phone)
        if keys is None:
            return KEY_WAIT_CODE
        call.dtmf = keys
    return RESULT_CODES["answered"]


def voice_report(call: FakeCall) -> dict[str, Any]:
    answered = call.status_code in ("200000", KEY_WAIT_CODE)
    return {
        "status_code": call.status_code,
        "status_msg": "执行完成" if answered else "未接通",
        "callee": call.phone,
        "caller": call.show_number,
        "call_id": call.call_id,
        "out_id": call.out_id or "",
        "dtmf": call.dtmf,
        "voice_type": "voice",
        "originate_time": beijing_now(),
        "end_time": beijing_now(),
        "duration": "12" if answered else "0",
        "toll_type": "LOCAL",
    }
