"""The shapes of Aliyun's HTTP batch pushes (each a JSON array of these), and what they mean to us.

SmsReport (delivery receipt), SmsUp (an uplink SMS: a reply), VoiceCallReport (a call's progress, and key
presses with status 300000), VoiceReport (a call's result, with the keys pressed in `dtmf`). Fields we do not
use are ignored; the ones we need are required, so a push without them is a clear 422.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from services.notifier.adapters.aliyun.voice import ACK_KEY

__all__ = [
    "SMS_REPORTS",
    "SMS_UPS",
    "VOICE_CALL_REPORTS",
    "VOICE_REPORTS",
    "SmsReport",
    "SmsUp",
    "VoiceReport",
    "keys_pressed",
]


class _Push(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SmsReport(_Push):
    phone_number: str = Field(description="The number, without +86.")
    success: bool = Field(description="Whether the phone received it.")
    err_code: str = Field(default="", description="DELIVERED, or the carrier's failure code.")
    biz_id: str = Field(default="", description="The BizId SendSms returned.")
    out_id: str = Field(description="The OutId given to SendSms: our attempt id.")


class SmsUp(_Push):
    phone_number: str = Field(description="Who replied, without +86.")
    content: str = Field(description="What they wrote.")
    send_time: str = Field(default="", description="When, Beijing time.")
    sequence_id: int | str | None = Field(default=None, description="Aliyun's id of this uplink message.")

    @property
    def ref(self) -> str:
        """The inbound message's reference, so a re-pushed reply is read once."""
        if self.sequence_id is not None:
            return f"aliyun-up-{self.sequence_id}"
        # A digest of the content, the same in every process and after every restart (hash() is salted per process).
        digest = hashlib.sha256(self.content.encode()).hexdigest()[:16]
        return f"aliyun-up-{self.phone_number}-{self.send_time}-{digest}"


class VoiceReport(_Push):
    call_id: str = Field(description="The CallId the call request returned.")
    status_code: str = Field(description="The call's result (200000 heard, 200002 busy, 200003 no answer, …).")
    dtmf: str = Field(default="", description="Keys pressed in an interactive call.")
    out_id: str = Field(default="", description="The OutId of the call request.")


class VoiceCallReport(_Push):
    call_id: str = Field(description="The CallId the call request returned.")
    status_code: str = Field(description="Progress (200101 calling, 200201 ringing, 200102 answered) or 300000.")
    dtmf: str = Field(default="", description="Keys pressed, with status 300000.")


SMS_REPORTS = TypeAdapter(list[SmsReport])
SMS_UPS = TypeAdapter(list[SmsUp])
VOICE_REPORTS = TypeAdapter(list[VoiceReport])
VOICE_CALL_REPORTS = TypeAdapter(list[VoiceCallReport])


def keys_pressed(dtmf: str) -> str | None:
    """The key a press means to the notifier: 1 (acknowledge) if it was among the keys, else what was pressed."""
    if not dtmf:
        return None
    return ACK_KEY if ACK_KEY in dtmf else dtmf
