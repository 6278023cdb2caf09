"""The fake Aliyun approved as an operator would have it, and adapter settings pointing the real SDKs at it."""

from __future__ import annotations

from services.notifier.adapters.aliyun.config import AliyunSettings
from services.notifier.adapters.aliyun.templates import SMS_TEMPLATES, TTS_TEMPLATES
from testbed.fakes.aliyun import DEFAULT_ACCESS_KEY_SECRET, FakeAliyun

SIGN_NAME = "某市民政值班"
SHOW_NUMBER = "057112345678"
PUSH_TOKEN = "aliyun-push-token"
SMS_CODES = {template.name: f"SMS_{100 + n}" for n, template in enumerate(SMS_TEMPLATES)}
TTS_CODES = {template.name: f"TTS_{200 + n}" for n, template in enumerate(TTS_TEMPLATES)}


def approve_all(fake: FakeAliyun) -> None:
    """The sign name and every template approved, under the codes the settings name."""
    texts = {SMS_CODES[t.name]: t.text for t in SMS_TEMPLATES} | {TTS_CODES[t.name]: t.text for t in TTS_TEMPLATES}
    fake.approve([SIGN_NAME], texts)


def aliyun_settings(fake: FakeAliyun, **overrides: object) -> AliyunSettings:
    values: dict[str, object] = {
        "access_key_id": fake.access_key_id,
        "access_key_secret": DEFAULT_ACCESS_KEY_SECRET,
        "sms_endpoint": fake.endpoint,
        "voice_endpoint": fake.endpoint,
        "protocol": "http",
        "timeout_ms": 3000,
        "sign_name": SIGN_NAME,
        "sms_templates": SMS_CODES,
        "tts_templates": TTS_CODES,
        "show_number": SHOW_NUMBER,
        "push_tokens": [PUSH_TOKEN, "previous-token"],
    }
    return AliyunSettings.model_validate(values | overrides)
