"""Aliyun voice through `alibabacloud-dyvmsapi20170525`: the interactive IvrCall (press 1) or SingleCallByTts.

The interactive call speaks the TTS_ALERT template, played `play_times` times, maps key 1 to the thanks
template and says the no-key template when nobody pressed. The plain call speaks TTS_PLAIN, which asks for an
SMS reply instead. The key press comes back in the call's receipt (VoiceReport `dtmf`, or VoiceCallReport
status 300000), not in this response. Receipts name the call by its CallId, which is the reference this adapter
returns (OutId is 15 bytes at most: too short for an attempt id).
"""

from __future__ import annotations

import json

from alibabacloud_dyvmsapi20170525 import models as voice_models
from alibabacloud_dyvmsapi20170525.client import Client as VoiceClient

from services.notifier.adapters.aliyun.calls import national, sdk_call, sdk_config
from services.notifier.adapters.aliyun.codes import OK, classify
from services.notifier.adapters.aliyun.config import AliyunSettings
from services.notifier.adapters.aliyun.templates import TTS_ALERT, TTS_NO_KEY, TTS_PLAIN, TTS_THANKS, tts_content
from services.notifier.ports import OutboundCall, SendResult, UnsupportedDeliveryError

__all__ = ["ACK_KEY", "AliyunVoice"]

ACK_KEY = "1"
OUT_ID_BYTES = 15


class AliyunVoice:
    name = "aliyun"

    def __init__(self, settings: AliyunSettings) -> None:
        self._settings = settings
        self._client: VoiceClient | None = None

    def _api(self) -> VoiceClient:
        if self._client is None:
            self._client = VoiceClient(sdk_config(self._settings, self._settings.voice_endpoint))
        return self._client

    def _tts_code(self, name: str) -> str:
        code = self._settings.tts_templates.get(name)
        if not code:
            raise UnsupportedDeliveryError("template-not-configured", f"no Aliyun TTS template code for {name!r}")
        return code

    async def place_call(self, call: OutboundCall) -> SendResult:
        params = json.dumps({"content": tts_content(call.script)}, ensure_ascii=False)
        if self._settings.voice_mode == "ivr":
            body = await sdk_call(self._api().ivr_call_async(self._ivr_request(call, params)))
        else:
            body = await sdk_call(self._api().single_call_by_tts_async(self._tts_request(call, params)))
        if body.code != OK:
            raise classify(str(body.code), str(body.message))
        return SendResult(self.name, str(body.call_id), "sent")

    def _ivr_request(self, call: OutboundCall, params: str) -> voice_models.IvrCallRequest:
        thanks = voice_models.IvrCallRequestMenuKeyMap(key=ACK_KEY, code=self._tts_code(TTS_THANKS.name))
        return voice_models.IvrCallRequest(
            called_number=national(call.to),
            called_show_number=self._settings.show_number,
            start_code=self._tts_code(TTS_ALERT.name),
            start_tts_params=params,
            menu_key_map=[thanks],
            play_times=self._settings.play_times,
            timeout=self._settings.key_timeout_ms,
            bye_code=self._tts_code(TTS_NO_KEY.name),
            out_id=call.attempt_id[:OUT_ID_BYTES],
        )

    def _tts_request(self, call: OutboundCall, params: str) -> voice_models.SingleCallByTtsRequest:
        return voice_models.SingleCallByTtsRequest(
            called_number=national(call.to),
            called_show_number=self._settings.show_number or None,
            tts_code=self._tts_code(TTS_PLAIN.name),
            tts_param=params,
            play_times=self._settings.play_times,
            out_id=call.attempt_id[:OUT_ID_BYTES],
        )
