"""Integration tier: the Aliyun adapters through the real SDKs against the fake Aliyun HTTP endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from services.notifier.adapters.aliyun.provider import AliyunProvider
from services.notifier.ports import (
    DeliveryError,
    OutboundCall,
    OutboundSms,
    PermanentDeliveryError,
    RetryableDeliveryError,
    UnsupportedDeliveryError,
)
from testbed.fakes.aliyun import FakeAliyun
from tests.notifier_aliyun.fixtures import SHOW_NUMBER, SIGN_NAME, SMS_CODES, TTS_CODES, aliyun_settings, approve_all

PHONE = "+8613800138001"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAliyun]:
    with FakeAliyun(step_delay=0.01) as fake:
        yield fake


@pytest.fixture(autouse=True)
def approved(fake: FakeAliyun) -> None:
    fake.reset()
    approve_all(fake)


@pytest.fixture
def aliyun(fake: FakeAliyun) -> AliyunProvider:
    return AliyunProvider(aliyun_settings(fake))


def alert(to: str = PHONE, attempt_id: str = "attempt-1") -> OutboundSms:
    return OutboundSms(attempt_id, to, "【较大】城南福利院火灾：二号楼（12-01 10:00）回复1或4821确认", "http://unused")


def call(to: str = PHONE) -> OutboundCall:
    return OutboundCall("4f6c1b7e-0a3d-4c55-9a61-2f1e0d9c8b7a", to, "城南福利院发生火灾。确认请按1。", "u", "u")


async def test_send_sms_uses_the_sign_name_template_and_parameters(fake: FakeAliyun, aliyun: AliyunProvider) -> None:
    """SendSms carries the sign name, the alert template's code, its JSON parameters and our attempt id."""
    result = await aliyun.send_sms(alert())
    [request] = fake.requests
    assert request.action == "SendSms"
    assert request.params["PhoneNumbers"] == "13800138001"
    assert (request.params["SignName"], request.params["TemplateCode"]) == (SIGN_NAME, SMS_CODES["alert"])
    assert json.loads(request.params["TemplateParam"])["code"] == "4821"
    assert request.params["OutId"] == "attempt-1"
    [sms] = fake.messages_to(PHONE)
    assert sms.text == f"【{SIGN_NAME}】值班提醒：〔较大〕城南福利院火灾：二号楼（12-01 10:00），回复1或4821确认。"
    assert (result.provider, result.ref.split("|")[0]) == ("aliyun", sms.biz_id)


async def test_sms_status_is_polled_with_query_send_details(fake: FakeAliyun, aliyun: AliyunProvider) -> None:
    """A sent message reads `sent` until its receipt, then `delivered`; a failed one `undelivered`."""
    fake.set_sms_outcome("+8613800138002", delivered=False, err_code="MK:0001")
    delivered = await aliyun.send_sms(alert())
    failed = await aliyun.send_sms(alert("+8613800138002"))
    await fake.wait_idle()
    assert await aliyun.sms_status(delivered.ref) == "delivered"
    assert await aliyun.sms_status(failed.ref) == "undelivered"


@pytest.mark.parametrize(
    ("code", "http_status", "kind"),
    [
        ("isv.BUSINESS_LIMIT_CONTROL", 200, RetryableDeliveryError),
        ("isp.SYSTEM_ERROR", 200, RetryableDeliveryError),
        ("Throttling.User", 400, RetryableDeliveryError),
        ("ServiceUnavailable", 503, RetryableDeliveryError),
        ("isv.MOBILE_NUMBER_ILLEGAL", 200, PermanentDeliveryError),
        ("isv.SMS_TEMPLATE_ILLEGAL", 200, PermanentDeliveryError),
    ],
)
async def test_injected_errors_map_to_retryable_or_permanent(
    fake: FakeAliyun, aliyun: AliyunProvider, code: str, http_status: int, kind: type[DeliveryError]
) -> None:
    """Aliyun's codes, as the SDK reports them (HTTP 200 with a Code, or an HTTP error), become our error kinds."""
    fake.fail_next(1, code, http_status)
    with pytest.raises(kind) as raised:
        await aliyun.send_sms(alert())
    assert raised.value.code == code
    assert fake.messages_to(PHONE) == []


async def test_a_template_the_account_lacks_is_permanent(fake: FakeAliyun) -> None:
    """A template code that was never approved is the fake's isv.SMS_TEMPLATE_ILLEGAL, a permanent error."""
    aliyun = AliyunProvider(aliyun_settings(fake, sms_templates={**SMS_CODES, "alert": "SMS_NOT_APPROVED"}))
    with pytest.raises(PermanentDeliveryError) as raised:
        await aliyun.send_sms(alert())
    assert raised.value.code == "isv.SMS_TEMPLATE_ILLEGAL"


async def test_a_wrong_access_key_and_an_unreachable_endpoint_are_retryable(fake: FakeAliyun) -> None:
    """Credentials the fake does not know, or nothing listening, are the provider side's: another may carry it."""
    wrong_key = AliyunProvider(aliyun_settings(fake, access_key_id="LTAI-unknown"))
    with pytest.raises(RetryableDeliveryError) as raised:
        await wrong_key.send_sms(alert())
    assert raised.value.code == "InvalidAccessKeyId.NotFound"
    nowhere = AliyunProvider(aliyun_settings(fake, sms_endpoint="127.0.0.1:9", timeout_ms=500))
    with pytest.raises(RetryableDeliveryError):
        await nowhere.send_sms(alert())


async def test_numbers_outside_the_mainland_are_unsupported(fake: FakeAliyun, aliyun: AliyunProvider) -> None:
    """A +852 number never reaches Aliyun's domestic API: UnsupportedDeliveryError, route elsewhere."""
    with pytest.raises(UnsupportedDeliveryError):
        await aliyun.send_sms(alert("+85291234567"))
    with pytest.raises(UnsupportedDeliveryError):
        await aliyun.place_call(call("+85291234567"))
    assert fake.requests == []


async def test_interactive_call_maps_key_one_to_thanks_and_plays_twice(
    fake: FakeAliyun, aliyun: AliyunProvider
) -> None:
    """IvrCall: the alert TTS template with its content, played twice, key 1 → thanks, no key → the bye template."""
    result = await aliyun.place_call(call())
    [request] = fake.requests
    assert request.action == "IvrCall"
    assert request.params["CalledShowNumber"] == SHOW_NUMBER
    assert request.params["PlayTimes"] == "2"
    assert request.params["StartCode"] == TTS_CODES["tts_alert"]
    assert json.loads(request.params["StartTtsParams"]) == {"content": "城南福利院发生火灾"}
    assert request.params["ByeCode"] == TTS_CODES["tts_no_key"]
    assert len(request.params["OutId"]) == 15
    [placed] = fake.calls_to(PHONE)
    assert placed.menu == {"1": TTS_CODES["tts_thanks"]}
    assert placed.text == "值班通知：城南福利院发生火灾。确认收到请按1。"
    assert result.ref == placed.call_id


async def test_plain_tts_call_when_configured(fake: FakeAliyun) -> None:
    """voice_mode=tts: SingleCallByTts with the plain template (no key to press), played twice."""
    aliyun = AliyunProvider(aliyun_settings(fake, voice_mode="tts"))
    await aliyun.place_call(call())
    [request] = fake.requests
    assert (request.action, request.params["TtsCode"], request.params["PlayTimes"]) == (
        "SingleCallByTts",
        TTS_CODES["tts_plain"],
        "2",
    )


async def test_call_errors_are_classified_like_sms_errors(fake: FakeAliyun, aliyun: AliyunProvider) -> None:
    """Flow control on a call is retryable; an illegal called number permanent."""
    fake.fail_next(1, "isv.BUSINESS_LIMIT_CONTROL", action="IvrCall")
    with pytest.raises(RetryableDeliveryError):
        await aliyun.place_call(call())
    with pytest.raises(PermanentDeliveryError) as raised:
        await aliyun.place_call(call("+8613800"))
    assert raised.value.code == "isv.MOBILE_NUMBER_ILLEGAL"


async def test_unconfigured_template_code_is_unsupported(fake: FakeAliyun) -> None:
    """A deployment without the TTS codes cannot call through Aliyun: unsupported, so the failover moves on."""
    aliyun = AliyunProvider(aliyun_settings(fake, tts_templates={}))
    with pytest.raises(UnsupportedDeliveryError):
        await aliyun.place_call(call())
