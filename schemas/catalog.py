"""Decoding: raw bytes from a topic into a typed envelope, or a clear reason why not."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from schemas.envelope import Envelope, Message, envelope_of
from schemas.topics import TOPICS

__all__ = ["InvalidMessage", "Read", "decode", "message_types", "read", "validated"]


class InvalidMessage(ValueError):
    """The bytes are not a valid envelope of a known type; `reason` says why, for the DLQ."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def message_types() -> dict[tuple[str, int], type[Message]]:
    """Every message of the registry by (type, version)."""
    return {(cls.TYPE, cls.VERSION): cls for topic in TOPICS for cls in topic.messages}


_TYPES = message_types()


def decode(raw: bytes | None, allowed: tuple[type[Message], ...] | None = None) -> Envelope[Any]:
    """Parse and validate `raw`; raise InvalidMessage naming the first problem found."""
    return validated(read(raw, allowed))


@dataclass(frozen=True)
class Read:
    """A message parsed but not yet validated: its JSON document and the class its type and version name."""

    document: dict[str, Any]
    cls: type[Message]


def read(raw: bytes | None, allowed: tuple[type[Message], ...] | None = None) -> Read:
    """Parse `raw` and find its message class; raise InvalidMessage if it is not JSON, of no known type, or not
    among `allowed`. Validating it (`validated`) is left to whoever handles that type."""
    document = _json_object(raw)
    key = (document.get("type"), document.get("version"))
    cls = _TYPES.get(key)  # type: ignore[arg-type]
    if cls is None:
        raise InvalidMessage(f"unknown message type {key[0]!r} version {key[1]!r}")
    if allowed is not None and cls not in allowed:
        raise InvalidMessage(f"message type {cls.TYPE!r} does not belong on this topic")
    return Read(document, cls)


def validated(message: Read) -> Envelope[Any]:
    """The envelope of a read message, carried forward to its payload's current version; InvalidMessage if not
    valid."""
    try:
        return _current(envelope_of(message.cls).model_validate(message.document))
    except ValidationError as error:
        raise InvalidMessage(_describe(error)) from None


def _current(envelope: Envelope[Any]) -> Envelope[Any]:
    """An envelope of an old payload version, carried forward to the current one (same identity and provenance)."""
    payload: Message = envelope.payload.upgraded()
    if payload is envelope.payload:
        return envelope
    fields = {name: getattr(envelope, name) for name in type(envelope).model_fields}
    return envelope_of(type(payload))(**{**fields, "version": payload.VERSION, "payload": payload})


def _json_object(raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        raise InvalidMessage("empty message (no value)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidMessage(f"not UTF-8: {error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidMessage(f"not JSON: {error}") from None
    if not isinstance(document, dict):
        raise InvalidMessage("not a JSON object")
    return document


def _describe(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors())
