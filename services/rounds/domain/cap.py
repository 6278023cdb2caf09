"""CAP 1.2 (OASIS Common Alerting Protocol) weather warnings: the XML the meteorological service publishes.

Parsed with defusedxml (no entities, no external references). What is missing or malformed raises CapInvalid
naming the element, so the sender can fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeXml
from defusedxml import DefusedXmlException

__all__ = ["CapInvalid", "CapSeverity", "Warning", "covered_units", "parse_cap"]

NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
DEFAULT_DURATION = timedelta(hours=24)
ACTIONABLE_STATUS = "Actual"


class CapSeverity(IntEnum):
    """CAP's severities, ordered; Chinese warning colours map onto them (蓝 Minor … 红 Extreme)."""

    UNKNOWN = 0
    MINOR = 1
    MODERATE = 2
    SEVERE = 3
    EXTREME = 4

    @classmethod
    def named(cls, name: str) -> CapSeverity:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise CapInvalid(
                f"info/severity: {name!r} is not one of Extreme, Severe, Moderate, Minor, Unknown"
            ) from None


class CapInvalid(ValueError):
    """The document is not a CAP 1.2 alert we can act on; the message names what is wrong."""


@dataclass(frozen=True)
class Warning:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    event: str
    headline: str
    description: str
    severity: CapSeverity
    onset: datetime
    expires: datetime
    area_desc: str
    geocodes: tuple[str, ...]

    @property
    def actionable(self) -> bool:
        return self.status == ACTIONABLE_STATUS and self.msg_type in ("Alert", "Update")

    def in_force(self, at: datetime) -> bool:
        return self.onset <= at < self.expires


def parse_cap(document: str | bytes) -> Warning:
    root = _root(document)
    info = root.find("cap:info", NS)
    if info is None:
        raise CapInvalid("alert/info: missing (a warning needs at least one <info>)")
    area = info.find("cap:area", NS)
    if area is None:
        raise CapInvalid("info/area: missing (the warning must say where it applies)")
    sent = _when(_text(root, "sent", "alert"), "alert/sent")
    onset = _optional_when(info, "onset") or _optional_when(info, "effective") or sent
    return Warning(
        identifier=_text(root, "identifier", "alert"),
        sender=_text(root, "sender", "alert"),
        sent=sent,
        status=_text(root, "status", "alert"),
        msg_type=_text(root, "msgType", "alert"),
        event=_text(info, "event", "info"),
        headline=_optional_text(info, "headline") or _text(info, "event", "info"),
        description=_optional_text(info, "description") or "",
        severity=CapSeverity.named(_text(info, "severity", "info")),
        onset=onset,
        expires=_optional_when(info, "expires") or onset + DEFAULT_DURATION,
        area_desc=_text(area, "areaDesc", "info/area"),
        geocodes=tuple(
            value.text.strip()
            for value in area.findall("cap:geocode/cap:value", NS)
            if value.text and value.text.strip()
        ),
    )


def _root(document: str | bytes) -> Element:
    try:
        root = SafeXml.fromstring(document)
    except DefusedXmlException as error:
        raise CapInvalid(f"refused: {error} (entities and external references are not accepted)") from None
    except SafeXml.ParseError as error:
        raise CapInvalid(f"not well-formed XML: {error}") from None
    if root.tag != f"{{{NS['cap']}}}alert":
        raise CapInvalid(f"root element is {root.tag!r}; expected <alert> in namespace {NS['cap']}")
    return root


def _optional_text(parent: Element, name: str) -> str | None:
    element = parent.find(f"cap:{name}", NS)
    return element.text.strip() if element is not None and element.text and element.text.strip() else None


def _text(parent: Element, name: str, where: str) -> str:
    value = _optional_text(parent, name)
    if value is None:
        raise CapInvalid(f"{where}/{name}: missing or empty")
    return value


def _optional_when(parent: Element, name: str) -> datetime | None:
    value = _optional_text(parent, name)
    return None if value is None else _when(value, f"info/{name}")


def _when(value: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CapInvalid(f"{where}: {value!r} is not a date-time like 2026-12-06T08:00:00+08:00") from None
    if moment.tzinfo is None:
        raise CapInvalid(f"{where}: {value!r} has no time zone offset (CAP requires one)")
    return moment


def covered_units(warning: Warning, areas: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Units whose area codes or names the warning's area covers: a code covers every code under it (420300, the
    city, covers 420303, a district), and a name in areaDesc covers that unit."""
    prefixes = [code.rstrip("0") for code in warning.geocodes if code.strip("0")]
    return sorted(
        unit_id
        for unit_id, codes in areas.items()
        if any(code.startswith(prefix) for code in codes for prefix in prefixes)
        or any(not code.isdigit() and code in warning.area_desc for code in codes)
    )
