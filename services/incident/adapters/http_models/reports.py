"""A report over HTTP: the body that files one, a first report's draft and its sign-off, a report as filed and
whom it reached."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.report_form import ReportForm
from schemas.values import Channel, Person, RecipientRole, ReportKind
from services.incident.domain import Delivery, Draft, Report, Source

__all__ = ["DeliveryOut", "DraftOut", "ReportIn", "ReportOut", "SignOffIn"]


class ReportIn(BaseModel):
    """A report: the official form (`form`), or free text (`text`) as before the form existed."""

    model_config = ConfigDict(extra="forbid")

    kind: ReportKind = Field(description="first (首报), follow_up (续报) or final (终报).")
    text: str | None = Field(default=None, min_length=1, max_length=4000, description="The report as free text.")
    form: ReportForm | None = Field(default=None, description="The 突发事件信息报告 form.")
    filed_by: str = Field(min_length=1, max_length=100, description="Who files it.")

    @model_validator(mode="after")
    def _text_or_form(self) -> Self:
        if (self.text is None) == (self.form is None):
            raise ValueError("give either form (the official form) or text, not both")
        if self.form is not None and self.form.kind is not self.kind:
            raise ValueError(f"form.kind is {self.form.kind.value} but kind is {self.kind.value}")
        return self


class SignOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: str = Field(min_length=1, max_length=100, description="The duty leader who signs (签发).")


class DraftOut(BaseModel):
    """A 首报 waiting for the duty leader's 签发."""

    id: str
    incident_id: str
    filed_by: str
    drafted_at: datetime
    leader: Person | None = Field(description="Who is asked to sign it.")
    state: str = Field(description="pending, signed, or unsigned (sent without it before the deadline).")
    text: str

    @classmethod
    def of(cls, draft: Draft) -> DraftOut:
        fields = {name: getattr(draft, name) for name in cls.model_fields}
        return cls(**fields)


class DeliveryOut(BaseModel):
    role: RecipientRole
    name: str
    phone: str
    delivered_at: datetime | None
    channel: Channel | None
    acknowledged_at: datetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(
            **delivery.recipient.model_dump(),
            delivered_at=delivery.delivered_at,
            channel=delivery.channel,
            acknowledged_at=delivery.acknowledged_at,
        )


class ReportOut(BaseModel):
    id: int | None
    kind: ReportKind
    text: str
    filed_by: str
    filed_at: datetime
    late: bool
    source: Source
    form: ReportForm | None = Field(default=None, description="The form, when it was filed as one.")
    deliveries: list[DeliveryOut] = Field(default_factory=list)

    @classmethod
    def of(cls, report: Report, deliveries: Iterable[Delivery] = ()) -> ReportOut:
        fields = {key: value for key, value in vars(report).items() if key != "incident_id"}
        return cls(**fields, deliveries=[DeliveryOut.of(delivery) for delivery in deliveries])
