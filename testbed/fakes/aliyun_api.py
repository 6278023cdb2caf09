"""The fake's RPC-style API, as the real SDKs call it: POST / with the action in `x-acs-action` (or `Action`).

Business errors come back as Aliyun sends them: HTTP 200 with a `Code` other than OK (isv.*, isp.*).
A wrong AccessKeyId is HTTP 404 InvalidAccessKeyId.NotFound. The signature is not verified.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from testbed.fakes.aliyun_flows import run_call_flow, run_sms_flow
from testbed.fakes.aliyun_state import MAINLAND_MOBILE, AliyunState, ApiRequest, FakeCall, FakeSms

CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
MENU_KEY = re.compile(r"^MenuKeyMap\.(\d+)\.(\w+)$")


class ApiError(Exception):
    def __init__(self, code: str, message: str, http_status: int = 200) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.http_status = http_status


def reply(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse({"RequestId": str(uuid.uuid4()).upper(), **body}, status_code=status)


def access_key_of(request: Request) -> str:
    match = CREDENTIAL.search(request.headers.get("authorization", ""))
    return match[1] if match else request.query_params.get("AccessKeyId", "")


class AliyunApi:
    def __init__(self, state: AliyunState) -> None:
        self.state = state
        self.tasks: set[asyncio.Task[None]] = set()
        self.actions: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
            "SendSms": self.send_sms,
            "QuerySendDetails": self.query_send_details,
            "SingleCallByTts": self.single_call_by_tts,
            "IvrCall": self.ivr_call,
        }

    def asgi_app(self) -> Starlette:
        return Starlette(routes=[Route("/", self.handle, methods=["POST", "GET"])])

    async def handle(self, request: Request) -> JSONResponse:
        params = dict(request.query_params)
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params |= {key: str(value) for key, value in (await request.form()).items()}
        action = request.headers.get("x-acs-action") or params.get("Action", "")
        key = access_key_of(request)
        with self.state.lock:
            self.state.requests.append(ApiRequest(action, params, key))
        try:
            return reply(self.answer(action, key, params))
        except ApiError as error:
            return reply({"Code": error.code, "Message": error.message}, error.http_status)

    def answer(self, action: str, key: str, params: dict[str, str]) -> dict[str, Any]:
        if key != self.state.access_key_id:
            raise ApiError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        if self.state.outage_code is not None:
            raise ApiError(self.state.outage_code, "The request has failed due to a temporary failure.", 503)
        failure = self.state.next_failure(action)
        if failure is not None:
            raise ApiError(failure.code, f"injected {failure.code}", failure.http_status)
        handler = self.actions.get(action)
        if handler is None:
            raise ApiError("InvalidAction.NotFound", f"action {action!r} is not supported by the fake", 404)
        return handler(params)

    def start_flow(self, flow: Awaitable[None]) -> None:
        async def tracked() -> None:
            try:
                await flow
            except Exception as error:
                with self.state.lock:
                    self.state.flow_errors.append(repr(error))
            finally:
                self.state.flow_ended()

        self.state.flow_started()
        task = asyncio.get_running_loop().create_task(tracked())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # SMS

    def send_sms(self, params: dict[str, str]) -> dict[str, Any]:
        phone = self.mobile(params.get("PhoneNumbers", ""))
        if params.get("SignName") not in self.state.sign_names:
            raise ApiError("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        code = params.get("TemplateCode", "")
        values = self.template_params(code, params.get("TemplateParam") or "{}", "isv.SMS_TEMPLATE_ILLEGAL")
        sms = FakeSms(self.state.new_id("9"), phone, params["SignName"], code, values, "", params.get("OutId") or None)
        sms.text = f"【{sms.sign_name}】" + self.state.render(code, values)
        with self.state.lock:
            self.state.messages[sms.biz_id] = sms
        self.start_flow(run_sms_flow(self.state, sms))
        return {"Code": "OK", "Message": "OK", "BizId": sms.biz_id}

    def query_send_details(self, params: dict[str, str]) -> dict[str, Any]:
        with self.state.lock:
            found = [
                sms
                for sms in self.state.messages.values()
                if sms.phone == params.get("PhoneNumber") and params.get("BizId") in (None, sms.biz_id)
            ]
        details = [
            {
                "PhoneNum": sms.phone,
                "SendStatus": sms.send_status,
                "ErrCode": sms.err_code,
                "TemplateCode": sms.template_code,
                "Content": sms.text,
                "OutId": sms.out_id,
            }
            for sms in found
        ]
        return {
            "Code": "OK",
            "Message": "OK",
            "TotalCount": len(details),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
        }

    # voice

    def single_call_by_tts(self, params: dict[str, str]) -> dict[str, Any]:
        return self.place(params, "SingleCallByTts", params.get("TtsCode", ""), params.get("TtsParam") or "{}", {})

    def ivr_call(self, params: dict[str, str]) -> dict[str, Any]:
        if not params.get("CalledShowNumber"):
            raise ApiError("isv.DISPLAY_NUMBER_ILLEGAL", "外呼号码不合法")
        menu = self.menu(params)
        for template_code in [*menu.values(), params.get("ByeCode", "")]:
            if template_code not in self.state.templates:
                raise ApiError("isv.TTS_TEMPLATE_ILLEGAL", f"TTS template {template_code!r} not approved")
        return self.place(params, "IvrCall", params.get("StartCode", ""), params.get("StartTtsParams") or "{}", menu)

    def place(
        self, params: dict[str, str], action: str, code: str, raw_values: str, menu: dict[str, str]
    ) -> dict[str, Any]:
        phone = self.mobile(params.get("CalledNumber", ""))
        values = self.template_params(code, raw_values, "isv.TTS_TEMPLATE_ILLEGAL")
        call = FakeCall(
            call_id=self.state.new_id("1160"),
            action=action,
            phone=phone,
            show_number=params.get("CalledShowNumber", ""),
            template_code=code,
            params=values,
            text=self.state.render(code, values),
            out_id=params.get("OutId") or None,
            play_times=int(params.get("PlayTimes") or 3),
            menu=menu,
        )
        with self.state.lock:
            self.state.calls[call.call_id] = call
        self.start_flow(run_call_flow(self.state, call))
        return {"Code": "OK", "Message": "OK", "CallId": call.call_id}

    # checks

    @staticmethod
    def mobile(number: str) -> str:
        if not MAINLAND_MOBILE.match(number):
            raise ApiError("isv.MOBILE_NUMBER_ILLEGAL", f"非法手机号 {number!r}")
        return number

    def template_params(self, code: str, raw: str, illegal: str) -> dict[str, str]:
        if code not in self.state.templates:
            raise ApiError(illegal, f"template {code!r} is not approved")
        try:
            values = json.loads(raw)
        except json.JSONDecodeError:
            raise ApiError("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值") from None
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise ApiError("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        missing = self.state.missing_params(code, values)
        if missing:
            raise ApiError("isv.TEMPLATE_MISSING_PARAMETERS", f"模板缺少变量 {missing}")
        return values

    @staticmethod
    def menu(params: dict[str, str]) -> dict[str, str]:
        entries: dict[str, dict[str, str]] = {}
        for name, value in params.items():
            match = MENU_KEY.match(name)
            if match:
                entries.setdefault(match[1], {})[match[2]] = value
        return {entry["Key"]: entry.get("Code", "") for entry in entries.values() if "Key" in entry}
