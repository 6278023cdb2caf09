"""Aliyun SMS through `alibabacloud-dysmsapi20170525`: SendSms with a template, QuerySendDetails for polls."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client as SmsClient

from services.local_time import LOCAL_TZ
from services.notifier.adapters.aliyun.calls import national, sdk_call, sdk_config
from services.notifier.adapters.aliyun.codes import OK, classify, sms_send_status
from services.notifier.adapters.aliyun.config import AliyunSettings
from services.notifier.adapters.aliyun.templates import sms_template_for
from services.notifier.ports import OutboundSms, SendResult, UnsupportedDeliveryError

__all__ = ["AliyunSms", "sms_ref"]

PROVIDER = "aliyun"


def sms_ref(biz_id: str, phone: str, sent_at: datetime) -> str:
    """Our reference of a sent SMS: QuerySendDetails needs the number and the (Beijing) day besides BizId."""
    return f"{biz_id}|{national(phone)}|{sent_at.astimezone(LOCAL_TZ):%Y%m%d}"


class AliyunSms:
    name = PROVIDER

    def __init__(self, settings: AliyunSettings) -> None:
        self._settings = settings
        self._client: SmsClient | None = None

    def _api(self) -> SmsClient:
        if self._client is None:
            self._client = SmsClient(sdk_config(self._settings, self._settings.sms_endpoint))
        return self._client

    def _template_code(self, name: str) -> str:
        code = self._settings.sms_templates.get(name)
        if not code:
            raise UnsupportedDeliveryError("template-not-configured", f"no Aliyun SMS template code for {name!r}")
        return code

    async def send_sms(self, sms: OutboundSms) -> SendResult:
        use = sms_template_for(sms.text)
        request = sms_models.SendSmsRequest(
            phone_numbers=national(sms.to),
            sign_name=self._settings.sign_name,
            template_code=self._template_code(use.template.name),
            template_param=json.dumps(use.params, ensure_ascii=False) if use.params else None,
            out_id=sms.attempt_id,
        )
        body = await sdk_call(self._api().send_sms_async(request))
        _raise_unless_ok(body)
        return SendResult(self.name, sms_ref(str(body.biz_id), sms.to, datetime.now(UTC)), "sent")

    async def sms_status(self, ref: str) -> str:
        biz_id, phone, day = ref.split("|")
        request = sms_models.QuerySendDetailsRequest(
            phone_number=phone, biz_id=biz_id, send_date=day, page_size=10, current_page=1
        )
        body = await sdk_call(self._api().query_send_details_async(request))
        _raise_unless_ok(body)
        details = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
        return sms_send_status(details[0].send_status if details else None)


def _raise_unless_ok(body: sms_models.SendSmsResponseBody | sms_models.QuerySendDetailsResponseBody) -> None:
    """Aliyun answers most business errors with HTTP 200 and a Code other than OK."""
    if body.code != OK:
        raise classify(str(body.code), str(body.message))
