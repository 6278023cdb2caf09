"""A handover (交接班) over HTTP: the record, its signatures, and the body that signs it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from schemas.values import Person
from services.incident.domain import Handover, HandoverItem, SignRole

__all__ = ["HandoverOut", "SignIn", "SignatureOut"]


class SignatureOut(BaseModel):
    by: str = Field(description="Who signed.")
    at: datetime
    via: str = Field(description="sms (the incoming officer's reply 接班) or http (the API or the board).")


class HandoverOut(BaseModel):
    """A handover (交接班): from whom, to whom, when, which open items, and who signed it when."""

    id: str
    unit_id: str
    shift_id: str
    from_officer: Person | None
    to_officer: Person
    at: datetime
    items: list[HandoverItem] = Field(description="Each open incident and the report it waits for next.")
    acknowledged_at: datetime | None = Field(description="When the incoming officer signed (by SMS or not).")
    outgoing_signature: SignatureOut | None = Field(description="交班人's signature.")
    incoming_signature: SignatureOut | None = Field(description="接班人's signature; the reply 接班 is one.")

    @classmethod
    def of(cls, handover: Handover) -> HandoverOut:
        return cls.model_validate(vars(handover) | {"acknowledged_at": handover.acknowledged_at}, from_attributes=True)


class SignIn(BaseModel):
    """A signature on a handover record."""

    model_config = ConfigDict(extra="forbid")

    role: SignRole = Field(description="outgoing (交班人) or incoming (接班人).")
    by: str = Field(min_length=1, max_length=100, description="Who signs.")
