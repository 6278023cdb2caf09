"""The envelope every message travels in, and the base class of every payload."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import ClassVar, Generic, TypeVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from schemas.values import UnitId

__all__ = ["Envelope", "Message", "envelope_of"]


class Message(BaseModel):
    """A payload: an event (past tense) or a command (imperative). Its `unit_id` is the Kafka key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1

    unit_id: UnitId = Field(description="The unit the message is about; the partition key.")

    def upgraded(self) -> Message:
        """This payload as its type's current version. An old version overrides it to convert itself, so that it
        still decodes and consumers see only the current one."""
        return self


M = TypeVar("M", bound=Message)


class Envelope(BaseModel, Generic[M]):
    """What goes on the wire: identity, provenance and the typed payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID = Field(description="Unique per message; consumers drop a second delivery of the same id.")
    type: str = Field(description="The payload's message type, e.g. `incident.reported`.")
    version: int = Field(ge=1, description="The payload schema's version.")
    occurred_at: AwareDatetime = Field(description="When it happened, in UTC.")
    producer: str = Field(min_length=1, description="The service that produced it.")
    correlation_id: str | None = Field(
        default=None, description="The incident, escalation run or shift this message belongs to."
    )
    payload: M

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @classmethod
    def wrap(
        cls,
        payload: M,
        *,
        producer: str,
        occurred_at: datetime,
        correlation_id: str | None = None,
        event_id: UUID | None = None,
    ) -> Envelope[M]:
        return envelope_of(type(payload))(
            event_id=event_id or uuid4(),
            type=payload.TYPE,
            version=payload.VERSION,
            occurred_at=occurred_at,
            producer=producer,
            correlation_id=correlation_id,
            payload=payload,
        )

    @property
    def key(self) -> str:
        return self.payload.unit_id

    def to_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()


@functools.cache
def envelope_of(cls: type[M]) -> type[Envelope[M]]:
    """`Envelope[cls]`, kept: pydantic holds its parametrized classes only weakly, and one that was collected
    is built again (a new class and validator, milliseconds) the next time it is named."""
    return Envelope[cls]  # type: ignore[valid-type]
