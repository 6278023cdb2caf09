"""What the Aliyun adapters are told: credentials, endpoints, the sign name, template codes, push tokens.

Nested in the notifier's settings as `aliyun`, so from the environment:
`DUTYWATCH_NOTIFIER_ALIYUN__ACCESS_KEY_ID`, `…__SIGN_NAME`, `…__SMS_TEMPLATES='{"alert":"SMS_1…"}'`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from services.runtime.settings import SecretList

__all__ = ["AliyunSettings"]


class AliyunSettings(BaseModel):
    access_key_id: str = Field(default="", description="AccessKey id of a RAM user allowed dysms and dyvms.")
    access_key_secret: SecretStr = Field(default=SecretStr(""), description="Its AccessKey secret.")
    sms_endpoint: str = Field(default="dysmsapi.aliyuncs.com", description="SMS API endpoint (host[:port]).")
    voice_endpoint: str = Field(default="dyvmsapi.aliyuncs.com", description="Voice API endpoint (host[:port]).")
    protocol: Literal["https", "http"] = Field(default="https", description="http only for a local fake.")
    timeout_ms: int = Field(default=10000, ge=100, description="Connect and read timeout of each API call.")
    sign_name: str = Field(default="", description="The approved SMS sign name (签名), e.g. 某市民政局.")
    sms_templates: dict[str, str] = Field(
        default_factory=dict,
        description="Template codes by name (alert, notice, help, already); see adapters/aliyun/templates.py.",
    )
    tts_templates: dict[str, str] = Field(
        default_factory=dict, description="TTS template codes by name (tts_alert, tts_plain, tts_thanks, tts_no_key)."
    )
    show_number: str = Field(
        default="", description="The purchased number calls come from (required for the interactive call)."
    )
    voice_mode: Literal["ivr", "tts"] = Field(
        default="ivr", description="ivr: interactive call, press 1 acknowledges; tts: the message only."
    )
    play_times: int = Field(default=2, ge=1, le=3, description="How often a call plays the message.")
    key_timeout_ms: int = Field(default=10000, ge=1000, description="How long the interactive call waits for a key.")
    push_tokens: SecretList = Field(
        default_factory=list,
        description="Tokens accepted on the HTTP push receivers (header X-Dutywatch-Token, or ?token=… where the "
        "push cannot set a header), comma-separated; several for rotation.",
    )

    @property
    def configured(self) -> bool:
        return bool(self.access_key_id and self.access_key_secret.get_secret_value())

    def required_secrets(self) -> list[str]:
        """With an AccessKey id, its secret and a push token (receipts and replies come only by push)."""
        return ["access_key_secret", "push_tokens"] if self.access_key_id else []
