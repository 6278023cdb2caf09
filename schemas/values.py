"""The value types every contract shares: ids, phone numbers, severities, incident types."""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "Channel",
    "IncidentType",
    "Origin",
    "Person",
    "PersonId",
    "PhoneNumber",
    "Recipient",
    "RecipientRole",
    "ReportKind",
    "Severity",
    "UnitId",
    "UnitKind",
    "parse_phone",
]

DEFAULT_REGION = "CN"


@functools.lru_cache(maxsize=4096)  # the same officers' numbers come in every event: parsing one costs ~20 µs
def parse_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """Return the E.164 form of `text` (`138 1234 5678`, `+86 138…`); ValueError when it is no valid number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"{text!r} is not a phone number: {error}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{text!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


PhoneNumber = Annotated[
    str,
    AfterValidator(parse_phone),
    Field(description="A phone number, stored and sent as E.164 (+8613812345678).", examples=["+8613812345678"]),
]

UnitId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$"),
    Field(description="A unit's stable id (lowercase letters, digits, '.', '_', '-').", examples=["city-bureau"]),
]

PersonId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$"),
    Field(description="A person's stable id in the roster.", examples=["wang-fang"]),
]


class Severity(StrEnum):
    """The four grades of the national emergency classification."""

    I = "I"  # noqa: E741 — the grade is written with the Roman numeral
    II = "II"
    III = "III"
    IV = "IV"

    @property
    def label(self) -> str:
        return {"I": "特别重大", "II": "重大", "III": "较大", "IV": "一般"}[self.value]

    @property
    def is_major(self) -> bool:
        """Grades I and II notify the duty leader at once and may have a shorter report deadline."""
        return self in (Severity.I, Severity.II)


class IncidentType(StrEnum):
    """The incidents the winter notice names, and `other`."""

    FIRE = "fire"
    CO_POISONING = "co_poisoning"
    FOOD_POISONING = "food_poisoning"
    MISSING_PERSON = "missing_person"
    ACCIDENTAL_INJURY = "accidental_injury"
    COLD_EXPOSURE = "cold_exposure"
    ROUGH_SLEEPER = "rough_sleeper"
    DISASTER_DAMAGE = "disaster_damage"
    OTHER = "other"

    @property
    def label(self) -> str:
        return INCIDENT_TYPE_LABELS[self]


INCIDENT_TYPE_LABELS: dict[IncidentType, str] = {
    IncidentType.FIRE: "火灾",
    IncidentType.CO_POISONING: "一氧化碳中毒",
    IncidentType.FOOD_POISONING: "食物中毒",
    IncidentType.MISSING_PERSON: "人员走失",
    IncidentType.ACCIDENTAL_INJURY: "意外伤害",
    IncidentType.COLD_EXPOSURE: "冻伤冻亡",
    IncidentType.ROUGH_SLEEPER: "流浪人员遇险",
    IncidentType.DISASTER_DAMAGE: "灾害损失",
    IncidentType.OTHER: "其他",
}


class ReportKind(StrEnum):
    """首报, 续报 and 终报."""

    FIRST = "first"
    FOLLOW_UP = "follow_up"
    FINAL = "final"

    @property
    def label(self) -> str:
        return {"first": "首报", "follow_up": "续报", "final": "终报"}[self.value]

    @property
    def answers(self) -> tuple[ReportKind, ...]:
        """The reports whose clocks and reminders a report of this kind ends: its own; the 终报 also the 续报's."""
        if self is ReportKind.FINAL:
            return (ReportKind.FOLLOW_UP, ReportKind.FINAL)
        return (self,)


class Origin(StrEnum):
    """Who told us of an incident: the unit itself, or another source (what makes a silent unit's 漏报)."""

    UNIT = "unit"
    EMERGENCY_MANAGEMENT = "emergency_management"
    HOTLINE = "hotline"
    CITY_DUTY_ROOM = "city_duty_room"
    PARENT_BUREAU = "parent_bureau"
    OTHER = "other"
    """Another system or office allowed for every unit that did not say which it is."""

    @property
    def label(self) -> str:
        return {
            "unit": "本单位",
            "emergency_management": "应急管理",
            "hotline": "热线",
            "city_duty_room": "市总值班室",
            "parent_bureau": "上级主管部门",
            "other": "其他来源",
        }[self.value]


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"


class RecipientRole(StrEnum):
    """Who must receive a unit's reports."""

    PARTY_COMMITTEE = "party_committee"
    GOVERNMENT = "government"
    MUNICIPAL_BUREAU = "municipal_bureau"

    @property
    def label(self) -> str:
        return {"party_committee": "党委", "government": "政府", "municipal_bureau": "市民政局"}[self.value]


class HolidaySource(StrEnum):
    """Where the holidays behind a shift came from."""

    OFFICIAL = "official"
    """The State Council's published schedule (chinese-calendar, or the operator's holidays file)."""
    ESTIMATED = "estimated"
    """Computed statutory holidays for a year whose schedule nobody has entered yet; make-up working days unknown."""


class UnitKind(StrEnum):
    MUNICIPAL_BUREAU = "municipal_bureau"
    DUTY_ROOM = "duty_room"
    DISTRICT_BUREAU = "district_bureau"
    WELFARE_HOME = "welfare_home"
    RESCUE_STATION = "rescue_station"
    OTHER = "other"


class Person(BaseModel):
    """Somebody who can be reached: an officer, a leader, a duty room."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: PersonId
    name: str = Field(min_length=1, max_length=64, description="The name as the office writes it.")
    phone: PhoneNumber


class Recipient(BaseModel):
    """A duty room that must receive a unit's reports (party committee, government, municipal bureau)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: RecipientRole = Field(description="Which of the three report recipients this is.")
    name: str = Field(min_length=1, max_length=64, description="The duty room's name.")
    phone: PhoneNumber
